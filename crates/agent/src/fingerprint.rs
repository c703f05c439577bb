//! Fingerprints: what makes two sightings "the same bug".
//!
//! A fingerprint must be equal for the same cause across runs and builds,
//! so everything that varies from one sighting to the next is removed
//! before hashing: numbers (counts, ids, line and column numbers, ports),
//! hexadecimal ids and hashes, quoted values, and the query strings and
//! fragments of URLs. A stack contributes the function and file names of its
//! top frames, never their positions. The hash is xxh3, stable across
//! platforms and releases, written as `kind:<16 hex digits>`.

use xxhash_rust::xxh3::xxh3_64;

/// How many stack frames, from the top, make up an exception's identity.
pub const STACK_FRAMES_IN_FINGERPRINT: usize = 3;

/// `kind:<hash of the parts>`.
pub fn fingerprint(kind: &str, parts: &[&str]) -> String {
    let joined = parts.join("\u{1f}");
    format!("{kind}:{:016x}", xxh3_64(joined.as_bytes()))
}

/// A message with everything that varies between sightings masked.
pub fn normalize_message(text: &str) -> String {
    let urls = strip_url_noise(text);
    let quoted = mask_quoted(&urls);
    let masked = mask_ids_and_numbers(&quoted);
    masked.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The top frames of a JavaScript stack (V8's `at f (url:1:2)` or
/// Firefox's `f@url:1:2`) as `function@file`, without positions.
pub fn stack_signature(stack: &str, frames: usize) -> Vec<String> {
    stack
        .lines()
        .filter_map(parse_frame)
        .take(frames)
        .map(|(function, file)| format!("{function}@{file}"))
        .collect()
}

fn parse_frame(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("at ") {
        let rest = rest.trim_start_matches("async ").trim_start_matches("new ");
        return Some(match (rest.find(" ("), rest.ends_with(')')) {
            (Some(open), true) => (
                rest[..open].trim().to_string(),
                file_name(&rest[open + 2..rest.len() - 1]),
            ),
            _ => ("<anonymous>".to_string(), file_name(rest)),
        });
    }
    let at = line.find('@')?;
    let location = &line[at + 1..];
    if !location.contains(':') {
        return None;
    }
    let function = if at == 0 { "<anonymous>" } else { &line[..at] };
    Some((function.to_string(), file_name(location)))
}

/// The last path segment of a location, without query, line or column.
fn file_name(location: &str) -> String {
    let without_query = location.split(['?', '#']).next().unwrap_or("");
    let without_position = strip_position(without_query);
    without_position
        .rsplit('/')
        .next()
        .unwrap_or(without_position)
        .to_string()
}

/// Removes a trailing `:line` or `:line:column`.
fn strip_position(location: &str) -> &str {
    let mut rest = location;
    for _ in 0..2 {
        match rest.rfind(':') {
            Some(colon)
                if colon + 1 < rest.len()
                    && rest[colon + 1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                rest = &rest[..colon];
            }
            _ => break,
        }
    }
    rest
}

fn is_url_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '(' | ')' | '<' | '>' | ','))
}

/// Keeps `scheme://host/path` of every URL and drops its query, fragment
/// and `:line:column` suffix.
fn strip_url_noise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("://") {
        let scheme_start = rest[..found]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(0, |i| i + 1);
        let end = rest[found + 3..]
            .find(|c: char| !is_url_char(c))
            .map_or(rest.len(), |i| found + 3 + i);
        out.push_str(&rest[..scheme_start]);
        let url = &rest[scheme_start..end];
        let without_query = url.split(['?', '#']).next().unwrap_or(url);
        out.push_str(strip_position(without_query));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Replaces '…', "…" and `…` with an empty pair of the same quotes.
fn mask_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let quote = matches!(c, '"' | '`')
            || (c == '\''
                && text[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|before| !before.is_alphanumeric()));
        if quote && let Some(close) = text[i + c.len_utf8()..].find(c) {
            out.push(c);
            out.push(c);
            let end = i + c.len_utf8() + close;
            while chars.peek().is_some_and(|(j, _)| *j <= end) {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Replaces numbers, `0x…` and long hexadecimal or uuid-like ids with `#`.
fn mask_ids_and_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if starts_word && (c.is_ascii_hexdigit() || c == b'-') {
            let run = bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit() || **b == b'-')
                .count();
            let token = &text[i..i + run];
            let ends_word = bytes
                .get(i + run)
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if ends_word && run >= 8 && token.bytes().any(|b| b.is_ascii_digit()) {
                out.push('#');
                i += run;
                continue;
            }
        }
        if c == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
            let run = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if run > 0 {
                out.push('#');
                i += 2 + run;
                continue;
            }
        }
        if c.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
            {
                i += 1;
            }
            out.push('#');
            continue;
        }
        let len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + len]);
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_quotes_ids_and_query_strings_do_not_change_a_normalised_message() {
        let a = "TypeError: cannot read 'hp' of undefined (entity 1234) at http://127.0.0.1:8080/game.js?v=9:12:5 id 3f2a9c1b77";
        let b = "TypeError: cannot read 'mana' of undefined (entity 7) at http://127.0.0.1:9999/game.js?v=10:80:1 id 0b1c2d3e4f5a";
        assert_eq!(normalize_message(a), normalize_message(b));
        assert_eq!(
            normalize_message(a),
            "TypeError: cannot read '' of undefined (entity #) at http://#:#/game.js id #"
        );
    }

    #[test]
    fn different_messages_stay_different() {
        assert_ne!(
            normalize_message("ReferenceError: player is not defined"),
            normalize_message("ReferenceError: enemy is not defined")
        );
    }

    #[test]
    fn apostrophes_inside_words_are_not_quotes() {
        assert_eq!(
            normalize_message("can't find it, won't 3"),
            "can't find it, won't #"
        );
    }

    #[test]
    fn a_v8_stack_gives_function_and_file_names_without_positions() {
        let stack = "TypeError: x\n    at updateEnemy (http://h/js/game.js?v=3:45:12)\n    at async tick (http://h/js/game.js:88:3)\n    at http://h/main.js:10:5\n    at more (x.js:1:1)";
        assert_eq!(
            stack_signature(stack, 3),
            vec!["updateEnemy@game.js", "tick@game.js", "<anonymous>@main.js"]
        );
    }

    #[test]
    fn a_firefox_stack_gives_function_and_file_names_without_positions() {
        let stack = "updateEnemy@http://h/game.js:45:12\n@http://h/main.js:10:5";
        assert_eq!(
            stack_signature(stack, 3),
            vec!["updateEnemy@game.js", "<anonymous>@main.js"]
        );
    }

    #[test]
    fn fingerprints_are_stable_hex_with_their_kind() {
        let print = fingerprint("exception", &["a", "b"]);
        assert_eq!(print, fingerprint("exception", &["a", "b"]));
        assert_ne!(print, fingerprint("exception", &["ab"]));
        assert!(print.starts_with("exception:") && print.len() == "exception:".len() + 16);
    }
}
