//! Where a build comes from: the CI job that made it (GitHub Actions,
//! GitLab CI, Jenkins) and its source (commit, branch, pull request,
//! repository), for the `details` of an upload.
//!
//! Detection is a pure function of the environment, passed in as a map,
//! and of what git says about the repository holding the file
//! ([`GitInfo`], read by running git; any failure means "no repository").
//! The CI's own variables win; git fills the gaps (a commit's message and
//! author, which CIs rarely export). Credentials in a remote URL (CIs put
//! tokens there) are never passed on.

mod git;
mod systems;

use std::collections::HashMap;

use playtest_types::{BuildDetails, UploadDetails, UploadMethod, VcsDetails, VcsType};

pub use git::GitInfo;
use systems::provider_of;

/// The details of an upload made in `env` by CLI version `cli_version`.
pub fn details(
    env: &HashMap<String, String>,
    git: Option<&GitInfo>,
    cli_version: &str,
) -> BuildDetails {
    let var = |name: &str| {
        env.get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty())
            .map(str::to_string)
    };
    let (ci, vcs) = match systems::detect(&var) {
        Some((ci, vcs)) => (Some(ci), vcs),
        None => (None, VcsDetails::default()),
    };
    let vcs = with_git(vcs, git);
    BuildDetails {
        vcs: (vcs != VcsDetails::default()).then_some(vcs),
        ci,
        upload: Some(UploadDetails {
            method: Some(UploadMethod::Cli),
            cli_version: Some(cli_version.to_string()),
            uploader: None,
        }),
        ..Default::default()
    }
}

/// The CI's view of the source, its gaps filled from git. Git's commit
/// fields are used only when the CI names no commit or the same one.
fn with_git(mut vcs: VcsDetails, git: Option<&GitInfo>) -> VcsDetails {
    let Some(git) = git else {
        return vcs;
    };
    vcs.vcs_type.get_or_insert(VcsType::Git);
    let mut commit = vcs.commit.take().unwrap_or_default();
    let same_commit = commit.hash.as_deref().is_none_or(|hash| hash == git.hash);
    if same_commit {
        commit.hash.get_or_insert_with(|| git.hash.clone());
        fill(&mut commit.short_hash, &git.short_hash);
        fill(&mut commit.message, &git.subject);
        fill(&mut commit.author, &git.author);
        fill(&mut commit.timestamp, &git.timestamp);
    }
    vcs.commit = Some(commit);
    if vcs.tag.is_none() {
        fill(&mut vcs.branch, &git.branch);
    }
    fill(&mut vcs.repository_url, &git.remote_url);
    if vcs.provider.is_none() {
        vcs.provider = vcs.repository_url.as_deref().and_then(provider_of);
    }
    vcs
}

fn fill(slot: &mut Option<String>, from: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(from);
    }
}

#[cfg(test)]
mod tests {
    use playtest_types::VcsProvider;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn git() -> GitInfo {
        GitInfo::parse(
            &format!(
                "{SHA}\n0123456\nAda <ada@example.com>\n2024-05-01T12:00:00+02:00\nFix the jump\n"
            ),
            Some("main\n"),
            Some("https://gitlab-ci-token:s3cret@gitlab.example.com/game/client.git\n"),
        )
        .unwrap()
    }

    #[test]
    fn plain_git_fills_the_source_without_leaking_the_remote_s_token() {
        let details = details(&HashMap::new(), Some(&git()), "0");
        assert_eq!(details.ci, None);
        let vcs = details.vcs.unwrap();
        assert_eq!(vcs.vcs_type, Some(VcsType::Git));
        assert_eq!(vcs.branch.as_deref(), Some("main"));
        assert_eq!(
            vcs.repository_url.as_deref(),
            Some("https://gitlab.example.com/game/client.git")
        );
        assert_eq!(vcs.provider, Some(VcsProvider::Gitlab));
        let commit = vcs.commit.unwrap();
        assert_eq!(commit.hash.as_deref(), Some(SHA));
        assert_eq!(commit.message.as_deref(), Some("Fix the jump"));
        assert_eq!(commit.author.as_deref(), Some("Ada <ada@example.com>"));
        assert_eq!(
            commit.timestamp.as_deref(),
            Some("2024-05-01T12:00:00+02:00")
        );
    }

    #[test]
    fn git_fills_the_commit_message_the_ci_does_not_export() {
        let env = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_REF_NAME", "ci-branch"),
        ]);
        let vcs = details(&env, Some(&git()), "0").vcs.unwrap();
        assert_eq!(vcs.branch.as_deref(), Some("ci-branch"));
        assert_eq!(vcs.commit.unwrap().message.as_deref(), Some("Fix the jump"));
    }

    #[test]
    fn git_s_commit_fields_are_not_mixed_into_another_commit() {
        let other = "fedcba9876543210fedcba9876543210fedcba98";
        let env = env(&[("GITHUB_ACTIONS", "true"), ("GITHUB_SHA", other)]);
        let commit = details(&env, Some(&git()), "0")
            .vcs
            .unwrap()
            .commit
            .unwrap();
        assert_eq!(commit.hash.as_deref(), Some(other));
        assert_eq!(commit.message, None);
    }

    #[test]
    fn outside_ci_and_git_only_the_upload_is_described() {
        let details = details(
            &env(&[("CI", "true"), ("GITHUB_ACTIONS", "false")]),
            None,
            "9.9.9",
        );
        assert_eq!(details.ci, None);
        assert_eq!(details.vcs, None);
        assert_eq!(
            details.upload.unwrap().cli_version.as_deref(),
            Some("9.9.9")
        );
    }
}
