//! What a test asset upload must be: a plain name, and the bytes of a PNG
//! or JPEG image (by their first bytes, whatever the header claims) of at
//! most [`MAX_ASSET_BYTES`].

use super::Checked;
use crate::ApiError;

/// The largest asset accepted, in bytes (10 MiB).
pub const MAX_ASSET_BYTES: usize = 10 * 1024 * 1024;
const MAX_ASSET_NAME_CHARS: usize = 100;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";

/// The image types an asset may be, by `Content-Type`.
pub const ASSET_TYPES: [&str; 2] = ["image/png", "image/jpeg"];

/// 1 to 100 of `A-Z a-z 0-9 . _ -`, not starting with a dot (so never `.`
/// or `..`): the name is part of the asset's storage key.
pub fn asset_name(field: &str, name: &str) -> Checked {
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if name.is_empty() || name.len() > MAX_ASSET_NAME_CHARS || !chars_ok || name.starts_with('.') {
        return Err(ApiError::validation(
            field,
            format!(
                "{field} must be 1 to {MAX_ASSET_NAME_CHARS} of A-Z, a-z, 0-9, '.', '_' and '-', \
                 not starting with '.', like menu.png"
            ),
        ));
    }
    Ok(())
}

/// The asset type a `Content-Type` header names (parameters ignored), if
/// it is one of [`ASSET_TYPES`].
pub fn asset_type(content_type: Option<&str>) -> Result<&'static str, ApiError> {
    let given = content_type
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    ASSET_TYPES
        .into_iter()
        .find(|t| given.as_deref() == Some(*t))
        .ok_or(ApiError::UnsupportedMediaType("image/png or image/jpeg"))
}

/// The body must be an image of the type it is sent as.
pub fn asset_bytes(content_type: &str, bytes: &[u8]) -> Checked {
    if bytes.len() > MAX_ASSET_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "An asset may be at most {MAX_ASSET_BYTES} bytes (10 MiB); this one is {}",
            bytes.len()
        )));
    }
    let (magic, what) = if content_type == "image/png" {
        (PNG_MAGIC, "a PNG image")
    } else {
        (JPEG_MAGIC, "a JPEG image")
    };
    if !bytes.starts_with(magic) {
        return Err(ApiError::validation(
            "body",
            format!(
                "body must be {what}, as its Content-Type {content_type} says: its first bytes are not"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_accepted_and_others_refused() {
        for ok in ["menu.png", "a", "Board_2-final.JPG", &"x".repeat(100)] {
            assert!(asset_name("name", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a b",
            "é.png",
            &"x".repeat(101),
        ] {
            assert!(asset_name("name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_content_type_must_name_an_image_type() {
        assert_eq!(asset_type(Some("image/png")).unwrap(), "image/png");
        assert_eq!(asset_type(Some("Image/JPEG; q=1")).unwrap(), "image/jpeg");
        assert!(asset_type(Some("application/octet-stream")).is_err());
        assert!(asset_type(None).is_err());
    }

    #[test]
    fn the_bytes_must_start_as_the_type_says() {
        let png = [PNG_MAGIC, b"rest"].concat();
        let jpeg = [JPEG_MAGIC, b"rest"].concat();
        assert!(asset_bytes("image/png", &png).is_ok());
        assert!(asset_bytes("image/jpeg", &jpeg).is_ok());
        assert!(asset_bytes("image/png", &jpeg).is_err());
        assert!(asset_bytes("image/jpeg", b"GIF89a").is_err());
        assert!(asset_bytes("image/png", b"").is_err());
    }
}
