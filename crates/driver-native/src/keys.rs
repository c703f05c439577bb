//! Key names as actions give them (the DOM's `KeyboardEvent.key`, see
//! [`playtest_types::canonical_key_name`]) turned into X keysyms, the
//! symbols an X server's keyboard map translates to keycodes.

/// Named keys: (DOM name, keysym).
const NAMED: &[(&str, u32)] = &[
    ("ArrowUp", 0xff52),
    ("ArrowDown", 0xff54),
    ("ArrowLeft", 0xff51),
    ("ArrowRight", 0xff53),
    ("Enter", 0xff0d),
    ("Escape", 0xff1b),
    ("Tab", 0xff09),
    ("Backspace", 0xff08),
    ("Delete", 0xffff),
    ("Insert", 0xff63),
    ("Home", 0xff50),
    ("End", 0xff57),
    ("PageUp", 0xff55),
    ("PageDown", 0xff56),
    ("Shift", 0xffe1),
    ("Control", 0xffe3),
    ("Alt", 0xffe9),
    ("Meta", 0xffeb),
    ("CapsLock", 0xffe5),
    ("Pause", 0xff13),
    ("ContextMenu", 0xff67),
    ("PrintScreen", 0xff61),
    ("NumLock", 0xff7f),
];

/// Keysym of the F1 key; F2..F12 follow it.
const F1: u32 = 0xffbe;

/// The keysym of a key name, `None` for a name no key has.
pub(crate) fn keysym(name: &str) -> Option<u32> {
    let name = playtest_types::canonical_key_name(name);
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(char_keysym(c));
    }
    if let Some((_, sym)) = NAMED.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)) {
        return Some(*sym);
    }
    let function = name.strip_prefix('F').or_else(|| name.strip_prefix('f'))?;
    match function.parse::<u32>() {
        Ok(n @ 1..=12) => Some(F1 + n - 1),
        _ => None,
    }
}

/// The keysym that types `c`: Latin-1 characters are their own code, any
/// other is its code point in the Unicode keysym range. A newline is Enter.
pub(crate) fn char_keysym(c: char) -> u32 {
    match c {
        '\n' | '\r' => 0xff0d,
        '\t' => 0xff09,
        ' '..='~' | '\u{a0}'..='\u{ff}' => c as u32,
        other => 0x0100_0000 + other as u32,
    }
}

/// Whether a keysym is one of the modifier keys (held, not typed).
pub(crate) fn is_modifier(sym: u32) -> bool {
    (0xffe1..=0xffee).contains(&sym)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_letters_and_named_keys_have_keysyms() {
        assert_eq!(keysym("ArrowUp"), Some(0xff52));
        assert_eq!(keysym("a"), Some(0x61));
        assert_eq!(keysym("A"), Some(0x41));
        assert_eq!(keysym("Enter"), Some(0xff0d));
        assert_eq!(keysym("F12"), Some(0xffc9));
        assert_eq!(keysym(" "), Some(0x20));
    }

    #[test]
    fn the_web_drivers_aliases_name_the_same_keys() {
        assert_eq!(keysym("Space"), keysym(" "));
        assert_eq!(keysym("esc"), keysym("Escape"));
        assert_eq!(keysym("up"), keysym("ArrowUp"));
    }

    #[test]
    fn unknown_key_names_are_refused() {
        assert_eq!(keysym("Hyper"), None);
        assert_eq!(keysym("F13"), None);
        assert_eq!(keysym(""), None);
    }

    #[test]
    fn characters_beyond_latin1_use_unicode_keysyms() {
        assert_eq!(char_keysym('é'), 0xe9);
        assert_eq!(char_keysym('€'), 0x0100_20ac);
    }
}
