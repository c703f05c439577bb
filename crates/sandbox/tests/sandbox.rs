//! The sandbox, for real: shell commands run under bwrap on this machine,
//! and what they could see, reach and write is checked from both sides.

use std::collections::BTreeMap;
use std::process::Output;
use std::time::{Duration, Instant};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use playtest_sandbox::{Exit, Launch, Sandbox, SandboxError, SandboxLimits};

fn write_file(path: &Path, content: &[u8], mode: u32) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `script` with bash in a sandbox over `dir`.
async fn run_in(dir: &std::path::Path, script: &str, limits: SandboxLimits) -> Output {
    let launch = Launch {
        dir: dir.to_owned(),
        program: "/bin/bash".into(),
        args: vec!["-c".into(), script.into()],
        env: BTreeMap::from([("GAME_MODE".into(), "test".into())]),
        limits,
        shared: Vec::new(),
    };
    let command = Sandbox::new().command(&launch).unwrap().output();
    tokio::time::timeout(Duration::from_secs(60), command)
        .await
        .expect("the sandboxed command ends")
        .unwrap()
}

async fn run(script: &str) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let output = run_in(dir.path(), script, SandboxLimits::default()).await;
    (dir, output)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_sandbox_works_on_this_machine() {
    Sandbox::new().check().await.unwrap();
}

#[tokio::test]
async fn a_missing_bwrap_is_a_clear_error_not_an_unsandboxed_run() {
    let error = Sandbox::with_programs("/nonexistent/bwrap", "prlimit")
        .check()
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("/nonexistent/bwrap") && message.contains("bubblewrap"),
        "{message}"
    );
}

#[tokio::test]
async fn a_kernel_refusing_user_namespaces_is_a_clear_error() {
    // A bwrap that runs where no user namespace may be created (the limit
    // set to 0 in a user namespace of its own), as on a locked-down host.
    let dir = tempfile::tempdir().unwrap();
    let denied = dir.path().join("bwrap");
    write_file(
        &denied,
        b"#!/bin/sh\nexec unshare --user --map-root-user sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec bwrap \"$@\"' bwrap \"$@\"\n",
        0o755,
    );
    let error = Sandbox::with_programs(&denied, "prlimit")
        .check()
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, SandboxError::Unusable { .. }), "{error:?}");
    assert!(
        message.contains("Creating new namespace failed"),
        "{message}"
    );
    assert!(message.contains("max_user_namespaces"), "{message}");
}

#[tokio::test]
async fn a_sandboxed_program_cannot_connect_to_the_host() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let _ = listener.accept().await;
        }
    });
    let connect = format!("exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected");

    // The same script reaches the listener from outside: the check is real.
    let outside = tokio::process::Command::new("/bin/bash")
        .args(["-c", &connect])
        .output()
        .await
        .unwrap();
    assert_eq!(stdout(&outside), "connected\n");

    let (_dir, inside) = run(&connect).await;
    assert_eq!(stdout(&inside), "");
    assert!(!inside.status.success());
    // PostgreSQL on the host, and any address at all.
    let (_dir, inside) =
        run("exec 3<>/dev/tcp/127.0.0.1/5432 && echo pg; exec 4<>/dev/tcp/1.1.1.1/80 && echo net")
            .await;
    assert_eq!(stdout(&inside), "");
    // Only a loopback interface exists.
    let (_dir, inside) = run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '").await;
    assert_eq!(stdout(&inside), "lo\n");
}

#[tokio::test]
async fn a_sandboxed_program_sees_nothing_of_the_host_but_system_files() {
    let dir = tempfile::tempdir().unwrap();
    let host_dir = dir.path().to_str().unwrap().to_owned();
    let script = format!(
        "for p in /root /work /home /var /opt /srv /mnt /sys /etc/passwd /etc/shadow /etc/hostname {host_dir}; do test -e $p && echo \"visible: $p\"; done; ls /"
    );
    let output = run_in(dir.path(), &script, SandboxLimits::default()).await;
    let out = stdout(&output);
    assert!(!out.contains("visible"), "{out}");
    let allowed = [
        "bin", "dev", "etc", "game", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp",
        "usr",
    ];
    for name in out.lines() {
        assert!(allowed.contains(&name), "/{name} is visible in the sandbox");
    }
}

#[tokio::test]
async fn a_sandboxed_program_gets_a_fresh_empty_tmp() {
    let host_marker = tempfile::NamedTempFile::new().unwrap();
    assert!(host_marker.path().starts_with("/tmp"));
    let (_dir, output) =
        run("ls -A /tmp; echo scratch > /tmp/inside-only && cat /tmp/inside-only").await;
    assert_eq!(stdout(&output), "scratch\n");
    assert!(!std::path::Path::new("/tmp/inside-only").exists());
}

#[tokio::test]
async fn a_sandboxed_program_can_write_its_build_folder_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.ini"), "old").unwrap();
    let script = "pwd; echo new > config.ini && echo saved > /game/save.dat && echo wrote-game; \
                  for p in /x /usr/x /bin/x /etc/x /dev/x /proc/x /sys/x; do (echo x > $p) 2>/dev/null && echo \"wrote $p\"; done; true";
    let output = run_in(dir.path(), script, SandboxLimits::default()).await;
    // Besides the build, only the in-memory /tmp and /dev/shm of the
    // sandbox are writable.
    assert_eq!(stdout(&output), "/game\nwrote-game\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("config.ini")).unwrap(),
        "new\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("save.dat")).unwrap(),
        "saved\n"
    );
    assert!(!std::path::Path::new("/usr/x").exists());
}

#[tokio::test]
async fn a_sandboxed_program_runs_unprivileged_with_a_clean_environment() {
    let (_dir, output) =
        run("id -u; id -g; grep CapEff /proc/self/status; env | grep -v '^_=' | sort").await;
    let out = stdout(&output);
    assert_eq!(
        out,
        "1000\n1000\nCapEff:\t0000000000000000\nGAME_MODE=test\nHOME=/tmp\nPATH=/usr/local/bin:/usr/bin:/bin\nPWD=/game\nSHLVL=1\n",
    );
}

#[tokio::test]
async fn a_sandboxed_program_cannot_create_user_namespaces() {
    let (_dir, output) = run("unshare --user true && echo escaped").await;
    assert_eq!(stdout(&output), "");
}

#[tokio::test]
async fn a_cpu_burning_program_is_killed_by_the_cpu_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SandboxLimits {
        cpu_seconds: 1,
        ..SandboxLimits::default()
    };
    let started = Instant::now();
    let output = run_in(dir.path(), "while :; do :; done", limits).await;
    assert_eq!(
        Exit::from_status(output.status),
        Exit::Signal(24),
        "SIGXCPU"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn the_memory_limit_stops_a_large_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SandboxLimits {
        memory_bytes: 64 << 20,
        ..SandboxLimits::default()
    };
    let small = run_in(
        dir.path(),
        "dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null && echo ok",
        limits.clone(),
    )
    .await;
    assert_eq!(stdout(&small), "ok\n");
    let large = run_in(
        dir.path(),
        "dd if=/dev/zero of=/dev/null bs=256M count=1",
        limits,
    )
    .await;
    assert!(!large.status.success());
    let stderr = String::from_utf8_lossy(&large.stderr);
    assert!(stderr.contains("memory exhausted"), "{stderr}");
}

#[tokio::test]
async fn the_file_size_limit_stops_a_disk_filler() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SandboxLimits {
        max_file_bytes: 1 << 20,
        ..SandboxLimits::default()
    };
    let output = run_in(dir.path(), "head -c 4000000 /dev/zero > /game/big", limits).await;
    assert!(!output.status.success());
    assert!(std::fs::metadata(dir.path().join("big")).unwrap().len() <= 1 << 20);
}
