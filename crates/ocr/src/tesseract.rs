//! Running Debian's `tesseract` on a picture: the picture on its stdin, the
//! words with their boxes (`tsv`) on its stdout.
//!
//! A game's screen mixes dark text on light backgrounds with light text on
//! dark buttons and text drawn over pictures; no one way of telling text
//! from background reads all of it. So the picture is read three times at
//! once (three processes of one thread each: about 1 s for an 800×600
//! screen on two busy cores), and the words of all are kept (`PASSES`).
//! Measured on the two real 2048 screens of the tests, as the web driver
//! shoots them (JPEG), 12 phrases in all (title, score boxes, "New Game",
//! the tagline, "Game over!"): the best single pass read 9 (it misses
//! "New Game" and "Game over!"), the best two 11 (one of the "New Game"
//! buttons is lost), these three all 12. Reading the negative too, or
//! enlarging 3 times, added nothing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::error::OcrError;
use crate::picture::{Grey, Picture};
use crate::reading::Reading;
use crate::tsv;

/// Where Debian's tesseract-ocr puts it.
pub const DEFAULT_TESSERACT: &str = "/usr/bin/tesseract";

/// One way of reading the picture: a page layout (`--psm`) and a way to
/// tell text from background (`thresholding_method`).
#[derive(Debug, Clone, Copy)]
struct Pass {
    page_segmentation: u8,
    thresholding: u8,
}

const PASSES: [Pass; 3] = [
    // One uniform block, one threshold for the whole picture (Otsu): rows
    // of text on a plain background, the score boxes' small print.
    Pass {
        page_segmentation: 6,
        thresholding: 0,
    },
    // Sparse text in no order, a threshold for each tile of the picture
    // (Otsu by tiles): light words on dark buttons.
    Pass {
        page_segmentation: 11,
        thresholding: 1,
    },
    // Sparse text, a threshold from each pixel's surroundings (Sauvola):
    // words drawn over the game's picture.
    Pass {
        page_segmentation: 11,
        thresholding: 2,
    },
];

/// Reads pictures with the tesseract program at a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Tesseract {
    program: PathBuf,
    timeout: Duration,
}

impl Default for Tesseract {
    fn default() -> Self {
        Self::new(DEFAULT_TESSERACT)
    }
}

impl Tesseract {
    /// tesseract at `program`, given 20 s a picture (it takes about a
    /// second on an 800×600 screen).
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            timeout: Duration::from_secs(20),
        }
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The words on the picture, English.
    pub async fn read(&self, picture: Picture<'_>) -> Result<Reading, OcrError> {
        let scale = picture.scale();
        let file = Grey::of(&picture).enlarged(scale).pgm();
        let read = async {
            tokio::try_join!(
                self.run(&file, PASSES[0]),
                self.run(&file, PASSES[1]),
                self.run(&file, PASSES[2]),
            )
        };
        let (first, second, third) = tokio::time::timeout(self.timeout, read)
            .await
            .map_err(|_| OcrError::Timeout(self.timeout))??;
        let mut reading = Reading::default();
        for (pass, tsv) in [first, second, third].iter().enumerate() {
            reading.merge(tsv::words(tsv, pass as u8, scale));
        }
        Ok(reading)
    }

    /// One pass: tesseract's TSV.
    async fn run(&self, file: &[u8], pass: Pass) -> Result<String, OcrError> {
        let io = |source| OcrError::Io {
            program: self.program.clone(),
            source,
        };
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "-l", "eng", "--psm"])
            .arg(pass.page_segmentation.to_string())
            .arg("-c")
            .arg(format!("thresholding_method={}", pass.thresholding))
            .arg("tsv")
            // The passes run at once: one thread each, rather than each
            // spreading over every core.
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::NotFound => OcrError::Missing {
                    program: self.program.clone(),
                },
                _ => io(source),
            })?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let write = async move {
            stdin.write_all(file).await?;
            stdin.shutdown().await
        };
        let (written, output) = tokio::join!(write, child.wait_with_output());
        let output = output.map_err(io)?;
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        if !output.status.success() {
            if stderr.contains("traineddata") || stderr.contains("Failed loading language") {
                return Err(OcrError::NoModel { stderr });
            }
            return Err(OcrError::Failed {
                status: output.status.to_string(),
                stderr,
            });
        }
        written.map_err(io)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
