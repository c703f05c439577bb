//! Reading real game screens with the real tesseract: the 2048 screens in
//! `fixtures/` (see its README), as the web driver shot them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use playtest_ocr::{OcrError, Picture, Reading, Tesseract};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The screen, read by Debian's tesseract; panics saying what to install
/// when it is missing.
async fn read(name: &str) -> Reading {
    let picture = image::open(fixture(name))
        .unwrap_or_else(|error| panic!("{name}: {error}"))
        .to_rgb8();
    let (width, height) = picture.dimensions();
    let started = Instant::now();
    let reading = Tesseract::default()
        .read(Picture::new(width, height, picture.as_raw()).unwrap())
        .await
        .unwrap_or_else(|error| panic!("reading {name}: {error}"));
    eprintln!(
        "{name} read in {:?}:\n{}",
        started.elapsed(),
        reading.text()
    );
    reading
}

fn lowercase_lines(reading: &Reading) -> String {
    reading.text().to_lowercase()
}

#[tokio::test]
async fn the_game_over_screen_of_2048_reads_its_message_buttons_and_scores() {
    let reading = read("2048-game-over.jpg").await;
    let text = lowercase_lines(&reading);
    for phrase in [
        "game over!",
        "new game",
        "join the numbers and get to the 2048 tile!",
        "score",
        "best",
        "1372",
    ] {
        assert!(text.contains(phrase), "'{phrase}' not read in:\n{text}");
    }
}

#[tokio::test]
async fn the_start_screen_of_2048_reads_its_title_button_and_score_boxes() {
    let text = lowercase_lines(&read("2048-start.jpg").await);
    for phrase in ["2048", "new game", "score", "best", "join the numbers"] {
        assert!(text.contains(phrase), "'{phrase}' not read in:\n{text}");
    }
    assert!(!text.contains("game over"), "{text}");
}

#[tokio::test]
async fn each_word_comes_with_its_box_in_the_screens_pixels() {
    let reading = read("2048-game-over.jpg").await;
    let new = reading
        .words
        .iter()
        .find(|w| w.text == "New")
        .expect("the button's first word");
    // The button is drawn at x 521 to 650, y 192 to 232.
    let b = new.bounds;
    assert!(
        (521..650).contains(&b.x) && (192..232).contains(&b.y),
        "{b:?}"
    );
    assert!(
        b.width > 10 && b.width < 80 && b.height > 5 && b.height < 40,
        "{b:?}"
    );
    assert!(new.confidence > 50.0, "{new:?}");
}

#[tokio::test]
async fn a_missing_tesseract_says_to_install_debians_package() {
    let rgb = vec![255; 4 * 4 * 3];
    let error = Tesseract::new("/nonexistent/tesseract")
        .read(Picture::new(4, 4, &rgb).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, OcrError::Missing { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "no tesseract at /nonexistent/tesseract: install Debian's tesseract-ocr (or pass --tesseract)"
    );
}

#[tokio::test]
async fn a_blank_screen_reads_no_words() {
    let rgb = vec![250; 320 * 200 * 3];
    let reading = Tesseract::default()
        .read(Picture::new(320, 200, &rgb).unwrap())
        .await
        .unwrap();
    assert!(reading.words.is_empty(), "{reading:?}");
    assert_eq!(reading.text(), "");
}
