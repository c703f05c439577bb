//! The flags of `playtest upload`, and what the upload reads from its
//! environment: where it keeps resume state, whether standard error is a
//! terminal (a progress bar) or not (plain lines), and the CI and git
//! metadata of the build (detected by [`ci_env`] from the variables read
//! here).

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum, value_parser};
use playtest_ci::ci_env;
use playtest_ci::progress::ProgressMode;
use playtest_ci::upload::{DEFAULT_PARALLEL, DEFAULT_RETRIES};
use playtest_types::{BuildDetails, BuildPlatform, DeletionPolicy};

use crate::config::client::{ClientArgs, platform_parser};

/// Shown under `playtest upload --help`.
const UPLOAD_HELP: &str = "\
Platform, when --platform is not given, from the file name (case ignored):
  .apk .aab                        android
  .ipa                             ios-native
  .app.zip .app                    ios-simulator
  .exe .msi                        windows
  .dmg .pkg                        macos
  .x86_64 .AppImage .tar.gz .tgz   linux
  other .zip                       none: a zip may hold a web, Windows, Linux or
                                   macOS build, so --platform is required
With several files, each must be guessable or --platform applies to all.

Several files (the shell's expansion, or a quoted glob such as 'out/*.apk')
are uploaded one after the other, each named '<NAME> (<file name>)'.

Large files go in parts (the server decides, or --multipart), --parallel at
a time. Requests failing on 429, 5xx or the network are retried with
backoff; an expired part URL is renewed. If the upload is interrupted,
running the same command again on the same unchanged file resumes it: the
parts already sent are skipped. Resume state lives in
$XDG_CACHE_HOME/playtest/uploads (default ~/.cache/playtest/uploads).

CI and git metadata (GitHub Actions, GitLab CI, Jenkins, the git repository
holding the file) go into the build's details.

Prints each build id on its own line on standard output (progress goes to
standard error); with --json, the build as JSON (an array for several files).";

/// Which builds `--auto-delete` removes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeletionPolicyArg {
    /// The builds used longest ago
    LeastRecent,
    /// The builds uploaded first
    Oldest,
}

impl From<DeletionPolicyArg> for DeletionPolicy {
    fn from(policy: DeletionPolicyArg) -> Self {
        match policy {
            DeletionPolicyArg::LeastRecent => DeletionPolicy::LeastRecent,
            DeletionPolicyArg::Oldest => DeletionPolicy::Oldest,
        }
    }
}

#[derive(Debug, Clone, Args)]
#[command(after_long_help = UPLOAD_HELP)]
pub struct UploadArgs {
    /// The build file, several files, or a quoted glob ('out/*.apk')
    #[arg(value_name = "FILE_OR_GLOB", required = true)]
    pub files: Vec<String>,
    /// The build's name
    #[arg(long)]
    pub name: String,
    /// The platform the build runs on [default: guessed from the file name]
    #[arg(long, value_parser = platform_parser())]
    pub platform: Option<BuildPlatform>,
    /// Parts sent at the same time
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PARALLEL, value_parser = value_parser!(u16).range(1..=32))]
    pub parallel: u16,
    /// Comma-separated tags
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// A description shown with the build
    #[arg(long)]
    pub description: Option<String>,
    /// Upload in parts even below the server's multipart threshold
    #[arg(long)]
    pub multipart: bool,
    /// When storage is full, delete unpinned builds to make room
    #[arg(long)]
    pub auto_delete: bool,
    /// Which builds --auto-delete removes first
    #[arg(long, value_enum, default_value = "least-recent")]
    pub deletion_policy: DeletionPolicyArg,
    /// Minutes the server waits for the upload to finish, 1 to 1440 [default: the server's: 10 single-part, 60 multipart]
    #[arg(long, value_name = "MINUTES", value_parser = value_parser!(i64).range(1..=1440))]
    pub upload_timeout: Option<i64>,
    /// Times a request is retried after a 429, a 5xx or a network error
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETRIES, value_parser = value_parser!(u32).range(0..=20))]
    pub retries: u32,
    /// Start a new upload even if an interrupted one of the same file could be resumed
    #[arg(long)]
    pub no_resume: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// How progress is shown, from what standard error is.
pub fn progress_mode() -> ProgressMode {
    if std::io::stderr().is_terminal() {
        ProgressMode::Bar
    } else {
        ProgressMode::Lines
    }
}

impl UploadArgs {
    /// Where resume state is kept: see [`upload_state_dir`].
    pub fn state_dir(&self) -> Option<PathBuf> {
        upload_state_dir()
    }

    /// The CI and git metadata of a build of `file`: see [`build_details`].
    pub fn details(&self, file: &Path) -> BuildDetails {
        build_details(file)
    }
}

/// Where upload resume state is kept: `$XDG_CACHE_HOME/playtest/uploads`,
/// or `~/.cache/playtest/uploads`; `None` when neither is known (no resume).
pub fn upload_state_dir() -> Option<PathBuf> {
    cache_dir(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
        .map(|dir| dir.join("playtest").join("uploads"))
}

/// The CI and git metadata of a build of `file`, from this process's
/// environment and the git repository holding the file, if any.
pub fn build_details(file: &Path) -> BuildDetails {
    let env: HashMap<String, String> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let folder = file.parent().filter(|dir| !dir.as_os_str().is_empty());
    let git = ci_env::GitInfo::read(folder.unwrap_or(Path::new(".")));
    ci_env::details(&env, git.as_ref(), env!("CARGO_PKG_VERSION"))
}

/// The XDG cache directory: `$XDG_CACHE_HOME` when it is an absolute path
/// (the spec says to ignore a relative one), else `$HOME/.cache`.
fn cache_dir(xdg_cache_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let absolute =
        |value: Option<OsString>| value.map(PathBuf::from).filter(|path| path.is_absolute());
    absolute(xdg_cache_home).or_else(|| absolute(home).map(|home| home.join(".cache")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Command;
    use crate::config::testing::parse;

    #[test]
    fn upload_takes_the_reference_flags_and_passes_the_lifecycle_ones_through() {
        let Command::Upload(args) = parse(&[
            "upload",
            "a.apk",
            "b.apk",
            "--name",
            "Nightly",
            "--platform",
            "ios-simulator",
            "--parallel",
            "8",
            "--tags",
            "nightly,smoke",
            "--multipart",
            "--auto-delete",
            "--deletion-policy",
            "oldest",
            "--upload-timeout",
            "90",
        ])
        .unwrap() else {
            panic!()
        };
        assert_eq!(args.files, ["a.apk", "b.apk"]);
        assert_eq!(args.platform, Some(BuildPlatform::IosSimulator));
        assert_eq!(args.parallel, 8);
        assert_eq!(args.tags, ["nightly", "smoke"]);
        assert!(args.multipart && args.auto_delete);
        assert_eq!(
            DeletionPolicy::from(args.deletion_policy),
            DeletionPolicy::Oldest
        );
        assert_eq!(args.upload_timeout, Some(90));
        assert_eq!(args.retries, 5);
    }

    #[test]
    fn upload_refuses_out_of_range_values_and_unknown_platforms() {
        for bad in [
            &["--parallel", "0"][..],
            &["--upload-timeout", "1441"],
            &["--platform", "dos"],
            &["--deletion-policy", "newest"],
        ] {
            let args = [&["upload", "a.apk", "--name", "n"][..], bad].concat();
            assert!(parse(&args).is_err(), "{bad:?}");
        }
        let err = parse(&["upload", "a.zip", "--name", "n", "--platform", "dos"]).unwrap_err();
        assert!(err.to_string().contains("ios-simulator"), "{err}");
    }

    #[test]
    fn the_cache_dir_follows_xdg_and_falls_back_to_home() {
        assert_eq!(
            cache_dir(Some("/x/cache".into()), Some("/home/u".into())),
            Some(PathBuf::from("/x/cache"))
        );
        assert_eq!(
            cache_dir(Some("relative".into()), Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.cache"))
        );
        assert_eq!(
            cache_dir(None, Some("/home/u".into())),
            Some(PathBuf::from("/home/u/.cache"))
        );
        assert_eq!(cache_dir(None, None), None);
    }
}
