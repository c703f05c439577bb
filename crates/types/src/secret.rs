//! One type for every secret playtest holds in memory: API keys, worker
//! tokens, S3 credentials, a model endpoint's key. Its `Debug` prints
//! `Secret(***)`, so a struct that derives `Debug` never leaks one into a
//! log or a panic message; only [`Secret::expose`] hands out the text, at
//! the one place that must send or hash it. On the wire it is a plain
//! string (the API shows a new key's or token's secret once).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that must send or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret_and_expose_gives_it() {
        let secret = Secret::new("pt_0123456789abcdef");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(Secret(***))");
        assert_eq!(secret.expose(), "pt_0123456789abcdef");
    }

    #[test]
    fn on_the_wire_it_is_a_plain_string() {
        let secret = Secret::new("ptw_abc");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"ptw_abc\"");
        let back: Secret = serde_json::from_str("\"ptw_abc\"").unwrap();
        assert_eq!(back, secret);
    }
}
