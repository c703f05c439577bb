//! The path rules of the unpack policy, on paths alone (no disk access):
//! what an entry's name may be, and where a symlink may point.

use std::path::{Component, Path, PathBuf};

use super::Refusal;

/// The entry's path made relative and clean (`.` dropped), or `None` for
/// the archive's root itself (`./`, `` ``).
pub(super) fn entry_path(raw: &Path) -> Result<Option<PathBuf>, Refusal> {
    let mut clean = PathBuf::new();
    for component in raw.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => return Err(Refusal::AbsolutePath),
            Component::ParentDir => return Err(Refusal::ParentDir),
            Component::CurDir => {}
            Component::Normal(part) => clean.push(part),
        }
    }
    Ok((!clean.as_os_str().is_empty()).then_some(clean))
}

/// Checks that a symlink at `link` (a clean relative path, see
/// [`entry_path`]) pointing at `target` stays inside: `target` is relative,
/// its `..` components all come first, and they climb no higher than the
/// destination.
pub(super) fn check_link_target(link: &Path, target: &Path) -> Result<(), Refusal> {
    let shown = || target.to_string_lossy().into_owned();
    if target.as_os_str().is_empty() {
        return Err(Refusal::LinkEscapes(shown()));
    }
    // Folders between the destination and the link.
    let mut depth = link.components().count() - 1;
    let mut descended = false;
    for component in target.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => {
                return Err(Refusal::AbsoluteLinkTarget(shown()));
            }
            Component::CurDir => {}
            // After a name, `..` would apply to whatever that name
            // resolves to, which may itself be a link: refuse.
            Component::ParentDir if descended => return Err(Refusal::LinkEscapes(shown())),
            Component::ParentDir => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| Refusal::LinkEscapes(shown()))?;
            }
            Component::Normal(_) => descended = true,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(link: &str, target: &str) -> Result<(), Refusal> {
        check_link_target(Path::new(link), Path::new(target))
    }

    #[test]
    fn entry_paths_are_cleaned_of_dots() {
        assert_eq!(
            entry_path(Path::new("./a/./b/")).unwrap(),
            Some(PathBuf::from("a/b"))
        );
        assert_eq!(entry_path(Path::new("./")).unwrap(), None);
    }

    #[test]
    fn entry_paths_that_climb_or_start_at_the_root_are_refused() {
        assert_eq!(entry_path(Path::new("../x")), Err(Refusal::ParentDir));
        assert_eq!(entry_path(Path::new("a/../../x")), Err(Refusal::ParentDir));
        assert_eq!(entry_path(Path::new("/etc/x")), Err(Refusal::AbsolutePath));
    }

    #[test]
    fn links_to_siblings_and_up_to_the_root_are_accepted() {
        link("lib/libfoo.so", "libfoo.so.1").unwrap();
        link("bin/game", "../lib/game").unwrap();
        link("a/b/c", "../../x/./y").unwrap();
        link("here", ".").unwrap();
    }

    #[test]
    fn links_that_climb_above_the_destination_are_refused() {
        assert!(matches!(link("x", ".."), Err(Refusal::LinkEscapes(_))));
        assert!(matches!(
            link("a/x", "../../etc"),
            Err(Refusal::LinkEscapes(_))
        ));
    }

    #[test]
    fn links_with_dot_dot_after_a_name_are_refused() {
        // `d/s -> ..` is fine alone, but through it `d/s/../..` is outside.
        assert!(matches!(
            link("e", "d/s/../.."),
            Err(Refusal::LinkEscapes(_))
        ));
        assert!(matches!(link("e", "a/../b"), Err(Refusal::LinkEscapes(_))));
    }

    #[test]
    fn absolute_and_empty_link_targets_are_refused() {
        assert!(matches!(
            link("x", "/etc"),
            Err(Refusal::AbsoluteLinkTarget(_))
        ));
        assert!(matches!(link("x", ""), Err(Refusal::LinkEscapes(_))));
    }
}
