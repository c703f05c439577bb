//! The game's virtual display: one Xvfb per game, on a display number the
//! X server picks itself (`-displayfd`), so games on one machine never
//! share a screen. It listens on its Unix socket only (no TCP), has no
//! MIT-SHM (the game's sandbox has an IPC namespace of its own, where the
//! server's shared memory cannot be reached: toolkits then draw through
//! the socket, as they do on a remote display) and draws no cursor (a
//! pointer drawn over the game would show in screenshots and move them).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::NativeDriverError;

/// How long Xvfb has to say which display it took.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running Xvfb, killed when dropped.
#[derive(Debug)]
pub(crate) struct VirtualDisplay {
    number: u32,
    width: u32,
    height: u32,
    _server: Child,
}

impl VirtualDisplay {
    /// Starts Xvfb at `width` x `height` (24-bit colour).
    pub(crate) async fn start(
        xvfb: &Path,
        width: u32,
        height: u32,
    ) -> Result<VirtualDisplay, NativeDriverError> {
        let screen = format!("{width}x{height}x24");
        let mut server = Command::new(xvfb)
            .args(["-displayfd", "1", "-screen", "0", &screen])
            .args(["-nolisten", "tcp", "-extension", "MIT-SHM", "-nocursor"])
            // Keeps the server as it is when its last client leaves (the
            // game between two starts).
            .arg("-noreset")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| NativeDriverError::Spawn {
                program: xvfb.to_owned(),
                source,
            })?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = server.stderr.take() {
            let stderr = stderr.clone();
            tokio::spawn(async move {
                let mut chunk = [0u8; 4096];
                while let Ok(read @ 1..) = pipe.read(&mut chunk).await {
                    let mut text = stderr.lock().unwrap_or_else(|e| e.into_inner());
                    if text.len() < 16 * 1024 {
                        text.push_str(&String::from_utf8_lossy(&chunk[..read]));
                    }
                }
            });
        }
        let stdout = server.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        let read = tokio::time::timeout(START_TIMEOUT, async {
            BufReader::new(stdout).read_line(&mut line).await
        })
        .await;
        let number = match read {
            Ok(Ok(_)) => line.trim().parse::<u32>().ok(),
            _ => None,
        };
        let Some(number) = number else {
            let _ = server.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(2), server.wait()).await;
            let said = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
            return Err(NativeDriverError::Display(format!(
                "{} gave no display number within {START_TIMEOUT:?}: {}",
                xvfb.display(),
                last_lines(&said, 5)
            )));
        };
        Ok(VirtualDisplay {
            number,
            width,
            height,
            _server: server,
        })
    }

    /// The display's name, as `DISPLAY` holds it (`:3`).
    pub(crate) fn name(&self) -> String {
        format!(":{}", self.number)
    }

    /// The display's socket on the host, which the game's sandbox shows at
    /// the same path inside.
    pub(crate) fn socket(&self) -> PathBuf {
        PathBuf::from(format!("/tmp/.X11-unix/X{}", self.number))
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(count);
    match lines[start..].join(" | ") {
        empty if empty.is_empty() => "it printed nothing".into(),
        said => said,
    }
}
