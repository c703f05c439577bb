//! The text on the screen, for `text_visible` checks: the document's when
//! the driver has one ([`Driver::visible_text`](crate::driver::Driver::visible_text)),
//! else what OCR reads on the session's last picture. OCR takes about a
//! second, and a step's checks are retried while the game animates, so a
//! [`ScreenReader`] reads each picture once.

use std::fmt;

use playtest_ocr::{OcrError, Picture, Tesseract};

use crate::driver::DriverError;
use crate::session::Session;

/// Where the screen's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    /// The game's document, as the platform renders it (web: `innerText`).
    Document,
    /// OCR of the screen's picture.
    Ocr,
}

impl fmt::Display for TextSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextSource::Document => "the document's text",
            TextSource::Ocr => "read by OCR",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScreenText {
    pub source: TextSource,
    pub text: String,
}

/// Why the screen's text could not be had.
#[derive(Debug)]
pub enum Unreadable {
    Driver(DriverError),
    /// The driver has no document and no picture was taken yet.
    NoPicture,
    Ocr(OcrError),
}

/// Reads the screen's text, OCR-ing each distinct picture once.
pub struct ScreenReader {
    ocr: Tesseract,
    /// The last picture read by OCR and its text.
    last: Option<(u32, u32, Vec<u8>, String)>,
}

impl ScreenReader {
    pub fn new(ocr: Tesseract) -> Self {
        Self { ocr, last: None }
    }

    pub async fn read(&mut self, session: &mut Session<'_>) -> Result<ScreenText, Unreadable> {
        if let Some(text) = session
            .driver()
            .visible_text()
            .await
            .map_err(Unreadable::Driver)?
        {
            return Ok(ScreenText {
                source: TextSource::Document,
                text,
            });
        }
        let frame = session.last_frame().ok_or(Unreadable::NoPicture)?;
        let text = match &self.last {
            Some((width, height, rgb, text))
                if (*width, *height) == (frame.width, frame.height) && *rgb == frame.rgb =>
            {
                text.clone()
            }
            _ => {
                let picture =
                    Picture::new(frame.width, frame.height, &frame.rgb).map_err(Unreadable::Ocr)?;
                let text = self
                    .ocr
                    .read(picture)
                    .await
                    .map_err(Unreadable::Ocr)?
                    .text();
                self.last = Some((frame.width, frame.height, frame.rgb.clone(), text.clone()));
                text
            }
        };
        Ok(ScreenText {
            source: TextSource::Ocr,
            text,
        })
    }
}
