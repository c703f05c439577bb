//! The reference marks optional values with `nullable: true`, an OpenAPI
//! 3.0 keyword, although it declares itself OpenAPI 3.1, whose schemas are
//! JSON Schema 2020-12 where that keyword means nothing. Validators ignore
//! it; clients generated from the reference honour it. To validate as those
//! clients read, [`as_null_types`] rewrites it into JSON Schema: `null`
//! joins the `type` (and the `enum` beside it), or a schema without a type
//! becomes "it, or null".

use serde_json::{Value, json};

/// Rewrites every `nullable` keyword in `node` (a schema or a whole
/// document) into its JSON Schema meaning, in place.
pub fn as_null_types(node: &mut Value) {
    match node {
        Value::Array(items) => items.iter_mut().for_each(as_null_types),
        Value::Object(map) => {
            map.values_mut().for_each(as_null_types);
            let nullable = map.remove("nullable") == Some(Value::Bool(true));
            if !nullable {
                return;
            }
            if let Some(Value::Array(values)) = map.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            match map.get_mut("type") {
                Some(Value::String(name)) => {
                    let name = std::mem::take(name);
                    map.insert("type".into(), json!([name, "null"]));
                }
                Some(Value::Array(names)) => {
                    if !names.contains(&json!("null")) {
                        names.push(json!("null"));
                    }
                }
                _ => {
                    let schema = std::mem::take(map);
                    *node = json!({"anyOf": [Value::Object(schema), {"type": "null"}]});
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(mut schema: Value) -> Value {
        as_null_types(&mut schema);
        schema
    }

    #[test]
    fn a_nullable_enum_takes_null_in_its_type_and_among_its_values() {
        assert_eq!(
            rewritten(json!({"type": "string", "enum": ["a", "b"], "nullable": true})),
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
    }

    #[test]
    fn a_nullable_schema_without_a_type_becomes_it_or_null() {
        assert_eq!(
            rewritten(json!({"$ref": "#/x", "nullable": true})),
            json!({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]})
        );
    }

    #[test]
    fn nested_schemas_are_rewritten_and_nullable_false_is_dropped() {
        assert_eq!(
            rewritten(json!({"properties": {
                "a": {"type": "integer", "nullable": true},
                "b": {"type": "integer", "nullable": false}}})),
            json!({"properties": {
                "a": {"type": ["integer", "null"]},
                "b": {"type": "integer"}}})
        );
    }
}
