//! Authentication: the `X-Api-Key` header becomes a [`Caller`], or the
//! request ends with the contract's 401/403. Also applies the per-key rate
//! limit and records when a key was last used.
//!
//! Looked-up keys are cached ([`crate::key_cache`]), so a hot key costs no
//! database round trip.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use playtest_store::ApiKeyRecord;
use playtest_types::Permission;

use crate::limits::Decision;
use crate::{ApiError, AppState, keys};

pub const API_KEY_HEADER: &str = "x-api-key";

/// Who is calling: the key's project and what it may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: String,
    pub key_name: String,
    pub project_id: String,
    permissions: Vec<Permission>,
}

impl Caller {
    /// Whether the key has `permission` (`project:admin` has all).
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions
            .iter()
            .any(|p| *p == permission || *p == Permission::Admin)
    }

    /// Refuses with the contract's 403 unless the key has `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "API key missing required permission: {permission}"
            )))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("route is missing the authentication layer"))
        })
    }
}

async fn lookup(state: &AppState, secret: &str) -> Result<ApiKeyRecord, ApiError> {
    let hash = keys::hash_secret(secret);
    if let Some(record) = state.keys().get(&hash) {
        return Ok(record);
    }
    let record = state
        .store()
        .key_by_secret_hash(&hash)
        .await?
        .ok_or(ApiError::Unauthorized("Invalid API key"))?;
    state.keys().put(hash, record.clone());
    Ok(record)
}

fn rate_limit_headers(headers: &mut HeaderMap, decision: &Decision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(decision.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(decision.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(decision.reset_secs));
}

/// Middleware for every authenticated route.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let secret = match request.headers().get(API_KEY_HEADER).map(|v| v.to_str()) {
        None => return ApiError::Unauthorized("API key required").into_response(),
        Some(Err(_)) => return ApiError::Unauthorized("Invalid API key").into_response(),
        Some(Ok(secret)) if secret.trim().is_empty() => {
            return ApiError::Unauthorized("API key required").into_response();
        }
        Some(Ok(secret)) => secret.trim().to_string(),
    };
    let record = match lookup(&state, &secret).await {
        Ok(record) => record,
        Err(err) => return err.into_response(),
    };
    let key = record.key;
    if key.disabled {
        return ApiError::Forbidden("API key is disabled".into()).into_response();
    }
    if key.expires_at.is_some_and(|at| at <= state.clock().now()) {
        return ApiError::Forbidden("API key expired".into()).into_response();
    }
    let decision = state
        .limiter()
        .enabled()
        .then(|| state.limiter().check(&key.id));
    if let Some(decision) = decision.filter(|d| !d.allowed) {
        let mut response = ApiError::RateLimited {
            retry_after_secs: decision.retry_after_secs,
        }
        .into_response();
        rate_limit_headers(response.headers_mut(), &decision);
        return response;
    }
    if state.keys().should_touch(&key.id) {
        let state = state.clone();
        let key_id = key.id.clone();
        tokio::spawn(async move {
            if let Err(err) = state.store().touch_key(&key_id, state.clock().now()).await {
                tracing::warn!(key_id, error = %err, "could not record the key's last use");
            }
        });
    }
    request.extensions_mut().insert(Caller {
        key_id: key.id,
        key_name: key.name,
        project_id: key.project_id,
        permissions: key.permissions,
    });
    let mut response = next.run(request).await;
    if let Some(decision) = decision {
        rate_limit_headers(response.headers_mut(), &decision);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(permissions: Vec<Permission>) -> Caller {
        Caller {
            key_id: "k".into(),
            key_name: "n".into(),
            project_id: "p".into(),
            permissions,
        }
    }

    #[test]
    fn admin_keys_may_do_everything() {
        let admin = caller(vec![Permission::Admin]);
        assert!(Permission::ALL.iter().all(|p| admin.may(*p)));
    }

    #[test]
    fn a_missing_permission_is_named_in_the_refusal() {
        let reader = caller(vec![Permission::ReadRuns]);
        assert!(reader.require(Permission::ReadRuns).is_ok());
        let err = reader.require(Permission::OperateRuns).unwrap_err();
        assert_eq!(
            err.to_string(),
            "API key missing required permission: project:operate-runs"
        );
    }
}
