//! The one HTTP error type of the API.
//!
//! Policy: handlers return `Result<_, ApiError>` and use `?`. Client mistakes
//! become 4xx with a message that says what to fix (a 400 names the field in
//! `details.field`). Anything else is an internal fault: it is logged once,
//! here, with its cause, and the client gets a generic message and the
//! request id, never internals.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use playtest_blob::BlobError;
use playtest_store::StoreError;
use playtest_types::ErrorBody;
use serde_json::{Map, Value, json};

use crate::request_id;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A field of the request is wrong; `field` is its path (`players[0].name`).
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The request as a whole is wrong (malformed JSON, say).
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// A referenced object does not exist in the caller's project.
    #[error("{message}")]
    NotFound {
        message: String,
        field: Option<String>,
    },
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Map<String, Value>,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The upload would take the project over its storage capacity.
    #[error(
        "Storage capacity exceeded: {used} of {capacity} bytes used, {needed} more needed. Delete builds you no longer need, or upload with auto_delete: true to let the oldest unpinned ones go"
    )]
    QuotaExceeded {
        used: i64,
        capacity: i64,
        needed: i64,
    },
    /// No pending upload matches (unknown, foreign, finished, cancelled or
    /// expired); the message says which when it is known.
    #[error("{0}")]
    UploadNotFound(String),
    /// A part named in a complete is missing, repeated, of the wrong size or
    /// with the wrong ETag; the client can re-send it and complete again.
    #[error("{message}")]
    InvalidPart { part_number: u32, message: String },
    /// The body's `Content-Type` is not one the endpoint takes (named here).
    #[error("Content-Type must be {0}")]
    UnsupportedMediaType(&'static str),
    #[error("Rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound {
            message: message.into(),
            field: None,
        }
    }

    /// A 404 for an id given in the request body, naming the field.
    pub fn not_found_field(message: impl Into<String>, field: impl Into<String>) -> Self {
        ApiError::NotFound {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// A store error, with "not found" said in the caller's words (which
    /// object, which field); other store errors convert as usual.
    pub fn or_not_found(err: StoreError, not_found: ApiError) -> ApiError {
        match err {
            StoreError::NotFound(_) => not_found,
            other => other.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } | ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::QuotaExceeded { .. } => StatusCode::PAYMENT_REQUIRED,
            ApiError::UploadNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InvalidPart { .. } => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::Validation { .. } => "VALIDATION_ERROR",
            ApiError::BadRequest { code, .. } | ApiError::Conflict { code, .. } => code,
            ApiError::Unauthorized(_) => "UNAUTHORIZED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::QuotaExceeded { .. } => "QUOTA_EXCEEDED",
            ApiError::UploadNotFound(_) => "UPLOAD_NOT_FOUND",
            ApiError::InvalidPart { .. } => "INVALID_PART",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::RateLimited { .. } => "RATE_LIMITED",
            ApiError::Internal(_) => "INTERNAL_ERROR",
        }
    }

    fn details(&self) -> Map<String, Value> {
        let mut details = Map::new();
        match self {
            ApiError::Validation { field, .. } => {
                details.insert("field".into(), json!(field));
            }
            ApiError::NotFound {
                field: Some(field), ..
            } => {
                details.insert("field".into(), json!(field));
            }
            ApiError::Conflict { details: extra, .. } => details.extend(extra.clone()),
            ApiError::QuotaExceeded {
                used,
                capacity,
                needed,
            } => {
                details.insert("used".into(), json!(used));
                details.insert("capacity".into(), json!(capacity));
                details.insert("needed".into(), json!(needed));
            }
            ApiError::InvalidPart { part_number, .. } => {
                details.insert("field".into(), json!("parts"));
                details.insert("part_number".into(), json!(part_number));
            }
            ApiError::RateLimited { retry_after_secs } => {
                details.insert("retry_after_seconds".into(), json!(retry_after_secs));
            }
            _ => {}
        }
        details
    }
}

/// The body of an error response with this status, message and code; a 5xx
/// also carries the request id so an operator can find the logged cause.
pub fn error_body(
    status: StatusCode,
    message: String,
    code: &str,
    mut details: Map<String, Value>,
) -> ErrorBody {
    if status.is_server_error()
        && let Some(id) = request_id::current()
    {
        details.insert("request_id".into(), json!(id));
    }
    ErrorBody {
        error: message,
        code: code.to_string(),
        details,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                "Internal server error; report the request_id to the operator".to_string()
            }
            other => other.to_string(),
        };
        let body = error_body(status, message, self.code(), self.details());
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(kind) => {
                ApiError::not_found(format!("{} not found", capitalized(kind)))
            }
            StoreError::VersionConflict { current } => {
                let mut details = Map::new();
                details.insert("current_version".into(), json!(current));
                ApiError::Conflict {
                    code: "VERSION_CONFLICT",
                    message: format!(
                        "The object was changed since the version you sent; it is now at version {current}. Fetch it, reapply your change and retry"
                    ),
                    details,
                }
            }
            StoreError::Conflict(message) => ApiError::Conflict {
                code: "CONFLICT",
                message,
                details: Map::new(),
            },
            StoreError::LeaseLost { job_id } => ApiError::Conflict {
                code: "LEASE_LOST",
                message: format!(
                    "The lease on job {job_id} is lost (it expired, or the job completed or was retried): stop working on it"
                ),
                details: Map::new(),
            },
            StoreError::QuotaExceeded {
                used,
                capacity,
                needed,
            } => ApiError::QuotaExceeded {
                used,
                capacity,
                needed,
            },
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(err: BlobError) -> Self {
        match err {
            BlobError::UploadNotFound { .. } => ApiError::UploadNotFound(err.to_string()),
            BlobError::InvalidPart {
                part_number,
                reason,
            } => ApiError::InvalidPart {
                part_number,
                message: format!("Part {part_number}: {reason}"),
            },
            BlobError::NotFound { .. } => ApiError::not_found(err.to_string()),
            other => ApiError::Internal(anyhow::Error::new(other)),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_not_found_becomes_a_capitalized_404() {
        let err = ApiError::from(StoreError::NotFound("deployment config"));
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.to_string(), "Deployment config not found");
    }

    #[test]
    fn database_faults_become_internal_errors_without_their_text() {
        let err = ApiError::from(StoreError::Corrupt("secret table layout".into()));
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = error_body(err.status(), "x".into(), err.code(), err.details());
        assert!(
            !serde_json::to_string(&body)
                .unwrap()
                .contains("secret table")
        );
    }
}
