//! Request extractors that fail in the contract's error shape and name the
//! offending field, instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON body. Requires `Content-Type: application/json`; a malformed body
/// is `INVALID_JSON`, a body of the wrong shape a `VALIDATION_ERROR` naming
/// the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&request) {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        let bytes = body_bytes(request, state).await?;
        crate::nul::check_json(&bytes)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out: no body at all (or `null`) is
/// `T::default()`; a body is taken as [`ApiJson`] takes it.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(&request);
        let bytes = body_bytes(request, state).await?;
        if bytes.is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        crate::nul::check_json(&bytes)?;
        let given: Option<T> = parse_json(&bytes)?;
        Ok(OptionalJson(given.unwrap_or_default()))
    }
}

/// Whether the request says its body is JSON.
fn is_json(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"))
}

/// The whole body, within the route's body limit (413 beyond it).
pub async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge("Request body is too large".into())
            } else {
                ApiError::BadRequest {
                    code: "INVALID_BODY",
                    message: rejection.body_text(),
                }
            }
        })
}

/// Parses `bytes` as a `T`, turning serde's complaint into an [`ApiError`].
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::BadRequest {
                code: "INVALID_JSON",
                message: format!("Malformed JSON: {inner}"),
            }
        } else {
            let (field, message) = name_the_field(&path, &inner.to_string());
            ApiError::validation(field, message)
        }
    })?;
    deserializer.end().map_err(|err| ApiError::BadRequest {
        code: "INVALID_JSON",
        message: format!("Malformed JSON: {err}"),
    })?;
    Ok(value)
}

/// Query parameters, parsed like a JSON body: a bad value is a
/// `VALIDATION_ERROR` naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                let (field, message) = name_the_field(&path, &err.into_inner().to_string());
                ApiError::validation(field, message)
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// serde reports a missing field at the path of its parent; move the
/// field's name into the path so clients see which one it is. (An unknown
/// field is already at its own path.)
fn name_the_field(path: &str, message: &str) -> (String, String) {
    let parent = if path == "." { "" } else { path };
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some(end) = rest.find('`')
    {
        let name = &rest[..end];
        let field = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return (field, message.to_string());
    }
    let field = if parent.is_empty() {
        "body".to_string()
    } else {
        parent.to_string()
    };
    (field, message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use playtest_types::{StartRunRequest, TestSpec};

    fn field_of(err: ApiError) -> String {
        match err {
            ApiError::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_required_field_is_named() {
        let err = parse_json::<StartRunRequest>(br#"{"multiplayer_test_id": "x"}"#).unwrap_err();
        assert_eq!(field_of(err), "deployment_config_id");
    }

    #[test]
    fn a_wrong_type_deep_inside_is_named_by_its_path() {
        let body = br#"{"name": "t", "test_type": "verification", "players": [{"name": "p", "steps": [{"goal": 5}]}]}"#;
        let err = parse_json::<TestSpec>(body).unwrap_err();
        assert_eq!(field_of(err), "players[0].steps[0].goal");
    }

    #[test]
    fn an_unknown_nested_field_is_named() {
        let body = br#"{"name": "t", "test_type": "verification", "players": [{"name": "p", "stepz": []}]}"#;
        let err = parse_json::<TestSpec>(body).unwrap_err();
        assert_eq!(field_of(err), "players[0].stepz");
    }

    #[test]
    fn malformed_json_is_not_a_validation_error() {
        let err = parse_json::<StartRunRequest>(b"{not json").unwrap_err();
        assert!(matches!(
            err,
            ApiError::BadRequest {
                code: "INVALID_JSON",
                ..
            }
        ));
        let err = parse_json::<StartRunRequest>(br#"{"deployment_config_id": "d"} trailing"#)
            .unwrap_err();
        assert!(matches!(
            err,
            ApiError::BadRequest {
                code: "INVALID_JSON",
                ..
            }
        ));
    }
}
