//! What makes a test acceptable: bounded texts and counts, coordinates on a
//! screen, times that make sense.

use playtest_types::{Action, ExpectedResult, TestSpec, TestStep, TestType};

use super::{Checked, MAX_DESCRIPTION_CHARS, name, range, tags, text};
use crate::ApiError;

pub const MAX_SECONDS: i64 = 24 * 60 * 60;
const MAX_PLAYERS: usize = 16;
const MAX_STEPS: usize = 500;
const MAX_ACTIONS: usize = 1000;
const MAX_CHECKS: usize = 100;
const MAX_SCRIPT_CHARS: usize = 10_000;
const MAX_COORDINATE: i32 = 16_384;
const MAX_WAIT_MS: u64 = 10 * 60 * 1000;
const MAX_DISCOVERY_ACTIONS: u32 = 1_000_000;
const MAX_ARGS: usize = 256;
const MAX_ARG_CHARS: usize = 4096;

pub fn test_spec(spec: &TestSpec) -> Checked {
    name("name", &spec.name)?;
    text("description", &spec.description, 0, MAX_DESCRIPTION_CHARS)?;
    tags("tags", &spec.tags)?;
    if let Some(min) = spec.min_seconds {
        range("min_seconds", min, 0, MAX_SECONDS)?;
    }
    if let Some(max) = spec.max_seconds {
        range("max_seconds", max, 1, MAX_SECONDS)?;
    }
    if let (Some(min), Some(max)) = (spec.min_seconds, spec.max_seconds)
        && min > max
    {
        return Err(ApiError::validation(
            "min_seconds",
            "min_seconds must not exceed max_seconds",
        ));
    }
    if spec.players.len() > MAX_PLAYERS {
        return Err(ApiError::validation(
            "players",
            format!("players may hold at most {MAX_PLAYERS} players"),
        ));
    }
    if spec.test_type == TestType::Verification && spec.players.iter().all(|p| p.steps.is_empty()) {
        return Err(ApiError::validation(
            "players",
            "a verification test needs at least one player with at least one step",
        ));
    }
    for (p, player) in spec.players.iter().enumerate() {
        name(&format!("players[{p}].name"), &player.name)?;
        if player.steps.len() > MAX_STEPS {
            return Err(ApiError::validation(
                format!("players[{p}].steps"),
                format!("a player may have at most {MAX_STEPS} steps"),
            ));
        }
        for (s, step) in player.steps.iter().enumerate() {
            step_spec(&format!("players[{p}].steps[{s}]"), step)?;
        }
    }
    if let Some(discovery) = &spec.discovery
        && let Some(max_actions) = discovery.max_actions
    {
        range(
            "discovery.max_actions",
            max_actions.into(),
            1,
            MAX_DISCOVERY_ACTIONS.into(),
        )?;
    }
    if let Some(game_loop) = &spec.game_loop {
        if game_loop.args.len() > MAX_ARGS {
            return Err(ApiError::validation(
                "game_loop.args",
                format!("at most {MAX_ARGS} arguments"),
            ));
        }
        for (i, arg) in game_loop.args.iter().enumerate() {
            text(&format!("game_loop.args[{i}]"), arg, 0, MAX_ARG_CHARS)?;
        }
    }
    Ok(())
}

fn step_spec(at: &str, step: &TestStep) -> Checked {
    text(&format!("{at}.goal"), &step.goal, 1, MAX_DESCRIPTION_CHARS)?;
    text(
        &format!("{at}.finish_condition"),
        &step.finish_condition,
        0,
        MAX_DESCRIPTION_CHARS,
    )?;
    if step.actions.len() > MAX_ACTIONS {
        return Err(ApiError::validation(
            format!("{at}.actions"),
            format!("at most {MAX_ACTIONS} actions a step"),
        ));
    }
    for (i, action) in step.actions.iter().enumerate() {
        action_spec(&format!("{at}.actions[{i}]"), action)?;
    }
    if step.expected_results.len() > MAX_CHECKS {
        return Err(ApiError::validation(
            format!("{at}.expected_results"),
            format!("at most {MAX_CHECKS} expected results a step"),
        ));
    }
    for (i, check) in step.expected_results.iter().enumerate() {
        expected_result(&format!("{at}.expected_results[{i}]"), check)?;
    }
    Ok(())
}

fn point(field: &str, [x, y]: [i32; 2]) -> Checked {
    range(&format!("{field}[0]"), x.into(), 0, MAX_COORDINATE.into())?;
    range(&format!("{field}[1]"), y.into(), 0, MAX_COORDINATE.into())
}

fn action_spec(at: &str, action: &Action) -> Checked {
    match action {
        Action::Key(key) | Action::KeyDown(key) | Action::KeyUp(key) => {
            let kind = match action {
                Action::Key(_) => "key",
                Action::KeyDown(_) => "key_down",
                _ => "key_up",
            };
            name(&format!("{at}.{kind}"), key)?;
            text(&format!("{at}.{kind}"), key, 1, 64)
        }
        Action::Click(at_point) => point(&format!("{at}.click"), *at_point),
        Action::Tap(at_point) => point(&format!("{at}.tap"), *at_point),
        Action::ClickSelector(selector) => text(&format!("{at}.click_selector"), selector, 1, 1000),
        Action::Type(typed) => text(&format!("{at}.type"), typed, 0, MAX_SCRIPT_CHARS),
        Action::Drag([from, to]) => {
            point(&format!("{at}.drag[0]"), *from)?;
            point(&format!("{at}.drag[1]"), *to)
        }
        Action::WaitMs(ms) => {
            if *ms > MAX_WAIT_MS {
                return Err(ApiError::validation(
                    format!("{at}.wait_ms"),
                    format!("wait_ms must be at most {MAX_WAIT_MS}"),
                ));
            }
            Ok(())
        }
    }
}

fn expected_result(at: &str, check: &ExpectedResult) -> Checked {
    match check {
        ExpectedResult::DomText(dom) => {
            text(&format!("{at}.dom_text.selector"), &dom.selector, 1, 1000)?;
            text(
                &format!("{at}.dom_text.contains"),
                &dom.contains,
                0,
                MAX_DESCRIPTION_CHARS,
            )
        }
        ExpectedResult::Js(script) => text(&format!("{at}.js"), script, 1, MAX_SCRIPT_CHARS),
        ExpectedResult::NoErrors(_) => Ok(()),
        ExpectedResult::TextVisible(wanted) => {
            let field = format!("{at}.text_visible");
            text(&field, wanted, 1, MAX_DESCRIPTION_CHARS)?;
            if wanted.trim().is_empty() {
                return Err(ApiError::validation(
                    field,
                    "text_visible must hold more than whitespace",
                ));
            }
            Ok(())
        }
        ExpectedResult::ScreenSimilar(similar) => {
            name(&format!("{at}.screen_similar.asset"), &similar.asset)?;
            if !(0.0..=1.0).contains(&similar.min_similarity) {
                return Err(ApiError::validation(
                    format!("{at}.screen_similar.min_similarity"),
                    "min_similarity must be between 0 and 1",
                ));
            }
            if let Some([x, y, w, h]) = similar.region {
                let field = format!("{at}.screen_similar.region");
                point(&field, [x, y])?;
                range(&format!("{field}[2]"), w.into(), 1, MAX_COORDINATE.into())?;
                range(&format!("{field}[3]"), h.into(), 1, MAX_COORDINATE.into())?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    fn field_of(json: &str) -> String {
        let spec: TestSpec = parse_json(json.as_bytes()).expect("valid JSON shape");
        match test_spec(&spec) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_click_off_any_screen_is_named() {
        let json = r#"{"name": "t", "test_type": "verification",
            "players": [{"name": "p", "steps": [{"goal": "g", "actions": [{"click": [10, -5]}]}]}]}"#;
        assert_eq!(field_of(json), "players[0].steps[0].actions[0].click[1]");
    }

    #[test]
    fn min_seconds_above_max_seconds_is_refused() {
        let json =
            r#"{"name": "t", "test_type": "game_loop", "min_seconds": 10, "max_seconds": 5}"#;
        assert_eq!(field_of(json), "min_seconds");
    }

    #[test]
    fn a_verification_test_without_steps_is_refused() {
        let json = r#"{"name": "t", "test_type": "verification", "players": [{"name": "p"}]}"#;
        assert_eq!(field_of(json), "players");
    }

    #[test]
    fn a_text_visible_of_only_whitespace_is_refused() {
        let json = r#"{"name": "t", "test_type": "verification", "players": [{"name": "p", "steps": [
            {"goal": "g", "expected_results": [{"text_visible": "Game over"}, {"text_visible": " \n "}]}]}]}"#;
        assert_eq!(
            field_of(json),
            "players[0].steps[0].expected_results[1].text_visible"
        );
    }

    #[test]
    fn a_similarity_above_one_is_refused() {
        let json = r#"{"name": "t", "test_type": "verification", "players": [{"name": "p", "steps": [
            {"goal": "g", "expected_results": [{"screen_similar": {"asset": "a", "min_similarity": 1.5}}]}]}]}"#;
        assert_eq!(
            field_of(json),
            "players[0].steps[0].expected_results[0].screen_similar.min_similarity"
        );
    }
}
