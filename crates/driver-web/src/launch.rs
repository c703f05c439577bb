//! Starts Chromium: the flags that keep it headless, offline and cheap, the
//! launcher that may wrap it in a sandbox, and the DevTools pipe on its file
//! descriptors 3 and 4.
//!
//! Game builds are untrusted code. The driver never opens a network port of
//! the browser: it speaks to it over inherited pipes, which pass through a
//! sandbox (bubblewrap) where a TCP port would not. Whatever the launcher
//! does, the flags below already keep the browser off the network (every
//! host name resolves to nothing, every connection goes to a dead proxy).

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Builds the command that runs the browser. The worker implements it by
/// wrapping the command in its sandbox; [`DirectLauncher`] runs it as is.
///
/// The driver then sets the command's standard streams, puts the DevTools
/// pipe on descriptors 3 and 4 (which must reach the browser: bubblewrap
/// passes inherited descriptors through), and starts it.
pub trait BrowserLauncher: Send + Sync + fmt::Debug {
    /// The command that runs `program` (a path as the browser's side sees
    /// it) with `args`.
    fn command(&self, program: &Path, args: &[String]) -> io::Result<Command>;
}

/// Runs the browser directly on the host, with no sandbox: for tests and
/// development only, never for untrusted builds.
#[derive(Debug, Clone, Copy, Default)]
pub struct DirectLauncher;

impl BrowserLauncher for DirectLauncher {
    fn command(&self, program: &Path, args: &[String]) -> io::Result<Command> {
        let mut command = Command::new(program);
        command.args(args);
        Ok(command)
    }
}

/// Chromium's own binary on Debian. `/usr/bin/chromium` is a shell script
/// that sources `/etc/chromium.d` (which a sandbox need not show) before
/// running this.
pub const DEBIAN_CHROMIUM: &str = "/usr/lib/chromium/chromium";

/// The Chromium to run when none is named: Debian's binary when it is
/// there, else `/usr/bin/chromium`.
pub fn default_chromium() -> PathBuf {
    if Path::new(DEBIAN_CHROMIUM).is_file() {
        PathBuf::from(DEBIAN_CHROMIUM)
    } else {
        PathBuf::from("/usr/bin/chromium")
    }
}

/// The flags of every launch.
pub(crate) fn chromium_args(user_data_dir: &Path, width: u32, height: u32) -> Vec<String> {
    let mut args: Vec<String> = [
        "--headless=new",
        "--remote-debugging-pipe",
        // Chromium's own sandbox needs namespaces the worker's sandbox
        // forbids (and root has none); the worker's sandbox confines it.
        "--no-sandbox",
        "--no-zygote",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        // Offline, whatever the sandbox does.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-breakpad",
        "--disable-crash-reporter",
        "--no-pings",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        // Cheap and repeatable rendering.
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        // Draw only what is fully rastered: no half-painted screenshots,
        // and a screenshot a frame sooner.
        "--run-all-compositor-stages-before-draw",
        "--force-color-profile=srgb",
        "--font-render-hinting=none",
        "--disable-renderer-backgrounding",
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-ipc-flooding-protection",
        "--disable-hang-monitor",
        "--disable-features=Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,CalculateNativeWinOcclusion,AutofillServerCommunication,CertificateTransparencyComponentUpdater,DialMediaRouteProvider",
        "--autoplay-policy=no-user-gesture-required",
        "--password-store=basic",
        "--use-mock-keychain",
    ]
    .map(String::from)
    .into();
    args.push(format!("--user-data-dir={}", user_data_dir.display()));
    args.push(format!("--window-size={width},{height}"));
    args.push("about:blank".into());
    args
}

/// A started browser: its process and our ends of its DevTools pipe.
#[derive(Debug)]
pub(crate) struct Chromium {
    process: BrowserProcess,
    /// We write commands here; the browser reads them on its fd 3.
    to_browser: OwnedFd,
    /// The browser writes answers and events on its fd 4; we read here.
    from_browser: OwnedFd,
}

impl Chromium {
    /// The process, and the pipe ends `(to_browser, from_browser)`.
    pub(crate) fn into_parts(self) -> (BrowserProcess, OwnedFd, OwnedFd) {
        (self.process, self.to_browser, self.from_browser)
    }
}

/// The browser's process (or its launcher's, say bwrap), in a process group
/// of its own; killed with its group when dropped.
#[derive(Debug)]
pub(crate) struct BrowserProcess {
    child: Child,
    output: StderrTail,
    /// The tasks reading its stdout and stderr; they end when it exits.
    readers: Vec<tokio::task::JoinHandle<()>>,
}

impl BrowserProcess {
    /// The last lines the browser wrote, for error messages.
    pub(crate) fn stderr_tail(&self) -> String {
        self.output.text()
    }

    /// The exit status and the last lines of a browser that is exiting
    /// (waiting up to a second for it to finish and be read).
    pub(crate) async fn last_words(&mut self) -> (Option<ExitStatus>, String) {
        let status = tokio::time::timeout(Duration::from_secs(1), self.child.wait())
            .await
            .ok()
            .and_then(Result::ok);
        for reader in &mut self.readers {
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
        }
        (status, self.output.text())
    }

    /// Waits up to `grace` for the browser to exit (after it was asked to
    /// close), then kills it.
    pub(crate) async fn stop(&mut self, grace: Duration) {
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => tracing::debug!(%status, "the browser exited"),
            _ => {
                tracing::debug!("the browser did not exit; killing it");
                self.kill_group();
                let _ = self.child.kill().await;
            }
        }
    }

    fn kill_group(&self) {
        if let Some(pid) = self.child.id().and_then(|pid| i32::try_from(pid).ok()) {
            // SAFETY: a signal to the process group the child leads (it was
            // started with process_group(0)), which holds nothing of ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

impl Drop for BrowserProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill_group();
        }
    }
}

/// The last lines of the browser's output, kept for error messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct StderrTail(Arc<Mutex<VecDeque<String>>>);

impl StderrTail {
    const KEPT: usize = 20;

    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == Self::KEPT {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    pub(crate) fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

/// Starts `program` through `launcher`, with the DevTools pipe on its fds 3
/// and 4 and its output logged.
pub(crate) fn spawn(
    launcher: &dyn BrowserLauncher,
    program: &Path,
    args: &[String],
) -> io::Result<Chromium> {
    let (browser_reads, to_browser) = pipe_above_stdio()?;
    let (from_browser, browser_writes) = pipe_above_stdio()?;
    let mut command = launcher.command(program, args)?;
    let (reads, writes) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
    // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
    // Both sources are above 4, so neither is clobbered by the other dup2;
    // dup2 clears close-on-exec on the copies, which the browser inherits.
    unsafe {
        command.pre_exec(move || {
            if libc::dup2(reads, 3) == -1 || libc::dup2(writes, 4) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    // Our copies of the browser's ends must go, so we see EOF when it dies.
    drop((browser_reads, browser_writes));
    let stderr_tail = StderrTail::default();
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        readers.push(tokio::spawn(log_lines(
            stdout,
            stderr_tail.clone(),
            "chromium",
        )));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(tokio::spawn(log_lines(
            stderr,
            stderr_tail.clone(),
            "chromium",
        )));
    }
    Ok(Chromium {
        process: BrowserProcess {
            child,
            output: stderr_tail,
            readers,
        },
        to_browser,
        from_browser,
    })
}

/// Logs each line a child writes and keeps the last ones in `tail`.
pub(crate) async fn log_lines(
    stream: impl AsyncRead + Unpin,
    tail: StderrTail,
    program: &'static str,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::debug!(program, "{line}");
        tail.push(line);
    }
}

/// A close-on-exec pipe `(read end, write end)` whose descriptors are both
/// above 4, so moving them onto 3 and 4 in the child cannot clobber one
/// with the other.
fn pipe_above_stdio() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: pipe2 fills both descriptors on success, which we then own.
    let (read, write) = unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(io::Error::last_os_error());
        }
        (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))
    };
    Ok((above_stdio(read)?, above_stdio(write)?))
}

fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 4 {
        return Ok(fd);
    }
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor that we own.
    let copy = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 5) };
    if copy == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `copy` is a descriptor fcntl just opened for us and nothing
    // else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
