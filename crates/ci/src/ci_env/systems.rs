//! What each CI system says about the job and the source, from its own
//! environment variables: GitHub Actions, GitLab CI, Jenkins.

use playtest_types::{
    CiDetails, CiSystem, PullRequest, VcsCommit, VcsDetails, VcsProvider, VcsType,
};

use super::git::{SHORT_HASH, without_credentials};

/// Reads one variable; `None` when unset or blank.
pub type Var<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// The first CI system whose variables are set, with its view of the job
/// and of the source.
pub fn detect(var: &Var<'_>) -> Option<(CiDetails, VcsDetails)> {
    github_actions(var)
        .or_else(|| gitlab_ci(var))
        .or_else(|| jenkins(var))
}

fn github_actions(var: &Var<'_>) -> Option<(CiDetails, VcsDetails)> {
    var("GITHUB_ACTIONS").filter(|value| value == "true")?;
    let server = var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let repository = var("GITHUB_REPOSITORY").map(|repo| format!("{server}/{repo}"));
    let run_id = var("GITHUB_RUN_ID");
    let ci = CiDetails {
        system: Some(CiSystem::GithubActions),
        build_number: var("GITHUB_RUN_NUMBER"),
        job_name: var("GITHUB_WORKFLOW"),
        run_url: repository
            .as_ref()
            .zip(run_id.as_ref())
            .map(|(repo, id)| format!("{repo}/actions/runs/{id}")),
        run_id,
        triggered_by: var("GITHUB_ACTOR"),
        agent: var("RUNNER_NAME"),
    };
    let git_ref = var("GITHUB_REF").unwrap_or_default();
    let pr_number = pull_request_number(&git_ref);
    let is_tag =
        var("GITHUB_REF_TYPE").as_deref() == Some("tag") || git_ref.starts_with("refs/tags/");
    let pr = pr_number.map(|number| PullRequest {
        number: Some(number),
        url: repository
            .as_ref()
            .map(|repo| format!("{repo}/pull/{number}")),
        source_branch: var("GITHUB_HEAD_REF"),
        target_branch: var("GITHUB_BASE_REF"),
        title: None,
    });
    let branch = match (&pr, is_tag) {
        (Some(pr), _) => pr.source_branch.clone(),
        (None, true) => None,
        (None, false) => var("GITHUB_REF_NAME"),
    };
    let vcs = VcsDetails {
        vcs_type: Some(VcsType::Git),
        provider: Some(VcsProvider::Github),
        repository_url: repository,
        commit: commit(var("GITHUB_SHA"), None, None, None, None),
        branch,
        tag: if is_tag { var("GITHUB_REF_NAME") } else { None },
        pr,
    };
    Some((ci, vcs))
}

/// `refs/pull/42/merge` (or `/head`) -> 42.
fn pull_request_number(git_ref: &str) -> Option<i64> {
    let rest = git_ref.strip_prefix("refs/pull/")?;
    rest.split('/').next()?.parse().ok()
}

fn gitlab_ci(var: &Var<'_>) -> Option<(CiDetails, VcsDetails)> {
    var("GITLAB_CI").filter(|value| value == "true")?;
    let project_url = var("CI_PROJECT_URL");
    let ci = CiDetails {
        system: Some(CiSystem::GitlabCi),
        build_number: var("CI_PIPELINE_IID").or_else(|| var("CI_JOB_ID")),
        job_name: var("CI_JOB_NAME"),
        run_id: var("CI_PIPELINE_ID"),
        run_url: var("CI_JOB_URL").or_else(|| var("CI_PIPELINE_URL")),
        triggered_by: var("GITLAB_USER_LOGIN"),
        agent: var("CI_RUNNER_DESCRIPTION"),
    };
    let pr = var("CI_MERGE_REQUEST_IID")
        .and_then(|iid| iid.parse::<i64>().ok())
        .map(|number| PullRequest {
            number: Some(number),
            title: var("CI_MERGE_REQUEST_TITLE"),
            url: var("CI_MERGE_REQUEST_PROJECT_URL")
                .or_else(|| project_url.clone())
                .map(|project| format!("{project}/-/merge_requests/{number}")),
            source_branch: var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
            target_branch: var("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        });
    let tag = var("CI_COMMIT_TAG");
    let branch = if tag.is_some() {
        None
    } else {
        var("CI_COMMIT_BRANCH")
            .or_else(|| var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"))
            .or_else(|| var("CI_COMMIT_REF_NAME"))
    };
    let message = var("CI_COMMIT_TITLE")
        .or_else(|| var("CI_COMMIT_MESSAGE").and_then(|m| m.lines().next().map(str::to_string)));
    let vcs = VcsDetails {
        vcs_type: Some(VcsType::Git),
        provider: Some(VcsProvider::Gitlab),
        repository_url: project_url,
        commit: commit(
            var("CI_COMMIT_SHA"),
            var("CI_COMMIT_SHORT_SHA"),
            message,
            var("CI_COMMIT_AUTHOR"),
            var("CI_COMMIT_TIMESTAMP"),
        ),
        branch,
        tag,
        pr,
    };
    Some((ci, vcs))
}

fn jenkins(var: &Var<'_>) -> Option<(CiDetails, VcsDetails)> {
    var("JENKINS_URL")?;
    let ci = CiDetails {
        system: Some(CiSystem::Jenkins),
        build_number: var("BUILD_NUMBER"),
        job_name: var("JOB_NAME"),
        run_id: var("BUILD_TAG").or_else(|| var("BUILD_ID")),
        run_url: var("BUILD_URL"),
        triggered_by: var("BUILD_USER_ID"),
        agent: var("NODE_NAME"),
    };
    // Multibranch pipelines describe a pull request with CHANGE_*.
    let pr = var("CHANGE_ID")
        .and_then(|id| id.parse::<i64>().ok())
        .map(|number| PullRequest {
            number: Some(number),
            title: var("CHANGE_TITLE"),
            url: var("CHANGE_URL"),
            source_branch: var("CHANGE_BRANCH"),
            target_branch: var("CHANGE_TARGET"),
        });
    let branch = pr
        .as_ref()
        .and_then(|pr| pr.source_branch.clone())
        .or_else(|| var("BRANCH_NAME"))
        .or_else(|| var("GIT_BRANCH").map(|b| local_branch(&b)));
    let repository_url = var("GIT_URL").map(|url| without_credentials(&url));
    let author = var("GIT_AUTHOR_NAME").map(|name| match var("GIT_AUTHOR_EMAIL") {
        Some(email) => format!("{name} <{email}>"),
        None => name,
    });
    let vcs = VcsDetails {
        vcs_type: Some(VcsType::Git),
        provider: repository_url.as_deref().and_then(provider_of),
        repository_url,
        commit: commit(var("GIT_COMMIT"), None, None, author, None),
        branch,
        tag: var("TAG_NAME"),
        pr,
    };
    Some((ci, vcs))
}

/// `origin/main` -> `main` (Jenkins' git plugin names the remote branch).
fn local_branch(name: &str) -> String {
    name.strip_prefix("origin/").unwrap_or(name).to_string()
}

fn commit(
    hash: Option<String>,
    short_hash: Option<String>,
    message: Option<String>,
    author: Option<String>,
    timestamp: Option<String>,
) -> Option<VcsCommit> {
    let short_hash =
        short_hash.or_else(|| hash.as_ref().map(|h| h.chars().take(SHORT_HASH).collect()));
    let commit = VcsCommit {
        hash,
        short_hash,
        message,
        author,
        timestamp,
    };
    (commit != VcsCommit::default()).then_some(commit)
}

/// The hosting service a repository URL points at, when it is a known one.
pub fn provider_of(url: &str) -> Option<VcsProvider> {
    let url = url.to_ascii_lowercase();
    if url.contains("github") {
        Some(VcsProvider::Github)
    } else if url.contains("gitlab") {
        Some(VcsProvider::Gitlab)
    } else if url.contains("bitbucket") {
        Some(VcsProvider::Bitbucket)
    } else if url.contains("dev.azure.com") || url.contains("visualstudio.com") {
        Some(VcsProvider::AzureDevops)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use playtest_types::UploadMethod;

    use super::*;
    use crate::ci_env::details;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn github_actions_gives_the_run_the_commit_and_the_pull_request() {
        let env = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_REF", "refs/pull/42/merge"),
            ("GITHUB_REF_NAME", "42/merge"),
            ("GITHUB_HEAD_REF", "feature/jump"),
            ("GITHUB_BASE_REF", "main"),
            ("GITHUB_REPOSITORY", "studio/game"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "987"),
            ("GITHUB_RUN_NUMBER", "12"),
            ("GITHUB_WORKFLOW", "Build"),
            ("GITHUB_ACTOR", "octocat"),
        ]);
        let details = details(&env, None, "1.2.3");
        let ci = details.ci.unwrap();
        assert_eq!(ci.system, Some(CiSystem::GithubActions));
        assert_eq!(ci.build_number.as_deref(), Some("12"));
        assert_eq!(ci.run_id.as_deref(), Some("987"));
        assert_eq!(ci.job_name.as_deref(), Some("Build"));
        assert_eq!(ci.triggered_by.as_deref(), Some("octocat"));
        assert_eq!(
            ci.run_url.as_deref(),
            Some("https://github.com/studio/game/actions/runs/987")
        );
        let vcs = details.vcs.unwrap();
        assert_eq!(vcs.provider, Some(VcsProvider::Github));
        assert_eq!(
            vcs.repository_url.as_deref(),
            Some("https://github.com/studio/game")
        );
        let commit = vcs.commit.unwrap();
        assert_eq!(commit.hash.as_deref(), Some(SHA));
        assert_eq!(commit.short_hash.as_deref(), Some("0123456"));
        assert_eq!(vcs.branch.as_deref(), Some("feature/jump"));
        let pr = vcs.pr.unwrap();
        assert_eq!(pr.number, Some(42));
        assert_eq!(
            pr.url.as_deref(),
            Some("https://github.com/studio/game/pull/42")
        );
        assert_eq!(pr.target_branch.as_deref(), Some("main"));
        let upload = details.upload.unwrap();
        assert_eq!(upload.method, Some(UploadMethod::Cli));
        assert_eq!(upload.cli_version.as_deref(), Some("1.2.3"));
    }

    #[test]
    fn a_github_tag_build_names_the_tag_and_no_branch() {
        let env = env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF", "refs/tags/v1.0"),
            ("GITHUB_REF_NAME", "v1.0"),
            ("GITHUB_REF_TYPE", "tag"),
        ]);
        let vcs = details(&env, None, "0").vcs.unwrap();
        assert_eq!(vcs.tag.as_deref(), Some("v1.0"));
        assert_eq!(vcs.branch, None);
        assert_eq!(vcs.pr, None);
    }

    #[test]
    fn gitlab_ci_gives_the_pipeline_the_commit_and_the_merge_request() {
        let env = env(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_SHA", SHA),
            ("CI_COMMIT_SHORT_SHA", "0123456"),
            ("CI_COMMIT_REF_NAME", "feature/jump"),
            ("CI_COMMIT_MESSAGE", "Fix the jump\n\nLonger text"),
            ("CI_COMMIT_AUTHOR", "Ada <ada@example.com>"),
            ("CI_PROJECT_URL", "https://gitlab.example.com/game/client"),
            ("CI_PIPELINE_ID", "555"),
            ("CI_PIPELINE_IID", "31"),
            ("CI_JOB_NAME", "package"),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/game/client/-/jobs/777",
            ),
            ("GITLAB_USER_LOGIN", "ada"),
            ("CI_MERGE_REQUEST_IID", "9"),
            ("CI_MERGE_REQUEST_TITLE", "Better jumps"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/jump"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ]);
        let details = details(&env, None, "0");
        let ci = details.ci.unwrap();
        assert_eq!(ci.system, Some(CiSystem::GitlabCi));
        assert_eq!(ci.run_id.as_deref(), Some("555"));
        assert_eq!(ci.build_number.as_deref(), Some("31"));
        assert_eq!(ci.job_name.as_deref(), Some("package"));
        assert_eq!(
            ci.run_url.as_deref(),
            Some("https://gitlab.example.com/game/client/-/jobs/777")
        );
        assert_eq!(ci.triggered_by.as_deref(), Some("ada"));
        let vcs = details.vcs.unwrap();
        assert_eq!(vcs.provider, Some(VcsProvider::Gitlab));
        assert_eq!(vcs.branch.as_deref(), Some("feature/jump"));
        let commit = vcs.commit.unwrap();
        assert_eq!(commit.message.as_deref(), Some("Fix the jump"));
        assert_eq!(commit.author.as_deref(), Some("Ada <ada@example.com>"));
        let pr = vcs.pr.unwrap();
        assert_eq!(pr.number, Some(9));
        assert_eq!(pr.title.as_deref(), Some("Better jumps"));
        assert_eq!(
            pr.url.as_deref(),
            Some("https://gitlab.example.com/game/client/-/merge_requests/9")
        );
    }

    #[test]
    fn jenkins_gives_the_build_and_the_git_plugin_s_commit_and_branch() {
        let env = env(&[
            ("JENKINS_URL", "https://ci.example.com/"),
            ("BUILD_NUMBER", "77"),
            ("JOB_NAME", "game/nightly"),
            (
                "BUILD_URL",
                "https://ci.example.com/job/game/job/nightly/77/",
            ),
            ("GIT_COMMIT", SHA),
            ("GIT_BRANCH", "origin/release"),
            ("GIT_URL", "https://bot:tok@github.com/studio/game.git"),
        ]);
        let details = details(&env, None, "0");
        let ci = details.ci.unwrap();
        assert_eq!(ci.system, Some(CiSystem::Jenkins));
        assert_eq!(ci.build_number.as_deref(), Some("77"));
        assert_eq!(ci.job_name.as_deref(), Some("game/nightly"));
        assert_eq!(
            ci.run_url.as_deref(),
            Some("https://ci.example.com/job/game/job/nightly/77/")
        );
        let vcs = details.vcs.unwrap();
        assert_eq!(vcs.branch.as_deref(), Some("release"));
        assert_eq!(vcs.commit.unwrap().hash.as_deref(), Some(SHA));
        assert_eq!(
            vcs.repository_url.as_deref(),
            Some("https://github.com/studio/game.git")
        );
        assert_eq!(vcs.provider, Some(VcsProvider::Github));
    }

    #[test]
    fn pull_request_numbers_come_from_pull_refs_only() {
        assert_eq!(pull_request_number("refs/pull/42/merge"), Some(42));
        assert_eq!(pull_request_number("refs/pull/7/head"), Some(7));
        assert_eq!(pull_request_number("refs/heads/main"), None);
    }
}
