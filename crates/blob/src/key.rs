//! Object keys: the names callers give objects. A key becomes a file path
//! under the local store's root, so it must be a plain relative path that can
//! never climb out of it.

use crate::{BlobError, Result};

const MAX_KEY_BYTES: usize = 1024;
const MAX_SEGMENT_BYTES: usize = 255;

/// Accepts `a/b/c.zip`-like keys: `/`-separated, non-empty segments, no
/// segment starting with `.` (so no `.`, `..` or hidden names; the stores
/// keep their own temp files and digests under dot names), no backslash, no
/// control characters (NUL included), at most 1024 bytes.
pub fn validate_key(key: &str) -> Result<()> {
    let refuse = |reason| {
        Err(BlobError::InvalidKey {
            key: key.chars().take(200).collect(),
            reason,
        })
    };
    if key.is_empty() {
        return refuse("it is empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return refuse("it is longer than 1024 bytes");
    }
    if key.starts_with('/') {
        return refuse("it must be relative (no leading /)");
    }
    if key.chars().any(char::is_control) {
        return refuse("it contains a control character");
    }
    if key.contains('\\') {
        return refuse("it contains a backslash; separate folders with /");
    }
    for segment in key.split('/') {
        if segment.is_empty() {
            return refuse("it has an empty segment (// or a trailing /)");
        }
        if segment.starts_with('.') {
            return refuse("a segment starts with '.' (no ., .. or hidden names)");
        }
        if segment.len() > MAX_SEGMENT_BYTES {
            return refuse("a segment is longer than 255 bytes");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_keys_are_accepted() {
        for key in [
            "a",
            "builds/b_1/My Game (v1.2).zip",
            "runs/r/recording.mp4",
            "ü/ß",
        ] {
            validate_key(key).unwrap_or_else(|err| panic!("{key}: {err}"));
        }
    }

    #[test]
    fn keys_that_could_leave_the_root_are_refused() {
        for key in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            "a\\..\\b",
            "a\0b",
            "a\nb",
            ".hidden",
            "a/.tmp-1",
        ] {
            assert!(
                matches!(validate_key(key), Err(BlobError::InvalidKey { .. })),
                "{key:?} was accepted"
            );
        }
    }

    #[test]
    fn overlong_keys_are_refused() {
        assert!(validate_key(&"a".repeat(256)).is_err());
        assert!(validate_key(&["a"; 600].join("/")).is_err());
    }
}
