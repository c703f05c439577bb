//! The routes behind the local store's signed URLs: `PUT` an object or a
//! part, `GET` an object. The signature is the only authorisation; bodies
//! stream straight to and from disk, so these routes have no body limit.
//!
//! Errors answer `{"error", "code", "details"}` like the rest of the API:
//! 403 `SIGNATURE_INVALID` / `SIGNATURE_EXPIRED`, 404 `UPLOAD_NOT_FOUND` /
//! `NOT_FOUND`, 400 `INVALID_PART` / `INVALID_KEY` / `UPLOAD_INTERRUPTED`,
//! 500 `INTERNAL_ERROR` (logged here, without internals in the body).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use playtest_types::ErrorBody;
use serde::Deserialize;
use serde_json::{Map, json};
use tokio_util::io::ReaderStream;

use super::LocalBlobStore;
use super::signing::Grant;
use crate::{BlobError, Result};

/// Read chunk size when serving an object.
const READ_CHUNK: usize = 256 * 1024;

/// The routes serving this store's signed URLs (`/blobs/{key}`), with their
/// own state and no body limit: merge into the server's router as is.
pub fn router(store: Arc<LocalBlobStore>) -> Router {
    Router::new()
        .route("/blobs/{*key}", put(put_blob).get(get_blob))
        .with_state(store)
        .layer(DefaultBodyLimit::disable())
}

/// The query of a signed URL; see `LocalBlobStore::signed_url`.
#[derive(Debug, Deserialize)]
struct Signed {
    upload_id: Option<String>,
    part_number: Option<u32>,
    download_name: Option<String>,
    expires: u64,
    signature: String,
}

impl Signed {
    fn grant<'a>(&'a self, method: &'static str, key: &'a str) -> Grant<'a> {
        Grant {
            method,
            key,
            upload_id: self.upload_id.as_deref(),
            part_number: self.part_number,
            expires: self.expires,
            download_name: self.download_name.as_deref(),
        }
    }
}

type Extracted<T, R> = std::result::Result<T, R>;

/// The URL's key and query, once its signature and expiry are checked. A
/// URL that does not even parse was altered: a bad signature too.
fn authorized(
    store: &LocalBlobStore,
    method: &'static str,
    key: Extracted<Path<String>, PathRejection>,
    query: Extracted<Query<Signed>, QueryRejection>,
) -> Result<(String, Signed)> {
    let Path(key) = key.map_err(|_| BlobError::BadSignature)?;
    let Query(signed) = query.map_err(|_| BlobError::BadSignature)?;
    store.authorize(&signed.grant(method, &key), &signed.signature)?;
    Ok((key, signed))
}

async fn put_blob(
    State(store): State<Arc<LocalBlobStore>>,
    key: Extracted<Path<String>, PathRejection>,
    query: Extracted<Query<Signed>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (key, signed) = authorized(&store, "PUT", key, query)?;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        let body = body.into_data_stream();
        match (signed.upload_id.as_deref(), signed.part_number) {
            (Some(upload_id), Some(part_number)) => {
                store
                    .receive_part(&key, upload_id, part_number, declared, body)
                    .await
            }
            (None, None) => Ok(store.receive_object(&key, body).await?.1),
            _ => Err(BlobError::BadSignature),
        }
    }
    .await;
    match result.and_then(|etag| header_value(&etag)) {
        Ok(etag) => (StatusCode::OK, [(header::ETAG, etag)]).into_response(),
        Err(err) => error_response(err),
    }
}

async fn get_blob(
    State(store): State<Arc<LocalBlobStore>>,
    key: Extracted<Path<String>, PathRejection>,
    query: Extracted<Query<Signed>, QueryRejection>,
) -> Response {
    let result = async {
        let (key, signed) = authorized(&store, "GET", key, query)?;
        let (file, size) = store.open_object(&key).await?;
        let body = Body::from_stream(ReaderStream::with_capacity(file, READ_CHUNK));
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        if let Some(name) = signed.download_name.as_deref() {
            let disposition = crate::disposition::attachment(name);
            headers.insert(header::CONTENT_DISPOSITION, header_value(&disposition)?);
        }
        Ok::<_, BlobError>(response)
    }
    .await;
    result.unwrap_or_else(error_response)
}

fn header_value(text: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text).map_err(|err| BlobError::Io {
        context: "building a response header".into(),
        source: std::io::Error::other(err),
    })
}

fn error_response(err: BlobError) -> Response {
    let (status, code) = match &err {
        BlobError::BadSignature => (StatusCode::FORBIDDEN, "SIGNATURE_INVALID"),
        BlobError::Expired => (StatusCode::FORBIDDEN, "SIGNATURE_EXPIRED"),
        BlobError::UploadNotFound { .. } => (StatusCode::NOT_FOUND, "UPLOAD_NOT_FOUND"),
        BlobError::NotFound { .. } => (StatusCode::NOT_FOUND, "NOT_FOUND"),
        BlobError::InvalidKey { .. } => (StatusCode::BAD_REQUEST, "INVALID_KEY"),
        BlobError::InvalidPart { .. } => (StatusCode::BAD_REQUEST, "INVALID_PART"),
        BlobError::Interrupted(_) => (StatusCode::BAD_REQUEST, "UPLOAD_INTERRUPTED"),
        BlobError::Io { .. } | BlobError::Backend(_) | BlobError::Config(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR")
        }
    };
    let mut details = Map::new();
    match &err {
        BlobError::InvalidPart { part_number, .. } => {
            details.insert("part_number".into(), json!(part_number));
        }
        BlobError::UploadNotFound { upload_id } => {
            details.insert("upload_id".into(), json!(upload_id));
        }
        _ => {}
    }
    let message = if status.is_server_error() {
        tracing::error!(error = %err, "blob request failed");
        "Internal server error; the cause is in the server log".to_string()
    } else {
        err.to_string()
    };
    let body = ErrorBody {
        error: message,
        code: code.to_string(),
        details,
    };
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_do_not_leak_their_cause() {
        let err = BlobError::Io {
            context: "/secret/path".into(),
            source: std::io::Error::other("disk"),
        };
        let response = error_response(err);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
