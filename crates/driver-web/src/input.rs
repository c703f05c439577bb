//! Delivers inputs as a person's would arrive: DevTools `Input` events with
//! the `key`, `code` and `keyCode` a US keyboard gives, mouse moves before
//! presses, drags in steps a frame apart, touches.

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::SetTouchEmulationEnabledParams;
use chromiumoxide::cdp::browser_protocol::input::{
    DispatchKeyEventParams, DispatchKeyEventType, DispatchMouseEventParams, DispatchMouseEventType,
    DispatchTouchEventParams, DispatchTouchEventType, MouseButton, TouchPoint,
};
use chromiumoxide::types::MethodId;
use chromiumoxide::{Command, Method, Page};
use serde::Serialize;

use crate::WebDriverError;
use crate::guard::Guard;

/// A key as DevTools wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// `KeyboardEvent.key`.
    pub(crate) key: String,
    /// `KeyboardEvent.code`; empty when no US key types it.
    pub(crate) code: &'static str,
    /// `KeyboardEvent.keyCode`.
    pub(crate) key_code: i64,
    /// What the key types, if anything.
    pub(crate) text: Option<String>,
    /// 1 for the left one of a pair (Shift, Control...), else 0.
    pub(crate) location: i64,
}

/// Named keys: (name, code, keyCode, text).
const NAMED: &[(&str, &str, i64, Option<&str>)] = &[
    ("ArrowUp", "ArrowUp", 38, None),
    ("ArrowDown", "ArrowDown", 40, None),
    ("ArrowLeft", "ArrowLeft", 37, None),
    ("ArrowRight", "ArrowRight", 39, None),
    ("Enter", "Enter", 13, Some("\r")),
    ("Escape", "Escape", 27, None),
    (" ", "Space", 32, Some(" ")),
    ("Tab", "Tab", 9, None),
    ("Backspace", "Backspace", 8, None),
    ("Delete", "Delete", 46, None),
    ("Insert", "Insert", 45, None),
    ("Home", "Home", 36, None),
    ("End", "End", 35, None),
    ("PageUp", "PageUp", 33, None),
    ("PageDown", "PageDown", 34, None),
    ("Shift", "ShiftLeft", 16, None),
    ("Control", "ControlLeft", 17, None),
    ("Alt", "AltLeft", 18, None),
    ("Meta", "MetaLeft", 91, None),
    ("CapsLock", "CapsLock", 20, None),
    ("Pause", "Pause", 19, None),
    ("ContextMenu", "ContextMenu", 93, None),
    ("F1", "F1", 112, None),
    ("F2", "F2", 113, None),
    ("F3", "F3", 114, None),
    ("F4", "F4", 115, None),
    ("F5", "F5", 116, None),
    ("F6", "F6", 117, None),
    ("F7", "F7", 118, None),
    ("F8", "F8", 119, None),
    ("F9", "F9", 120, None),
    ("F10", "F10", 121, None),
    ("F11", "F11", 122, None),
    ("F12", "F12", 123, None),
];

/// US-layout punctuation: (char, code, keyCode); shifted ones share the
/// unshifted key's code.
const PUNCTUATION: &[(char, &str, i64)] = &[
    ('-', "Minus", 189),
    ('_', "Minus", 189),
    ('=', "Equal", 187),
    ('+', "Equal", 187),
    ('[', "BracketLeft", 219),
    ('{', "BracketLeft", 219),
    (']', "BracketRight", 221),
    ('}', "BracketRight", 221),
    ('\\', "Backslash", 220),
    ('|', "Backslash", 220),
    (';', "Semicolon", 186),
    (':', "Semicolon", 186),
    ('\'', "Quote", 222),
    ('"', "Quote", 222),
    (',', "Comma", 188),
    ('<', "Comma", 188),
    ('.', "Period", 190),
    ('>', "Period", 190),
    ('/', "Slash", 191),
    ('?', "Slash", 191),
    ('`', "Backquote", 192),
    ('~', "Backquote", 192),
    ('!', "Digit1", 49),
    ('@', "Digit2", 50),
    ('#', "Digit3", 51),
    ('$', "Digit4", 52),
    ('%', "Digit5", 53),
    ('^', "Digit6", 54),
    ('&', "Digit7", 55),
    ('*', "Digit8", 56),
    ('(', "Digit9", 57),
    (')', "Digit0", 48),
];

const LETTER_CODES: [&str; 26] = [
    "KeyA", "KeyB", "KeyC", "KeyD", "KeyE", "KeyF", "KeyG", "KeyH", "KeyI", "KeyJ", "KeyK", "KeyL",
    "KeyM", "KeyN", "KeyO", "KeyP", "KeyQ", "KeyR", "KeyS", "KeyT", "KeyU", "KeyV", "KeyW", "KeyX",
    "KeyY", "KeyZ",
];
const DIGIT_CODES: [&str; 10] = [
    "Digit0", "Digit1", "Digit2", "Digit3", "Digit4", "Digit5", "Digit6", "Digit7", "Digit8",
    "Digit9",
];

/// The key a DOM key name (`ArrowUp`, `a`, `Enter`, `Space`...) names.
pub(crate) fn key(name: &str) -> Option<Key> {
    let name = playtest_types::canonical_key_name(name);
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(char_key(c));
    }
    named(name)
}

/// A key of the [`NAMED`] table, by its name in any case.
fn named(name: &str) -> Option<Key> {
    let (key, code, key_code, text) = NAMED
        .iter()
        .find(|(key, ..)| key.eq_ignore_ascii_case(name))?;
    Some(Key {
        key: (*key).to_owned(),
        code,
        key_code: *key_code,
        text: text.map(str::to_owned),
        location: i64::from(matches!(*key, "Shift" | "Control" | "Alt" | "Meta")),
    })
}

/// The key that types `c`.
pub(crate) fn char_key(c: char) -> Key {
    if c == ' ' {
        return named(" ").expect("space is a named key");
    }
    if c == '\n' || c == '\r' {
        return named("Enter").expect("Enter is a named key");
    }
    let (code, key_code) = if c.is_ascii_alphabetic() {
        let index = (c.to_ascii_uppercase() as u8 - b'A') as usize;
        (LETTER_CODES[index], c.to_ascii_uppercase() as i64)
    } else if c.is_ascii_digit() {
        (DIGIT_CODES[(c as u8 - b'0') as usize], c as i64)
    } else if let Some((_, code, key_code)) = PUNCTUATION.iter().find(|(p, ..)| *p == c) {
        (*code, *key_code)
    } else {
        ("", 0)
    };
    Key {
        key: c.to_string(),
        code,
        key_code,
        text: Some(c.to_string()),
        location: 0,
    }
}

/// DevTools modifier bits.
const ALT: i64 = 1;
const CONTROL: i64 = 2;
const META: i64 = 4;
const SHIFT: i64 = 8;

fn modifier_bit(key: &str) -> i64 {
    match key {
        "Alt" => ALT,
        "Control" => CONTROL,
        "Meta" => META,
        "Shift" => SHIFT,
        _ => 0,
    }
}

/// Keys held and whether touch is on: input state that outlives one action.
#[derive(Debug, Default)]
pub(crate) struct InputState {
    modifiers: i64,
    touch_enabled: bool,
}

impl InputState {
    /// After a restart the page has a fresh document; held keys are
    /// released as far as it knows.
    pub(crate) fn reset(&mut self) {
        self.modifiers = 0;
    }

    pub(crate) fn touch_enabled(&self) -> bool {
        self.touch_enabled
    }
}

pub(crate) async fn key_down(
    page: &Page,
    guard: &Guard,
    state: &mut InputState,
    key: &Key,
) -> Result<(), WebDriverError> {
    state.modifiers |= modifier_bit(&key.key);
    let kind = if key.text.is_some() {
        DispatchKeyEventType::KeyDown
    } else {
        DispatchKeyEventType::RawKeyDown
    };
    send_key(page, guard, state.modifiers, key, kind).await
}

pub(crate) async fn key_up(
    page: &Page,
    guard: &Guard,
    state: &mut InputState,
    key: &Key,
) -> Result<(), WebDriverError> {
    state.modifiers &= !modifier_bit(&key.key);
    send_key(
        page,
        guard,
        state.modifiers,
        key,
        DispatchKeyEventType::KeyUp,
    )
    .await
}

async fn send_key(
    page: &Page,
    guard: &Guard,
    modifiers: i64,
    key: &Key,
    kind: DispatchKeyEventType,
) -> Result<(), WebDriverError> {
    let mut params = DispatchKeyEventParams::new(kind.clone());
    params.modifiers = Some(modifiers);
    params.key = Some(key.key.clone());
    params.code = (!key.code.is_empty()).then(|| key.code.to_owned());
    params.windows_virtual_key_code = Some(key.key_code);
    params.native_virtual_key_code = Some(key.key_code);
    params.location = Some(key.location);
    if kind == DispatchKeyEventType::KeyDown {
        params.text = key.text.clone();
        params.unmodified_text = key.text.clone();
    }
    guard.run(page.execute(params)).await?;
    Ok(())
}

pub(crate) async fn click(
    page: &Page,
    guard: &Guard,
    state: &InputState,
    [x, y]: [f64; 2],
) -> Result<(), WebDriverError> {
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MouseMoved,
        [x, y],
        0,
    )
    .await?;
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MousePressed,
        [x, y],
        1,
    )
    .await?;
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MouseReleased,
        [x, y],
        0,
    )
    .await
}

/// Steps of a drag between press and release, one frame apart, so a game
/// that samples the pointer each frame sees it move.
const DRAG_STEPS: u32 = 8;
const DRAG_STEP_PAUSE: Duration = Duration::from_millis(16);

pub(crate) async fn drag(
    page: &Page,
    guard: &Guard,
    state: &InputState,
    from: [f64; 2],
    to: [f64; 2],
) -> Result<(), WebDriverError> {
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MouseMoved,
        from,
        0,
    )
    .await?;
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MousePressed,
        from,
        1,
    )
    .await?;
    for step in 1..=DRAG_STEPS {
        tokio::time::sleep(DRAG_STEP_PAUSE).await;
        let t = f64::from(step) / f64::from(DRAG_STEPS);
        let at = [
            from[0] + (to[0] - from[0]) * t,
            from[1] + (to[1] - from[1]) * t,
        ];
        mouse(
            page,
            guard,
            state,
            DispatchMouseEventType::MouseMoved,
            at,
            1,
        )
        .await?;
    }
    mouse(
        page,
        guard,
        state,
        DispatchMouseEventType::MouseReleased,
        to,
        0,
    )
    .await
}

async fn mouse(
    page: &Page,
    guard: &Guard,
    state: &InputState,
    kind: DispatchMouseEventType,
    [x, y]: [f64; 2],
    buttons: i64,
) -> Result<(), WebDriverError> {
    let mut params = DispatchMouseEventParams::new(kind.clone(), x, y);
    params.modifiers = Some(state.modifiers);
    params.buttons = Some(buttons);
    if kind != DispatchMouseEventType::MouseMoved {
        params.button = Some(MouseButton::Left);
        params.click_count = Some(1);
    } else if buttons != 0 {
        params.button = Some(MouseButton::Left);
    }
    guard.run(page.execute(params)).await?;
    Ok(())
}

/// Turns touch on for the page (once): pages only get touch events when
/// the browser says it has a touch screen.
pub(crate) async fn enable_touch(page: &Page, guard: &Guard) -> Result<(), WebDriverError> {
    let mut params = SetTouchEmulationEnabledParams::new(true);
    params.max_touch_points = Some(1);
    guard.run(page.execute(params)).await?;
    Ok(())
}

pub(crate) async fn tap(
    page: &Page,
    guard: &Guard,
    state: &mut InputState,
    [x, y]: [f64; 2],
) -> Result<(), WebDriverError> {
    if !state.touch_enabled {
        enable_touch(page, guard).await?;
        state.touch_enabled = true;
    }
    let point = TouchPoint::new(x, y);
    let mut start = DispatchTouchEventParams::new(DispatchTouchEventType::TouchStart, vec![point]);
    start.modifiers = Some(state.modifiers);
    guard.run(page.execute(start)).await?;
    let end = TouchEnd {
        r#type: "touchEnd",
        touch_points: Vec::new(),
        modifiers: state.modifiers,
    };
    guard.run(page.execute(end)).await?;
    Ok(())
}

/// `Input.dispatchTouchEvent` ending a touch. Chromium wants an empty
/// `touchPoints` there, which chromiumoxide's own type leaves out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TouchEnd {
    r#type: &'static str,
    touch_points: Vec<TouchPoint>,
    modifiers: i64,
}

impl Method for TouchEnd {
    fn identifier(&self) -> MethodId {
        DispatchTouchEventParams::IDENTIFIER.into()
    }
}

impl Command for TouchEnd {
    type Response = serde_json::Value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_letters_digits_and_named_keys_have_codes() {
        let up = key("ArrowUp").unwrap();
        assert_eq!((up.code, up.key_code, up.text), ("ArrowUp", 38, None));
        let a = key("a").unwrap();
        assert_eq!(
            (a.code, a.key_code, a.text.as_deref()),
            ("KeyA", 65, Some("a"))
        );
        let big_a = key("A").unwrap();
        assert_eq!(
            (big_a.key.as_str(), big_a.code, big_a.key_code),
            ("A", "KeyA", 65)
        );
        let seven = key("7").unwrap();
        assert_eq!((seven.code, seven.key_code), ("Digit7", 55));
        let enter = key("Enter").unwrap();
        assert_eq!((enter.key_code, enter.text.as_deref()), (13, Some("\r")));
        assert_eq!(key("Escape").unwrap().key_code, 27);
        assert_eq!(key("Tab").unwrap().key_code, 9);
        assert_eq!(key("Backspace").unwrap().key_code, 8);
        let shift = key("Shift").unwrap();
        assert_eq!(
            (shift.code, shift.key_code, shift.location),
            ("ShiftLeft", 16, 1)
        );
    }

    #[test]
    fn common_aliases_name_the_same_keys() {
        assert_eq!(key("Space"), key(" "));
        assert_eq!(key("space").unwrap().code, "Space");
        assert_eq!(key("Esc"), key("Escape"));
        assert_eq!(key("up"), key("ArrowUp"));
        assert_eq!(key("arrowleft"), key("ArrowLeft"));
    }

    #[test]
    fn unknown_key_names_are_refused() {
        assert_eq!(key("Hyper"), None);
        assert_eq!(key(""), None);
    }

    #[test]
    fn any_character_can_be_typed() {
        let e = char_key('é');
        assert_eq!(
            (e.key.as_str(), e.code, e.text.as_deref()),
            ("é", "", Some("é"))
        );
        assert_eq!(char_key('?').code, "Slash");
        assert_eq!(char_key('\n').key, "Enter");
    }
}
