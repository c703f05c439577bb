//! When a text counts as shown: what `text_visible` checks compare, the
//! same whether the text came from a document or from OCR.
//!
//! A substring search after normalising both sides: letters compared
//! without case (Unicode lowercase) and every run of whitespace, line
//! breaks included, as one space. So `game   OVER` is seen in
//! `Game\nover!`, a phrase wrapped over two lines is still one phrase, and
//! `over` is seen in `Game over!` too (it is a substring, not a word
//! search). Spelling and punctuation count: `Game over!` is not seen in
//! `Game over`, nor in OCR's `Game 0ver`.

/// How long an excerpt of the screen's text a report quotes.
const EXCERPT_CHARS: usize = 200;

/// The text lowercased, its whitespace runs made one space, trimmed.
pub fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `screen` shows `wanted`. A wanted text of only whitespace is
/// shown by any screen (the API refuses it).
pub fn shows(screen: &str, wanted: &str) -> bool {
    normalise(screen).contains(&normalise(wanted))
}

/// The screen's text for a report: normalised (its case kept), cut after
/// [`EXCERPT_CHARS`] characters with an ellipsis.
pub fn excerpt(screen: &str) -> String {
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_whitespace_do_not_matter() {
        assert!(shows("SCORE 0\nGame\n   over!", "game   OVER"));
        assert!(shows("Game over!", "  Game over "));
        assert!(shows("Ärger ÜBER alles", "ärger über"));
    }

    #[test]
    fn a_substring_is_shown_but_other_spelling_or_punctuation_is_not() {
        assert!(shows("Game over!", "over"));
        assert!(!shows("Game over", "Game over!"));
        assert!(!shows("Game 0ver", "Game over"));
        assert!(!shows("Gameover", "Game over"));
    }

    #[test]
    fn nothing_shown_holds_no_text() {
        assert!(!shows("", "Game over"));
        assert!(!shows(" \n\t", "a"));
    }

    #[test]
    fn an_excerpt_flattens_the_text_and_cuts_long_ones() {
        assert_eq!(excerpt(" New Game\n\nSCORE  0 "), "New Game SCORE 0");
        let long = "é".repeat(EXCERPT_CHARS + 5);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            excerpt(&"a".repeat(EXCERPT_CHARS)),
            "a".repeat(EXCERPT_CHARS)
        );
    }
}
