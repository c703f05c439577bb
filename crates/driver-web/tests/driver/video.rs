//! Recording: an H.264 MP4 whose timeline is the session's.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use playtest_agent::Driver;
use playtest_driver_web::WebDriver;
use playtest_types::Action;
use serde_json::Value;

use crate::helpers::*;

/// The codec and duration ffprobe reads from a video.
fn probe(path: &Path) -> (String, Duration) {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name:format=duration",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (Debian package ffmpeg) is installed");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let codec = json["streams"][0]["codec_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let seconds: f64 = json["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (codec, Duration::from_secs_f64(seconds))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_recorded_as_an_h264_mp4_as_long_as_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recording.mp4");
    let mut options = launch_options("arrows");
    options.record_video = Some(path.clone());
    let mut driver = WebDriver::launch(options).await.unwrap();
    let mut last_offset = Duration::ZERO;
    // Three seconds of play, then three of a still screen.
    loop {
        driver.act(&Action::Key("ArrowRight".into())).await.unwrap();
        driver.act(&Action::WaitMs(50)).await.unwrap();
        let observation = driver.observe().await.unwrap();
        let offset = observation.video_offset.expect("an offset while recording");
        assert!(offset >= last_offset, "the video's clock goes forward");
        let gap = observation.at.abs_diff(offset);
        assert!(
            gap < Duration::from_millis(50),
            "at and video_offset agree: {gap:?}"
        );
        last_offset = offset;
        if offset >= Duration::from_secs(3) {
            break;
        }
    }
    driver.act(&Action::WaitMs(3000)).await.unwrap();
    let output = driver.finish().await.unwrap();
    assert_eq!(output.video.as_deref(), Some(path.as_path()));
    let (codec, duration) = probe(&path);
    assert_eq!(codec, "h264");
    let gap = duration.abs_diff(output.duration);
    assert!(
        gap <= Duration::from_secs(1),
        "video {duration:?}, session {:?}",
        output.duration
    );
}
