//! The facts a client relies on in an OpenAPI document: each operation
//! (`GET /runs`), query parameter, request and response property
//! (`GET /runs resp.data[].result`), success code and enum value. Whatever
//! the reference has, the served document must have too; it may add.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::document::{Seen, walk};

/// Every fact of `doc`.
pub fn facts(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(doc, &mut |seen| {
        out.insert(match seen {
            Seen::Fact(fact) | Seen::EnumValue(fact) | Seen::Property(fact, _) => fact,
        });
    });
    out
}

/// The facts of `reference` that `served` lacks.
pub fn missing(reference: &Value, served: &Value) -> BTreeSet<String> {
    let served = facts(served);
    facts(reference)
        .into_iter()
        .filter(|fact| !served.contains(fact))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc(result: Value) -> Value {
        json!({
            "paths": {"/runs": {"get": {
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"content": {"application/json": {"schema":
                    {"$ref": "#/components/schemas/List"}}}}}}}},
            "components": {"schemas": {"List": {"type": "object", "properties": {
                "data": {"type": "array", "items": {"type": "object", "properties": {
                    "result": result}}}}}}}
        })
    }

    #[test]
    fn facts_reach_through_references_and_arrays_to_enum_values() {
        let facts = facts(&doc(json!({"type": "string", "enum": ["Success", null]})));
        for fact in [
            "GET /runs",
            "GET /runs param query:page",
            "GET /runs 200",
            "GET /runs resp.data",
            "GET /runs resp.data[].result",
            "GET /runs resp.data[].result enum success",
        ] {
            assert!(facts.contains(fact), "{fact} not in {facts:#?}");
        }
    }

    #[test]
    fn a_served_document_lacking_an_enum_value_misses_that_fact_only() {
        let reference = doc(json!({"type": "string", "enum": ["success", "failure"]}));
        let served = doc(json!({"type": "string", "enum": ["success"]}));
        assert_eq!(
            missing(&reference, &served),
            BTreeSet::from(["GET /runs resp.data[].result enum failure".to_string()])
        );
    }
}
