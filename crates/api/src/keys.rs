//! Issuing API keys and worker tokens. A secret is 32 random bytes (so a
//! fast hash is enough: there is nothing to brute-force), shown once and
//! stored only as its SHA-256. The CLI's `keys create` and `workers token`
//! and `POST /keys` and `POST /workers/tokens` all come through here.

use chrono::{DateTime, Utc};
use playtest_store::{ApiKeyRecord, NewApiKey, NewWorkerToken, Store, WorkerTokenRecord, ids};
use playtest_types::{Permission, Secret};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every API key's secret starts with this, so leaked keys are easy to grep for.
pub const SECRET_PREFIX: &str = "pt_";
/// Every worker token's secret starts with this.
pub const WORKER_SECRET_PREFIX: &str = "ptw_";

/// How many characters of the secret are kept visible as the key's prefix.
const VISIBLE_PREFIX_LEN: usize = 10;

/// The name of the project `playtest serve` and `keys create` use when none is given.
pub const DEFAULT_PROJECT: &str = "default";

/// The hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// Creates a key in `project_id` at `now` and returns it with its secret,
/// which is not stored anywhere and cannot be shown again.
pub async fn issue_key(
    store: &dyn Store,
    project_id: &str,
    name: &str,
    permissions: Vec<Permission>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> playtest_store::Result<(ApiKeyRecord, Secret)> {
    let secret = new_secret(SECRET_PREFIX);
    let mut permissions = permissions;
    permissions.sort();
    permissions.dedup();
    let record = store
        .create_key(NewApiKey {
            id: ids::prefixed("key"),
            project_id: project_id.to_string(),
            name: name.to_string(),
            prefix: secret[..VISIBLE_PREFIX_LEN].to_string(),
            secret_hash: hash_secret(&secret),
            permissions,
            expires_at,
            created_at: now,
        })
        .await?;
    Ok((record, Secret::new(secret)))
}

/// Creates a worker token (serving only `project_id`, or every project) at
/// `now` and returns it with its secret, shown this once.
pub async fn issue_worker_token(
    store: &dyn Store,
    name: &str,
    project_id: Option<&str>,
    now: DateTime<Utc>,
) -> playtest_store::Result<(WorkerTokenRecord, Secret)> {
    let secret = new_secret(WORKER_SECRET_PREFIX);
    let record = store
        .create_worker_token(&NewWorkerToken {
            id: ids::prefixed("wtk"),
            name: name.to_string(),
            prefix: secret[..VISIBLE_PREFIX_LEN + 1].to_string(),
            secret_hash: hash_secret(&secret),
            project_id: project_id.map(str::to_string),
            created_at: now,
        })
        .await?;
    Ok((record, Secret::new(secret)))
}

/// The project called `name`, created at `now` if it does not exist yet.
pub async fn ensure_project(
    store: &dyn Store,
    name: &str,
    now: DateTime<Utc>,
) -> playtest_store::Result<playtest_store::ProjectRecord> {
    store.ensure_project(&ids::prefixed("prj"), name, now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = new_secret(SECRET_PREFIX);
        let b = new_secret(SECRET_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 64);
    }

    #[test]
    fn the_stored_hash_is_not_the_secret() {
        let secret = new_secret(SECRET_PREFIX);
        let hash = hash_secret(&secret);
        assert_ne!(hash, secret);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash_secret(&secret));
    }
}
