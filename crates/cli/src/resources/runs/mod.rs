//! `playtest runs list|show|stop|start`: list runs, show one (`view`),
//! stop jobs, start a test or a test plan. A stop that leaves any job
//! running fails (exit 1) after printing what happened to each job.
//! (`runs watch`, which follows one run to its verdict, is the CI
//! client's: [`crate::ci::watch`].)

mod view;

use anyhow::anyhow;
use playtest_client::StopRunsOutcome;
use playtest_types::{
    ListRunsQuery, ListRunsResponse, StartRunRequest, StartRunResponse, StopRunsRequest,
};

use crate::config::{ListRunsArgs, RunIdArgs, StartRunArgs, StopRunsArgs};
use crate::output::{
    Table, count, empty_page, opt_duration, or_dash, page_footer, print_json, run_result, time,
    wire,
};

pub async fn show(args: RunIdArgs) -> anyhow::Result<()> {
    let run = args.client.connect()?.get_run(&args.run_id).await?;
    if args.client.json {
        return print_json(&run);
    }
    view::print(&run);
    Ok(())
}

pub async fn stop(args: StopRunsArgs) -> anyhow::Result<()> {
    let request = StopRunsRequest {
        job_ids: args.job_ids,
    };
    let outcome = args.client.connect()?.stop_runs(&request).await?;
    if args.client.json {
        print_json(&outcome.body)?;
    } else {
        print_stop(&outcome);
    }
    if outcome.all_stopped() {
        Ok(())
    } else {
        Err(anyhow!(
            "{} (HTTP {})",
            outcome.body.message,
            outcome.status
        ))
    }
}

pub async fn list(args: ListRunsArgs) -> anyhow::Result<()> {
    let query = ListRunsQuery {
        state: args.state.map(Into::into),
        page: args.paging.page,
        page_size: args.paging.page_size,
        job_id: args.job_id,
        test_plan_execution_id: args.test_plan_execution_id,
        tags: (!args.tags.is_empty()).then(|| args.tags.join(",")),
        bugs: args.bugs.then_some(true),
    };
    let runs = args.client.connect()?.list_runs(&query).await?;
    if args.client.json {
        return print_json(&runs);
    }
    print_list(&runs);
    Ok(())
}

fn print_list(runs: &ListRunsResponse) {
    if runs.data.is_empty() {
        println!("{}", empty_page(&runs.pagination, "runs"));
        return;
    }
    let mut table = Table::new(&[
        "RUN",
        "JOB",
        "STATE",
        "RESULT",
        "JOB STATUS",
        "TEST",
        "BUGS",
        "TAGS",
        "CREATED",
        "DURATION",
    ]);
    for run in &runs.data {
        table.row(vec![
            run.multiplayer_run_id.clone(),
            run.job_id.clone(),
            wire(&run.state),
            run_result(run),
            wire(&run.job_status),
            run.test.name.clone(),
            run.bug_info
                .as_ref()
                .map_or("0".to_string(), |b| b.bug_count.to_string()),
            run.tags.join(","),
            time(run.created_at),
            opt_duration(run.duration_ms),
        ]);
    }
    table.print();
    println!("{}", page_footer(&runs.pagination, "runs"));
}

fn print_stop(outcome: &StopRunsOutcome) {
    let mut table = Table::new(&["JOB", "OK", "STATUS", "MESSAGE"]);
    for result in &outcome.body.results {
        let message = result.message.as_ref().or(result.error.as_ref());
        table.row(vec![
            result.job_id.clone(),
            if result.ok { "yes" } else { "no" }.to_string(),
            result.status.to_string(),
            or_dash(message),
        ]);
    }
    table.print();
    if outcome.all_stopped() {
        println!("{}", outcome.body.message);
    }
}

pub async fn start(args: StartRunArgs) -> anyhow::Result<()> {
    let request = StartRunRequest {
        multiplayer_test_id: args.test,
        test_plan_id: args.test_plan,
        deployment_config_id: args.config,
        additional_tags: args.tags,
        build_id: args.build_id,
        retries: args.retries,
        instances: args.instances,
        ..Default::default()
    };
    let started = args.client.connect()?.start_run(&request).await?;
    if args.client.json {
        return print_json(&started);
    }
    print_started(&started);
    Ok(())
}

fn print_started(started: &StartRunResponse) {
    let data = &started.data;
    match (&data.multiplayer_run_ids, &data.job_ids) {
        (Some(runs), Some(jobs)) => {
            let mut table = Table::new(&["RUN", "JOB"]);
            for (run, job) in runs.iter().zip(jobs) {
                table.row(vec![run.clone(), job.clone()]);
            }
            table.print();
            match &data.test_plan_execution_id {
                Some(execution) => println!(
                    "{} {} (test plan execution {execution})",
                    count(runs.len(), "run", "runs"),
                    started.message
                ),
                None => println!("{} {}", count(runs.len(), "run", "runs"), started.message),
            }
        }
        _ => println!(
            "run {} {} (job {})",
            data.multiplayer_run_id, started.message, data.job_id
        ),
    }
}
