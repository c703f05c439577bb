//! How results are printed: `--json` prints the API's JSON, pretty; the
//! rest gets an aligned table for lists ([`Table`]) and a `key: value` view
//! for single objects ([`Fields`]), with pages, times and lists in words.
//! The text primitives (tables, sizes, durations, wire names) are the CI
//! client's, [`playtest_ci::text`], re-exported here so that a command
//! finds everything it prints with in one place.

use std::fmt::{Display, Write as _};

use chrono::{DateTime, Utc};
use playtest_types::Pagination;
use serde::Serialize;

pub use playtest_ci::text::{
    Table, count, flatten, one_line, opt_duration, run_result, size, wire,
};

/// Prints a value as pretty JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A `key: value` view of one object, the keys aligned.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    pub fn new() -> Self {
        Fields::default()
    }

    pub fn add(&mut self, key: &str, value: impl Display) -> &mut Self {
        self.rows
            .push((key.to_string(), one_line(&value.to_string(), usize::MAX)));
        self
    }

    pub fn render(&self) -> String {
        let width = |key: &str| key.chars().count();
        let key_width = self
            .rows
            .iter()
            .map(|(key, _)| width(key))
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (key, value) in &self.rows {
            let pad = " ".repeat(key_width - width(key));
            let _ = writeln!(out, "{}", format!("{key}:{pad} {value}").trim_end());
        }
        out
    }

    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// "page 0 of 3, 45 runs" under a list, or just "45 runs" when it all fits
/// ("1 run": `noun` is a plural in s).
pub fn page_footer(pagination: &Pagination, noun: &str) -> String {
    let count = pagination.total_count;
    let noun = match count {
        1 => noun.strip_suffix('s').unwrap_or(noun),
        _ => noun,
    };
    if pagination.total_pages > 1 {
        let mut footer = format!(
            "page {} of 0..{}, {count} {noun}",
            pagination.page,
            pagination.total_pages - 1
        );
        if pagination.page + 1 < pagination.total_pages {
            let _ = write!(footer, " (next: --page {})", pagination.page + 1);
        }
        footer
    } else {
        format!("{count} {noun}")
    }
}

/// What to say for a page with nothing on it.
pub fn empty_page(pagination: &Pagination, noun: &str) -> String {
    if pagination.total_count == 0 {
        format!("no {noun} yet")
    } else {
        format!(
            "no {noun} on page {} ({} in all)",
            pagination.page, pagination.total_count
        )
    }
}

/// The value, or `-` when there is none.
pub fn or_dash<T: Display>(value: Option<T>) -> String {
    value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// `2024-05-01 12:00:00`, in UTC.
pub fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn opt_time(at: Option<DateTime<Utc>>) -> String {
    at.map(time).unwrap_or_else(|| "-".to_string())
}

/// A comma list, or `-` when empty.
pub fn comma_list<T: Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_their_keys() {
        let mut fields = Fields::new();
        fields.add("id", "tst_1").add("version", 3);
        assert_eq!(fields.render(), "id:      tst_1\nversion: 3\n");
    }

    #[test]
    fn the_footer_points_at_the_next_page() {
        assert_eq!(page_footer(&Pagination::new(0, 20, 5), "runs"), "5 runs");
        assert_eq!(
            page_footer(&Pagination::new(0, 20, 1), "test plans"),
            "1 test plan"
        );
        assert_eq!(
            page_footer(&Pagination::new(0, 20, 45), "runs"),
            "page 0 of 0..2, 45 runs (next: --page 1)"
        );
        assert_eq!(
            page_footer(&Pagination::new(2, 20, 45), "runs"),
            "page 2 of 0..2, 45 runs"
        );
    }
}
