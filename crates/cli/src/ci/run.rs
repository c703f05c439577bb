//! `playtest run`: what a CI job calls. Uploads the build when given a
//! file (its platform, unless given, is the deployment config's kind),
//! starts the test or the plan, and prints the run ids, one per line (or
//! one `{"kind": "started", ...}` JSON line). Waiting, when asked, is
//! [`playtest_ci::wait`]'s; the exit codes are under `playtest run --help`.

use std::path::Path;

use playtest_ci::wait::wait_for;
use playtest_client::Client;
use playtest_types::{BuildPlatform, PlatformKind, StartRunRequest, StartRunResponse};
use serde_json::Value;

use super::upload;
use crate::config::RunArgs;
use crate::output::count;

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let client = args.client.connect()?;
    let build_id = match &args.build {
        Some(file) => Some(upload_build(&client, &args, file).await?),
        None => args.build_id.clone(),
    };
    let request = StartRunRequest {
        multiplayer_test_id: args.test.clone(),
        test_plan_id: args.test_plan.clone(),
        deployment_config_id: args.config.clone(),
        additional_tags: args.tags.clone(),
        build_id,
        retries: args.retries,
        instances: args.instances,
        ..Default::default()
    };
    let started = client.start_run(&request).await?;
    let run_ids = run_ids(&started);
    announce(&started, &run_ids, &args)?;
    if !args.waits() {
        return Ok(());
    }
    let waiting = args.waiting.resolve(args.client.json);
    wait_for(&client, &run_ids, &waiting).await
}

/// Uploads the build file; returns its build id.
async fn upload_build(client: &Client, args: &RunArgs, file: &Path) -> anyhow::Result<String> {
    upload::check_build_file(file)?;
    let platform = match args.platform {
        Some(platform) => platform,
        None => {
            let config = client.get_deployment_config(&args.config).await?;
            platform_of(config.spec.kind)
        }
    };
    let name = match &args.build_name {
        Some(name) => name.clone(),
        None => file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
    };
    upload::upload_build(client, file, &name, platform).await
}

/// The build platform a deployment config of `kind` plays.
fn platform_of(kind: PlatformKind) -> BuildPlatform {
    match kind {
        PlatformKind::Web => BuildPlatform::Web,
        PlatformKind::Linux => BuildPlatform::Linux,
    }
}

/// Every run started: several for a plan or for instances, else one.
fn run_ids(started: &StartRunResponse) -> Vec<String> {
    match &started.data.multiplayer_run_ids {
        Some(ids) if !ids.is_empty() => ids.clone(),
        _ => vec![started.data.multiplayer_run_id.clone()],
    }
}

/// The run ids on standard output (or the JSON line), what was started on
/// standard error.
fn announce(started: &StartRunResponse, run_ids: &[String], args: &RunArgs) -> anyhow::Result<()> {
    if args.client.json {
        let mut line = serde_json::to_value(started)?;
        if let Value::Object(fields) = &mut line {
            fields.insert("kind".into(), Value::String("started".into()));
        }
        println!("{line}");
        return Ok(());
    }
    for run_id in run_ids {
        println!("{run_id}");
    }
    let what = match (&args.test, &args.test_plan) {
        (Some(test), _) => format!("test {test}"),
        (None, Some(plan)) => format!("test plan {plan}"),
        (None, None) => "the runs".to_string(),
    };
    let mut line = format!("started {} of {what}", count(run_ids.len(), "run", "runs"));
    if let Some(execution) = &started.data.test_plan_execution_id {
        line.push_str(&format!(" (test plan execution {execution})"));
    }
    if !args.waits() {
        let first = run_ids.first().map_or("RUN_ID", String::as_str);
        line.push_str(&format!("; follow with `playtest runs watch {first}`"));
    }
    eprintln!("{line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use playtest_types::StartRunData;

    use super::*;

    fn started(ids: Option<Vec<&str>>) -> StartRunResponse {
        StartRunResponse {
            ok: true,
            status: 201,
            message: "started".into(),
            data: StartRunData {
                job_id: "j1".into(),
                multiplayer_run_id: "r1".into(),
                job_ids: None,
                multiplayer_run_ids: ids.map(|ids| ids.into_iter().map(String::from).collect()),
                test_plan_execution_id: None,
            },
        }
    }

    #[test]
    fn every_run_started_is_followed() {
        assert_eq!(run_ids(&started(None)), ["r1"]);
        assert_eq!(run_ids(&started(Some(vec!["r1", "r2"]))), ["r1", "r2"]);
        assert_eq!(run_ids(&started(Some(vec![]))), ["r1"]);
    }

    #[test]
    fn a_build_plays_on_the_platform_of_its_config() {
        assert_eq!(platform_of(PlatformKind::Web), BuildPlatform::Web);
        assert_eq!(platform_of(PlatformKind::Linux), BuildPlatform::Linux);
    }
}
