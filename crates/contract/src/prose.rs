//! The project keeps the reference's structure, not its words: the copy in
//! `reference/` is the reference document with every description, summary
//! and example taken out ([`without_prose`]). A test compares the two when
//! the reference itself is at hand (`../shared/reference/` beside the
//! repository); `cargo run -p playtest-contract --example refresh-reference`
//! writes the copy anew.

use serde_json::{Map, Value};

/// Keywords that carry prose, not structure.
const PROSE: [&str; 5] = [
    "description",
    "summary",
    "example",
    "examples",
    "externalDocs",
];

/// Maps whose keys are names chosen by the document (property names, paths,
/// codes, media types), never keywords: a property called `description`
/// stays.
const NAME_MAPS: [&str; 9] = [
    "properties",
    "patternProperties",
    "paths",
    "schemas",
    "content",
    "securitySchemes",
    "headers",
    "$defs",
    "variables",
];

/// Where a node sits, for what may be taken out of it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An object of keywords (a schema, an operation, ...).
    Keywords,
    /// A map of names to keyword objects.
    Names,
    /// An operation's `responses`: status codes to response objects.
    Responses,
    /// A response object: OpenAPI requires its `description`, which is
    /// kept, empty.
    Response,
}

/// `doc` without its prose.
pub fn without_prose(doc: &Value) -> Value {
    strip(doc, Place::Keywords)
}

fn strip(node: &Value, place: Place) -> Value {
    match node {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| strip(item, Place::Keywords))
                .collect(),
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            if place == Place::Response {
                out.insert("description".into(), Value::String(String::new()));
            }
            for (key, value) in map {
                let key = key.as_str();
                let child = match place {
                    Place::Names => Place::Keywords,
                    Place::Responses => Place::Response,
                    _ if PROSE.contains(&key) => continue,
                    // `components.responses` is a names map too.
                    _ if key == "responses" => Place::Responses,
                    _ if NAME_MAPS.contains(&key) => Place::Names,
                    _ => Place::Keywords,
                };
                out.insert(key.to_string(), strip(value, child));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    #[test]
    fn prose_goes_and_a_property_named_description_stays() {
        let doc = json!({"info": {"title": "t", "description": "words"},
            "components": {"schemas": {"Bug": {"description": "words", "properties": {
                "description": {"type": "string", "description": "words", "example": "x"}}}}}});
        assert_eq!(
            without_prose(&doc),
            json!({"info": {"title": "t"}, "components": {"schemas": {"Bug": {"properties": {
                "description": {"type": "string"}}}}}})
        );
    }

    #[test]
    fn a_response_keeps_the_description_openapi_requires_empty() {
        let doc = json!({"paths": {"/runs": {"get": {"summary": "words", "responses": {
            "200": {"description": "words", "content": {}}}}}}});
        assert_eq!(
            without_prose(&doc),
            json!({"paths": {"/runs": {"get": {"responses": {
                "200": {"description": "", "content": {}}}}}}})
        );
    }

    #[test]
    fn the_committed_copy_is_the_reference_without_its_prose() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference/nunu-openapi.json");
        let Ok(text) = std::fs::read_to_string(&shared) else {
            eprintln!(
                "no {} beside the repository: copy not compared",
                shared.display()
            );
            return;
        };
        let reference: Value = serde_json::from_str(&text).unwrap();
        assert!(
            without_prose(&reference) == crate::reference(),
            "reference/nunu-openapi.json is out of date: \
             cargo run -p playtest-contract --example refresh-reference"
        );
    }
}
