//! How results are printed: `--json` prints the API's JSON, pretty; the
//! rest gets an aligned table for lists and a `key: value` view for single
//! objects. Cells are kept to one line, so a table stays a table whatever
//! a report or a title holds.

use std::fmt::{Display, Write as _};

use chrono::{DateTime, Utc};
use playtest_types::Pagination;
use serde::Serialize;

/// Columns are this far apart.
const GAP: &str = "  ";
/// Longer cells are cut, with an ellipsis.
const MAX_CELL_CHARS: usize = 60;

/// Prints a value as pretty JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A table with a header row, its columns aligned on the widest cell.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; each cell is put on one line and cut if long.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .iter()
                .map(|cell| one_line(cell, MAX_CELL_CHARS))
                .collect(),
        );
    }

    /// Adds a row whose cells are put on one line but never cut (URLs,
    /// meant to be copied whole).
    pub fn row_uncut(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .iter()
                .map(|cell| one_line(cell, usize::MAX))
                .collect(),
        );
    }

    /// The table as text, every line starting with `indent`.
    pub fn render(&self, indent: &str) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::from(indent);
            for (i, width) in widths.iter().enumerate() {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                line.push_str(cell);
                if i + 1 < columns {
                    line.push_str(&" ".repeat(width - self::width(cell)));
                    line.push_str(GAP);
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }

    pub fn print(&self) {
        print!("{}", self.render(""));
    }
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

/// `1 run`, `2 runs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

/// `950ms`, `12.3s`, `4m 05s`, `2h 03m`.
pub fn duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{}m {:02}s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{}h {:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

pub fn opt_duration(ms: Option<i64>) -> String {
    ms.map(duration_ms).unwrap_or_else(|| "-".to_string())
}

/// `812 B`, `1.5 KiB`, `3.2 MiB`, `1.1 GiB`.
pub fn size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A comma list, or `-` when empty.
pub fn list<T: Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The text on one line (control characters become spaces, runs of spaces
/// shrink to one), cut to `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty());
    let flat = flat.collect::<Vec<_>>().join(" ");
    if width(&flat) <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// The name of a serde enum value as it is on the wire (`game_loop`, `QUEUED`).
pub fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_on_the_widest_cell() {
        let mut table = Table::new(&["ID", "NAME", "STATE"]);
        table.row(vec!["a".into(), "long name".into(), "ok".into()]);
        table.row(vec!["bbbb".into(), "x".into(), "".into()]);
        assert_eq!(
            table.render(""),
            "ID    NAME       STATE\na     long name  ok\nbbbb  x\n"
        );
    }

    #[test]
    fn cells_are_kept_to_one_short_line() {
        let mut table = Table::new(&["REPORT"]);
        table.row(vec![format!("line one\nline\ttwo {}", "x".repeat(100))]);
        let rendered = table.render("  ");
        let line = rendered.lines().nth(1).unwrap();
        assert!(line.starts_with("  line one line two x"), "{line}");
        assert_eq!(line.chars().count(), 2 + MAX_CELL_CHARS);
        assert!(line.ends_with('…'));
    }

    #[test]
    fn fields_align_their_keys() {
        let mut fields = Fields::new();
        fields.add("id", "tst_1").add("version", 3);
        assert_eq!(fields.render(), "id:      tst_1\nversion: 3\n");
    }

    #[test]
    fn durations_and_sizes_read_naturally() {
        assert_eq!(duration_ms(950), "950ms");
        assert_eq!(duration_ms(12_340), "12.3s");
        assert_eq!(duration_ms(245_000), "4m 05s");
        assert_eq!(duration_ms(7_380_000), "2h 03m");
        assert_eq!(size(812), "812 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 * 1024 * 1024 * 1024), "3.0 GiB");
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

    #[test]
    fn enum_values_print_as_on_the_wire() {
        assert_eq!(wire(&playtest_types::TestType::GameLoop), "game_loop");
        assert_eq!(wire(&playtest_types::JobStatus::CleaningUp), "CLEANING_UP");
    }
}
