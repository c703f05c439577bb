//! The API key and the worker token as request headers: marked sensitive so the HTTP stack
//! never prints it, and refused without echoing it when it cannot be one.
//! The key itself is a [`Secret`] (playtest-types), whose `Debug` hides it.

use playtest_types::Secret;
use reqwest::header::HeaderValue;

use crate::{Error, Result};

/// The `X-Api-Key` (or bearer token) header value of `secret`.
pub(crate) fn header_value(secret: &Secret) -> Result<HeaderValue> {
    let mut value =
        HeaderValue::from_str(secret.expose().trim()).map_err(|_| Error::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

/// The `Authorization: Bearer` header value of a worker token, marked
/// sensitive.
pub(crate) fn bearer_value(token: &Secret) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose().trim()))
        .map_err(|_| Error::InvalidWorkerToken)?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_with_a_newline_is_refused_without_echoing_it() {
        let err = header_value(&Secret::new("pt_abc\ndef")).unwrap_err();
        assert!(matches!(err, Error::InvalidApiKey));
        assert!(!err.to_string().contains("pt_abc"));
    }

    #[test]
    fn the_header_value_is_marked_sensitive() {
        let value = header_value(&Secret::new("pt_abc")).unwrap();
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("pt_abc"));
    }
}
