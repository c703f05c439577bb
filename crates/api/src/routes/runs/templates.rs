//! Template rendering of a run's test: with `render_templates`, every
//! `{{name}}` in a step's goal or finish condition is replaced by
//! `template_data.name` before the run is stored.

use playtest_types::TestSpec;
use serde_json::{Map, Value};

use crate::ApiError;

fn render(text: &str, data: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + 2 + len].trim();
        let value = data.get(name).ok_or_else(|| {
            ApiError::validation(
                "template_data",
                format!("{field} uses {{{{{name}}}}}, which template_data does not define"),
            )
        })?;
        out.push_str(&rest[..start]);
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The test with its templates filled in from `data`.
pub fn render_test(spec: &TestSpec, data: &Map<String, Value>) -> Result<TestSpec, ApiError> {
    let mut rendered = spec.clone();
    for (p, player) in rendered.players.iter_mut().enumerate() {
        for (s, step) in player.steps.iter_mut().enumerate() {
            step.goal = render(&step.goal, data, &format!("players[{p}].steps[{s}].goal"))?;
            step.finish_condition = render(
                &step.finish_condition,
                data,
                &format!("players[{p}].steps[{s}].finish_condition"),
            )?;
        }
    }
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data() -> Map<String, Value> {
        json!({"level": "2-1", "lives": 3})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn placeholders_are_replaced_by_their_values() {
        assert_eq!(
            render("Reach {{level}} with {{ lives }} lives", &data(), "g").unwrap(),
            "Reach 2-1 with 3 lives"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_an_error_naming_it() {
        let err = render("Beat {{boss}}", &data(), "g").unwrap_err();
        assert!(err.to_string().contains("{{boss}}"));
    }

    #[test]
    fn text_without_placeholders_is_unchanged() {
        assert_eq!(
            render("plain {{ unclosed", &data(), "g").unwrap(),
            "plain {{ unclosed"
        );
    }
}
