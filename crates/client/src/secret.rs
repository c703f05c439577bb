//! The API key, wrapped so that it never shows up in `Debug` output, error
//! messages or logs; only [`Secret::expose`] hands out the text.

use std::fmt;

use reqwest::header::HeaderValue;

use crate::{Error, Result};

/// A secret string whose `Debug` prints `Secret(***)`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The `X-Api-Key` header value, marked sensitive so the HTTP stack
    /// does not print it either.
    pub(crate) fn header_value(&self) -> Result<HeaderValue> {
        let mut value = HeaderValue::from_str(self.0.trim()).map_err(|_| Error::InvalidApiKey)?;
        value.set_sensitive(true);
        Ok(value)
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
    fn debug_output_hides_the_secret() {
        let secret = Secret::new("pt_0123456789abcdef");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(secret.expose(), "pt_0123456789abcdef");
    }

    #[test]
    fn a_key_with_a_newline_is_refused_without_echoing_it() {
        let err = Secret::new("pt_abc\ndef").header_value().unwrap_err();
        assert!(matches!(err, Error::InvalidApiKey));
        assert!(!err.to_string().contains("pt_abc"));
    }

    #[test]
    fn the_header_value_is_marked_sensitive() {
        let value = Secret::new("pt_abc").header_value().unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("pt_abc"));
    }
}
