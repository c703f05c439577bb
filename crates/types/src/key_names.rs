//! The names actions give keys (`{"key": "ArrowUp"}`): the DOM's
//! `KeyboardEvent.key` values, on every platform, with a few common
//! aliases. Each driver maps a canonical name to its platform's key; this
//! module is the one place that says which spellings mean the same key.

/// Other spellings people write, lower-case, and the DOM name they mean.
const ALIASES: &[(&str, &str)] = &[
    ("space", " "),
    ("spacebar", " "),
    ("esc", "Escape"),
    ("return", "Enter"),
    ("up", "ArrowUp"),
    ("down", "ArrowDown"),
    ("left", "ArrowLeft"),
    ("right", "ArrowRight"),
    ("ctrl", "Control"),
    ("del", "Delete"),
    ("cmd", "Meta"),
    ("command", "Meta"),
    ("super", "Meta"),
    ("option", "Alt"),
];

/// The DOM name a key name means: an alias's (in any case), else the name
/// as given. A single character is always itself.
pub fn canonical_key_name(name: &str) -> &str {
    let mut chars = name.chars();
    if let (Some(_), None) = (chars.next(), chars.next()) {
        return name;
    }
    let lower = name.to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower)
        .map(|(_, canonical)| *canonical)
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_name_dom_keys_in_any_case() {
        assert_eq!(canonical_key_name("Space"), " ");
        assert_eq!(canonical_key_name("ESC"), "Escape");
        assert_eq!(canonical_key_name("up"), "ArrowUp");
    }

    #[test]
    fn dom_names_and_single_characters_stay_as_they_are() {
        assert_eq!(canonical_key_name("ArrowUp"), "ArrowUp");
        assert_eq!(canonical_key_name("A"), "A");
        assert_eq!(canonical_key_name("Hyper"), "Hyper");
    }
}
