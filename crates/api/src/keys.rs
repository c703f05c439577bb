//! Issuing API keys. A secret is 32 random bytes (so a fast hash is enough:
//! there is nothing to brute-force), shown once and stored only as its
//! SHA-256. The CLI's `keys create` and `POST /keys` both come through here.

use chrono::{DateTime, Utc};
use playtest_store::{ApiKeyRecord, NewApiKey, Store, ids};
use playtest_types::Permission;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every secret starts with this, so leaked keys are easy to grep for.
pub const SECRET_PREFIX: &str = "pt_";

/// How many characters of the secret are kept visible as the key's prefix.
const VISIBLE_PREFIX_LEN: usize = 10;

/// The name of the project `playtest serve` and `keys create` use when none is given.
pub const DEFAULT_PROJECT: &str = "default";

/// The hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// Creates a key in `project_id` and returns it with its secret, which is
/// not stored anywhere and cannot be shown again.
pub async fn issue_key(
    store: &dyn Store,
    project_id: &str,
    name: &str,
    permissions: Vec<Permission>,
    expires_at: Option<DateTime<Utc>>,
) -> playtest_store::Result<(ApiKeyRecord, String)> {
    let secret = new_secret();
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
            created_at: Utc::now(),
        })
        .await?;
    Ok((record, secret))
}

/// The project called `name`, created if it does not exist yet.
pub async fn ensure_project(
    store: &dyn Store,
    name: &str,
) -> playtest_store::Result<playtest_store::ProjectRecord> {
    store.ensure_project(&ids::prefixed("prj"), name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_prefixed() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 64);
    }

    #[test]
    fn the_stored_hash_is_not_the_secret() {
        let secret = new_secret();
        let hash = hash_secret(&secret);
        assert_ne!(hash, secret);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hash_secret(&secret));
    }
}
