//! What to upload, decided before anything is sent: the files a list of
//! names and globs stands for (each a non-empty regular file), the platform
//! of each (given, or guessed from its name), and the name of each build.
//! A file that cannot be uploaded stops the command before the first byte.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use playtest_types::BuildPlatform;

/// File name endings and the platform they mean, longest first so that
/// `.app.zip` is seen before `.zip` would be. Matched without case.
const ENDINGS: [(&str, BuildPlatform); 13] = [
    (".app.zip", BuildPlatform::IosSimulator),
    (".appimage", BuildPlatform::Linux),
    (".x86_64", BuildPlatform::Linux),
    (".tar.gz", BuildPlatform::Linux),
    (".tgz", BuildPlatform::Linux),
    (".apk", BuildPlatform::Android),
    (".aab", BuildPlatform::Android),
    (".ipa", BuildPlatform::IosNative),
    (".app", BuildPlatform::IosSimulator),
    (".exe", BuildPlatform::Windows),
    (".msi", BuildPlatform::Windows),
    (".dmg", BuildPlatform::Macos),
    (".pkg", BuildPlatform::Macos),
];

/// The platform a file name implies, or why there is none.
pub fn guess_platform(file_name: &str) -> Result<BuildPlatform, String> {
    let lower = file_name.to_lowercase();
    if let Some((_, platform)) = ENDINGS.iter().find(|(end, _)| lower.ends_with(end)) {
        return Ok(*platform);
    }
    if lower.ends_with(".zip") {
        return Err(format!(
            "cannot tell the platform of {file_name}: a .zip may hold a web, Windows, Linux or \
             macOS build; pass --platform (e.g. --platform web)"
        ));
    }
    Err(format!(
        "cannot tell the platform of {file_name} from its name; pass --platform \
         (see `playtest upload --help` for the names it understands)"
    ))
}

/// The files `patterns` stand for, in order, each once. A pattern naming
/// an existing file is that file; one with `*`, `?` or `[` is expanded
/// (folders among the matches are skipped); anything else must exist.
pub fn expand(patterns: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        let literal = Path::new(pattern);
        let found = if literal.exists() || !pattern.contains(['*', '?', '[']) {
            vec![literal.to_path_buf()]
        } else {
            let matches = glob::glob(pattern)
                .with_context(|| format!("'{pattern}' is not a valid glob"))?
                .filter_map(Result::ok)
                .filter(|path| !path.is_dir())
                .collect::<Vec<_>>();
            if matches.is_empty() {
                bail!("no file matches '{pattern}'");
            }
            matches
        };
        for file in found {
            if !files.contains(&file) {
                files.push(file);
            }
        }
    }
    Ok(files)
}

/// Checks that `path` is a non-empty regular file; returns its size.
pub fn check_file(path: &Path) -> anyhow::Result<u64> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            bail!("{} does not exist", path.display())
        }
        Err(err) => return Err(err).with_context(|| format!("could not read {}", path.display())),
    };
    if meta.is_dir() {
        bail!(
            "{} is a folder; archive it first (e.g. zip -r build.zip {}) and upload the archive",
            path.display(),
            path.display()
        );
    }
    if meta.len() == 0 {
        bail!("{} is empty: there is nothing to upload", path.display());
    }
    Ok(meta.len())
}

/// The build's name: the one given, or with several files, the one given
/// followed by the file's name.
pub fn build_name(name: &str, file_name: &str, several: bool) -> String {
    if several {
        format!("{name} ({file_name})")
    } else {
        name.to_string()
    }
}

/// The file's own name, as the server stores it.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_guessed_from_the_file_name_whatever_its_case() {
        let cases = [
            ("game.apk", BuildPlatform::Android),
            ("game.AAB", BuildPlatform::Android),
            ("Game.ipa", BuildPlatform::IosNative),
            ("Game.app.zip", BuildPlatform::IosSimulator),
            ("Game.app", BuildPlatform::IosSimulator),
            ("setup.exe", BuildPlatform::Windows),
            ("setup.msi", BuildPlatform::Windows),
            ("Game.dmg", BuildPlatform::Macos),
            ("Game.pkg", BuildPlatform::Macos),
            ("game.x86_64", BuildPlatform::Linux),
            ("Game.AppImage", BuildPlatform::Linux),
            ("game-1.2.tar.gz", BuildPlatform::Linux),
            ("game.tgz", BuildPlatform::Linux),
        ];
        for (name, platform) in cases {
            assert_eq!(guess_platform(name), Ok(platform), "{name}");
        }
    }

    #[test]
    fn a_plain_zip_asks_for_the_platform() {
        let err = guess_platform("web-build.zip").unwrap_err();
        assert!(err.contains("a .zip may hold a web"), "{err}");
        assert!(err.contains("--platform"), "{err}");
    }

    #[test]
    fn an_unknown_ending_asks_for_the_platform() {
        let err = guess_platform("game.bin").unwrap_err();
        assert!(
            err.contains("cannot tell the platform of game.bin"),
            "{err}"
        );
    }

    #[test]
    fn globs_expand_to_files_in_order_and_each_file_once() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.apk", "a.apk", "c.ipa"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("d.apk")).unwrap();
        let root = dir.path().display();
        let files = expand(&[format!("{root}/*.apk"), format!("{root}/a.apk")]).unwrap();
        let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
        assert_eq!(names, ["a.apk", "b.apk"]);
        let err = expand(&[format!("{root}/*.exe")]).unwrap_err();
        assert!(err.to_string().starts_with("no file matches"), "{err}");
    }

    #[test]
    fn folders_empty_files_and_missing_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_file(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is a folder; archive it first"), "{err}");
        let empty = dir.path().join("empty.apk");
        std::fs::write(&empty, b"").unwrap();
        let err = check_file(&empty).unwrap_err().to_string();
        assert!(
            err.ends_with("is empty: there is nothing to upload"),
            "{err}"
        );
        let err = check_file(&dir.path().join("nope.apk"))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("does not exist"), "{err}");
        std::fs::write(&empty, b"abc").unwrap();
        assert_eq!(check_file(&empty).unwrap(), 3);
    }

    #[test]
    fn several_files_get_their_file_name_in_the_build_name() {
        assert_eq!(build_name("Nightly", "a.apk", false), "Nightly");
        assert_eq!(build_name("Nightly", "a.apk", true), "Nightly (a.apk)");
    }
}
