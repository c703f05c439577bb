//! For tests of this crate and of the crates above it: a real S3 service
//! (`s3s-fs` from crates.io, installed by `scripts/test`) started on a free
//! loopback port over a temp folder, killed when dropped.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::s3::{S3BlobStore, S3Settings};
use crate::{BlobService, s3_service};

/// The bucket every [`S3sFs`] serves.
pub const BUCKET: &str = "playtest";
const ACCESS_KEY: &str = "playtest-test";
const SECRET_KEY: &str = "playtest-test-secret";

pub struct S3sFs {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    _child: tokio::process::Child,
    _root: TempDir,
}

impl S3sFs {
    /// Starts s3s-fs and waits until it accepts connections. Panics with
    /// how to install it when it is missing.
    pub async fn start() -> S3sFs {
        let root = TempDir::new().expect("a temp dir for s3s-fs");
        std::fs::create_dir(root.path().join(BUCKET)).expect("the bucket folder");
        let port = free_port();
        let child = tokio::process::Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot start s3s-fs ({err}): run scripts/test, which installs it, or \
                     `cargo install --locked s3s-fs --version 0.14.1 --features binary`"
                )
            });
        wait_for_port(port);
        S3sFs {
            endpoint: format!("http://127.0.0.1:{port}"),
            _child: child,
            _root: root,
        }
    }

    /// The `--blob-store` URL of this service, credentials included.
    pub fn url(&self) -> String {
        format!(
            "s3://{BUCKET}?endpoint={}&region=us-east-1&access_key_id={ACCESS_KEY}&secret_access_key={SECRET_KEY}",
            self.endpoint
        )
    }

    pub fn store(&self) -> S3BlobStore {
        S3BlobStore::connect(S3Settings::from_url(&self.url()).expect("a valid URL"))
            .expect("an S3 store")
    }

    pub fn service(&self) -> BlobService {
        s3_service(S3Settings::from_url(&self.url()).expect("a valid URL")).expect("an S3 store")
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Polls until something accepts connections on the port (10 s at most).
fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "s3s-fs did not listen on {port} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
