//! The crate's one error type.
//!
//! Policy: every way reading a picture can fail is an [`OcrError`] whose
//! message says what to do about it (install a package, pass a flag), since
//! it ends up in a check's report read by a test's author, not a developer.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// There is no program at the configured path.
    #[error(
        "no tesseract at {}: install Debian's tesseract-ocr (or pass --tesseract)",
        program.display()
    )]
    Missing { program: PathBuf },
    /// tesseract runs but has no English model.
    #[error("tesseract has no English model: install Debian's tesseract-ocr-eng ({stderr})")]
    NoModel { stderr: String },
    /// tesseract ran and failed.
    #[error("tesseract failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    /// tesseract took longer than it is given.
    #[error("tesseract did not finish within {0:?}")]
    Timeout(Duration),
    /// Starting it or talking to it failed.
    #[error("cannot run tesseract ({}): {source}", program.display())]
    Io {
        program: PathBuf,
        source: std::io::Error,
    },
    /// The picture's size does not match its pixels.
    #[error("not a picture: {0}")]
    BadPicture(String),
}
