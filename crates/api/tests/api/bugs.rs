//! Bug traces and what is done with them: an occurrence read with its
//! trace, replay and minimisation runs started from it, what a worker
//! leasing those runs gets, and what a minimisation's finding changes.

use playtest_types::{
    ArtifactUploadRequest, ReplayOrigin, ReplayRequest, RunOutcome, StartRunRequest,
};
use reqwest::Method;
use serde_json::json;

use crate::fake_worker::{FakeWorker, bug, trace};
use crate::support::{TestApp, api_error, on_both_backends};

/// Starts the test once on a fresh config; returns the run id.
async fn start(app: &TestApp, test_id: &str, config_id: &str) -> String {
    app.admin
        .start_run(&StartRunRequest {
            multiplayer_test_id: Some(test_id.into()),
            deployment_config_id: config_id.into(),
            additional_tags: vec!["nightly".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .data
        .multiplayer_run_id
}

/// A run whose worker reported one bug with a trace of `actions` actions
/// (seed 42); returns the worker, and the occurrence's id.
async fn traced_occurrence(app: &TestApp, actions: usize) -> (FakeWorker, String) {
    let test = app.create_test("merge tiles", 1).await;
    let config = app.create_config().await;
    let run_id = start(app, &test.id, &config.id).await;
    let worker = FakeWorker::register(app).await;
    let job = worker.lease().await;
    assert_eq!(job.run_id, run_id);
    let steps = format!("{actions} steps");
    worker
        .report_bugs(
            &job,
            vec![bug("fp_merge", &steps, Some(trace(42, actions)))],
        )
        .await;
    worker.complete(&job, RunOutcome::Failed, &[]).await;
    let bugs = app
        .admin
        .list_run_bugs(&run_id)
        .await
        .unwrap()
        .bug_occurrences;
    (worker, bugs[0].id.clone())
}

on_both_backends! {
    async fn an_occurrence_is_read_with_its_run_and_trace_and_lists_show_the_length(app) {
        let test = app.create_test("merge tiles", 1).await;
        let config = app.create_config().await;
        let run_id = start(&app, &test.id, &config.id).await;
        let worker = FakeWorker::register(&app).await;
        let job = worker.lease().await;
        worker.report_bugs(&job, vec![bug("fp_merge", "press left twice", Some(trace(42, 7)))]).await;
        // The run's trace artifact, uploaded as a worker does.
        let upload = worker.client.artifact_upload_url(&worker.id, &job.job_id, &ArtifactUploadRequest {
            fencing_token: job.fencing_token,
            filename: "trace.json".into(),
        }).await.unwrap();
        worker.client.storage().put_bytes(&upload.upload_url, bytes::Bytes::from_static(b"{}")).await.unwrap();
        worker.complete(&job, RunOutcome::Failed, &["trace.json"]).await;

        let listed = app.admin.list_run_bugs(&run_id).await.unwrap().bug_occurrences;
        assert_eq!(listed.len(), 1);
        let details = &listed[0].details;
        assert_eq!(details.trace_length, Some(7));
        assert_eq!(
            details.trace_url.as_deref(),
            Some(format!("{}/api/v1/runs/{run_id}/artifacts/trace.json", app.base).as_str())
        );
        let raw = app.raw(Method::GET, &format!("/api/v1/runs/{run_id}/bugs"), Some(&app.admin_key), None).await;
        assert!(raw.body["bug_occurrences"][0].get("trace").is_none(), "lists carry no trace");

        let occurrence = app.admin.get_bug_occurrence(&listed[0].id).await.unwrap();
        assert_eq!(occurrence.occurrence, listed[0]);
        assert_eq!(occurrence.multiplayer_run_id, run_id);
        assert_eq!(occurrence.trace, Some(trace(42, 7)));
    }

    async fn an_occurrence_of_another_project_is_404_for_reads_replays_and_minimisations(app) {
        let (_, occurrence_id) = traced_occurrence(&app, 3).await;
        let foreign = app.foreign_admin().await;
        let (status, body) = api_error(foreign.get_bug_occurrence(&occurrence_id).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "NOT_FOUND"));
        let (status, _) = api_error(foreign.replay_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(foreign.minimize_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(app.admin.get_bug_occurrence("occ_unknown").await.unwrap_err());
        assert_eq!(status, 404);
    }

    async fn a_replay_is_a_queued_run_whose_leased_job_replays_the_trace_with_its_seed(app) {
        let (worker, occurrence_id) = traced_occurrence(&app, 5).await;
        let original = app.admin.get_bug_occurrence(&occurrence_id).await.unwrap();
        let original_run = app.admin.get_run(&original.multiplayer_run_id).await.unwrap();

        // No body at all is the same as an empty one.
        let answer = app.raw(Method::POST, &format!("/api/v1/bugs/occurrences/{occurrence_id}/replay"), Some(&app.admin_key), None).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        assert_eq!((answer.body["ok"].clone(), answer.body["status"].clone(), answer.body["message"].clone()), (json!(true), json!(201), json!("queued")));
        let run_id = answer.body["data"]["multiplayer_run_id"].as_str().unwrap().to_string();
        let job_id = answer.body["data"]["job_id"].as_str().unwrap().to_string();

        let replay_run = app.admin.get_run(&run_id).await.unwrap();
        assert_eq!(replay_run.run.job_id, job_id);
        assert_eq!(replay_run.run.replay_of, Some(ReplayOrigin { occurrence_id: occurrence_id.clone(), minimize: false }));
        assert_eq!(replay_run.run.test, original_run.run.test);
        assert_eq!(replay_run.run.deployment_config_id, original_run.run.deployment_config_id);
        assert_eq!(replay_run.run.build, original_run.run.build);
        assert_eq!(replay_run.run.tags, ["smoke", "nightly", "replay"]);
        assert_eq!(replay_run.options.max_time_seconds, original_run.options.max_time_seconds);
        assert_eq!(original_run.run.replay_of, None);

        let job = worker.lease().await;
        assert_eq!(job.job_id, job_id);
        let replay = job.replay.expect("the job replays the trace");
        assert_eq!(replay.occurrence_id, occurrence_id);
        assert_eq!(replay.fingerprint, "fp_merge");
        assert_eq!(replay.trace, trace(42, 5));
        assert!(!replay.minimize);
        assert_eq!(job.seed, 42, "the trace's seed");
    }

    async fn a_minimisation_run_defaults_to_600_seconds_and_takes_a_max_time(app) {
        let (worker, occurrence_id) = traced_occurrence(&app, 5).await;
        let started = app.admin.minimize_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap();
        let run = app.admin.get_run(&started.data.multiplayer_run_id).await.unwrap();
        assert_eq!(run.options.max_time_seconds, Some(600));
        assert_eq!(run.run.replay_of, Some(ReplayOrigin { occurrence_id: occurrence_id.clone(), minimize: true }));
        assert!(run.run.tags.contains(&"minimize".to_string()));
        let job = worker.lease().await;
        assert!(job.replay.expect("a replay spec").minimize);
        assert_eq!(job.options.max_time_seconds, Some(600));

        let started = app.admin.replay_bug(&occurrence_id, &ReplayRequest { max_time_seconds: Some(45) }).await.unwrap();
        let run = app.admin.get_run(&started.data.multiplayer_run_id).await.unwrap();
        assert_eq!(run.options.max_time_seconds, Some(45));
        let (status, body) = api_error(app.admin.replay_bug(&occurrence_id, &ReplayRequest { max_time_seconds: Some(0) }).await.unwrap_err());
        assert_eq!(status, 400);
        assert_eq!(body.details["field"], "max_time_seconds");
    }

    async fn an_occurrence_without_a_trace_cannot_be_replayed_409_no_trace(app) {
        let test = app.create_test("boot", 1).await;
        let config = app.create_config().await;
        let run_id = start(&app, &test.id, &config.id).await;
        let worker = FakeWorker::register(&app).await;
        let job = worker.lease().await;
        worker.report_bugs(&job, vec![bug("fp_crash", "start the game", None)]).await;
        let occurrence = &app.admin.list_run_bugs(&run_id).await.unwrap().bug_occurrences[0];
        assert_eq!(occurrence.details.trace_length, None);
        for minimize in [false, true] {
            let call = if minimize {
                app.admin.minimize_bug(&occurrence.id, &ReplayRequest::default()).await
            } else {
                app.admin.replay_bug(&occurrence.id, &ReplayRequest::default()).await
            };
            let (status, body) = api_error(call.unwrap_err());
            assert_eq!((status, body.code.as_str()), (409, "NO_TRACE"));
            assert!(body.error.contains("no action trace"), "{}", body.error);
        }
        assert_eq!(app.admin.get_bug_occurrence(&occurrence.id).await.unwrap().trace, None);
    }

    async fn a_minimisation_report_replaces_the_original_occurrences_steps_and_trace(app) {
        let (worker, occurrence_id) = traced_occurrence(&app, 9).await;
        let started = app.admin.minimize_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap();
        let job = worker.lease().await;
        let mut shorter = bug("fp_merge", "press left, then click the board", Some(trace(42, 2)));
        shorter.minimizes = Some(occurrence_id.clone());
        worker.report_bugs(&job, vec![shorter]).await;
        worker.complete(&job, RunOutcome::Success, &[]).await;

        let original = app.admin.get_bug_occurrence(&occurrence_id).await.unwrap();
        assert_eq!(original.occurrence.reproduction_steps, "press left, then click the board");
        assert_eq!(original.trace, Some(trace(42, 2)));
        assert_eq!(original.occurrence.details.trace_length, Some(2));
        let noted = original.occurrence.details.minimized.expect("noted as shortened");
        assert_eq!((noted.from, noted.to), (9, 2));
        assert_eq!(noted.run_id, started.data.multiplayer_run_id);
        // The finding is also an occurrence of the minimisation run.
        let own = app.admin.list_run_bugs(&started.data.multiplayer_run_id).await.unwrap().bug_occurrences;
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].bug_id, original.occurrence.bug_id, "the same bug");
    }

    async fn a_minimisation_report_naming_an_unknown_occurrence_is_still_accepted(app) {
        let (worker, occurrence_id) = traced_occurrence(&app, 4).await;
        let started = app.admin.replay_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap();
        let job = worker.lease().await;
        let mut stray = bug("fp_merge", "one step", Some(trace(42, 1)));
        stray.minimizes = Some("occ_nowhere".into());
        worker.report_bugs(&job, vec![stray]).await;
        let bugs = app.admin.list_run_bugs(&started.data.multiplayer_run_id).await.unwrap().bug_occurrences;
        assert_eq!(bugs.len(), 1);
        let original = app.admin.get_bug_occurrence(&occurrence_id).await.unwrap();
        assert_eq!(original.trace, Some(trace(42, 4)));
        assert!(original.occurrence.details.minimized.is_none());
    }

    async fn replaying_takes_operate_runs_and_reading_takes_read_runs(app) {
        use playtest_types::Permission;
        let (_, occurrence_id) = traced_occurrence(&app, 2).await;
        let reader = app.client(&app.key(&[Permission::ReadRuns]).await);
        assert!(reader.get_bug_occurrence(&occurrence_id).await.is_ok());
        let (status, body) = api_error(reader.replay_bug(&occurrence_id, &ReplayRequest::default()).await.unwrap_err());
        assert_eq!(status, 403);
        assert!(body.error.contains("project:operate-runs"), "{}", body.error);
        let operator = app.client(&app.key(&[Permission::OperateRuns]).await);
        let (status, _) = api_error(operator.get_bug_occurrence(&occurrence_id).await.unwrap_err());
        assert_eq!(status, 403);
    }
}
