//! Figures for the report, not checks: run with
//! `cargo test -p playtest-driver-web --release --test driver -- --ignored --nocapture perf`.

use std::time::{Duration, Instant};

use playtest_agent::Driver;
use playtest_driver_web::{ScreenshotFormat, WebDriver};
use playtest_types::Action;

use crate::helpers::*;

/// CPU time (user + system) of this process and its reaped children.
fn cpu_time() -> Duration {
    let usage = |who| {
        // SAFETY: rusage is plain integers, for which all zeroes are valid.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage fills the struct it is given, which lives for the call.
        unsafe { libc::getrusage(who, &mut usage) };
        Duration::from_secs(usage.ru_utime.tv_sec as u64 + usage.ru_stime.tv_sec as u64)
            + Duration::from_micros(usage.ru_utime.tv_usec as u64 + usage.ru_stime.tv_usec as u64)
    };
    usage(libc::RUSAGE_SELF) + usage(libc::RUSAGE_CHILDREN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures; run by hand"]
async fn perf_observe_act_and_record() {
    for (fixture, width, height) in [
        ("arrows", 800, 600),
        ("arrows", 1280, 720),
        ("noise", 800, 600),
        ("noise", 1280, 720),
    ] {
        for format in [
            ScreenshotFormat::Jpeg { quality: 80 },
            ScreenshotFormat::Png,
        ] {
            let mut options = launch_options(fixture);
            (options.width, options.height, options.screenshot) = (width, height, format);
            let mut driver = WebDriver::launch(options).await.unwrap();
            driver.observe().await.unwrap();
            let rounds = 40;
            let started = Instant::now();
            let mut bytes = 0;
            let mut decoding = Duration::ZERO;
            for _ in 0..rounds {
                let observation = driver.observe().await.unwrap();
                let encoded = observation.frame.encoded.unwrap();
                bytes += encoded.bytes.len();
                let decode = Instant::now();
                let _ = image::load_from_memory(&encoded.bytes).unwrap().into_rgb8();
                decoding += decode.elapsed();
            }
            let per = started.elapsed() / rounds;
            println!(
                "observe {fixture} {width}x{height} {format:?}: {per:.1?} each (decoding {:.1?}), {} KiB encoded",
                decoding / rounds,
                bytes / rounds as usize / 1024
            );
            driver.finish().await.unwrap();
        }
    }

    let mut driver = launch("arrows").await;
    let started = Instant::now();
    let count = 200;
    for i in 0..count {
        let key = if i % 2 == 0 {
            "ArrowRight"
        } else {
            "ArrowLeft"
        };
        driver.act(&Action::Key(key.into())).await.unwrap();
    }
    println!(
        "key presses: {:.0}/s",
        f64::from(count) / started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for _ in 0..count {
        driver.act(&Action::Click([400, 300])).await.unwrap();
    }
    println!(
        "clicks: {:.0}/s",
        f64::from(count) / started.elapsed().as_secs_f64()
    );
    driver.finish().await.unwrap();

    let before = cpu_time();
    let started = Instant::now();
    let mut driver = launch("black").await;
    driver.act(&Action::WaitMs(10_000)).await.unwrap();
    driver.finish().await.unwrap();
    println!(
        "10 s of a still page: {:.2} CPU s per s",
        (cpu_time() - before).as_secs_f64() / started.elapsed().as_secs_f64()
    );

    for record in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut options = launch_options("arrows");
        if record {
            options.record_video = Some(dir.path().join("v.mp4"));
        }
        let before = cpu_time();
        let started = Instant::now();
        let mut driver = WebDriver::launch(options).await.unwrap();
        while started.elapsed() < Duration::from_secs(10) {
            driver.act(&Action::Key("ArrowRight".into())).await.unwrap();
            driver.act(&Action::WaitMs(100)).await.unwrap();
        }
        driver.finish().await.unwrap();
        let cpu = cpu_time() - before;
        println!(
            "10 s of an animated game, recording {record}: {:.2} CPU s per s",
            cpu.as_secs_f64() / started.elapsed().as_secs_f64()
        );
    }
}
