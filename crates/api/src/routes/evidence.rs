//! A bug occurrence's evidence is stored as names of its run's artifacts
//! (the screenshot, the run's `trace.json`); wherever occurrences are shown
//! (a run's bug list, one occurrence) [`with_artifact_urls`] turns them into
//! the absolute URLs of those artifacts.

use playtest_types::BugOccurrence;

/// The occurrence with its evidence as URLs: an artifact name becomes the
/// URL of that artifact of `run_id` (a value that is already a URL stays).
pub(crate) fn with_artifact_urls(
    mut occurrence: BugOccurrence,
    public_url: &str,
    run_id: &str,
) -> BugOccurrence {
    let url_of = |value: Option<String>| {
        value.map(|name| {
            if name.contains('/') {
                name
            } else {
                format!("{public_url}/api/v1/runs/{run_id}/artifacts/{name}")
            }
        })
    };
    let details = &mut occurrence.details;
    details.screenshot_url = url_of(details.screenshot_url.take());
    details.trace_url = url_of(details.trace_url.take());
    occurrence
}

#[cfg(test)]
mod tests {
    use playtest_types::{BugCategory, BugDetails, Confidence, Severity};

    use super::*;

    #[test]
    fn artifact_names_become_urls_of_the_runs_artifacts_and_urls_stay() {
        let occurrence = BugOccurrence {
            id: "occ_1".into(),
            bug_id: "bug_1".into(),
            title: "t".into(),
            description: String::new(),
            category: BugCategory::Crash,
            severity: Severity::High,
            confidence: Confidence::High,
            reproduction_steps: String::new(),
            player_number: 0,
            test_step: None,
            turn: None,
            detected_at: chrono::Utc::now(),
            details: BugDetails {
                screenshot_url: Some("https://cdn.example/shot.png".into()),
                trace_url: Some("trace.json".into()),
                ..Default::default()
            },
        };
        let shown = with_artifact_urls(occurrence, "http://pt:8080", "abcdefghijkl");
        assert_eq!(
            shown.details.trace_url.as_deref(),
            Some("http://pt:8080/api/v1/runs/abcdefghijkl/artifacts/trace.json")
        );
        assert_eq!(
            shown.details.screenshot_url.as_deref(),
            Some("https://cdn.example/shot.png")
        );
    }
}
