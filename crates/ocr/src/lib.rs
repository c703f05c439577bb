//! Reads the words on a picture of the screen, for what has no document to
//! read them from: a native game's text is only pixels. Done once here for
//! every driver, by Debian's `tesseract` program (package tesseract-ocr),
//! so no driver carries OCR of its own and a worker needs one more Debian
//! package rather than a model of its own.
//!
//! [`Tesseract::read`] takes RGB pixels ([`Picture`]) and gives a
//! [`Reading`]: each [`Word`] with its box and confidence, and the text
//! they make, line by line. How the picture is prepared (grey, enlarged
//! twice when small) is in `picture`; how it is read (three passes, merged)
//! in `tesseract`, with what was measured to choose so.

mod error;
mod picture;
mod reading;
mod tesseract;
mod tsv;

pub use error::OcrError;
pub use picture::{Picture, UPSCALE_UP_TO};
pub use reading::{Bounds, LineId, Reading, Word};
pub use tesseract::{DEFAULT_TESSERACT, Tesseract};
