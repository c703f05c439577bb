//! Reading the JSON definitions that `create` and `update` send, from a
//! file or standard input, checked against the wire type before anything is
//! sent so a typo is reported with its line and column.

use std::io::Read;

use anyhow::Context;
use serde::de::DeserializeOwned;

use crate::config::Input;

/// The document at `input`, parsed as a `what` (used in messages).
pub fn read_json<T: DeserializeOwned>(input: &Input, what: &str) -> anyhow::Result<T> {
    let (text, source) = match input {
        Input::Stdin => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("could not read standard input")?;
            (text, "standard input".to_string())
        }
        Input::File(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read {}", path.display()))?;
            (text, path.display().to_string())
        }
    };
    parse(&text, &source, what)
}

fn parse<T: DeserializeOwned>(text: &str, source: &str, what: &str) -> anyhow::Result<T> {
    serde_json::from_str(text).with_context(|| format!("{source} is not a valid {what}"))
}

#[cfg(test)]
mod tests {
    use playtest_types::DeploymentConfigSpec;

    use super::*;

    #[test]
    fn a_bad_field_is_reported_with_the_source_and_position() {
        let text =
            r#"{"name": "web", "kind": "web", "launch": {"entry": "index.html", "bogus": 1}}"#;
        let err = parse::<DeploymentConfigSpec>(text, "c.json", "deployment config").unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.starts_with("c.json is not a valid deployment config: unknown field `bogus`"),
            "{message}"
        );
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn a_good_document_parses() {
        let text = r#"{"name": "web", "kind": "web", "launch": {"entry": "index.html"}}"#;
        let spec: DeploymentConfigSpec = parse(text, "c.json", "deployment config").unwrap();
        assert_eq!(spec.launch.width, 1280);
    }
}
