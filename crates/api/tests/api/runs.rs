//! `/runs`: starting tests and test plans, listing, details, bugs, stopping.

use playtest_types::{
    JobStatus, ListRunsQuery, RunOutcome, RunResult, RunState, RunStateFilter, StartRunRequest,
    StepState, StopRunsRequest, TestItem, TestPlanSpec,
};
use reqwest::Method;
use serde_json::json;

use crate::support::{TestApp, api_error, on_both_backends};

async fn start(
    app: &TestApp,
    test_id: &str,
    config_id: &str,
    extra: impl FnOnce(&mut StartRunRequest),
) -> playtest_types::StartRunResponse {
    let mut request = StartRunRequest {
        multiplayer_test_id: Some(test_id.to_string()),
        deployment_config_id: config_id.to_string(),
        ..Default::default()
    };
    extra(&mut request);
    app.admin.start_run(&request).await.unwrap()
}

on_both_backends! {
    async fn starting_a_test_queues_a_job_whose_run_has_players_and_steps(app) {
        let test = app.create_test("login", 2).await;
        let config = app.create_config().await;
        let started = start(&app, &test.id, &config.id, |r| r.additional_tags = vec!["nightly".into()]).await;
        assert!(started.ok);
        assert_eq!((started.status, started.message.as_str()), (201, "queued"));
        assert!(started.data.job_ids.is_none() && started.data.test_plan_execution_id.is_none());
        assert!(playtest_store::ids::is_short_id(&started.data.job_id));
        assert!(playtest_store::ids::is_short_id(&started.data.multiplayer_run_id));

        let details = app.admin.get_run(&started.data.multiplayer_run_id).await.unwrap();
        let run = &details.run;
        assert_eq!(run.state, RunState::Initializing);
        assert_eq!(run.job_status, JobStatus::Queued);
        assert_eq!(run.result, None);
        assert_eq!(run.job_id, started.data.job_id);
        assert_eq!((run.test.id.as_str(), run.test.name.as_str(), run.test.test_type.as_str()), (test.id.as_str(), "login", "verification"));
        assert_eq!(run.tags, vec!["smoke", "nightly"]);
        assert_eq!(run.initiator.kind, "api_key");
        assert_eq!(run.players.len(), 1);
        let player = &run.players[0];
        assert_eq!((player.step_count, player.completed_step_count, player.platform.kind.as_str()), (2, 0, "web"));
        let steps = player.steps.as_ref().expect("details carry steps");
        assert_eq!(steps.len(), 2);
        assert!(steps.iter().all(|s| s.run_state == StepState::Pending));
        assert_eq!(steps[1].test.goal, "step 1");
        assert!(details.artifacts.is_empty());
        assert_eq!(details.options.max_time_seconds, Some(300));

        let raw = app.raw(Method::GET, &format!("/api/v1/runs/{}", started.data.multiplayer_run_id), Some(&app.admin_key), None).await;
        assert!(raw.body["artifacts"].as_array().is_some_and(|a| a.is_empty()));
        assert!(raw.body["players"][0]["steps"].is_array());
        for field in ["multiplayer_run_id", "project_id", "state", "result", "bug_info", "test", "build", "created_at",
                      "started_at", "completed_at", "duration_ms", "initiator", "tags", "players", "templating_enabled", "template_data"] {
            assert!(raw.body.get(field).is_some(), "run details lack {field}");
        }
    }

    async fn instances_fan_out_into_that_many_jobs(app) {
        let test = app.create_test("login", 1).await;
        let config = app.create_config().await;
        let started = start(&app, &test.id, &config.id, |r| r.instances = Some(3)).await;
        let job_ids = started.data.job_ids.expect("job_ids with several instances");
        let run_ids = started.data.multiplayer_run_ids.expect("multiplayer_run_ids with several instances");
        assert_eq!((job_ids.len(), run_ids.len()), (3, 3));
        assert_eq!(job_ids[0], started.data.job_id);
        let listed = app.admin.list_runs(&ListRunsQuery::default()).await.unwrap();
        assert_eq!(listed.pagination.total_count, 3);
    }

    async fn a_test_plan_starts_one_run_per_item_in_one_execution(app) {
        let a = app.create_test("a", 1).await;
        let b = app.create_test("b", 2).await;
        let config = app.create_config().await;
        let plan = app.admin.create_test_plan(&TestPlanSpec {
            name: "nightly".into(),
            description: String::new(),
            test_items: vec![
                TestItem { multiplayer_test_id: a.id.clone(), retries: Some(3) },
                TestItem { multiplayer_test_id: b.id.clone(), retries: None },
            ],
        }).await.unwrap();
        let started = app.admin.start_run(&StartRunRequest {
            test_plan_id: Some(plan.id.clone()),
            deployment_config_id: config.id.clone(),
            retries: Some(1),
            ..Default::default()
        }).await.unwrap();
        let execution = started.data.test_plan_execution_id.expect("an execution id");
        let run_ids = started.data.multiplayer_run_ids.unwrap();
        assert_eq!(run_ids.len(), 2);
        let first = app.admin.get_run(&run_ids[0]).await.unwrap();
        let second = app.admin.get_run(&run_ids[1]).await.unwrap();
        assert_eq!((first.run.test.name.as_str(), first.retries), ("a", 3));
        assert_eq!((second.run.test.name.as_str(), second.retries), ("b", 1));
        let listed = app.admin.list_runs(&ListRunsQuery { test_plan_execution_id: Some(execution.clone()), ..Default::default() }).await.unwrap();
        assert_eq!(listed.pagination.total_count, 2);
        assert!(listed.data.iter().all(|r| r.test_plan_execution_id.as_deref() == Some(execution.as_str())));
    }

    async fn a_plan_whose_test_was_deleted_starts_nothing(app) {
        let a = app.create_test("a", 1).await;
        let b = app.create_test("b", 1).await;
        let config = app.create_config().await;
        let plan = app.admin.create_test_plan(&TestPlanSpec {
            name: "p".into(),
            description: String::new(),
            test_items: vec![TestItem { multiplayer_test_id: a.id.clone(), retries: None }, TestItem { multiplayer_test_id: b.id.clone(), retries: None }],
        }).await.unwrap();
        app.admin.delete_test(&b.id).await.unwrap();
        let (status, _) = api_error(app.admin.start_run(&StartRunRequest {
            test_plan_id: Some(plan.id), deployment_config_id: config.id, ..Default::default()
        }).await.unwrap_err());
        assert_eq!(status, 404);
        assert_eq!(app.admin.list_runs(&ListRunsQuery::default()).await.unwrap().pagination.total_count, 0);
    }

    async fn unknown_tests_plans_and_configs_are_404_naming_the_field(app) {
        let test = app.create_test("a", 1).await;
        let config = app.create_config().await;
        let cases = [
            (json!({"multiplayer_test_id": "tst_nope", "deployment_config_id": config.id}), "multiplayer_test_id", "Test not found"),
            (json!({"test_plan_id": "tpl_nope", "deployment_config_id": config.id}), "test_plan_id", "Test plan not found"),
            (json!({"multiplayer_test_id": test.id, "deployment_config_id": "dcf_nope"}), "deployment_config_id", "Deployment config not found"),
        ];
        for (body, field, message) in cases {
            let answer = app.json(Method::POST, "/api/v1/runs", &body).await;
            assert_eq!(answer.status, 404, "{}", answer.body);
            assert_eq!(answer.body["details"]["field"], field);
            assert_eq!(answer.body["error"], message);
        }
        let answer = app.json(Method::POST, "/api/v1/runs", &json!({"multiplayer_test_id": test.id})).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("deployment_config_id")));
        let answer = app.json(Method::POST, "/api/v1/runs", &json!({"deployment_config_id": config.id})).await;
        assert_eq!(answer.body["details"]["field"], "multiplayer_test_id");
        assert_eq!(app.admin.list_runs(&ListRunsQuery::default()).await.unwrap().pagination.total_count, 0);
    }

    async fn runs_are_listed_newest_first_with_filters(app) {
        let test = app.create_test("a", 1).await;
        let config = app.create_config().await;
        let first = start(&app, &test.id, &config.id, |r| r.additional_tags = vec!["red".into(), "blue".into()]).await;
        let second = start(&app, &test.id, &config.id, |r| r.additional_tags = vec!["red".into()]).await;
        let third = start(&app, &test.id, &config.id, |_| {}).await;

        let all = app.admin.list_runs(&ListRunsQuery { page_size: Some(2), ..Default::default() }).await.unwrap();
        assert_eq!((all.pagination.total_count, all.pagination.total_pages, all.pagination.page_size), (3, 2, 2));
        let ids: Vec<_> = all.data.iter().map(|r| r.multiplayer_run_id.clone()).collect();
        assert_eq!(ids, [third.data.multiplayer_run_id.clone(), second.data.multiplayer_run_id.clone()]);
        assert!(all.data.iter().all(|r| r.players.len() == 1 && r.players[0].steps.is_none()));

        let red = app.admin.list_runs(&ListRunsQuery { tags: Some("red".into()), ..Default::default() }).await.unwrap();
        assert_eq!(red.pagination.total_count, 2);
        let red_blue = app.admin.list_runs(&ListRunsQuery { tags: Some("red,blue".into()), ..Default::default() }).await.unwrap();
        assert_eq!(red_blue.data.len(), 1);
        assert_eq!(red_blue.data[0].multiplayer_run_id, first.data.multiplayer_run_id);
        let by_job = app.admin.list_runs(&ListRunsQuery { job_id: Some(second.data.job_id.clone()), ..Default::default() }).await.unwrap();
        assert_eq!(by_job.data.len(), 1);
        let with_bugs = app.admin.list_runs(&ListRunsQuery { bugs: Some(true), ..Default::default() }).await.unwrap();
        assert_eq!(with_bugs.pagination.total_count, 0);

        app.admin.stop_runs(&StopRunsRequest { job_ids: vec![first.data.job_id.clone()] }).await.unwrap();
        let completed = app.admin.list_runs(&ListRunsQuery { state: Some(RunStateFilter::Completed), ..Default::default() }).await.unwrap();
        assert_eq!(completed.data.len(), 1);
        assert_eq!(completed.data[0].multiplayer_run_id, first.data.multiplayer_run_id);
        let running = app.admin.list_runs(&ListRunsQuery { state: Some(RunStateFilter::Running), ..Default::default() }).await.unwrap();
        assert_eq!(running.pagination.total_count, 2);

        let answer = app.raw(Method::GET, "/api/v1/runs?state=paused", Some(&app.admin_key), None).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("state")));
        let answer = app.raw(Method::GET, "/api/v1/runs?page_size=0", Some(&app.admin_key), None).await;
        assert_eq!(answer.body["details"]["field"], "page_size");
    }

    async fn a_fresh_run_has_an_empty_bug_list_and_unknown_runs_are_404(app) {
        let test = app.create_test("a", 1).await;
        let config = app.create_config().await;
        let started = start(&app, &test.id, &config.id, |_| {}).await;
        let bugs = app.admin.list_run_bugs(&started.data.multiplayer_run_id).await.unwrap();
        assert_eq!(bugs.multiplayer_run_id, started.data.multiplayer_run_id);
        assert!(bugs.bug_occurrences.is_empty());
        let (status, body) = api_error(app.admin.list_run_bugs("zzzzzzzzzzzz").await.unwrap_err());
        assert_eq!((status, body.error.as_str()), (404, "Run not found"));
    }

    async fn stopping_queued_jobs_completes_them_as_stopped(app) {
        let test = app.create_test("a", 2).await;
        let config = app.create_config().await;
        let started = start(&app, &test.id, &config.id, |r| r.instances = Some(2)).await;
        let job_ids = started.data.job_ids.unwrap();
        let stopped = app.admin.stop_runs(&StopRunsRequest { job_ids: job_ids.clone() }).await.unwrap();
        assert_eq!(stopped.status, 200);
        assert!(stopped.body.ok);
        assert_eq!((stopped.body.received_count, stopped.body.stopped_count), (2, 2));
        assert!(stopped.body.results.iter().all(|r| r.ok && r.status == 200));

        let details = app.admin.get_run(&started.data.multiplayer_run_id).await.unwrap();
        assert_eq!(details.run.state, RunState::Completed);
        assert_eq!(details.run.job_status, JobStatus::Completed);
        assert_eq!(details.run.outcome, Some(RunOutcome::Stopped));
        assert_eq!(details.run.result, Some(RunResult::Error));
        assert!(details.run.completed_at.is_some());
        let steps = details.run.players[0].steps.as_ref().unwrap();
        assert!(steps.iter().all(|s| s.run_state == StepState::Incomplete));
    }

    async fn stopping_a_mix_of_jobs_is_a_207_with_a_result_per_job(app) {
        let test = app.create_test("a", 1).await;
        let config = app.create_config().await;
        let done = start(&app, &test.id, &config.id, |_| {}).await;
        let queued = start(&app, &test.id, &config.id, |_| {}).await;
        app.admin.stop_runs(&StopRunsRequest { job_ids: vec![done.data.job_id.clone()] }).await.unwrap();

        let request = StopRunsRequest { job_ids: vec![queued.data.job_id.clone(), done.data.job_id.clone(), "nosuchjob123".into()] };
        let outcome = app.admin.stop_runs(&request).await.unwrap();
        assert_eq!(outcome.status, 207);
        assert!(!outcome.body.ok);
        assert_eq!((outcome.body.received_count, outcome.body.stopped_count), (3, 1));
        let results = &outcome.body.results;
        assert!(results[0].ok);
        assert_eq!((results[1].ok, results[1].status, results[1].error.as_deref()), (false, 409, Some("Job already completed")));
        assert_eq!((results[2].ok, results[2].status), (false, 404));
    }

    async fn stopping_only_unknown_jobs_is_a_404(app) {
        let outcome = app.admin.stop_runs(&StopRunsRequest { job_ids: vec!["aaaaaaaaaaaa".into(), "bbbbbbbbbbbb".into()] }).await.unwrap();
        assert_eq!(outcome.status, 404);
        assert_eq!((outcome.body.received_count, outcome.body.stopped_count), (2, 0));
        let answer = app.json(Method::POST, "/api/v1/runs/stop", &json!({"job_ids": []})).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("job_ids")));
    }

    async fn templates_are_rendered_into_the_runs_steps(app) {
        let mut spec = crate::support::test_spec("level", 1);
        spec.players[0].steps[0].goal = "reach world {{world}}".into();
        let test = app.admin.create_test(&spec).await.unwrap();
        let config = app.create_config().await;
        let started = start(&app, &test.id, &config.id, |r| {
            r.render_templates = true;
            r.template_data = Some(json!({"world": "2-1"}).as_object().unwrap().clone());
        }).await;
        let details = app.admin.get_run(&started.data.multiplayer_run_id).await.unwrap();
        assert!(details.templating_enabled);
        assert_eq!(details.run.players[0].steps.as_ref().unwrap()[0].test.goal, "reach world 2-1");
        let answer = app.json(Method::POST, "/api/v1/runs", &json!({
            "multiplayer_test_id": test.id, "deployment_config_id": config.id, "render_templates": true, "template_data": {}
        })).await;
        assert_eq!((answer.status.as_u16(), answer.body["details"]["field"].as_str()), (400, Some("template_data")));
    }
}
