//! How values the wire types define become stored text and back, shared by
//! both backends: enums are kept as their serde names (`QUEUED`,
//! `completed`, `high`), JSON columns are read as untyped JSON (or, on the
//! hot run reads, as text) and then parsed, so a bad stored value is
//! reported as [`StoreError::Corrupt`] rather than as a database error.

use chrono::{DateTime, SubsecRound, Utc};
use playtest_types::PlatformKind;
use serde::de::value::StrDeserializer;
use serde::de::{DeserializeOwned, IntoDeserializer};
use serde_json::Value;
use sqlx::types::Json;

use crate::{Result, StoreError};

/// The enum whose serde name is `text`.
pub(crate) fn from_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    let text: StrDeserializer<'_, serde_json::Error> = text.into_deserializer();
    Ok(T::deserialize(text)?)
}

/// [`from_text`] of an optional column.
pub(crate) fn from_opt_text<T: DeserializeOwned>(text: Option<&str>) -> Result<Option<T>> {
    text.map(from_text).transpose()
}

/// The typed value of a JSON column.
pub(crate) fn from_json<T: DeserializeOwned>(column: Json<Value>) -> Result<T> {
    Ok(serde_json::from_value(column.0)?)
}

/// The serde name of an enum value (`QUEUED`, `completed`), as stored.
pub(crate) fn to_text<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    match serde_json::to_value(value)? {
        Value::String(text) => Ok(text),
        other => Err(StoreError::Corrupt(format!("{other} has no name to store"))),
    }
}

/// A value as JSON, ready to bind to a JSON column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Json<Value>> {
    Ok(Json(serde_json::to_value(value)?))
}

/// The `bug_label` the reference API shows next to a count.
pub(crate) fn bug_label(count: i64) -> String {
    match count {
        0 => "no bugs".to_string(),
        1 => "1 bug".to_string(),
        n => format!("{n} bugs"),
    }
}

/// The device a player of this platform runs on.
pub(crate) fn device_of(platform: PlatformKind) -> &'static str {
    match platform {
        PlatformKind::Web => "chromium",
        PlatformKind::Linux => "x86_64",
    }
}

/// An instant as the store keeps it: to the microsecond (as SQLite's text
/// and PostgreSQL's `TIMESTAMPTZ` do), so that JSON written next to a
/// column says the same time.
pub(crate) fn stored(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Milliseconds from `start` to `end` when both are known.
pub(crate) fn duration_ms(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<i64> {
    Some((end? - start?).num_milliseconds())
}

/// A count that must fit the wire's 32-bit fields.
pub(crate) fn count_i32(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| StoreError::Corrupt(format!("too many {what}: {n}")))
}

#[cfg(test)]
mod tests {
    use playtest_types::{JobStatus, RunState};

    use super::*;

    #[test]
    fn enums_read_back_from_their_wire_names() {
        assert_eq!(
            from_text::<JobStatus>("CLEANING_UP").unwrap(),
            JobStatus::CleaningUp
        );
        assert_eq!(
            from_text::<RunState>("completed").unwrap(),
            RunState::Completed
        );
        assert!(matches!(
            from_text::<RunState>("done"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn enums_are_stored_as_their_wire_names() {
        assert_eq!(to_text(&JobStatus::CleaningUp).unwrap(), "CLEANING_UP");
        assert_eq!(to_text(&RunState::Running).unwrap(), "running");
        assert!(to_text(&7).is_err());
    }

    #[test]
    fn bug_labels_count_in_words() {
        assert_eq!(bug_label(0), "no bugs");
        assert_eq!(bug_label(1), "1 bug");
        assert_eq!(bug_label(7), "7 bugs");
    }
}
