//! NUL characters are refused at the door. No id, name, text or parameter
//! of the API may hold one, and PostgreSQL cannot store one in text at all:
//! let through, a `%00` in a URL or a `\u0000` in a JSON string would reach
//! the database and come back as a 500. Here it is a 400 naming the field.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::ApiError;

/// Refuses a request whose path or query holds a percent-encoded NUL.
pub async fn middleware(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if uri.path().contains("%00") {
        return ApiError::BadRequest {
            code: "INVALID_CHARACTER",
            message: "The URL's path holds a NUL character (%00), which no id accepts".into(),
        }
        .into_response();
    }
    if let Some(query) = uri.query()
        && let Some((name, _)) = form_urlencoded::parse(query.as_bytes())
            .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        let name = name.replace('\0', "");
        return nul_in(&name).into_response();
    }
    next.run(request).await
}

fn nul_in(field: &str) -> ApiError {
    ApiError::validation(
        field,
        format!("{field} must not contain a NUL character (\\u0000 or %00)"),
    )
}

/// Refuses a JSON body with a NUL in any of its strings (or keys), naming
/// where. The scan is for the escape `\u0000` not itself escaped; only a
/// body that has one is parsed again to find the field.
pub fn check_json(bytes: &[u8]) -> Result<(), ApiError> {
    if !has_nul_escape(bytes) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(()); // Malformed: the typed parse says so.
    };
    match path_to_nul(&value, String::new()) {
        Some(path) => Err(nul_in(if path.is_empty() { "body" } else { &path })),
        None => Ok(()),
    }
}

/// Whether `bytes` holds `\u0000` preceded by an even number of backslashes.
fn has_nul_escape(bytes: &[u8]) -> bool {
    let needle = b"u0000";
    bytes.windows(needle.len()).enumerate().any(|(at, window)| {
        if window != needle {
            return false;
        }
        let backslashes = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        backslashes % 2 == 1
    })
}

/// The path (`players[0].name`) of the first string or key holding a NUL.
fn path_to_nul(value: &Value, at: String) -> Option<String> {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match value {
        Value::String(text) => text.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| path_to_nul(item, format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(join(&key.replace('\0', "")));
            }
            path_to_nul(item, join(key))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(body: &str) -> Option<String> {
        match check_json(body.as_bytes()) {
            Ok(()) => None,
            Err(ApiError::Validation { field, .. }) => Some(field),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_nul_in_a_nested_string_is_refused_naming_its_field() {
        assert_eq!(
            field_of(r#"{"players": [{"name": "a\u0000b"}]}"#).as_deref(),
            Some("players[0].name")
        );
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_only_text() {
        assert_eq!(field_of(r#"{"name": "C:\\u0000"}"#), None);
        assert_eq!(field_of(r#"{"name": "plain"}"#), None);
    }
}
