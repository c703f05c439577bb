//! The game's output as it comes: split into lines (bounded in length, any
//! bytes accepted), written to `logs.txt` with the stream marked, and the
//! end of stderr kept for a crash report.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader, BufWriter};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{GameLoopError, LogLine, Stream};

/// A longer line is cut into pieces of this many bytes.
const MAX_LINE_BYTES: usize = 16 * 1024;
/// The stderr tail of a crash: this many lines at most...
const TAIL_LINES: usize = 20;
/// ...and this many bytes at most (the end is kept).
const TAIL_BYTES: usize = 4096;

/// Sends each line of `reader` until it ends (or the receiver is gone).
pub(super) async fn read_lines(
    reader: impl AsyncRead + Unpin,
    stream: Stream,
    started: Instant,
    lines: mpsc::Sender<LogLine>,
) {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    // A read error ends the stream like its end does.
    while let Ok(buf) = reader.fill_buf().await {
        if buf.is_empty() {
            break;
        }
        let window = &buf[..buf.len().min(MAX_LINE_BYTES - line.len())];
        let (taken, complete) = match window.iter().position(|&b| b == b'\n') {
            Some(newline) => {
                line.extend_from_slice(&window[..newline]);
                (newline + 1, true)
            }
            None => {
                line.extend_from_slice(window);
                (window.len(), line.len() == MAX_LINE_BYTES)
            }
        };
        reader.consume(taken);
        if complete && !send(&lines, stream, started, &mut line).await {
            return;
        }
    }
    if !line.is_empty() {
        send(&lines, stream, started, &mut line).await;
    }
}

async fn send(
    lines: &mpsc::Sender<LogLine>,
    stream: Stream,
    started: Instant,
    line: &mut Vec<u8>,
) -> bool {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let text = String::from_utf8_lossy(line).into_owned();
    line.clear();
    let line = LogLine {
        stream,
        text,
        offset: started.elapsed(),
    };
    lines.send(line).await.is_ok()
}

/// Where lines go: `logs.txt`, and the stderr tail.
pub(super) struct Sink {
    path: PathBuf,
    log: BufWriter<tokio::fs::File>,
    tail: VecDeque<String>,
}

impl Sink {
    pub(super) async fn create(path: &Path) -> Result<Self, GameLoopError> {
        let logs_error = |source| GameLoopError::Logs {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(logs_error)?;
        }
        let file = tokio::fs::File::create(path).await.map_err(logs_error)?;
        Ok(Sink {
            path: path.to_owned(),
            log: BufWriter::new(file),
            tail: VecDeque::new(),
        })
    }

    pub(super) async fn line(&mut self, line: &LogLine) -> Result<(), GameLoopError> {
        let marker = match line.stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        if line.stream == Stream::Stderr {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail.push_back(line.text.clone());
        }
        self.write(&format!("[{marker}] {}\n", line.text)).await
    }

    /// A line of the worker's own about the run (how it ended).
    pub(super) async fn note(&mut self, text: &str) -> Result<(), GameLoopError> {
        self.write(&format!("[playtest] {text}\n")).await
    }

    pub(super) fn stderr_tail(&self) -> String {
        let joined = Vec::from(self.tail.clone()).join("\n");
        let mut cut = joined.len().saturating_sub(TAIL_BYTES);
        while !joined.is_char_boundary(cut) {
            cut += 1;
        }
        joined[cut..].to_owned()
    }

    pub(super) async fn finish(mut self) -> Result<(), GameLoopError> {
        self.log
            .flush()
            .await
            .map_err(|source| GameLoopError::Logs {
                path: self.path.clone(),
                source,
            })
    }

    async fn write(&mut self, text: &str) -> Result<(), GameLoopError> {
        self.log
            .write_all(text.as_bytes())
            .await
            .map_err(|source| GameLoopError::Logs {
                path: self.path.clone(),
                source,
            })
    }
}
