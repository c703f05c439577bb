//! The local store's URL signatures: HMAC-SHA256 with a secret kept in the
//! store's folder, over everything a URL grants (method, object key, upload
//! id, part number, expiry, download name). Changing any of them in a URL
//! breaks its signature; the secret survives restarts, so URLs handed out
//! before a restart keep working.

use std::fmt;
use std::io;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;

use super::layout::Layout;
use crate::{BlobError, Result};

type HmacSha256 = Hmac<Sha256>;

const KEY_BYTES: usize = 32;
/// Versions the signed message, so a later format cannot collide with this one.
const DOMAIN: &[u8] = b"playtest-blob-url-v1";

/// What a URL allows: one method on one object (one part of one upload,
/// when `upload_id` is set) until `expires` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grant<'a> {
    pub method: &'a str,
    pub key: &'a str,
    pub upload_id: Option<&'a str>,
    pub part_number: Option<u32>,
    pub expires: u64,
    pub download_name: Option<&'a str>,
}

pub(crate) struct SigningKey([u8; KEY_BYTES]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        SigningKey(bytes)
    }

    /// Reads `<root>/.signing-key`, creating it (0600, 32 random bytes) on
    /// first use. Creation is race-free: the key is written whole to a temp
    /// file and hard-linked into place, so of two processes starting at once
    /// one wins and both read the winner's key.
    pub(crate) async fn load_or_create(layout: &Layout) -> Result<Self> {
        let path = layout.signing_key();
        if let Some(key) = read_key(&path).await? {
            return Ok(key);
        }
        let temp = layout.temp();
        let context = || format!("creating the signing key {}", path.display());
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(temp.path())
            .await
            .map_err(BlobError::io(context()))?;
        file.write_all(&rand::random::<[u8; KEY_BYTES]>())
            .await
            .map_err(BlobError::io(context()))?;
        file.sync_all().await.map_err(BlobError::io(context()))?;
        drop(file);
        match tokio::fs::hard_link(temp.path(), &path).await {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(BlobError::io(context())(err)),
        }
        drop(temp);
        read_key(&path).await?.ok_or_else(|| {
            BlobError::Config(format!("{} vanished while being created", path.display()))
        })
    }

    /// Hex HMAC-SHA256 of the grant.
    pub(crate) fn sign(&self, grant: &Grant<'_>) -> String {
        hex::encode(self.mac(grant).finalize().into_bytes())
    }

    /// Whether `signature` (hex) is this key's signature of the grant,
    /// compared in constant time.
    pub(crate) fn verify(&self, grant: &Grant<'_>, signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(bytes) => self.mac(grant).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, grant: &Grant<'_>) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(DOMAIN);
        field(&mut mac, Some(grant.method));
        field(&mut mac, Some(grant.key));
        field(&mut mac, grant.upload_id);
        field(
            &mut mac,
            grant.part_number.map(|n| n.to_string()).as_deref(),
        );
        field(&mut mac, Some(&grant.expires.to_string()));
        field(&mut mac, grant.download_name);
        mac
    }
}

/// Length-prefixed, with absence distinct from an empty value, so no two
/// different grants feed the MAC the same bytes.
fn field(mac: &mut HmacSha256, value: Option<&str>) {
    match value {
        None => mac.update(b"-"),
        Some(value) => {
            mac.update(b"+");
            mac.update(value.len().to_string().as_bytes());
            mac.update(b":");
            mac.update(value.as_bytes());
        }
    }
}

async fn read_key(path: &Path) -> Result<Option<SigningKey>> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(BlobError::io(format!("reading {}", path.display()))(err)),
    };
    let key: [u8; KEY_BYTES] = bytes.as_slice().try_into().map_err(|_| {
        BlobError::Config(format!(
            "{} is {} bytes, not {KEY_BYTES}: delete it to make a new one (URLs handed out before stop working)",
            path.display(),
            bytes.len()
        ))
    })?;
    Ok(Some(SigningKey(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant<'static> {
        Grant {
            method: "PUT",
            key: "builds/b1/game.zip",
            upload_id: Some("0123456789abcdef0123456789abcdef"),
            part_number: Some(3),
            expires: 1_800_000_000,
            download_name: None,
        }
    }

    #[test]
    fn the_same_grant_gets_the_same_signature() {
        let key = SigningKey::from_bytes([7; 32]);
        assert_eq!(key.sign(&grant()), key.sign(&grant()));
        assert!(key.verify(&grant(), &key.sign(&grant())));
    }

    #[test]
    fn any_changed_field_changes_the_signature() {
        let key = SigningKey::from_bytes([7; 32]);
        let original = key.sign(&grant());
        let changed = [
            Grant {
                method: "GET",
                ..grant()
            },
            Grant {
                key: "builds/b1/game.zip2",
                ..grant()
            },
            Grant {
                upload_id: Some("0123456789abcdef0123456789abcdee"),
                ..grant()
            },
            Grant {
                upload_id: None,
                ..grant()
            },
            Grant {
                part_number: Some(4),
                ..grant()
            },
            Grant {
                part_number: None,
                ..grant()
            },
            Grant {
                expires: 1_800_000_001,
                ..grant()
            },
            Grant {
                download_name: Some("game.zip"),
                ..grant()
            },
            Grant {
                download_name: Some(""),
                ..grant()
            },
        ];
        for other in changed {
            let signature = key.sign(&other);
            assert_ne!(signature, original, "{other:?}");
            assert!(!key.verify(&grant(), &signature), "{other:?}");
        }
    }

    #[test]
    fn another_secret_gives_another_signature() {
        let one = SigningKey::from_bytes([7; 32]);
        let two = SigningKey::from_bytes([8; 32]);
        assert_ne!(one.sign(&grant()), two.sign(&grant()));
        assert!(!two.verify(&grant(), &one.sign(&grant())));
    }

    #[test]
    fn fields_cannot_be_shifted_into_each_other() {
        let key = SigningKey::from_bytes([7; 32]);
        let a = Grant {
            key: "a",
            download_name: Some("bc"),
            ..grant()
        };
        let b = Grant {
            key: "ab",
            download_name: Some("c"),
            ..grant()
        };
        assert_ne!(key.sign(&a), key.sign(&b));
    }

    #[test]
    fn garbage_signatures_do_not_verify() {
        let key = SigningKey::from_bytes([7; 32]);
        for garbage in ["", "zz", "00", &"0".repeat(64)] {
            assert!(!key.verify(&grant(), garbage));
        }
    }

    #[tokio::test]
    async fn the_key_is_created_private_once_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path().to_path_buf());
        layout.create_dirs().await.unwrap();
        let first = SigningKey::load_or_create(&layout).await.unwrap();
        let second = SigningKey::load_or_create(&layout).await.unwrap();
        assert_eq!(first.0, second.0);
        let mode = std::fs::metadata(layout.signing_key())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(format!("{first:?}"), "SigningKey(***)");
    }

    #[tokio::test]
    async fn a_damaged_key_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path().to_path_buf());
        layout.create_dirs().await.unwrap();
        std::fs::write(layout.signing_key(), b"short").unwrap();
        let err = SigningKey::load_or_create(&layout).await.unwrap_err();
        assert!(err.to_string().contains("delete it"), "{err}");
    }
}
