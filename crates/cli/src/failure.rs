//! The one line a failed command prints on standard error: what went wrong
//! and, where it is obvious, what to do next. Errors of the API client are
//! recognised anywhere in the error chain; anything else prints its chain.

use playtest_client::Error as ClientError;

/// `error: <message> (<code>)`, then `; hint: <what to do>` when one applies.
pub fn describe(err: &anyhow::Error) -> String {
    let found = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<ClientError>());
    let (message, hint) = match found {
        Some(client_err) => describe_client(client_err),
        None => (format!("{err:#}"), None),
    };
    let mut line = format!("error: {}", flatten(&message));
    if let Some(hint) = hint {
        line.push_str("; hint: ");
        line.push_str(&hint);
    }
    line
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
    fn a_client_error_under_context_is_still_recognised() {
        let err = api(401, "API key required", "UNAUTHORIZED", json!({})).context("listing runs");
        assert!(describe(&err).contains("hint: set PLAYTEST_API_KEY"));
    }
}
