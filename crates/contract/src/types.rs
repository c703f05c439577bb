//! The JSON types a document declares for each response field, so the
//! served document can be held to the reference's: a field the reference
//! types as a plain `integer` must not be declared (or sent) as `null`.
//!
//! Both ways of saying "or null" count: the reference's `nullable: true`
//! (the OpenAPI 3.0 keyword it uses although it says 3.1) and the 3.1 forms
//! a served document uses (`type: ["integer", "null"]`, a `null` branch in
//! `oneOf`/`anyOf`, `null` among `enum` values).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::document::{Seen, as_array, resolve, walk};

/// A set of JSON type names (`string`, `integer`, `null`, ...); `any` when
/// the schema does not restrict the type.
pub type TypeSet = BTreeSet<&'static str>;

/// The declared types of every response property of `doc`, by fact
/// (`GET /runs/{}/bugs resp.bug_occurrences[].turn`).
pub fn response_field_types(doc: &Value) -> BTreeMap<String, TypeSet> {
    let mut out = BTreeMap::new();
    walk(doc, &mut |seen| {
        if let Seen::Property(fact, schema) = seen
            && fact.contains(" resp.")
        {
            out.insert(fact, types_of(doc, schema));
        }
    });
    out
}

/// One field whose served types differ from the reference's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMismatch {
    pub field: String,
    pub reference: TypeSet,
    pub served: TypeSet,
}

/// The reference's response fields that `served` declares with other types
/// (fields it lacks are [`crate::facts::missing`]'s to report).
pub fn mismatches(reference: &Value, served: &Value) -> Vec<TypeMismatch> {
    let served_types = response_field_types(served);
    response_field_types(reference)
        .into_iter()
        .filter_map(|(field, reference)| {
            let served = served_types.get(&field)?;
            (*served != reference).then(|| TypeMismatch {
                field,
                reference,
                served: served.clone(),
            })
        })
        .collect()
}

/// The JSON types a schema allows.
pub fn types_of(doc: &Value, schema: &Value) -> TypeSet {
    types_within(doc, schema, 0)
}

fn types_within(doc: &Value, schema: &Value, depth: usize) -> TypeSet {
    let schema = resolve(doc, schema);
    let mut types = TypeSet::new();
    if depth > 16 || !schema.is_object() {
        types.insert("any");
        return types;
    }
    match schema.get("type") {
        Some(Value::String(name)) => types.extend(type_name(name)),
        Some(Value::Array(names)) => {
            types.extend(names.iter().filter_map(Value::as_str).filter_map(type_name));
        }
        _ => {}
    }
    if types.is_empty() {
        if let Some(value) = schema.get("const") {
            types.insert(type_of_value(value));
        }
        types.extend(as_array(schema.get("enum")).map(type_of_value));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for sub in as_array(schema.get(key)) {
            types.extend(types_within(doc, sub, depth + 1));
        }
    }
    if types.is_empty() {
        if schema.get("properties").is_some() {
            types.insert("object");
        } else if schema.get("items").is_some() {
            types.insert("array");
        } else {
            types.insert("any");
        }
    }
    let null_listed = as_array(schema.get("enum")).any(Value::is_null);
    if schema.get("nullable") == Some(&Value::Bool(true)) || null_listed {
        types.insert("null");
    }
    types
}

fn type_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "string" => "string",
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "object" => "object",
        "array" => "array",
        "null" => "null",
        _ => return None,
    })
}

fn type_of_value(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(names: &[&'static str]) -> TypeSet {
        names.iter().copied().collect()
    }

    #[test]
    fn every_way_of_saying_or_null_is_read_as_null() {
        let doc = json!({"components": {"schemas": {"R": {"type": "string", "enum": ["a"]}}}});
        let cases = [
            (
                json!({"type": "string", "nullable": true}),
                set(&["string", "null"]),
            ),
            (
                json!({"type": ["integer", "null"]}),
                set(&["integer", "null"]),
            ),
            (
                json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/R"}]}),
                set(&["string", "null"]),
            ),
            (json!({"enum": ["a", null]}), set(&["string", "null"])),
            (json!({"type": "integer"}), set(&["integer"])),
            (json!({"$ref": "#/components/schemas/R"}), set(&["string"])),
            (json!({"properties": {}}), set(&["object"])),
            (json!({}), set(&["any"])),
        ];
        for (schema, expected) in cases {
            assert_eq!(types_of(&doc, &schema), expected, "{schema}");
        }
    }

    #[test]
    fn a_served_field_that_may_be_null_where_the_reference_says_integer_is_a_mismatch() {
        let document = |turn: Value| {
            json!({"paths": {"/bugs": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "turn": turn, "title": {"type": "string"}}}}}}}}}}})
        };
        let reference = document(json!({"type": "integer"}));
        let served = document(json!({"type": ["integer", "null"]}));
        assert_eq!(
            mismatches(&reference, &served),
            vec![TypeMismatch {
                field: "GET /bugs resp.turn".into(),
                reference: set(&["integer"]),
                served: set(&["integer", "null"]),
            }]
        );
        assert!(mismatches(&reference, &reference).is_empty());
    }
}
