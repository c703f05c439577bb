//! The blob store's one error type.
//!
//! Policy: variants a client can act on ([`BlobError::NotFound`],
//! [`BlobError::UploadNotFound`], [`BlobError::InvalidPart`],
//! [`BlobError::InvalidKey`], the signature errors) carry messages that say
//! what to do, and callers turn them into 4xx. [`BlobError::Io`] and
//! [`BlobError::Backend`] are faults of the machine or the S3 service: log
//! them and answer 5xx without their text.

use std::io;

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("no object at {key}")]
    NotFound { key: String },
    #[error(
        "upload {upload_id} not found: it was completed, aborted or expired, or belongs to another object; start a new upload"
    )]
    UploadNotFound { upload_id: String },
    /// A part named in a complete (or sent) is missing, out of order,
    /// repeated, of the wrong size, or its ETag does not match.
    #[error("part {part_number}: {reason}")]
    InvalidPart { part_number: u32, reason: String },
    #[error(
        "the URL's signature does not match: use the URL exactly as the server returned it, or ask for a new one"
    )]
    BadSignature,
    #[error("the URL has expired: ask the server for a new one")]
    Expired,
    /// The request body stopped before its end (client gone, network cut).
    #[error("the upload was interrupted ({0}); send it again")]
    Interrupted(String),
    #[error("blob store configuration: {0}")]
    Config(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// The S3 service failed or answered something unexpected.
    #[error("S3 store: {0}")]
    Backend(String),
}

impl BlobError {
    /// A `map_err` adapter naming what was being done.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> BlobError {
        let context = context.into();
        move |source| BlobError::Io { context, source }
    }

    pub(crate) fn invalid_part(part_number: u32, reason: impl Into<String>) -> Self {
        BlobError::InvalidPart {
            part_number,
            reason: reason.into(),
        }
    }

    /// Whether a client caused it (a 4xx), as opposed to a fault here.
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            BlobError::Io { .. } | BlobError::Backend(_) | BlobError::Config(_)
        )
    }
}
