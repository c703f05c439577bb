//! The browser in its bubblewrap sandbox, launched exactly as the worker
//! launches it ([`SandboxedBrowser`] over playtest-sandbox): its own network
//! namespace, and the DevTools pipe still reaches it.

use std::path::Path;
use std::sync::Arc;

use playtest_agent::Driver;
use playtest_driver_web::{PROFILE_DIR, SandboxedBrowser, WebDriver};
use playtest_sandbox::{Sandbox, SandboxLimits};
use playtest_types::Action;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_in_its_own_network_namespace_is_driven_over_the_pipe() {
    assert!(
        Path::new("/usr/bin/bwrap").is_file(),
        "bubblewrap is missing: apt-get install bubblewrap"
    );
    let dir = tempfile::tempdir().unwrap();
    let launcher = SandboxedBrowser::new(
        Sandbox::new(),
        dir.path().to_owned(),
        SandboxLimits::default(),
    );
    let mut options = options_with("arrows", Arc::new(launcher));
    options.profile_dir = Some(PROFILE_DIR.into());
    let mut driver = WebDriver::launch(options).await.unwrap();
    driver.act(&Action::Key("ArrowDown".into())).await.unwrap();
    assert_eq!(
        driver.evaluate("[game.x, game.y]").await.unwrap(),
        json!([100, 110])
    );
    let observation = driver.observe().await.unwrap();
    assert_eq!(observation.frame.width, 800);
    let outcome = driver
        .evaluate("fetch('https://example.com/').then(() => 'reached', (e) => 'failed')")
        .await
        .unwrap();
    assert_eq!(outcome, json!("failed"));
    driver.restart().await.unwrap();
    assert_eq!(driver.evaluate("game.y").await.unwrap(), json!(100));
    driver.finish().await.unwrap();
}
