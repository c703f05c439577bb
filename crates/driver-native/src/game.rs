//! One life of the game: its program started in the sandbox on the
//! game's display, its output read line by line as console events while
//! it runs, and how it ended (an exit code or a signal, with the last
//! lines it wrote to stderr). Killing the sandbox's process ends the whole
//! tree inside it (the sandbox dies with its parent and has a PID
//! namespace of its own).

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use playtest_agent::GameEvent;
use playtest_sandbox::{Exit, Launch, Sandbox, SandboxLimits, Shared};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;
use tokio::sync::watch;

use crate::NativeDriverError;
use crate::console::{ConsoleReader, Stream};

/// Lines of stderr kept for a crash's report.
const STDERR_TAIL: usize = 12;

/// The longest line taken as one, in bytes.
const MAX_LINE: usize = 8192;

/// Events kept between two looks; older ones are dropped past it (the
/// agent looks many times a second, so only a flood reaches it).
const MAX_EVENTS: usize = 10_000;

/// What starts the game, the same on every start.
#[derive(Debug, Clone)]
pub(crate) struct GameCommand {
    pub(crate) sandbox: Sandbox,
    pub(crate) launch: Launch,
}

impl GameCommand {
    /// The launch of `program` (as the sandbox sees it) with `args`, on
    /// `display` whose socket is `socket` on the host, with `env` over the
    /// platform's variables.
    pub(crate) fn new(
        sandbox: Sandbox,
        dir: std::path::PathBuf,
        program: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        limits: SandboxLimits,
        socket: std::path::PathBuf,
    ) -> GameCommand {
        let inside = socket.to_string_lossy().into_owned();
        GameCommand {
            sandbox,
            launch: Launch {
                dir,
                program,
                args,
                env,
                limits,
                shared: vec![Shared {
                    host: socket,
                    inside,
                }],
            },
        }
    }
}

/// What the game did since the driver last looked, and how it ended.
#[derive(Debug, Default)]
struct Record {
    events: Vec<GameEvent>,
    stderr_tail: VecDeque<String>,
}

impl Record {
    fn push(&mut self, events: Vec<GameEvent>) {
        self.events.extend(events);
        let excess = self.events.len().saturating_sub(MAX_EVENTS);
        self.events.drain(..excess);
    }
}

/// A running (or ended) life of the game.
#[derive(Debug)]
pub(crate) struct GameProcess {
    pid: u32,
    record: Arc<Mutex<Record>>,
    ended: watch::Receiver<Option<Exit>>,
    kill: Option<tokio::sync::oneshot::Sender<()>>,
}

impl GameProcess {
    pub(crate) fn start(command: &GameCommand) -> Result<GameProcess, NativeDriverError> {
        let mut child: Child =
            command
                .sandbox
                .command(&command.launch)?
                .spawn()
                .map_err(|source| NativeDriverError::Spawn {
                    program: "prlimit".into(),
                    source,
                })?;
        let pid = child.id().unwrap_or(0);
        let record = Arc::new(Mutex::new(Record::default()));
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(read_lines(stdout, Stream::Stdout, record.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(read_lines(stderr, Stream::Stderr, record.clone()));
        }
        let (ended_tx, ended) = watch::channel(None);
        let (kill, killed) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                _ = killed => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let exit = status.map(Exit::from_status).unwrap_or(Exit::Code(-1));
            let _ = ended_tx.send(Some(exit));
        });
        Ok(GameProcess {
            pid,
            record,
            ended,
            kill: Some(kill),
        })
    }

    /// The sandbox's process on the host: the game's tree is under it.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// How the game ended, `None` while it runs.
    pub(crate) fn exit(&self) -> Option<Exit> {
        *self.ended.borrow()
    }

    /// Waits until the game has ended (after a kill, say).
    pub(crate) async fn ended(&mut self) -> Exit {
        match self.ended.wait_for(Option::is_some).await {
            Ok(exit) => exit.unwrap_or(Exit::Code(-1)),
            Err(_) => Exit::Code(-1),
        }
    }

    /// The events since the last call.
    pub(crate) fn take_events(&self) -> Vec<GameEvent> {
        std::mem::take(&mut lock(&self.record).events)
    }

    /// The last lines the game wrote to stderr, oldest first.
    pub(crate) fn stderr_tail(&self) -> Vec<String> {
        lock(&self.record).stderr_tail.iter().cloned().collect()
    }

    /// Kills the whole tree; [`GameProcess::ended`] tells when it is gone.
    pub(crate) fn kill(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }
}

impl Drop for GameProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lock(record: &Mutex<Record>) -> MutexGuard<'_, Record> {
    record.lock().unwrap_or_else(|e| e.into_inner())
}

async fn read_lines(mut pipe: impl AsyncRead + Unpin, stream: Stream, record: Arc<Mutex<Record>>) {
    let mut reader = ConsoleReader::new(stream);
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        pending.extend_from_slice(&chunk[..read]);
        // A line longer than this is cut into pieces of it, so a game that
        // writes without newlines cannot fill the worker's memory.
        while let Some(end) = pending
            .iter()
            .position(|&b| b == b'\n')
            .map(|at| at + 1)
            .or((pending.len() >= MAX_LINE).then_some(MAX_LINE))
        {
            let line: Vec<u8> = pending.drain(..end).collect();
            take_line(
                &mut reader,
                stream,
                &record,
                &String::from_utf8_lossy(&line),
            );
        }
    }
    if !pending.is_empty() {
        take_line(
            &mut reader,
            stream,
            &record,
            &String::from_utf8_lossy(&pending),
        );
    }
    let rest = reader.end();
    lock(&record).push(rest);
}

fn take_line(reader: &mut ConsoleReader, stream: Stream, record: &Mutex<Record>, text: &str) {
    let events = reader.line(text);
    let mut record = lock(record);
    if stream == Stream::Stderr && !text.trim().is_empty() {
        if record.stderr_tail.len() == STDERR_TAIL {
            record.stderr_tail.pop_front();
        }
        record.stderr_tail.push_back(text.trim_end().to_owned());
    }
    record.push(events);
}
