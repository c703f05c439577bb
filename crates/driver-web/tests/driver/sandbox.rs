//! The browser in a bubblewrap sandbox with its own network namespace, as
//! the worker runs it: the DevTools pipe still reaches it.

use std::io;
use std::path::Path;
use std::sync::Arc;

use playtest_agent::Driver;
use playtest_driver_web::{BrowserLauncher, WebDriver};
use playtest_types::Action;
use serde_json::json;
use tokio::process::Command;

use crate::helpers::*;

/// A minimal sandbox of the worker's kind: the worker's default rlimits
/// (prlimit), new user, PID and network namespaces, uid 1000, read-only
/// system folders, in-memory /tmp.
#[derive(Debug)]
struct Bubblewrap;

impl BrowserLauncher for Bubblewrap {
    fn command(&self, program: &Path, args: &[String]) -> io::Result<Command> {
        let mut command = Command::new("prlimit");
        command.args([
            "--cpu=3600:3601",
            "--data=8589934592:8589934592",
            "--fsize=4294967296:4294967296",
            "--nofile=4096:4096",
            "--core=0:0",
            "--",
            "/usr/bin/bwrap",
        ]);
        command.args([
            "--unshare-all",
            "--unshare-user",
            "--uid",
            "1000",
            "--gid",
            "1000",
            "--disable-userns",
            "--cap-drop",
            "ALL",
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/usr",
            "/usr",
        ]);
        for dir in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            match std::fs::read_link(dir) {
                Ok(target) => {
                    command.arg("--symlink").arg(target).arg(dir);
                }
                Err(_) if Path::new(dir).is_dir() => {
                    command.args(["--ro-bind", dir, dir]);
                }
                Err(_) => {}
            }
        }
        for file in ["/etc/ld.so.cache", "/etc/fonts", "/etc/localtime"] {
            command.args(["--ro-bind-try", file, file]);
        }
        command.args([
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--remount-ro",
            "/",
            "--chdir",
            "/tmp",
            "--",
        ]);
        command.arg(program).args(args);
        command
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/tmp");
        Ok(command)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_in_its_own_network_namespace_is_driven_over_the_pipe() {
    assert!(
        Path::new("/usr/bin/bwrap").is_file(),
        "bubblewrap is missing: apt-get install bubblewrap"
    );
    let mut options = options_with("arrows", Arc::new(Bubblewrap));
    options.profile_dir = Some("/tmp/profile".into());
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
