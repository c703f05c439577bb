//! The one line a failed command prints on standard error: what went wrong
//! and, where it is obvious, what to do next. Errors of the API client are
//! recognised anywhere in the error chain; anything else prints its chain.
//! An error marked [`Resumable`] also says how to resume. What each error
//! of the client says, and its hint, is `hints`'s.
//!
//! Most commands exit 1 on any failure. `run`, `runs watch` and `bugs
//! replay|minimize` exit with a verdict instead ([`playtest_ci::exit`]):
//! [`Concluded`] ends them with a code after they printed why, and
//! [`verdict_exit_code`] sorts their other errors into usage errors (3:
//! the caller must change something, [`Usage`] or the API's 4xx) and
//! infrastructure trouble (2: everything else).

mod hints;

use std::fmt;

use playtest_ci::exit::{Concluded, EXIT_TROUBLE, EXIT_USAGE};
use playtest_ci::upload::Resumable;
use playtest_client::Error as ClientError;

use crate::output::flatten;
use hints::describe_client;

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
        ClientError::InvalidUrl { .. }
        | ClientError::InvalidApiKey
        | ClientError::InvalidWorkerToken => true,
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

#[cfg(test)]
mod tests {
    use playtest_ci::exit::EXIT_FAILED;
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
