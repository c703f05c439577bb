//! Real responses held to the reference's response schemas, as a client
//! generated from the reference reads them.
//!
//! [`ResponseContract::check`] finds the reference operation a request
//! went to (by method and path, under `/api/v1` or under the uploader's
//! `/api/nexus/projects/{id}`), and validates the body against the schema
//! the reference gives for the status, with `nullable` read as the
//! reference means it ([`crate::nullable`]) and formats (`date-time`)
//! checked. Bodies are JSON values; extra properties are allowed, as the
//! reference allows them.

use std::collections::BTreeMap;

use jsonschema::Validator;
use serde_json::{Value, json};

use crate::document::{as_object, resolve};
use crate::nullable::as_null_types;

/// The operations of a document, each with a validator per status code.
pub struct ResponseContract {
    operations: Vec<Operation>,
    /// The document's `Error` schema, when it has one.
    error: Option<Validator>,
}

struct Operation {
    method: String,
    /// Path segments; `None` stands for a parameter.
    segments: Vec<Option<String>>,
    /// `GET /runs/{runId}`, as the document writes it.
    name: String,
    /// By status code; `None` for a status the reference lists without a
    /// JSON body.
    responses: BTreeMap<u16, Option<Validator>>,
}

/// What [`ResponseContract::check`] found.
#[derive(Debug)]
pub enum Checked {
    /// The body is what the reference says for this operation and status.
    Valid { operation: String },
    /// The body breaks the reference's schema; each error names where.
    Invalid {
        operation: String,
        errors: Vec<String>,
    },
    /// The reference does not list this status for the operation.
    UnlistedStatus { operation: String, status: u16 },
    /// The request is not one of the reference's operations.
    NotAnOperation,
}

impl ResponseContract {
    /// The contract of the committed reference ([`crate::reference`]).
    pub fn reference() -> Self {
        Self::new(&crate::reference()).expect("the reference's schemas compile")
    }

    /// The contract of any document with `components` and `paths`.
    pub fn new(doc: &Value) -> Result<Self, String> {
        let mut doc = doc.clone();
        as_null_types(&mut doc);
        let components = doc.get("components").cloned().unwrap_or(json!({}));
        let mut operations = Vec::new();
        for (path, item) in as_object(doc.get("paths")) {
            for (method, operation) in as_object(Some(item)) {
                let mut responses = BTreeMap::new();
                for (code, response) in as_object(operation.get("responses")) {
                    let Ok(status) = code.parse::<u16>() else {
                        continue;
                    };
                    let response = resolve(&doc, response);
                    let schema = as_object(response.get("content"))
                        .find(|(media_type, _)| media_type.contains("json"))
                        .and_then(|(_, media)| media.get("schema"));
                    let validator = schema
                        .map(|schema| compile(schema, &components))
                        .transpose()
                        .map_err(|err| format!("{} {path} {code}: {err}", method.to_uppercase()))?;
                    responses.insert(status, validator);
                }
                operations.push(Operation {
                    method: method.to_uppercase(),
                    segments: segments(path)
                        .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                        .collect(),
                    name: format!("{} {path}", method.to_uppercase()),
                    responses,
                });
            }
        }
        let error = components
            .pointer("/schemas/Error")
            .map(|_| compile(&json!({"$ref": "#/components/schemas/Error"}), &components))
            .transpose()?;
        Ok(Self { operations, error })
    }

    /// What keeps `body` from being the document's `Error` (nothing when it
    /// is one, or when the document has no `Error` schema): for error
    /// answers with a status the reference does not list.
    pub fn error_body_errors(&self, body: &Value) -> Vec<String> {
        self.error
            .as_ref()
            .map_or_else(Vec::new, |validator| errors_of(validator, body))
    }

    /// Checks one response to `method path` (the path as requested, with
    /// or without its query).
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Checked {
        let Some(operation) = self.operation(method, path) else {
            return Checked::NotAnOperation;
        };
        let name = operation.name.clone();
        match operation.responses.get(&status) {
            None => Checked::UnlistedStatus {
                operation: name,
                status,
            },
            Some(None) => Checked::Valid { operation: name },
            Some(Some(validator)) => {
                let errors = errors_of(validator, body);
                if errors.is_empty() {
                    Checked::Valid { operation: name }
                } else {
                    Checked::Invalid {
                        operation: name,
                        errors,
                    }
                }
            }
        }
    }

    /// The name of the operation `method path` goes to, if any.
    pub fn operation_name(&self, method: &str, path: &str) -> Option<&str> {
        self.operation(method, path).map(|o| o.name.as_str())
    }

    /// Every operation's name, with the statuses it lists.
    pub fn operations(&self) -> impl Iterator<Item = (&str, Vec<u16>)> {
        self.operations
            .iter()
            .map(|o| (o.name.as_str(), o.responses.keys().copied().collect()))
    }

    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        let relative = relative_path(path)?;
        let requested: Vec<&str> = segments(relative).collect();
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter(|o| {
                o.segments.len() == requested.len()
                    && o.segments.iter().zip(&requested).all(|(want, got)| {
                        want.as_deref()
                            .map_or(!got.is_empty(), |literal| literal == *got)
                    })
            })
            // `/runs/stop` before `/runs/{runId}`: the most literal match.
            .max_by_key(|o| o.segments.iter().filter(|s| s.is_some()).count())
    }
}

/// The path below the API's base: `/api/v1/runs` and the uploader's
/// `/api/nexus/projects/{id}/builds/upload` give `/runs` and
/// `/builds/upload`.
fn relative_path(path: &str) -> Option<&str> {
    if let Some(rest) = path.strip_prefix("/api/v1") {
        return rest.starts_with('/').then_some(rest);
    }
    let rest = path.strip_prefix("/api/nexus/projects/")?;
    let (_project, rest) = rest.split_once('/')?;
    Some(&path[path.len() - rest.len() - 1..])
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/').split('/')
}

fn errors_of(validator: &Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|error| format!("at '{}': {error}", error.instance_path()))
        .collect()
}

/// A validator of `schema`, whose `$ref`s name the document's components.
fn compile(schema: &Value, components: &Value) -> Result<Validator, String> {
    let mut root = match schema {
        Value::Object(map) => map.clone(),
        _ => return Err("a schema that is not an object".into()),
    };
    root.insert("components".into(), components.clone());
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&Value::Object(root))
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bug(test_step: Value, result: Value) -> Value {
        json!({"multiplayer_run_id": "abcdefghijkl", "bug_occurrences": [{
            "id": "occ_1", "test_step": test_step, "detected_at": "2026-12-05T12:00:00Z",
            "severity": "high", "result": result}]})
    }

    #[test]
    fn a_null_where_the_reference_types_an_integer_is_invalid() {
        let contract = ResponseContract::reference();
        let checked = contract.check(
            "GET",
            "/api/v1/runs/abcdefghijkl/bugs",
            200,
            &bug(json!(null), json!(1)),
        );
        let Checked::Invalid { operation, errors } = checked else {
            panic!("{checked:?}");
        };
        assert_eq!(operation, "GET /runs/{runId}/bugs");
        assert!(
            errors[0].contains("/bug_occurrences/0/test_step"),
            "{errors:?}"
        );
        let checked = contract.check(
            "GET",
            "/api/v1/runs/abcdefghijkl/bugs",
            200,
            &bug(json!(2), json!(1)),
        );
        assert!(matches!(checked, Checked::Valid { .. }), "{checked:?}");
    }

    #[test]
    fn a_nullable_enum_takes_null_and_its_values_only() {
        let contract = ResponseContract::reference();
        let list = |result: Value| json!({"data": [{"multiplayer_run_id": "abcdefghijkl", "result": result}]});
        for (result, valid) in [
            (json!(null), true),
            (json!("success"), true),
            (json!("passed"), false),
        ] {
            let checked = contract.check("GET", "/api/v1/runs?page=0", 200, &list(result.clone()));
            assert_eq!(
                matches!(checked, Checked::Valid { .. }),
                valid,
                "{result}: {checked:?}"
            );
        }
    }

    #[test]
    fn a_timestamp_that_is_not_a_date_time_is_invalid() {
        let checked = ResponseContract::reference().check(
            "GET",
            "/api/v1/runs/abcdefghijkl/bugs",
            200,
            &json!({"bug_occurrences": [{"detected_at": "yesterday"}]}),
        );
        assert!(matches!(checked, Checked::Invalid { .. }), "{checked:?}");
    }

    #[test]
    fn literal_paths_win_and_the_uploaders_paths_are_the_same_operations() {
        let contract = ResponseContract::reference();
        assert_eq!(
            contract.operation_name("POST", "/api/v1/runs/stop"),
            Some("POST /runs/stop")
        );
        assert_eq!(
            contract.operation_name("GET", "/api/v1/runs/abcdefghijkl"),
            Some("GET /runs/{runId}")
        );
        assert_eq!(
            contract.operation_name("POST", "/api/nexus/projects/prj_1/builds/upload/complete"),
            Some("POST /builds/upload/complete")
        );
        assert_eq!(contract.operation_name("GET", "/api/v1/tests"), None);
        assert_eq!(contract.operation_name("GET", "/api/v1/runs//bugs"), None);
    }

    #[test]
    fn a_status_the_reference_does_not_list_is_told_apart() {
        let checked = ResponseContract::reference().check("GET", "/api/v1/runs", 429, &json!({}));
        assert!(
            matches!(checked, Checked::UnlistedStatus { status: 429, .. }),
            "{checked:?}"
        );
    }

    #[test]
    fn an_error_body_is_held_to_the_error_schema() {
        let contract = ResponseContract::reference();
        let good = json!({"error": "Run not found", "code": "NOT_FOUND", "details": {}});
        assert!(contract.error_body_errors(&good).is_empty());
        let bad = json!({"error": "Run not found", "details": "none"});
        assert_eq!(contract.error_body_errors(&bad).len(), 1);
    }

    #[test]
    fn either_upload_answer_is_valid_and_a_wrong_upload_type_is_not() {
        let contract = ResponseContract::reference();
        let single = json!({"upload_type": "single-part", "build_id": "b", "upload_url": "u", "object_key": "k"});
        let multi = json!({"upload_type": "multipart", "build_id": "b", "upload_id": "u", "object_key": "k",
            "total_parts": 2, "part_size": 5});
        for body in [single, multi] {
            let checked = contract.check("POST", "/api/v1/builds/upload", 200, &body);
            assert!(matches!(checked, Checked::Valid { .. }), "{checked:?}");
        }
        let checked = contract.check(
            "POST",
            "/api/v1/builds/upload",
            200,
            &json!({"upload_type": "whole", "build_id": "b"}),
        );
        assert!(matches!(checked, Checked::Invalid { .. }), "{checked:?}");
    }
}
