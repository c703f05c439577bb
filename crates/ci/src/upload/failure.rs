//! Why an attempt at an upload stopped, sorted by what the engine does
//! next: start over (the server forgot the upload), stop with the state
//! saved for the next run to resume, or give the upload up.

use playtest_client::Error as ClientError;

/// Why an attempt at the upload stopped.
pub enum Failure {
    /// The server no longer has the upload (expired, cancelled): start over.
    Gone(String),
    /// Stopped; the saved state lets the next run resume.
    Interrupted(anyhow::Error),
    /// Resuming would not help: the upload is given up.
    Fatal(anyhow::Error),
}

impl Failure {
    /// The failure a client error during a multipart upload stands for.
    pub fn of(err: ClientError, what: &str) -> Failure {
        let status = err.status();
        let err = anyhow::Error::from(err).context(what.to_string());
        match status {
            Some(404) => Failure::Gone(format!("{err:#}")),
            _ if is_temporary(&err) => Failure::Interrupted(err),
            _ => Failure::Fatal(err),
        }
    }
}

/// Whether the client error under `err` could go away by itself.
fn is_temporary(err: &anyhow::Error) -> bool {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<ClientError>())
        .is_some_and(|err| err.is_retryable() || err.status() == Some(401))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_means_gone_a_5xx_means_interrupted_and_a_400_is_fatal() {
        let storage = |status| ClientError::Storage {
            status,
            code: None,
            message: "x".into(),
            retry_after: None,
        };
        assert!(matches!(Failure::of(storage(404), "x"), Failure::Gone(_)));
        assert!(matches!(
            Failure::of(storage(503), "x"),
            Failure::Interrupted(_)
        ));
        assert!(matches!(Failure::of(storage(400), "x"), Failure::Fatal(_)));
    }
}
