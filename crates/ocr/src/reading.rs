//! What was read: the words with where they are, and the text they make.
//!
//! The words of every pass are kept, with their boxes in the picture's own
//! pixels (before enlarging), so an agent that points at text can click it;
//! a word a later pass read again at the same place is kept once.

/// A rectangle in the picture's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Bounds {
    fn contains(&self, [x, y]: [u32; 2]) -> bool {
        (self.x..self.x + self.width).contains(&x) && (self.y..self.y + self.height).contains(&y)
    }

    fn center(&self) -> [u32; 2] {
        [self.x + self.width / 2, self.y + self.height / 2]
    }
}

/// One word tesseract read.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    /// tesseract's confidence, 0 to 100.
    pub confidence: f32,
    pub bounds: Bounds,
    /// Words with the same line were read as one line, left to right.
    pub line: LineId,
}

/// Which line of which pass a word was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineId {
    pub pass: u8,
    pub block: u32,
    pub paragraph: u32,
    pub line: u32,
}

/// Everything read on one picture.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub words: Vec<Word>,
}

impl Reading {
    /// Adds a pass's words, but for those an earlier pass read already (the
    /// same text, case aside, around the same place).
    pub(crate) fn merge(&mut self, words: Vec<Word>) {
        for word in words {
            let seen = self.words.iter().any(|known| {
                known.bounds.contains(word.bounds.center())
                    && known.text.to_lowercase() == word.text.to_lowercase()
            });
            if !seen {
                self.words.push(word);
            }
        }
    }

    /// The text, one line of the screen a line, top to bottom (lines at
    /// the same height left to right), words separated by a space.
    pub fn text(&self) -> String {
        let mut lines: Vec<(LineId, Bounds, Vec<&str>)> = Vec::new();
        for word in &self.words {
            match lines.iter_mut().find(|(id, ..)| *id == word.line) {
                Some((_, _, words)) => words.push(&word.text),
                None => lines.push((word.line, word.bounds, vec![&word.text])),
            }
        }
        lines.sort_by_key(|(id, first, _)| (first.y, first.x, *id));
        lines
            .iter()
            .map(|(_, _, words)| words.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, pass: u8, line: u32, [x, y]: [u32; 2]) -> Word {
        Word {
            text: text.into(),
            confidence: 90.0,
            bounds: Bounds {
                x,
                y,
                width: 40,
                height: 10,
            },
            line: LineId {
                pass,
                block: 1,
                paragraph: 1,
                line,
            },
        }
    }

    #[test]
    fn the_text_reads_lines_top_to_bottom_whatever_pass_read_them() {
        let mut reading = Reading::default();
        reading.merge(vec![
            word("SCORE", 0, 1, [400, 10]),
            word("New", 0, 2, [400, 100]),
            word("Game", 0, 2, [450, 100]),
        ]);
        reading.merge(vec![
            word("Game", 1, 1, [200, 300]),
            word("over!", 1, 1, [250, 300]),
            word("2048", 1, 2, [100, 50]),
        ]);
        assert_eq!(reading.text(), "SCORE\n2048\nNew Game\nGame over!");
    }

    #[test]
    fn a_word_read_again_at_the_same_place_is_kept_once() {
        let mut reading = Reading::default();
        reading.merge(vec![word("Score", 0, 1, [10, 10])]);
        reading.merge(vec![
            word("SCORE", 1, 1, [12, 11]),
            word("Score", 1, 2, [200, 200]),
        ]);
        assert_eq!(reading.words.len(), 2);
        assert_eq!(reading.text(), "Score\nScore");
    }
}
