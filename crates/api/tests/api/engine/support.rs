//! Builds, tests, configs and workers for the engine tests.

use std::time::{Duration, Instant};

use playtest_api::keys;
use playtest_types::{
    CompleteUploadRequest, DeploymentConfigSpec, GameLoopSettings, InitiateUploadResponse, Launch,
    PlatformKind, RunDetails, RunState, StartRunRequest, TestPlayer, TestSpec, TestStep, TestType,
};
use tokio::sync::watch;

use crate::support::{Backend, TestApp};
use crate::uploads::request;

/// A server whose leases are short, so lost workers are noticed quickly.
pub async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.engine.lease_duration = Duration::from_secs(2);
        settings.engine.sweep_interval = Duration::from_millis(200);
        settings.engine.max_lease_wait = Duration::from_secs(5);
    })
    .await
}

/// A worker inside the test, stopped when dropped.
pub struct TestWorker {
    stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl Drop for TestWorker {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Starts a worker with `slots` slots serving every project.
pub async fn worker(app: &TestApp, slots: u32) -> TestWorker {
    let (_, token) =
        keys::issue_worker_token(app.store.as_ref(), "test worker", None, chrono::Utc::now())
            .await
            .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let settings = playtest_worker::WorkerSettings {
        server_url: app.base.clone(),
        token,
        name: "test worker".into(),
        web: None,
        native: None,
        slots,
        work_dir: dir.path().to_path_buf(),
        limits: playtest_worker::SandboxLimits::default(),
        lease_wait: Duration::from_secs(2),
        default_max_duration: Duration::from_secs(30),
        tesseract: playtest_worker::DEFAULT_TESSERACT.into(),
    };
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(playtest_worker::service::run(settings, stopped));
    TestWorker { stop, _dir: dir }
}

/// Uploads a shell script as a build (`game.sh`) and returns its id.
pub async fn script_build(app: &TestApp, script: &str) -> String {
    let bytes = bytes::Bytes::from(format!("#!/bin/sh\n{script}\n"));
    let answer = app
        .admin
        .initiate_upload(&request("game.sh", bytes.len()))
        .await
        .unwrap();
    let InitiateUploadResponse::SinglePart {
        build_id,
        upload_url,
        ..
    } = answer
    else {
        panic!("a small build goes in one PUT")
    };
    app.admin.put_bytes(&upload_url, bytes).await.unwrap();
    app.admin
        .complete_upload(&CompleteUploadRequest {
            build_id: build_id.clone(),
            upload_id: None,
            object_key: None,
            parts: None,
        })
        .await
        .unwrap();
    build_id
}

/// A game_loop test with one step, `max_seconds` long.
pub async fn game_loop_test(app: &TestApp, name: &str, max_seconds: i64) -> String {
    let spec = TestSpec {
        name: name.into(),
        test_type: TestType::GameLoop,
        description: String::new(),
        min_seconds: None,
        max_seconds: Some(max_seconds),
        tags: vec![],
        players: vec![TestPlayer {
            name: "loop".into(),
            steps: vec![TestStep {
                goal: "play the game loop".into(),
                finish_condition: "the game exits".into(),
                actions: vec![],
                expected_results: vec![],
            }],
        }],
        discovery: None,
        game_loop: Some(GameLoopSettings {
            args: vec!["--scenario".into(), "1".into()],
        }),
    };
    app.admin.create_test(&spec).await.unwrap().id
}

/// A linux config launching `game.sh` of `build_id`.
pub async fn linux_config(app: &TestApp, build_id: &str) -> String {
    let spec = DeploymentConfigSpec {
        name: "linux".into(),
        kind: PlatformKind::Linux,
        build_id: Some(build_id.into()),
        launch: Launch {
            entry: "game.sh".into(),
            args: vec![],
            env: Default::default(),
            width: 800,
            height: 600,
            init_scripts: vec![],
        },
    };
    app.admin.create_deployment_config(&spec).await.unwrap().id
}

/// Starts the test once on the config; returns (job id, run id).
pub async fn start(
    app: &TestApp,
    test_id: &str,
    config_id: &str,
    retries: i64,
) -> (String, String) {
    let answer = app
        .admin
        .start_run(&StartRunRequest {
            multiplayer_test_id: Some(test_id.into()),
            deployment_config_id: config_id.into(),
            retries: Some(retries),
            ..Default::default()
        })
        .await
        .unwrap();
    (answer.data.job_id, answer.data.multiplayer_run_id)
}

/// Polls the run until `done` holds (30 s at most).
pub async fn wait_for(
    app: &TestApp,
    run_id: &str,
    what: &str,
    done: impl Fn(&RunDetails) -> bool,
) -> RunDetails {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let run = app.admin.get_run(run_id).await.unwrap();
        if done(&run) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "the run never got {what}: {run:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn completed(app: &TestApp, run_id: &str) -> RunDetails {
    wait_for(app, run_id, "completed", |run| {
        run.run.state == RunState::Completed
    })
    .await
}
