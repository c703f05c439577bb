//! What an error of the API client says, and what to do about it: the
//! API's message and code with a hint for its status (where the key goes,
//! how full the storage is, when to retry, the request id of a 5xx), or
//! the transport's summary with where the server was expected.

use playtest_client::Error as ClientError;

use crate::output::size;

/// A size in bytes from an error's details, readably.
fn size_detail(details: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    details
        .get(name)
        .and_then(serde_json::Value::as_i64)
        .map(size)
}

/// The hint of a 402: how full the storage is, and how to make room.
fn quota_hint(details: &serde_json::Map<String, serde_json::Value>) -> String {
    let room = "pass --auto-delete to delete unpinned builds to make room, or delete some with `playtest builds delete`";
    match (
        size_detail(details, "used"),
        size_detail(details, "capacity"),
        size_detail(details, "needed"),
    ) {
        (Some(used), Some(capacity), Some(needed)) => {
            format!("{used} of {capacity} is used and this build needs {needed}; {room}")
        }
        _ => room.to_string(),
    }
}

/// The hint of a 413: the limit, when the server named it.
fn too_large_hint(details: &serde_json::Map<String, serde_json::Value>) -> String {
    let limit = ["max_file_size", "max_size", "limit", "max_bytes"]
        .iter()
        .find_map(|name| size_detail(details, name));
    match limit {
        Some(limit) => format!("the largest file this server takes is {limit}"),
        None => "the file is over this server's size limit".to_string(),
    }
}

pub(super) fn describe_client(err: &ClientError) -> (String, Option<String>) {
    match err {
        ClientError::Api { status, body } => {
            let message = format!("{} ({})", body.error, body.code);
            let detail = |name: &str| {
                body.details
                    .get(name)
                    .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
            };
            let hint = match (*status, body.code.as_str()) {
                (401, _) => Some("set PLAYTEST_API_KEY or pass --api-key".to_string()),
                (403, _) if body.error.contains("expired") || body.error.contains("disabled") => {
                    Some("use another key, or create one with `playtest keys create`".to_string())
                }
                (403, _) => Some("use a key with that permission".to_string()),
                (402, _) => Some(quota_hint(&body.details)),
                (413, _) => Some(too_large_hint(&body.details)),
                (429, _) => Some(
                    detail("retry_after_seconds")
                        .map_or("retry later".to_string(), |s| format!("retry in {s} s")),
                ),
                (500.., _) => detail("request_id")
                    .map(|id| format!("the server log has the cause under request id {id}")),
                _ => None,
            };
            (message, hint)
        }
        ClientError::Transport(_) => {
            let summary = err.transport_summary().unwrap_or_else(|| err.to_string());
            let hint = match err.server_origin() {
                Some(origin) if err.is_connect() => {
                    format!(
                        "is `playtest serve` running at {origin}? (set PLAYTEST_API_URL or pass --api-url)"
                    )
                }
                _ => "check that the server is running and reachable (PLAYTEST_API_URL, --api-url)"
                    .to_string(),
            };
            (summary, Some(hint))
        }
        ClientError::Decode { .. } => (
            err.to_string(),
            Some("does PLAYTEST_API_URL point at a playtest server?".to_string()),
        ),
        ClientError::InvalidUrl { .. } => (
            err.to_string(),
            Some("set PLAYTEST_API_URL or pass --api-url".to_string()),
        ),
        ClientError::InvalidApiKey => (
            err.to_string(),
            Some("check PLAYTEST_API_KEY or --api-key".to_string()),
        ),
        ClientError::InvalidWorkerToken => (
            err.to_string(),
            Some("check PLAYTEST_WORKER_TOKEN or --token".to_string()),
        ),
        ClientError::Storage { status, .. } => {
            let hint = match status {
                403 => Some("the storage refused a signed URL (expired, or the clocks differ)"),
                404 => Some("the storage no longer has the upload (it expired or was cancelled)"),
                _ => None,
            };
            (err.to_string(), hint.map(str::to_string))
        }
        ClientError::MissingEtag => (
            err.to_string(),
            Some("a proxy in front of the storage may strip the ETag header".to_string()),
        ),
        ClientError::File { .. } => (err.to_string(), None),
    }
}
