//! What the driver installs in every document before the game runs, and the
//! small scripts it evaluates later to read what the hooks gathered.
//!
//! The hooks themselves are in `hooks.js` (see its header). Randomness is
//! seeded and the wall clock starts at the same instant in every document;
//! its pace is left real: Chromium's virtual time
//! (`Emulation.setVirtualTimePolicy`) stalls or races with `--headless=new`
//! and with pages that load resources, and a game that reads the clock
//! still repeats when its inputs and randomness repeat at the same pace,
//! which is what an agent replays.

use serde::Deserialize;

const HOOKS: &str = include_str!("hooks.js");

/// The hooks script for a run's seed.
pub(crate) fn init_script(seed: u64) -> String {
    let words = seed_words(seed);
    let words = words.map(|w| w.to_string()).join(", ");
    HOOKS.replace("__PLAYTEST_SEED__", &format!("[{words}]"))
}

/// Eight 32-bit words from a 64-bit seed (splitmix64), so that nearby seeds
/// give unrelated generators and no word is zero by accident of the seed.
fn seed_words(seed: u64) -> [u32; 8] {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut words = [0u32; 8];
    for pair in words.chunks_mut(2) {
        let value = next();
        pair[0] = value as u32;
        pair[1] = (value >> 32) as u32;
    }
    words
}

/// Drains the frame counters and computes the DOM digest.
pub(crate) const DRAIN: &str = "globalThis.__playtest__ ? globalThis.__playtest__.drain() : null";

/// What [`DRAIN`] returns.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Drained {
    pub(crate) frames: u64,
    pub(crate) intervals: Vec<f32>,
    pub(crate) digest: String,
}

impl Drained {
    pub(crate) fn digest(&self) -> Option<u64> {
        u64::from_str_radix(&self.digest, 16).ok()
    }
}

/// At most this many clickable regions are reported.
pub(crate) const MAX_REGIONS: usize = 64;

pub(crate) fn affordances_script() -> String {
    format!(
        "globalThis.__playtest__ ? globalThis.__playtest__.affordances({MAX_REGIONS}) : {{ keys: false, regions: [] }}"
    )
}

/// What [`affordances_script`] returns.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Found {
    pub(crate) keys: bool,
    pub(crate) regions: Vec<[i32; 4]>,
}

/// The keys reported when the game listens for key events (which keys its
/// handlers compare is not known): arrows, WASD, Space, Enter, Escape.
pub(crate) const DEFAULT_KEYS: [&str; 11] = [
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "w",
    "a",
    "s",
    "d",
    " ",
    "Enter",
    "Escape",
];

/// Scrolls the first element matching `selector` into view and returns
/// `[x, y, width, height]` of its centre and size, or null.
pub(crate) fn locate_script(selector: &str) -> String {
    let selector = serde_json::Value::from(selector);
    format!(
        "((s) => {{ const e = document.querySelector(s); if (!e) return null; \
         e.scrollIntoView({{ block: 'center', inline: 'center', behavior: 'instant' }}); \
         const r = e.getBoundingClientRect(); \
         return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]; }})({selector})"
    )
}

/// The `innerText` of the first element matching `selector`, or null.
pub(crate) fn text_script(selector: &str) -> String {
    let selector = serde_json::Value::from(selector);
    format!(
        "((s) => {{ const e = document.querySelector(s); return e ? e.innerText : null; }})({selector})"
    )
}

/// The document's rendered text (`innerText` of its body: what is shown,
/// with hidden elements left out and line breaks where the page breaks
/// lines); empty while there is no body.
pub(crate) const VISIBLE_TEXT_SCRIPT: &str = "document.body ? document.body.innerText : ''";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_spliced_into_the_hooks() {
        let script = init_script(42);
        assert!(!script.contains("__PLAYTEST_SEED__"));
        assert!(script.contains(&format!("[{}", seed_words(42)[0])));
    }

    #[test]
    fn different_seeds_give_different_words() {
        assert_ne!(seed_words(1), seed_words(2));
        assert_eq!(seed_words(7), seed_words(7));
    }

    #[test]
    fn selectors_are_quoted_as_javascript_strings() {
        let script = text_script("a[title=\"x\"]'");
        assert!(script.contains(r#"("a[title=\"x\"]'")"#));
    }
}
