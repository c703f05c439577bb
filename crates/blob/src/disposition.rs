//! The `Content-Disposition` a download URL asks for, so browsers save a
//! build under its file name: an ASCII fallback and the exact UTF-8 name
//! (RFC 6266 / RFC 5987), built so no name can break out of the header.

pub(crate) fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_cannot_break_out_of_the_header() {
        let value = attachment("a\"b\r\nX: y/ü.zip");
        assert!(axum::http::HeaderValue::from_str(&value).is_ok());
        assert!(
            value.starts_with("attachment; filename=\"a_b__X: y/_.zip\""),
            "{value}"
        );
        assert!(
            value.ends_with("filename*=UTF-8''a%22b%0D%0AX%3A%20y%2F%C3%BC.zip"),
            "{value}"
        );
    }
}
