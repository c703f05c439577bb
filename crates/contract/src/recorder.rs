//! A small HTTP client that keeps every exchange (method, path, status,
//! JSON body) so that each can be judged afterwards
//! ([`crate::judge::judge`]). It goes through curl, as a client on another
//! machine would, and keeps the raw bodies the server sent: nothing is read
//! through playtest's own types.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// One request and the server's answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// As requested, query included.
    pub path: String,
    pub status: u16,
    pub body: Value,
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Key(&'a str),
    None,
}

pub struct Recorder {
    base: String,
    key: String,
    exchanges: RefCell<Vec<Exchange>>,
}

impl Recorder {
    pub fn new(base: &str, key: &str) -> Self {
        Self {
            base: base.to_string(),
            key: key.to_string(),
            exchanges: RefCell::new(Vec::new()),
        }
    }

    /// Every exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.borrow().clone()
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.send_as(Auth::Key(&self.key), "GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send_as(Auth::Key(&self.key), "POST", path, Some(body))
    }

    pub fn delete(&self, path: &str) -> (u16, Value) {
        self.send_as(Auth::Key(&self.key), "DELETE", path, None)
    }

    /// A request with `auth` instead of the recorder's key.
    pub fn send_as(
        &self,
        auth: Auth<'_>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut command = Command::new("curl");
        command.args(["-sS", "-X", method, "-w", "\n%{http_code}"]);
        if let Auth::Key(key) = auth {
            command.args(["-H", &format!("X-Api-Key: {key}")]);
        }
        if body.is_some() {
            command.args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                "@-",
            ]);
        }
        command
            .arg(format!("{}{path}", self.base))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        let mut child = command.spawn().expect("curl runs");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        if let Some(body) = body {
            stdin.write_all(body.to_string().as_bytes()).unwrap();
        }
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "curl {method} {path} failed");
        let text = String::from_utf8(output.stdout).expect("the answer is UTF-8");
        let (body, status) = text.rsplit_once('\n').expect("curl wrote the status");
        let status: u16 = status.trim().parse().expect("a status code");
        let body: Value = if body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).unwrap_or_else(|err| {
                panic!("{method} {path} answered {status} with non-JSON ({err}): {body}")
            })
        };
        self.exchanges.borrow_mut().push(Exchange {
            method: method.to_string(),
            path: path.to_string(),
            status,
            body: body.clone(),
        });
        (status, body)
    }
}

/// PUTs a file's bytes to a signed storage URL (not an API operation, so
/// not recorded) and returns the ETag the store answered.
pub fn put_file(url: &str, file: &Path) -> String {
    let output = Command::new("curl")
        .args([
            "-sS",
            "-f",
            "-X",
            "PUT",
            "-o",
            "/dev/null",
            "-D",
            "-",
            "--data-binary",
        ])
        .arg(format!("@{}", file.display()))
        .arg(url)
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "PUT {url} failed: {:?}", output);
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no ETag from PUT {url}"))
}
