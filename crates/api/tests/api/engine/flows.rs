//! What a game-loop run does from start to verdict.

use std::time::{Duration, Instant};

use playtest_types::{
    BugCategory, JobStatus, RunOptions, RunOutcome, RunResult, Severity, StartRunRequest,
    StepResult, StepState, StopRunsRequest, TestItem, TestPlanSpec,
};

use super::support::{
    completed, game_loop_test, linux_config, script_build, spawn, start, wait_for, worker,
};
use crate::support::Backend;

macro_rules! on_both_backends {
    ($(async fn $name:ident($backend:ident) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(#[tokio::test] async fn $name() { let $backend = Backend::Sqlite; $body })*
        }
        mod postgres {
            use super::*;
            $(#[tokio::test] async fn $name() { let $backend = Backend::Postgres; $body })*
        }
    };
}

on_both_backends! {
    async fn a_game_that_exits_0_is_a_success_with_its_logs_as_an_artifact(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "echo \"hello from the game $*\"; echo oops >&2; exit 0").await;
        let test = game_loop_test(&app, "boots", 20).await;
        let config = linux_config(&app, &build).await;
        let (job_id, run_id) = start(&app, &test, &config, 0).await;
        let run = completed(&app, &run_id).await;
        assert_eq!(run.run.outcome, Some(RunOutcome::Success), "{run:#?}");
        assert_eq!(run.run.result, Some(RunResult::Success));
        assert_eq!(run.run.job_status, JobStatus::Completed);
        assert_eq!(run.run.job_id, job_id);
        let step = &run.run.players[0].steps.as_ref().unwrap()[0];
        assert_eq!((step.run_state, step.run_result), (StepState::Completed, Some(StepResult::Success)));
        let logs = run.artifacts.iter().find(|a| a.filename == "logs.txt").expect("logs.txt is listed");
        assert!(logs.size > 0);
        let artifacts = app.admin.run_artifacts(&run_id).await.unwrap();
        let url = url::Url::parse(&artifacts[0].url).unwrap();
        let mut download = app.admin.download(&url).await.unwrap();
        let mut text = Vec::new();
        while let Some(chunk) = download.chunk().await.unwrap() {
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("hello from the game --scenario 1"), "{text}");
        assert!(text.contains("oops"), "{text}");
    }

    async fn a_game_that_exits_3_fails_without_a_bug(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "exit 3").await;
        let test = game_loop_test(&app, "fails", 20).await;
        let config = linux_config(&app, &build).await;
        let (_, run_id) = start(&app, &test, &config, 2).await;
        let run = completed(&app, &run_id).await;
        assert_eq!(run.run.outcome, Some(RunOutcome::Failed));
        assert_eq!(run.run.result, Some(RunResult::Failure));
        assert!(app.admin.list_run_bugs(&run_id).await.unwrap().bug_occurrences.is_empty());
        let step = &run.run.players[0].steps.as_ref().unwrap()[0];
        assert_eq!(step.run_result, Some(StepResult::Failure));
        assert!(step.report.as_deref().unwrap_or_default().contains("code 3"), "{step:?}");
    }

    async fn a_crash_is_a_critical_bug_and_the_same_crash_in_another_run_shares_its_bug_id(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 2).await;
        let build = script_build(&app, "echo 'about to fall over' >&2; kill -SEGV $$").await;
        let test = game_loop_test(&app, "crashes", 20).await;
        let config = linux_config(&app, &build).await;
        let (_, first) = start(&app, &test, &config, 0).await;
        let (_, second) = start(&app, &test, &config, 0).await;
        let mut bug_ids = Vec::new();
        for run_id in [&first, &second] {
            let run = completed(&app, run_id).await;
            assert_eq!(run.run.outcome, Some(RunOutcome::Failed), "{run:#?}");
            let bugs = app.admin.list_run_bugs(run_id).await.unwrap().bug_occurrences;
            assert_eq!(bugs.len(), 1, "{bugs:#?}");
            assert_eq!((bugs[0].category, bugs[0].severity), (BugCategory::Crash, Severity::Critical));
            assert!(bugs[0].description.contains("SIGSEGV"), "{}", bugs[0].description);
            assert!(bugs[0].description.contains("about to fall over"), "{}", bugs[0].description);
            bug_ids.push(bugs[0].bug_id.clone());
        }
        assert_eq!(bug_ids[0], bug_ids[1]);
    }

    async fn a_game_still_running_at_max_seconds_is_a_timeout_with_a_hang_bug(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "sleep 60").await;
        let test = game_loop_test(&app, "hangs", 1).await;
        let config = linux_config(&app, &build).await;
        let (_, run_id) = start(&app, &test, &config, 0).await;
        let run = completed(&app, &run_id).await;
        assert_eq!(run.run.outcome, Some(RunOutcome::Timeout), "{run:#?}");
        let bugs = app.admin.list_run_bugs(&run_id).await.unwrap().bug_occurrences;
        assert_eq!(bugs.len(), 1);
        assert!(bugs[0].title.to_lowercase().contains("hang") || bugs[0].details.fingerprint.contains("hang"), "{:?}", bugs[0]);
    }

    async fn a_stop_reaches_a_running_game_within_two_seconds(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "echo started; sleep 60").await;
        let test = game_loop_test(&app, "long", 120).await;
        let config = linux_config(&app, &build).await;
        let (job_id, run_id) = start(&app, &test, &config, 3).await;
        // The game is running once its first line is logged.
        let mut events = app.admin.run_events(&run_id, 0).await.unwrap();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(30), events.next())
                .await
                .expect("the game starts within 30 s")
                .unwrap()
                .expect("the run goes on until stopped");
            if event.data.get("line").and_then(|line| line.as_str()) == Some("started") {
                break;
            }
        }
        let asked = Instant::now();
        app.admin.stop_runs(&StopRunsRequest { job_ids: vec![job_id] }).await.unwrap();
        let run = completed(&app, &run_id).await;
        let took = asked.elapsed();
        assert_eq!(run.run.outcome, Some(RunOutcome::Stopped), "{run:#?}");
        assert!(took < Duration::from_secs(2), "the stop took {took:?}");
        // A user's stop is final: no retry, although retries were allowed.
        // A retry is decided in the transaction that ends the attempt, so
        // a run seen completed was not retried (a retried one is queued
        // again instead, and never shows as completed).
        assert_eq!(run.run.job_status, JobStatus::Completed, "{run:#?}");
    }

    async fn a_job_no_worker_can_drive_says_why_it_waits(backend) {
        let app = spawn(backend).await;
        let build = script_build(&app, "exit 0").await;
        let test = game_loop_test(&app, "waits", 20).await;
        let config = linux_config(&app, &build).await;
        let (_, run_id) = start(&app, &test, &config, 0).await;
        let run = wait_for(&app, &run_id, "a queue rejection reason", |run| {
            run.run.queue_rejection_reason.is_some()
        })
        .await;
        assert!(run.run.queue_rejection_reason.unwrap().contains("worker"));
        let _worker = worker(&app, 1).await;
        let run = completed(&app, &run_id).await;
        assert_eq!(run.run.outcome, Some(RunOutcome::Success));
        assert_eq!(run.run.queue_rejection_reason, None);
    }

    async fn the_event_stream_replays_from_any_point_and_ends_with_the_run(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "echo one; echo two; exit 0").await;
        let test = game_loop_test(&app, "events", 20).await;
        let config = linux_config(&app, &build).await;
        let (_, run_id) = start(&app, &test, &config, 0).await;
        let mut stream = app.admin.run_events(&run_id, 0).await.unwrap();
        let mut all = Vec::new();
        while let Some(event) = tokio::time::timeout(Duration::from_secs(30), stream.next()).await.unwrap().unwrap() {
            all.push(event);
        }
        assert!(all.len() >= 4, "{all:#?}");
        assert!(all.windows(2).all(|w| w[1].seq == w[0].seq + 1), "consecutive ids: {all:#?}");
        let kinds: Vec<_> = all.iter().map(|e| serde_json::to_value(e.kind).unwrap()).collect();
        assert!(kinds.contains(&serde_json::json!("log")) && kinds.contains(&serde_json::json!("step")));
        let logs: Vec<_> = all.iter().filter_map(|e| e.data.get("line").and_then(|l| l.as_str())).collect();
        assert!(logs.contains(&"one") && logs.contains(&"two"), "{logs:?}");
        let from = all[2].seq;
        let mut rest_stream = app.admin.run_events(&run_id, from).await.unwrap();
        let mut rest = Vec::new();
        while let Some(event) = rest_stream.next().await.unwrap() {
            rest.push(event);
        }
        assert_eq!(rest, all[3..].to_vec());
    }

    async fn the_runs_max_time_seconds_ends_a_game_as_a_timeout(backend) {
        let app = spawn(backend).await;
        let _worker = worker(&app, 1).await;
        let build = script_build(&app, "sleep 60").await;
        let test = game_loop_test(&app, "slow", 120).await;
        let config = linux_config(&app, &build).await;
        let answer = app.admin.start_run(&StartRunRequest {
            multiplayer_test_id: Some(test),
            deployment_config_id: config,
            options: Some(RunOptions { max_time_seconds: Some(1), ..Default::default() }),
            ..Default::default()
        }).await.unwrap();
        let started = Instant::now();
        let run = completed(&app, &answer.data.multiplayer_run_id).await;
        assert_eq!(run.run.outcome, Some(RunOutcome::Timeout), "{run:#?}");
        assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
    }

    async fn a_test_plan_execution_counts_its_runs_as_they_finish(backend) {
        let app = spawn(backend).await;
        let passing = linux_config(&app, &script_build(&app, "exit 0").await).await;
        let pass_test = game_loop_test(&app, "passes", 20).await;
        let fail_test = game_loop_test(&app, "fails", 20).await;
        let plan = app.admin.create_test_plan(&TestPlanSpec {
            name: "nightly".into(),
            description: String::new(),
            test_items: vec![
                TestItem { multiplayer_test_id: pass_test, retries: None },
                TestItem { multiplayer_test_id: fail_test.clone(), retries: None },
            ],
        }).await.unwrap();
        let answer = app.admin.start_run(&StartRunRequest {
            test_plan_id: Some(plan.id),
            deployment_config_id: passing,
            ..Default::default()
        }).await.unwrap();
        let execution_id = answer.data.test_plan_execution_id.clone().expect("an execution");
        let queued = app.admin.plan_execution(&execution_id).await.unwrap();
        assert_eq!((queued.counts.total, queued.counts.queued, queued.finished), (2, 2, false));
        // Both tests play the same passing build here; stop the second
        // before it starts to see it counted as skipped.
        let run_ids = answer.data.multiplayer_run_ids.clone().unwrap_or_default();
        let second = app.admin.get_run(&run_ids[1]).await.unwrap();
        app.admin.stop_runs(&StopRunsRequest { job_ids: vec![second.run.job_id] }).await.unwrap();
        let _worker = worker(&app, 1).await;
        completed(&app, &run_ids[0]).await;
        let done = app.admin.plan_execution(&execution_id).await.unwrap();
        assert!(done.finished, "{done:?}");
        assert_eq!((done.counts.passed, done.counts.skipped, done.counts.total), (1, 1, 2), "{done:?}");
    }
}
