//! tesseract's TSV output (`tsv` config) turned into words.
//!
//! One row per page, block, paragraph, line and word (`level` 1 to 5) with
//! its box and, for words, a confidence; only words with text are kept.
//! Boxes are in the enlarged picture's pixels and are brought back to the
//! picture's own.

use crate::reading::{Bounds, LineId, Word};

const WORD_LEVEL: &str = "5";

/// The words of one pass; rows that do not parse are skipped (tesseract
/// writes none, but a word must not fail a whole reading).
pub(crate) fn words(tsv: &str, pass: u8, scale: u32) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|row| word(row, pass, scale.max(1)))
        .collect()
}

fn word(row: &str, pass: u8, scale: u32) -> Option<Word> {
    let fields: Vec<&str> = row.splitn(12, '\t').collect();
    let [
        level,
        _page,
        block,
        paragraph,
        line,
        _word,
        x,
        y,
        width,
        height,
        confidence,
        text,
    ] = fields[..]
    else {
        return None;
    };
    let text = text.trim();
    if level != WORD_LEVEL || text.is_empty() {
        return None;
    }
    let number = |field: &str| field.parse::<u32>().ok();
    let pixels = |field: &str| number(field).map(|n| n / scale);
    Some(Word {
        text: text.to_string(),
        confidence: confidence.parse().ok()?,
        bounds: Bounds {
            x: pixels(x)?,
            y: pixels(y)?,
            width: pixels(width)?,
            height: pixels(height)?,
        },
        line: LineId {
            pass,
            block: number(block)?,
            paragraph: number(paragraph)?,
            line: number(line)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";

    #[test]
    fn words_are_kept_with_their_boxes_in_the_pictures_pixels() {
        let tsv = format!(
            "{HEADER}\n\
             1\t1\t0\t0\t0\t0\t0\t0\t1600\t1200\t-1\t\n\
             4\t1\t2\t1\t3\t0\t486\t1038\t626\t94\t-1\t\n\
             5\t1\t2\t1\t3\t1\t486\t1040\t290\t92\t95.5\tGame\n\
             5\t1\t2\t1\t3\t2\t830\t1038\t282\t94\t91.2\tover!\n\
             5\t1\t2\t1\t3\t3\t900\t1038\t10\t94\t12.0\t \n"
        );
        let words = words(&tsv, 1, 2);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].text, "Game");
        assert_eq!(
            words[0].bounds,
            Bounds {
                x: 243,
                y: 520,
                width: 145,
                height: 46
            }
        );
        assert_eq!(words[1].confidence, 91.2);
        assert_eq!(
            words[1].line,
            LineId {
                pass: 1,
                block: 2,
                paragraph: 1,
                line: 3
            }
        );
    }

    #[test]
    fn a_row_that_does_not_parse_is_skipped() {
        let tsv = format!("{HEADER}\n5\t1\tx\n5\t1\t1\t1\t1\t1\t0\t0\t4\t4\t80\tok\n");
        assert_eq!(words(&tsv, 0, 1).len(), 1);
    }
}
