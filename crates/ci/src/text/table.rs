//! A table with a header row, its columns aligned on the widest cell and
//! each cell kept to one line, so that a table stays a table whatever a
//! report or a title holds.

use std::fmt::Write as _;

use super::{one_line, width};

/// Columns are this far apart.
const GAP: &str = "  ";
/// Longer cells are cut, with an ellipsis.
const MAX_CELL_CHARS: usize = 60;

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
}
