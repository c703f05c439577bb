//! One screenshot of a web build taken by the real driver, as an agent
//! sees it (800×600, JPEG as the driver shoots), once the page has stopped
//! moving. How the OCR fixtures (`crates/ocr/tests/fixtures`) were made:
//!
//! ```text
//! cargo run -p playtest-driver-web --example screenshot -- BUILD_DIR OUT.jpg [INIT_SCRIPT.js]
//! ```
//!
//! The init script runs in the page before the game's own scripts (to
//! put a saved game in its storage, say). Chromium runs unsandboxed: only
//! for builds you trust.

use std::sync::Arc;
use std::time::{Duration, Instant};

use playtest_agent::Driver;
use playtest_driver_web::{DirectLauncher, WebDriver, WebLaunch};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [build, out, rest @ ..] = &args[..] else {
        return Err("usage: screenshot BUILD_DIR OUT.jpg [INIT_SCRIPT.js]".into());
    };
    let mut launch = WebLaunch::new(build, Arc::new(DirectLauncher));
    for script in rest {
        launch.init_scripts.push(std::fs::read_to_string(script)?);
    }
    let mut driver = WebDriver::launch(launch).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut previous = driver.observe().await?.frame;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let frame = driver.observe().await?.frame;
        let still = frame.rgb == previous.rgb;
        previous = frame;
        if still || Instant::now() >= deadline {
            break;
        }
    }
    let encoded = previous
        .encoded
        .ok_or("the driver kept no encoded picture")?;
    std::fs::write(out, &encoded.bytes)?;
    println!(
        "{out}: {}x{} {}, {} bytes",
        previous.width,
        previous.height,
        encoded.format.extension(),
        encoded.bytes.len()
    );
    driver.finish().await?;
    Ok(())
}
