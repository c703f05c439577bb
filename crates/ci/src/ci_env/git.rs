//! What git says about the repository holding a build file: the commit
//! checked out, its branch and where it came from. Git is run, and any
//! failure (no git, no repository) means there is nothing to say. A remote
//! URL loses its credentials (CIs put tokens there) before it goes anywhere.

use std::path::Path;
use std::process::{Command, Stdio};

/// Characters of a short commit hash.
pub const SHORT_HASH: usize = 7;

/// What git says about the repository holding a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitInfo {
    pub hash: String,
    pub short_hash: Option<String>,
    pub author: Option<String>,
    /// ISO 8601, as `git log --format=%cI` prints it.
    pub timestamp: Option<String>,
    /// The commit's subject line.
    pub subject: Option<String>,
    /// `None` on a detached HEAD.
    pub branch: Option<String>,
    pub remote_url: Option<String>,
}

/// `git log` fields, one a line: hash, short hash, author, date, subject.
const LOG_FORMAT: &str = "--format=%H%n%h%n%an <%ae>%n%cI%n%s";

impl GitInfo {
    /// Runs git in `folder`; `None` when it is not in a repository, git is
    /// missing, or anything else fails.
    pub fn read(folder: &Path) -> Option<GitInfo> {
        let git = |args: &[&str]| -> Option<String> {
            let output = Command::new("git")
                .arg("-C")
                .arg(folder)
                .args(args)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
        };
        let log = git(&["log", "-1", LOG_FORMAT])?;
        let branch = git(&["rev-parse", "--abbrev-ref", "HEAD"]);
        let remote = git(&["remote", "get-url", "origin"]);
        GitInfo::parse(&log, branch.as_deref(), remote.as_deref())
    }

    /// The info from git's outputs (see [`LOG_FORMAT`]).
    pub fn parse(log: &str, branch: Option<&str>, remote: Option<&str>) -> Option<GitInfo> {
        let mut lines = log.lines().map(str::trim);
        let hash = lines.next().filter(|hash| is_hash(hash))?.to_string();
        let mut next = || {
            lines
                .next()
                .filter(|line| !line.is_empty())
                .map(str::to_string)
        };
        Some(GitInfo {
            hash,
            short_hash: next(),
            author: next(),
            timestamp: next(),
            subject: next(),
            branch: branch
                .map(str::trim)
                .filter(|name| !name.is_empty() && *name != "HEAD")
                .map(str::to_string),
            remote_url: remote
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(without_credentials),
        })
    }
}

fn is_hash(text: &str) -> bool {
    text.len() >= SHORT_HASH && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// `https://user:token@host/repo.git` -> `https://host/repo.git`. An
/// scp-like `git@host:repo.git` holds no secret and is kept.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn a_detached_head_has_no_branch_and_garbage_is_no_repository() {
        let info = GitInfo::parse(&format!("{SHA}\n0123456\n"), Some("HEAD\n"), None).unwrap();
        assert_eq!(info.branch, None);
        assert_eq!(info.remote_url, None);
        assert!(GitInfo::parse("fatal: not a git repository", None, None).is_none());
        assert!(GitInfo::parse("", None, None).is_none());
    }

    #[test]
    fn credentials_are_stripped_from_remote_urls_only_where_they_are() {
        assert_eq!(
            without_credentials("https://u:p@host/a@b.git"),
            "https://host/a@b.git"
        );
        assert_eq!(
            without_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
        assert_eq!(
            without_credentials("https://host/r.git"),
            "https://host/r.git"
        );
    }

    #[test]
    fn git_info_is_read_from_a_real_repository_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(GitInfo::read(dir.path()), None);
        let git = |args: &[&str]| {
            Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(args)
                .env("GIT_AUTHOR_NAME", "Ada")
                .env("GIT_AUTHOR_EMAIL", "ada@example.com")
                .env("GIT_COMMITTER_NAME", "Ada")
                .env("GIT_COMMITTER_EMAIL", "ada@example.com")
                .output()
                .map(|out| out.status.success())
                .unwrap_or(false)
        };
        if !git(&["init", "-q", "-b", "trunk"]) {
            return; // no git on this machine: nothing more to check
        }
        assert!(git(&["commit", "-q", "--allow-empty", "-m", "First build"]));
        assert!(git(&[
            "remote",
            "add",
            "origin",
            "https://x:y@github.com/s/g.git"
        ]));
        let info = GitInfo::read(dir.path()).unwrap();
        assert_eq!(info.subject.as_deref(), Some("First build"));
        assert_eq!(info.author.as_deref(), Some("Ada <ada@example.com>"));
        assert_eq!(info.branch.as_deref(), Some("trunk"));
        assert_eq!(
            info.remote_url.as_deref(),
            Some("https://github.com/s/g.git")
        );
        assert_eq!(info.hash.len(), 40);
    }
}
