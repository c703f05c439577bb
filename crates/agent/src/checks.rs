//! The expected results of a verification step, each checked once.

use std::collections::HashMap;

use playtest_types::ExpectedResult;
use serde_json::Value;

use crate::driver::{DriverError, Frame};
use crate::error::AgentError;
use crate::screen_text::{ScreenReader, Unreadable};
use crate::session::Session;
use crate::similarity::region_similarity;
use crate::text_match::{excerpt, shows};

/// Reference pictures of `screen_similar` checks, by asset name.
pub type References = HashMap<String, Frame>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    Passed(String),
    Failed(String),
}

impl CheckOutcome {
    pub fn passed(&self) -> bool {
        matches!(self, CheckOutcome::Passed(_))
    }

    pub fn text(&self) -> &str {
        match self {
            CheckOutcome::Passed(text) | CheckOutcome::Failed(text) => text,
        }
    }
}

/// JavaScript's truthiness of a JSON value (`undefined` arrives as null).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Checks one expected result now. `errors_mark` is where the step began
/// in the session's list of errors; `reader` reads the screen's text (one
/// for a step's tries, so a picture is read once). Only a vanished game is
/// an `Err`.
pub async fn check(
    session: &mut Session<'_>,
    expected: &ExpectedResult,
    references: &References,
    errors_mark: usize,
    reader: &mut ScreenReader,
) -> Result<CheckOutcome, AgentError> {
    use CheckOutcome::{Failed, Passed};
    Ok(match expected {
        ExpectedResult::DomText(dom) => match session.driver().text_of(&dom.selector).await {
            Ok(Some(text)) if text.contains(&dom.contains) => {
                Passed(format!("{} contains '{}'", dom.selector, dom.contains))
            }
            Ok(Some(text)) => Failed(format!(
                "expected {} to contain '{}', found '{}'",
                dom.selector,
                dom.contains,
                text.trim()
            )),
            Ok(None) => Failed(format!(
                "expected {} to contain '{}', but no element matches {}",
                dom.selector, dom.contains, dom.selector
            )),
            Err(error) => Failed(format!(
                "could not read {}: {}",
                dom.selector,
                driver_problem(error)?
            )),
        },
        ExpectedResult::Js(expression) => match session.driver().evaluate(expression).await {
            Ok(value) if truthy(&value) => Passed(format!("`{expression}` is truthy")),
            Ok(value) => Failed(format!(
                "expected `{expression}` to be truthy, it was {value}"
            )),
            Err(error) => Failed(format!(
                "could not evaluate `{expression}`: {}",
                driver_problem(error)?
            )),
        },
        ExpectedResult::TextVisible(wanted) => match reader.read(session).await {
            Ok(seen) if shows(&seen.text, wanted) => {
                Passed(format!("the screen shows '{wanted}' ({})", seen.source))
            }
            Ok(seen) if seen.text.trim().is_empty() => Failed(format!(
                "expected the screen to show '{wanted}', it shows no text ({})",
                seen.source
            )),
            Ok(seen) => Failed(format!(
                "expected the screen to show '{wanted}', it shows '{}' ({})",
                excerpt(&seen.text),
                seen.source
            )),
            Err(Unreadable::NoPicture) => Failed("no picture of the screen was taken".into()),
            Err(Unreadable::Ocr(error)) => {
                Failed(format!("could not read the screen's text: {error}"))
            }
            Err(Unreadable::Driver(error)) => Failed(format!(
                "could not read the screen's text: {}",
                driver_problem(error)?
            )),
        },
        ExpectedResult::NoErrors(false) => Passed("errors allowed".into()),
        ExpectedResult::NoErrors(true) => match session.errors_since(errors_mark) {
            [] => Passed("no errors".into()),
            errors => Failed(format!(
                "expected no errors, found {}; the first: {}",
                errors.len(),
                errors[0].text.lines().next().unwrap_or("")
            )),
        },
        ExpectedResult::ScreenSimilar(similar) => {
            let Some(reference) = references.get(&similar.asset) else {
                return Ok(Failed(format!(
                    "no reference picture named '{}' was given",
                    similar.asset
                )));
            };
            let Some(frame) = session.last_frame() else {
                return Ok(Failed("no picture of the screen was taken".into()));
            };
            let region = similar
                .region
                .map_or("the screen".to_string(), |r| format!("the region {r:?}"));
            match region_similarity(frame, similar.region, reference) {
                Ok(measured) if measured >= similar.min_similarity => Passed(format!(
                    "{region} looks like '{}' (similarity {measured:.3} ≥ {})",
                    similar.asset, similar.min_similarity
                )),
                Ok(measured) => Failed(format!(
                    "expected {region} to look like '{}' (similarity ≥ {}), measured {measured:.3}",
                    similar.asset, similar.min_similarity
                )),
                Err(error) => Failed(format!(
                    "cannot compare {region} with '{}': {error}",
                    similar.asset
                )),
            }
        }
    })
}

/// Why a query failed, for a report; a vanished game is passed up.
fn driver_problem(error: DriverError) -> Result<String, AgentError> {
    match error {
        DriverError::GameGone(reason) => Err(AgentError::GameGone(reason)),
        DriverError::Unsupported(what) => Ok(format!("{what} is not supported on this platform")),
        other => Ok(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness_follows_javascript() {
        for falsy in [json!(null), json!(false), json!(0), json!(0.0), json!("")] {
            assert!(!truthy(&falsy), "{falsy}");
        }
        for true_value in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("0"),
            json!([]),
            json!({}),
        ] {
            assert!(truthy(&true_value), "{true_value}");
        }
    }
}
