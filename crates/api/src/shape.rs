//! Gives the framework's own rejections the contract's error shape.
//!
//! Our handlers answer errors with JSON already. What axum and tower answer by
//! themselves (unknown method, body over the limit, a panic caught) comes as
//! plain text or empty; this middleware replaces such bodies with
//! `{"error", "code", "details"}`, keeping the status.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Map;

use crate::error::error_body;

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn describe(status: StatusCode) -> (&'static str, String) {
    match status {
        StatusCode::NOT_FOUND => (
            "NOT_FOUND",
            "No such endpoint; see /api/v1/openapi.json for the list".into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "This endpoint does not accept that method; see /api/v1/openapi.json".into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", "Request body is too large".into()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            "Content-Type must be application/json".into(),
        ),
        status if status.is_server_error() => (
            "INTERNAL_ERROR",
            "Internal server error; report the request_id to the operator".into(),
        ),
        status => (
            "BAD_REQUEST",
            status
                .canonical_reason()
                .unwrap_or("Bad request")
                .to_string(),
        ),
    }
}

/// Middleware: rewrites non-JSON error responses into the error shape.
pub async fn middleware(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let (code, message) = describe(status);
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let body = Json(error_body(status, message, code, Map::new()));
    (parts, body).into_response()
}
