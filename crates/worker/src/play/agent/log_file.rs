//! `logs.txt` of a web run: the game's console and the agent's own lines,
//! timestamped, in the order they happened; each line also goes to the live
//! log. Writes are best effort: a full disk loses log lines, not the run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};
use playtest_types::{LogLine, LogStream};

use crate::reporter::Reporter;

pub struct LogFile {
    path: PathBuf,
    file: Mutex<Option<BufWriter<File>>>,
    reporter: Reporter,
}

impl LogFile {
    pub fn create(path: &Path, reporter: Reporter) -> std::io::Result<Self> {
        let file = File::create(path)?;
        Ok(LogFile {
            path: path.to_path_buf(),
            file: Mutex::new(Some(BufWriter::new(file))),
            reporter,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn line(&self, stream: LogStream, line: String) {
        let at = Utc::now();
        let name = match stream {
            LogStream::Stdout => "game",
            LogStream::Stderr => "game!",
            LogStream::Agent => "agent",
        };
        if let Ok(mut guard) = self.file.lock()
            && let Some(file) = guard.as_mut()
            && writeln!(
                file,
                "{} {name:5} {line}",
                at.to_rfc3339_opts(SecondsFormat::Millis, true)
            )
            .is_err()
        {
            tracing::warn!(path = %self.path.display(), "could not write to the run's log; the rest of it is dropped");
            *guard = None;
        }
        self.reporter.log(LogLine { stream, line, at });
    }

    /// Writes out what is buffered.
    pub fn flush(&self) {
        if let Ok(mut guard) = self.file.lock()
            && let Some(file) = guard.as_mut()
        {
            let _ = file.flush();
        }
    }
}
