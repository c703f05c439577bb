//! What a worker registers as able to play (per platform and test type,
//! or in the older shape its platforms), how `GET /workers` shows it, and
//! that a worker leases only the jobs it plays.

use playtest_api::keys;
use playtest_types::{
    Capability, PlatformKind, ReplayRequest, RunOutcome, StartRunRequest, TestType,
};
use serde_json::{Value, json};

use crate::fake_worker::{FakeWorker, bug, trace};
use crate::support::{TestApp, on_both_backends};

fn plays(platform: PlatformKind, test_types: &[TestType]) -> Capability {
    Capability {
        platform,
        test_types: test_types.to_vec(),
    }
}

/// POSTs `body` to `/worker/register` with a new worker token, as a worker
/// built before capabilities would; the status and the answer.
async fn register_raw(app: &TestApp, body: Value) -> (u16, Value) {
    let (_, token) = keys::issue_worker_token(app.store.as_ref(), "old", None, chrono::Utc::now())
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/worker/register", app.base))
        .bearer_auth(token.expose())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Starts a verification test of the web config once; the run id.
async fn start_web_run(app: &TestApp) -> String {
    let test = app.create_test("merge tiles", 1).await;
    let config = app.create_config().await;
    app.admin
        .start_run(&StartRunRequest {
            multiplayer_test_id: Some(test.id),
            deployment_config_id: config.id,
            ..Default::default()
        })
        .await
        .unwrap()
        .data
        .multiplayer_run_id
}

on_both_backends! {
    async fn a_worker_registered_with_platforms_only_plays_every_test_type_of_them(app) {
        let (status, worker) = register_raw(
            &app,
            json!({"name": "old", "platforms": ["web", "linux"], "slots": 1}),
        )
        .await;
        assert_eq!(status, 201, "{worker}");
        let every = json!(["verification", "discovery", "game_loop"]);
        assert_eq!(worker["platforms"], json!(["linux", "web"]));
        assert_eq!(
            worker["capabilities"],
            json!([
                {"platform": "linux", "test_types": every},
                {"platform": "web", "test_types": every}
            ])
        );
        let listed = app.admin.list_workers().await.unwrap().data;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].capabilities[1], plays(PlatformKind::Web, &TestType::ALL));
    }

    async fn a_worker_is_listed_with_what_it_plays_on_each_platform(app) {
        FakeWorker::register_playing(&app, vec![
            plays(PlatformKind::Web, &[TestType::Discovery]),
            plays(PlatformKind::Linux, &[TestType::GameLoop]),
            plays(PlatformKind::Web, &[TestType::Verification]),
        ])
        .await;
        let listed = app.admin.list_workers().await.unwrap().data;
        assert_eq!(listed[0].platforms, [PlatformKind::Linux, PlatformKind::Web]);
        assert_eq!(
            listed[0].capabilities,
            [
                plays(PlatformKind::Linux, &[TestType::GameLoop]),
                plays(PlatformKind::Web, &[TestType::Verification, TestType::Discovery]),
            ],
            "one entry a platform, its test types in their order"
        );
    }

    async fn a_registration_that_plays_nothing_or_names_both_shapes_is_refused(app) {
        for (body, field) in [
            (json!({"name": "w", "slots": 1}), "capabilities"),
            (json!({"name": "w", "capabilities": [], "platforms": [], "slots": 1}), "capabilities"),
            (
                json!({"name": "w", "capabilities": [{"platform": "web", "test_types": []}], "slots": 1}),
                "capabilities[0].test_types",
            ),
            (
                json!({"name": "w", "platforms": ["web"], "slots": 1,
                       "capabilities": [{"platform": "web", "test_types": ["discovery"]}]}),
                "platforms",
            ),
        ] {
            let (status, error) = register_raw(&app, body.clone()).await;
            assert_eq!(status, 400, "{body}: {error}");
            assert_eq!(error["details"]["field"], field, "{body}: {error}");
        }
        let (status, _) = register_raw(
            &app,
            json!({"name": "w", "capabilities": [{"platform": "web", "test_types": ["fishing"]}], "slots": 1}),
        )
        .await;
        assert_eq!(status, 400, "an unknown test type");
    }

    async fn a_worker_leases_only_tests_and_replays_of_the_types_it_plays(app) {
        let run_id = start_web_run(&app).await;
        let explorer = FakeWorker::register_playing(
            &app,
            vec![plays(PlatformKind::Web, &[TestType::Discovery])],
        )
        .await;
        assert!(explorer.try_lease().await.is_none(), "the run is a verification test");
        let scripted = FakeWorker::register_playing(
            &app,
            vec![plays(PlatformKind::Web, &[TestType::Verification])],
        )
        .await;
        let job = scripted.try_lease().await.expect("a verification test");
        assert_eq!(job.run_id, run_id);
        scripted
            .report_bugs(&job, vec![bug("fp_merge", "3 steps", Some(trace(7, 3)))])
            .await;
        scripted.complete(&job, RunOutcome::Failed, &[]).await;

        // A replay plays the test of the run that found the bug.
        let bugs = app.admin.list_run_bugs(&run_id).await.unwrap().bug_occurrences;
        let replay = app.admin.replay_bug(&bugs[0].id, &ReplayRequest::default()).await.unwrap();
        assert!(explorer.try_lease().await.is_none(), "a replay of a verification run");
        let job = scripted.try_lease().await.expect("the replay");
        assert_eq!(job.run_id, replay.data.multiplayer_run_id);
        assert!(job.replay.is_some());
    }
}
