//! `playtest upload` against a real `playtest serve`: on its local folder
//! and on a real S3 service (s3s-fs), and through a server killed with
//! SIGKILL in the middle of a multipart upload and started again, after
//! which the same upload command finishes with the file's SHA-256.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use playtest_blob::testing::S3sFs;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use super::{BIN, Output, Server};

/// A file of `len` pseudo-random bytes in `dir`, and its SHA-256.
fn build_file(dir: &Path, name: &str, len: usize) -> (PathBuf, String) {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    (path, hex::encode(Sha256::digest(&bytes)))
}

/// `playtest upload` as a CI job runs it: no terminal, its own cache dir.
fn upload_command(server: &Server, key: &str, home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("upload")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("PLAYTEST_API_URL", &server.url)
        .env("PLAYTEST_API_KEY", key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn output_of(output: std::process::Output) -> Output {
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Uploads `file` and checks the build the server reports.
fn upload_and_check(server: &Server, file: &Path, sha256: &str, len: usize) {
    let key = server.admin_key();
    let home = TempDir::new().unwrap();
    let out = output_of(
        upload_command(
            server,
            &key,
            home.path(),
            &[file.to_str().unwrap(), "--name", "nightly", "--json"],
        )
        .output()
        .unwrap(),
    );
    out.assert_success();
    let build = out.json();
    assert_eq!(build["status"], "ready", "{build}");
    assert_eq!(build["sha256"], sha256, "{build}");
    assert_eq!(build["file_size"], len, "{build}");
    assert_eq!(build["platform"], "linux");

    let shown = server.run(
        &key,
        &["builds", "show", build["id"].as_str().unwrap(), "--json"],
    );
    shown.assert_success();
    assert_eq!(shown.json()["sha256"], sha256);

    let downloaded = home.path().join("downloaded");
    server
        .run(
            &key,
            &[
                "builds",
                "download",
                build["id"].as_str().unwrap(),
                "--output",
                downloaded.to_str().unwrap(),
            ],
        )
        .assert_success();
    assert_eq!(
        std::fs::read(&downloaded).unwrap(),
        std::fs::read(file).unwrap()
    );
}

#[test]
fn an_upload_in_parts_to_the_local_store_is_a_ready_build_with_the_files_sha256() {
    let server = Server::start_with(&["--part-size", "1MiB", "--multipart-threshold", "2MiB"]);
    let files = TempDir::new().unwrap();
    let len = 3 * 1024 * 1024 + 12_345;
    let (file, sha256) = build_file(files.path(), "game.x86_64", len);
    upload_and_check(&server, &file, &sha256, len);
}

#[test]
fn an_upload_in_parts_to_an_s3_store_is_a_ready_build_with_the_files_sha256() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let s3 = runtime.block_on(S3sFs::start());
    let server = Server::start_with(&[
        "--blob-store",
        &s3.url(),
        "--part-size",
        "5MiB",
        "--multipart-threshold",
        "6MiB",
    ]);
    let files = TempDir::new().unwrap();
    let len = 11 * 1024 * 1024 + 7;
    let (file, sha256) = build_file(files.path(), "game.x86_64", len);
    upload_and_check(&server, &file, &sha256, len);
}

/// Part files the local store holds for uploads in progress.
fn parts_on_disk(data_dir: &Path) -> usize {
    let Ok(uploads) = std::fs::read_dir(data_dir.join("blobs").join("uploads")) else {
        return 0;
    };
    uploads
        .flatten()
        .filter_map(|upload| std::fs::read_dir(upload.path()).ok())
        .flat_map(|entries| entries.flatten())
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.chars().all(|c| c.is_ascii_digit()))
        })
        .count()
}

#[test]
fn a_server_killed_mid_upload_and_restarted_lets_the_same_upload_finish_with_the_right_sha256() {
    let mut server = Server::start_with(&["--part-size", "1MiB", "--multipart-threshold", "2MiB"]);
    let key = server.admin_key();
    let home = TempDir::new().unwrap();
    let len = 96 * 1024 * 1024 + 3;
    let (file, sha256) = build_file(home.path(), "game.x86_64", len);
    let mut upload = upload_command(
        &server,
        &key,
        home.path(),
        &[
            file.to_str().unwrap(),
            "--name",
            "nightly",
            "--parallel",
            "1",
            "--json",
        ],
    )
    .spawn()
    .unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    while parts_on_disk(&server.data_dir) < 3 {
        assert!(
            Instant::now() < deadline,
            "no parts arrived:\n{}",
            server.log()
        );
        assert!(
            upload.try_wait().unwrap().is_none(),
            "the upload ended before any part arrived"
        );
        sleep(Duration::from_millis(5));
    }
    server.kill_and_restart();
    assert!(
        upload.try_wait().unwrap().is_none(),
        "the upload finished before the server was killed: make the file larger"
    );

    let out = output_of(upload.wait_with_output().unwrap());
    out.assert_success();
    let build = out.json();
    assert_eq!(build["status"], "ready", "{build}");
    assert_eq!(build["sha256"], sha256, "{build}");
    assert_eq!(build["file_size"], len);
    assert!(
        out.stderr.contains("retry"),
        "the CLI should have retried while the server was down:\n{}",
        out.stderr
    );
    let listed = server.run(&key, &["builds", "list", "--json"]);
    listed.assert_success();
    assert_eq!(
        listed.json()["pagination"]["total_count"],
        1,
        "one build, not two"
    );
}
