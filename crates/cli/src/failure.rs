//! The one line a failed command prints on standard error: what went wrong
//! and, where it is obvious, what to do next. Errors of the API client are
//! recognised anywhere in the error chain; anything else prints its chain.
//! An error marked [`Resumable`] also says how to resume.
//!
//! Most commands exit 1 on any failure. `run` and `runs watch` exit with a
//! verdict instead: [`Concluded`] ends them with a code after they printed
//! why, and [`verdict_exit_code`] sorts their other errors into usage
//! errors (3: the caller must change something, [`Usage`] or the API's
//! 4xx) and infrastructure trouble (2: everything else).

use std::fmt;

use playtest_client::Error as ClientError;

use crate::output::size;

/// Context of an upload that stopped with its state saved: running the same
/// command again resumes it.
#[derive(Debug)]
pub struct Resumable {
    pub file: String,
}

impl fmt::Display for Resumable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the upload of {} stopped", self.file)
    }
}

/// A mistake in how the command was called that only shows after parsing
/// (a build file that does not exist): exit 3 for `run` and `runs watch`.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A command that reached its verdict and already said so: exit with
/// `code`, printing nothing more.
#[derive(Debug)]
pub struct Concluded {
    pub code: u8,
}

impl fmt::Display for Concluded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "concluded with exit code {}", self.code)
    }
}

impl std::error::Error for Concluded {}

/// `playtest run` and `runs watch`: a test failed or a bug at or above
/// `--fail-on` was found.
pub const EXIT_FAILED: u8 = 1;
/// Infrastructure trouble: a run ended with error, timeout or stopped, the
/// wait timed out, or the server could not be reached.
pub const EXIT_TROUBLE: u8 = 2;
/// A usage error: bad flags, a missing file, an id the server does not know.
pub const EXIT_USAGE: u8 = 3;
/// Ctrl-C while waiting (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code of `run` or `runs watch` failing with `err`.
pub fn verdict_exit_code(err: &anyhow::Error) -> u8 {
    if let Some(done) = err.downcast_ref::<Concluded>() {
        return done.code;
    }
    let usage = err.chain().any(|cause| {
        cause.downcast_ref::<Usage>().is_some()
            || cause
                .downcast_ref::<ClientError>()
                .is_some_and(is_callers_mistake)
    });
    if usage { EXIT_USAGE } else { EXIT_TROUBLE }
}

/// Client errors the caller must fix: an invalid URL or key, or a 4xx
/// other than a quota (402), a timeout (408) or a rate limit (429).
fn is_callers_mistake(err: &ClientError) -> bool {
    match err {
        ClientError::InvalidUrl { .. } | ClientError::InvalidApiKey => true,
        ClientError::Api { status, .. } => {
            (400..500).contains(status) && ![402, 408, 429].contains(status)
        }
        _ => false,
    }
}

const RESUME_HINT: &str = "run the same command again to resume the upload where it stopped";

/// `error: <message> (<code>)`, then `; hint: <what to do>` when one applies.
pub fn describe(err: &anyhow::Error) -> String {
    let found = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<ClientError>());
    let (message, mut hint) = match found {
        Some(client_err) => describe_client(client_err),
        None => (format!("{err:#}"), None),
    };
    if err.downcast_ref::<Resumable>().is_some() {
        hint = Some(match hint {
            Some(hint) => format!("{hint}; then {RESUME_HINT}"),
            None => RESUME_HINT.to_string(),
        });
    }
    let mut line = format!("error: {}", flatten(&message));
    if let Some(hint) = hint {
        line.push_str("; hint: ");
        line.push_str(&hint);
    }
    line
}

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

fn describe_client(err: &ClientError) -> (String, Option<String>) {
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

/// Messages on one line, whatever their causes held.
fn flatten(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use playtest_types::ErrorBody;
    use serde_json::json;

    use super::*;

    fn api(status: u16, message: &str, code: &str, details: serde_json::Value) -> anyhow::Error {
        let details = details.as_object().cloned().unwrap_or_default();
        ClientError::Api {
            status,
            body: ErrorBody {
                error: message.into(),
                code: code.into(),
                details,
            },
        }
        .into()
    }

    #[test]
    fn a_401_says_where_the_key_goes() {
        let line = describe(&api(401, "Invalid API key", "UNAUTHORIZED", json!({})));
        assert_eq!(
            line,
            "error: Invalid API key (UNAUTHORIZED); hint: set PLAYTEST_API_KEY or pass --api-key"
        );
    }

    #[test]
    fn a_429_says_when_to_retry() {
        let line = describe(&api(
            429,
            "Rate limit exceeded",
            "RATE_LIMITED",
            json!({"retry_after_seconds": 3}),
        ));
        assert!(line.ends_with("hint: retry in 3 s"), "{line}");
    }

    #[test]
    fn a_500_points_at_the_request_id() {
        let line = describe(&api(
            500,
            "Internal error",
            "INTERNAL_ERROR",
            json!({"request_id": "req-7"}),
        ));
        assert!(line.ends_with("under request id req-7"), "{line}");
    }

    #[test]
    fn a_402_says_how_full_the_storage_is_and_how_to_make_room() {
        let line = describe(&api(
            402,
            "Storage capacity exceeded",
            "QUOTA_EXCEEDED",
            json!({"used": 9 * 1024 * 1024 * 1024_i64, "capacity": 10 * 1024 * 1024 * 1024_i64, "needed": 2 * 1024 * 1024 * 1024_i64}),
        ));
        assert_eq!(
            line,
            "error: Storage capacity exceeded (QUOTA_EXCEEDED); hint: 9.0 GiB of 10.0 GiB is used \
             and this build needs 2.0 GiB; pass --auto-delete to delete unpinned builds to make \
             room, or delete some with `playtest builds delete`"
        );
    }

    #[test]
    fn a_413_names_the_limit_when_the_server_does() {
        let line = describe(&api(
            413,
            "File too large",
            "PAYLOAD_TOO_LARGE",
            json!({"max_file_size": 1024}),
        ));
        assert!(
            line.ends_with("hint: the largest file this server takes is 1.0 KiB"),
            "{line}"
        );
        let line = describe(&api(413, "File too large", "PAYLOAD_TOO_LARGE", json!({})));
        assert!(
            line.ends_with("hint: the file is over this server's size limit"),
            "{line}"
        );
    }

    #[test]
    fn an_interrupted_upload_says_how_to_resume_it() {
        let err = anyhow::Error::from(ClientError::Storage {
            status: 503,
            code: None,
            message: "'busy'".into(),
            retry_after: None,
        })
        .context("sending part 3")
        .context(Resumable {
            file: "g.apk".into(),
        });
        assert_eq!(
            describe(&err),
            "error: the storage answered HTTP 503: 'busy'; hint: run the same command again to \
             resume the upload where it stopped"
        );
        let plain = anyhow::anyhow!("disk gone").context(Resumable {
            file: "g.apk".into(),
        });
        assert_eq!(
            describe(&plain),
            "error: the upload of g.apk stopped: disk gone; hint: run the same command again to \
             resume the upload where it stopped"
        );
    }

    #[test]
    fn a_404_has_no_hint() {
        let line = describe(&api(404, "Run not found", "NOT_FOUND", json!({})));
        assert_eq!(line, "error: Run not found (NOT_FOUND)");
    }

    #[test]
    fn other_errors_print_their_chain_on_one_line() {
        let err = anyhow::anyhow!("bad\nthing").context("could not read t.json");
        assert_eq!(describe(&err), "error: could not read t.json: bad thing");
    }

    #[test]
    fn verdict_commands_exit_3_for_the_callers_mistakes_and_2_for_the_rest() {
        let code = |status| verdict_exit_code(&api(status, "x", "X", json!({})));
        assert_eq!(code(404), EXIT_USAGE);
        assert_eq!(code(400), EXIT_USAGE);
        assert_eq!(code(401), EXIT_USAGE);
        assert_eq!(code(429), EXIT_TROUBLE);
        assert_eq!(code(402), EXIT_TROUBLE);
        assert_eq!(code(503), EXIT_TROUBLE);
        let missing = anyhow::Error::new(Usage("g.zip does not exist".into()));
        assert_eq!(verdict_exit_code(&missing.context("uploading")), EXIT_USAGE);
        assert_eq!(
            verdict_exit_code(&anyhow::anyhow!("disk full")),
            EXIT_TROUBLE
        );
        let done = anyhow::Error::new(Concluded { code: EXIT_FAILED });
        assert_eq!(verdict_exit_code(&done), EXIT_FAILED);
    }

    #[test]
    fn a_client_error_under_context_is_still_recognised() {
        let err = api(401, "API key required", "UNAUTHORIZED", json!({})).context("listing runs");
        assert!(describe(&err).contains("hint: set PLAYTEST_API_KEY"));
    }
}
