//! What makes a `POST /runs` body acceptable, before anything is looked up.

use playtest_types::{RunOptions, StartRunRequest};

use super::test_spec::MAX_SECONDS;
use super::{Checked, id, range, tags, text};
use crate::ApiError;

pub const MAX_RETRIES: i64 = 10;
pub const MAX_INSTANCES: i64 = 10;

pub fn start_run(request: &StartRunRequest) -> Checked {
    match (&request.multiplayer_test_id, &request.test_plan_id) {
        (Some(test_id), None) => id("multiplayer_test_id", test_id)?,
        (None, Some(plan_id)) => id("test_plan_id", plan_id)?,
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "test_plan_id",
                "give either multiplayer_test_id or test_plan_id, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::validation(
                "multiplayer_test_id",
                "give one of multiplayer_test_id and test_plan_id",
            ));
        }
    }
    id("deployment_config_id", &request.deployment_config_id)?;
    if let Some(build_id) = &request.build_id {
        id("build_id", build_id)?;
    }
    tags("additional_tags", &request.additional_tags)?;
    if let Some(retries) = request.retries {
        range("retries", retries, 0, MAX_RETRIES)?;
    }
    if let Some(instances) = request.instances {
        range("instances", instances, 1, MAX_INSTANCES)?;
    }
    if let Some(options) = &request.options {
        run_options(options)?;
    }
    Ok(())
}

fn run_options(options: &RunOptions) -> Checked {
    if let Some(min) = options.min_time_seconds {
        range("options.min_time_seconds", min, 0, MAX_SECONDS)?;
    }
    if let Some(max) = options.max_time_seconds {
        range("options.max_time_seconds", max, 1, MAX_SECONDS)?;
    }
    if let (Some(min), Some(max)) = (options.min_time_seconds, options.max_time_seconds)
        && min > max
    {
        return Err(ApiError::validation(
            "options.min_time_seconds",
            "options.min_time_seconds must not exceed options.max_time_seconds",
        ));
    }
    if let Some(geolocation) = &options.mobile_geolocation {
        text("options.mobile_geolocation", geolocation, 0, 200)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    fn field_of(json: &str) -> String {
        let request: StartRunRequest = parse_json(json.as_bytes()).expect("valid JSON shape");
        match start_run(&request) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn exactly_one_of_test_and_plan_is_required() {
        assert_eq!(
            field_of(r#"{"deployment_config_id": "d"}"#),
            "multiplayer_test_id"
        );
        let both =
            r#"{"deployment_config_id": "d", "multiplayer_test_id": "t", "test_plan_id": "p"}"#;
        assert_eq!(field_of(both), "test_plan_id");
    }

    #[test]
    fn retries_and_instances_have_bounds() {
        let base = r#""deployment_config_id": "d", "multiplayer_test_id": "t""#;
        assert_eq!(field_of(&format!("{{{base}, \"retries\": -1}}")), "retries");
        assert_eq!(
            field_of(&format!("{{{base}, \"instances\": 11}}")),
            "instances"
        );
        assert_eq!(
            field_of(&format!("{{{base}, \"instances\": 0}}")),
            "instances"
        );
    }

    #[test]
    fn options_are_checked() {
        let json = r#"{"deployment_config_id": "d", "multiplayer_test_id": "t",
            "options": {"min_time_seconds": 50, "max_time_seconds": 10}}"#;
        assert_eq!(field_of(json), "options.min_time_seconds");
    }
}
