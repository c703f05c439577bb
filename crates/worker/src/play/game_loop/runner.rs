//! Runs a game loop: launches the build's own test scenario (a program in
//! the build that plays itself, as a device farm's "game loop" test does)
//! and reads how it ends.
//!
//! The entry runs in the [sandbox](playtest_sandbox); its stdout and stderr
//! are read line by line into `logs.txt` and handed to the caller as they
//! come. The end: exit 0 is [`GameLoopEnd::Success`]; another code is
//! [`GameLoopEnd::Failed`]; death by a signal is [`GameLoopEnd::Crashed`] (see
//! [`Exit::from_status`] for how that is read through bwrap); still running
//! at `max_duration` is [`GameLoopEnd::TimedOut`]; a stop request is
//! [`GameLoopEnd::Stopped`]. In the last two cases the whole sandbox is killed.
//! [`bugs`](mod@super::bugs) turns an end into bug reports.

mod output;

use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, instrument};

use output::Sink;
use playtest_sandbox::signal_name;
use playtest_sandbox::{Exit, GAME_DIR, Launch, Sandbox, SandboxError, SandboxLimits};

/// How long the output of an ended game may take to drain.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// One game-loop run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameLoopRun {
    /// The run's own copy of the build (it is writable inside).
    pub build_dir: PathBuf,
    /// The program to launch, relative to `build_dir`.
    pub entry: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub max_duration: Duration,
    pub limits: SandboxLimits,
    /// Where to write `logs.txt` (outside `build_dir`, so the game cannot
    /// rewrite it).
    pub logs_path: PathBuf,
}

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line the game wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: Stream,
    /// Without its line end; invalid UTF-8 replaced.
    pub text: String,
    /// Since the launch.
    pub offset: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GameLoopEnd {
    Success,
    Failed {
        exit_code: i32,
    },
    Crashed {
        signal: i32,
        signal_name: String,
        /// The last lines of stderr (at most 20, at most 4 KiB).
        stderr_tail: String,
    },
    TimedOut,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameLoopReport {
    pub end: GameLoopEnd,
    /// From launch to the end of the game.
    pub duration: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum GameLoopError {
    #[error("entry {entry:?}: {reason}")]
    Entry { entry: String, reason: String },
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("launching the sandbox: {0}")]
    Launch(#[source] io::Error),
    #[error("waiting for the game: {0}")]
    Wait(#[source] io::Error),
    #[error("writing the log {}: {source}", path.display())]
    Logs { path: PathBuf, source: io::Error },
}

/// Runs the game loop until it ends, `max_duration` passes or `stop` is
/// cancelled; `on_line` sees every line of output as it comes.
#[instrument(skip_all, fields(entry = %run.entry))]
pub async fn run_game_loop(
    run: GameLoopRun,
    stop: CancellationToken,
    mut on_line: impl FnMut(LogLine),
) -> Result<GameLoopReport, GameLoopError> {
    let entry = clean_entry(&run.entry)?;
    check_entry(&run.build_dir, &entry)?;
    let sandbox = Sandbox::new();
    sandbox.ensure_works().await?;
    let mut sink = Sink::create(&run.logs_path).await?;
    if stop.is_cancelled() {
        sink.note("stop requested before the launch").await?;
        sink.finish().await?;
        return Ok(GameLoopReport {
            end: GameLoopEnd::Stopped,
            duration: Duration::ZERO,
        });
    }

    let launch = Launch {
        dir: run.build_dir.clone(),
        program: format!("{GAME_DIR}/{entry}"),
        args: run.args.clone(),
        env: run.env.clone(),
        limits: run.limits.clone(),
        shared: Vec::new(),
    };
    let started = Instant::now();
    let mut child = sandbox
        .command(&launch)?
        .spawn()
        .map_err(GameLoopError::Launch)?;
    let (sender, mut lines) = mpsc::channel(1024);
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let readers = [
        tokio::spawn(output::read_lines(
            stdout,
            Stream::Stdout,
            started,
            sender.clone(),
        )),
        tokio::spawn(output::read_lines(stderr, Stream::Stderr, started, sender)),
    ];

    let supervised =
        supervise(&mut child, &mut lines, &mut sink, &mut on_line, &run, &stop).await?;
    let duration = started.elapsed();
    // What the game wrote just before it ended is still in the pipes.
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while let Some(line) = lines.recv().await {
            sink.line(&line).await?;
            on_line(line);
        }
        Ok::<(), GameLoopError>(())
    })
    .await;
    match drained {
        Ok(result) => result?,
        Err(_) => readers.iter().for_each(|reader| reader.abort()),
    }

    let end = match supervised {
        Supervised::Exited(Exit::Code(0)) => GameLoopEnd::Success,
        Supervised::Exited(Exit::Code(exit_code)) => GameLoopEnd::Failed { exit_code },
        Supervised::Exited(Exit::Signal(signal)) => GameLoopEnd::Crashed {
            signal,
            signal_name: signal_name(signal),
            stderr_tail: sink.stderr_tail(),
        },
        Supervised::TimedOut => GameLoopEnd::TimedOut,
        Supervised::Stopped => GameLoopEnd::Stopped,
    };
    sink.note(&describe(&end, duration, run.max_duration))
        .await?;
    sink.finish().await?;
    info!(?end, ?duration, "game loop ended");
    Ok(GameLoopReport { end, duration })
}

/// How supervising the program ended.
enum Supervised {
    Exited(Exit),
    TimedOut,
    Stopped,
}

/// Passes output on until the game exits, its time is up or a stop is
/// requested; in the last two cases kills the sandbox.
async fn supervise(
    child: &mut tokio::process::Child,
    lines: &mut mpsc::Receiver<LogLine>,
    sink: &mut Sink,
    on_line: &mut impl FnMut(LogLine),
    run: &GameLoopRun,
    stop: &CancellationToken,
) -> Result<Supervised, GameLoopError> {
    let deadline = tokio::time::sleep(run.max_duration);
    tokio::pin!(deadline);
    let supervised = loop {
        tokio::select! {
            Some(line) = lines.recv() => {
                sink.line(&line).await?;
                on_line(line);
            }
            status = child.wait() => {
                let status = status.map_err(GameLoopError::Wait)?;
                return Ok(Supervised::Exited(Exit::from_status(status)));
            }
            () = &mut deadline => break Supervised::TimedOut,
            () = stop.cancelled() => break Supervised::Stopped,
        }
    };
    // bwrap is the child (prlimit execs it); the sandbox's processes die
    // with it (--die-with-parent on the init of its PID namespace). Killing
    // fails only if it exited meanwhile, which ends it just as well.
    let _ = child.start_kill();
    child.wait().await.map_err(GameLoopError::Wait)?;
    Ok(supervised)
}

fn describe(end: &GameLoopEnd, duration: Duration, max_duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    match end {
        GameLoopEnd::Success => format!("the game exited with code 0 after {secs:.1} s"),
        GameLoopEnd::Failed { exit_code } => {
            format!("the game exited with code {exit_code} after {secs:.1} s")
        }
        GameLoopEnd::Crashed {
            signal,
            signal_name,
            ..
        } => format!("the game was killed by {signal_name} (signal {signal}) after {secs:.1} s"),
        GameLoopEnd::TimedOut => format!(
            "the game was still running after {:.1} s, the most allowed; killed",
            max_duration.as_secs_f64()
        ),
        GameLoopEnd::Stopped => format!("stop requested after {secs:.1} s; the game was killed"),
    }
}

/// The entry as a clean relative path (`a/b`): no root, no `..`, `.`
/// dropped.
pub(crate) fn clean_entry(entry: &str) -> Result<String, GameLoopError> {
    let refuse = |reason: &str| GameLoopError::Entry {
        entry: entry.to_owned(),
        reason: reason.to_owned(),
    };
    let mut parts = Vec::new();
    for component in Path::new(entry).components() {
        match component {
            Component::Normal(part) => {
                parts.push(part.to_str().ok_or_else(|| refuse("is not valid UTF-8"))?)
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(refuse("climbs out of the build with `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse("is absolute; give a path inside the build"));
            }
        }
    }
    if parts.is_empty() {
        return Err(refuse("names no file"));
    }
    Ok(parts.join("/"))
}

/// The entry must be an executable file of the build.
fn check_entry(build_dir: &Path, entry: &str) -> Result<(), GameLoopError> {
    let refuse = |reason: String| GameLoopError::Entry {
        entry: entry.to_owned(),
        reason,
    };
    let meta = std::fs::metadata(build_dir.join(entry)).map_err(|e| {
        refuse(format!(
            "not found in the build {}: {e}",
            build_dir.display()
        ))
    })?;
    if !meta.is_file() {
        return Err(refuse("is not a file".into()));
    }
    let mode = meta.permissions().mode();
    if mode & 0o111 == 0 {
        return Err(refuse(format!(
            "is not executable (mode {:o}); zips made on Windows carry no Unix modes",
            mode & 0o7777
        )));
    }
    Ok(())
}
