//! What makes a deployment config acceptable: an entry inside the build
//! (no absolute paths, no `..`), a sane screen size, plain environment names.

use playtest_types::DeploymentConfigSpec;

use super::{Checked, id, name, range, text};
use crate::ApiError;

const MAX_ENTRY_CHARS: usize = 1024;
const MAX_ARGS: usize = 256;
const MAX_ENV: usize = 256;
const MAX_VALUE_CHARS: usize = 4096;

pub fn config_spec(spec: &DeploymentConfigSpec) -> Checked {
    name("name", &spec.name)?;
    if let Some(build_id) = &spec.build_id {
        id("build_id", build_id)?;
    }
    let launch = &spec.launch;
    text("launch.entry", &launch.entry, 1, MAX_ENTRY_CHARS)?;
    let entry = launch.entry.as_str();
    if entry.starts_with('/') || entry.contains('\\') || entry.split('/').any(|part| part == "..") {
        return Err(ApiError::validation(
            "launch.entry",
            "launch.entry must be a relative path inside the build, without '..' or backslashes",
        ));
    }
    if launch.args.len() > MAX_ARGS {
        return Err(ApiError::validation(
            "launch.args",
            format!("at most {MAX_ARGS} arguments"),
        ));
    }
    for (i, arg) in launch.args.iter().enumerate() {
        text(&format!("launch.args[{i}]"), arg, 0, MAX_VALUE_CHARS)?;
    }
    if launch.env.len() > MAX_ENV {
        return Err(ApiError::validation(
            "launch.env",
            format!("at most {MAX_ENV} variables"),
        ));
    }
    for (key, value) in &launch.env {
        let plain = key.len() <= 128
            && key
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain {
            return Err(ApiError::validation(
                format!("launch.env.{key}"),
                "environment variable names are letters, digits and '_', not starting with a digit",
            ));
        }
        text(&format!("launch.env.{key}"), value, 0, MAX_VALUE_CHARS)?;
    }
    range("launch.width", launch.width.into(), 1, 7680)?;
    range("launch.height", launch.height.into(), 1, 4320)?;
    if launch.init_scripts.len() > MAX_INIT_SCRIPTS {
        return Err(ApiError::validation(
            "launch.init_scripts",
            format!("at most {MAX_INIT_SCRIPTS} scripts"),
        ));
    }
    for (i, script) in launch.init_scripts.iter().enumerate() {
        text(
            &format!("launch.init_scripts[{i}]"),
            script,
            1,
            MAX_INIT_SCRIPT_CHARS,
        )?;
    }
    Ok(())
}

const MAX_INIT_SCRIPTS: usize = 16;
const MAX_INIT_SCRIPT_CHARS: usize = 100_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    fn field_of(json: &str) -> String {
        let spec: DeploymentConfigSpec = parse_json(json.as_bytes()).expect("valid JSON shape");
        match config_spec(&spec) {
            Err(ApiError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn an_entry_that_climbs_out_of_the_build_is_refused() {
        assert_eq!(
            field_of(r#"{"name": "c", "kind": "web", "launch": {"entry": "../../etc/passwd"}}"#),
            "launch.entry"
        );
        assert_eq!(
            field_of(r#"{"name": "c", "kind": "web", "launch": {"entry": "/bin/sh"}}"#),
            "launch.entry"
        );
    }

    #[test]
    fn odd_environment_names_are_refused() {
        let json =
            r#"{"name": "c", "kind": "linux", "launch": {"entry": "game", "env": {"A=B": "x"}}}"#;
        assert_eq!(field_of(json), "launch.env.A=B");
    }
}
