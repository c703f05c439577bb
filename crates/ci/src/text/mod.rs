//! How values read on a terminal and in a CI log: one-line text, counts,
//! sizes, durations, enum values by their wire names, a run's result and a
//! job's status in words, and aligned tables ([`Table`]). The CI client
//! prints with these; so do the binary's other commands, so that the same
//! value reads the same everywhere.

mod table;

use playtest_types::Run;
use serde::Serialize;

pub use table::Table;

/// `1 run`, `2 runs`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

/// A message on one line, whatever its causes held: each line trimmed,
/// empty ones left out, the rest joined with a space.
pub fn flatten(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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

/// What a run shows as its result: our finer outcome (`timeout`) when there
/// is one, else the reference's result (`failure`), else `-`.
pub fn run_result(run: &Run) -> String {
    match (run.outcome, run.result) {
        (Some(outcome), _) => wire(&outcome),
        (None, Some(result)) => wire(&result),
        (None, None) => "-".to_string(),
    }
}

/// A job status as words: `QUEUED` → `queued`, `CLEANING_UP` → `cleaning up`.
pub fn status<T: Serialize>(status: T) -> String {
    wire(&status).to_lowercase().replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn enum_values_print_as_on_the_wire() {
        assert_eq!(wire(&playtest_types::TestType::GameLoop), "game_loop");
        assert_eq!(wire(&playtest_types::JobStatus::CleaningUp), "CLEANING_UP");
    }
}
