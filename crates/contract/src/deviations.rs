//! Where playtest answers a reference operation otherwise than the
//! reference says, on purpose: `reference/deviations.json`, one list that
//! the end-to-end reference test, `scripts/check-api` (schemathesis against
//! the reference) and the README all follow.

use serde_json::Value;

/// What kind of departure from the reference a deviation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// A status the reference does not list for the operation.
    UnlistedStatus,
    /// A request the reference's schema allows, refused.
    ValidRequestRefused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// As the reference writes it: `GET /runs/{runId}`.
    pub operation: String,
    pub status: u16,
    pub finding: Finding,
    /// When playtest answers so.
    pub why: String,
}

/// `reference/deviations.json`.
pub const DEVIATIONS_JSON: &str = include_str!("../reference/deviations.json");

/// Every deliberate deviation.
pub fn deviations() -> Vec<Deviation> {
    let doc: Value = serde_json::from_str(DEVIATIONS_JSON).expect("deviations.json is JSON");
    doc["deviations"]
        .as_array()
        .expect("deviations.json lists deviations")
        .iter()
        .map(|entry| Deviation {
            operation: text(entry, "operation"),
            status: entry["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .expect("a deviation's status is a status code"),
            finding: match entry["finding"].as_str() {
                Some("unlisted_status") => Finding::UnlistedStatus,
                Some("valid_request_refused") => Finding::ValidRequestRefused,
                other => panic!("a deviation's finding is unknown: {other:?}"),
            },
            why: text(entry, "why"),
        })
        .collect()
}

/// Whether `status` to `operation` is a deliberate unlisted status.
pub fn is_deliberate_status(operation: &str, status: u16) -> bool {
    deviations().iter().any(|d| {
        d.finding == Finding::UnlistedStatus && d.operation == operation && d.status == status
    })
}

fn text(entry: &Value, field: &str) -> String {
    entry[field]
        .as_str()
        .unwrap_or_else(|| panic!("a deviation without {field}: {entry}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::responses::ResponseContract;

    #[test]
    fn every_deviation_names_a_reference_operation_and_an_error_status() {
        let contract = ResponseContract::reference();
        let operations: Vec<(&str, Vec<u16>)> = contract.operations().collect();
        for deviation in deviations() {
            let listed = operations
                .iter()
                .find(|(name, _)| *name == deviation.operation)
                .unwrap_or_else(|| panic!("{deviation:?} names no reference operation"))
                .1
                .contains(&deviation.status);
            assert!(deviation.status >= 400, "{deviation:?}");
            if deviation.finding == Finding::UnlistedStatus {
                assert!(!listed, "the reference lists it: {deviation:?}");
            }
        }
    }

    #[test]
    fn the_readme_tells_every_deviation() {
        let readme =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
                .unwrap();
        for deviation in deviations() {
            let line = format!("| `{}` | {} |", deviation.operation, deviation.status);
            assert!(
                readme.lines().any(|l| l.starts_with(&line)),
                "README.md has no row starting {line}"
            );
        }
    }
}
