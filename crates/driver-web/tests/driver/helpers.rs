//! What every test of the web driver needs: the fixtures, a launch that
//! fails clearly when Chromium is missing, and waiting on a condition with a
//! deadline (never sleeping and hoping).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use playtest_agent::{Driver, GameEvent, Observation};
use playtest_driver_web::{
    BrowserLauncher, DirectLauncher, WebDriver, WebLaunch, default_chromium,
};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn,playtest_driver_web=info")
        .with_test_writer()
        .try_init();
}

/// Panics with what to do when there is no Chromium to test with.
pub fn require_chromium() -> PathBuf {
    let chromium = default_chromium();
    assert!(
        chromium.is_file(),
        "Chromium is missing ({}): install Debian's `chromium` package (the project's CI setup does)",
        chromium.display()
    );
    chromium
}

pub fn launch_options(name: &str) -> WebLaunch {
    options_with(name, Arc::new(DirectLauncher))
}

pub fn options_with(name: &str, launcher: Arc<dyn BrowserLauncher>) -> WebLaunch {
    init_tracing();
    require_chromium();
    WebLaunch::new(fixture(name), launcher)
}

pub async fn launch(name: &str) -> WebDriver {
    WebDriver::launch(launch_options(name))
        .await
        .unwrap_or_else(|error| panic!("launching {name}: {error}"))
}

/// Observes until an observation satisfies `wanted`, for at most `within`.
pub async fn observe_where(
    driver: &mut WebDriver,
    what: &str,
    within: Duration,
    wanted: impl Fn(&Observation) -> bool,
) -> Observation {
    let deadline = Instant::now() + within;
    loop {
        let observation = driver.observe().await.expect("observe");
        if wanted(&observation) {
            return observation;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Evaluates until the expression is truthy.
pub async fn until_true(driver: &mut WebDriver, expression: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = driver.evaluate(expression).await.expect("evaluate");
        if value.as_bool() == Some(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{expression} stayed false");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Observes until an observation's events hold one that `wanted` picks,
/// keeping every event seen on the way.
pub async fn observe_until(
    driver: &mut WebDriver,
    wanted: impl Fn(&GameEvent) -> bool,
) -> (Observation, Vec<GameEvent>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        let observation = driver.observe().await.expect("observe");
        seen.extend(observation.events.iter().cloned());
        if seen.iter().any(&wanted) {
            return (observation, seen);
        }
        assert!(
            Instant::now() < deadline,
            "the event never came; saw {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The RGB of a pixel.
pub fn pixel(observation: &Observation, x: u32, y: u32) -> [u8; 3] {
    let frame = &observation.frame;
    let at = ((y * frame.width + x) * 3) as usize;
    [frame.rgb[at], frame.rgb[at + 1], frame.rgb[at + 2]]
}
