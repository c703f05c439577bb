//! Walking an OpenAPI document the way a client generator does: every
//! operation, its query parameters, request body and success responses,
//! down through `$ref`s and composed schemas to each property.

use serde_json::Value;

/// The operation methods a document's path items may hold.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// How deep composed and nested schemas are followed (the reference nests
/// four levels at most; served documents may recurse).
const MAX_DEPTH: usize = 8;

/// Follows `$ref`s (local ones, `#/...`) to the node they name; a missing
/// target or a loop gives `null`.
pub(crate) fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    let mut hops = 0;
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        hops += 1;
        if hops > 32 {
            return &Value::Null;
        }
        node = doc
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(&Value::Null);
    }
    node
}

/// What a walk reports, in document order.
pub(crate) enum Seen<'a> {
    /// A fact without a schema of its own: an operation, a parameter, a
    /// success code.
    Fact(String),
    /// A property, named by its path (`GET /runs resp.data[].result`), with
    /// its schema as written (unresolved).
    Property(String, &'a Value),
    /// An enum value allowed at a path.
    EnumValue(String),
}

/// Calls `visit` with every fact of `doc`. Paths are normalised so that
/// documents with other base paths and parameter names compare:
/// `/api/v1/runs/{run_id}` and `/runs/{runId}` both become `/runs/{}`.
pub(crate) fn walk<'a>(doc: &'a Value, visit: &mut dyn FnMut(Seen<'a>)) {
    let prefixes = base_paths(doc);
    for (path, item) in as_object(doc.get("paths")) {
        let path = normalise(path, &prefixes);
        for (method, operation) in as_object(Some(item)) {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let head = format!("{} {path}", method.to_uppercase());
            visit(Seen::Fact(head.clone()));
            let shared = as_array(item.get("parameters"));
            for param in shared.chain(as_array(operation.get("parameters"))) {
                let param = resolve(doc, param);
                let place = param.get("in").and_then(Value::as_str).unwrap_or("");
                if place == "path" {
                    continue;
                }
                let name = param.get("name").and_then(Value::as_str).unwrap_or("");
                visit(Seen::Fact(format!("{head} param {place}:{name}")));
                if let Some(schema) = param.get("schema") {
                    walk_schema(doc, schema, &format!("{head} param {name}"), visit, 0);
                }
            }
            let body = resolve(doc, operation.get("requestBody").unwrap_or(&Value::Null));
            for (_, media) in as_object(body.get("content")) {
                let schema = media.get("schema").unwrap_or(&Value::Null);
                walk_schema(doc, schema, &format!("{head} req"), visit, 0);
            }
            for (code, response) in as_object(operation.get("responses")) {
                if !code.starts_with('2') {
                    continue;
                }
                visit(Seen::Fact(format!("{head} {code}")));
                let response = resolve(doc, response);
                for (media_type, media) in as_object(response.get("content")) {
                    if media_type.contains("json") {
                        let schema = media.get("schema").unwrap_or(&Value::Null);
                        walk_schema(doc, schema, &format!("{head} resp"), visit, 0);
                    }
                }
            }
        }
    }
}

fn walk_schema<'a>(
    doc: &'a Value,
    schema: &'a Value,
    prefix: &str,
    visit: &mut dyn FnMut(Seen<'a>),
    depth: usize,
) {
    let schema = resolve(doc, schema);
    if depth > MAX_DEPTH || !schema.is_object() {
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in as_array(schema.get(key)) {
            walk_schema(doc, sub, prefix, visit, depth + 1);
        }
    }
    for value in as_array(schema.get("enum")) {
        match value {
            Value::Null => {}
            Value::String(text) => visit(Seen::EnumValue(format!(
                "{prefix} enum {}",
                text.to_lowercase()
            ))),
            other => visit(Seen::EnumValue(format!("{prefix} enum {other}"))),
        }
    }
    if let Some(items) = schema.get("items") {
        walk_schema(doc, items, &format!("{prefix}[]"), visit, depth + 1);
    }
    for (name, sub) in as_object(schema.get("properties")) {
        let path = format!("{prefix}.{name}");
        visit(Seen::Property(path.clone(), sub));
        walk_schema(doc, sub, &path, visit, depth + 1);
    }
}

/// The document's base paths: its servers' (`https://nunu.ai/api/v1` gives
/// `/api/v1`) and playtest's own `/api/v1`.
fn base_paths(doc: &Value) -> Vec<String> {
    let mut prefixes = vec!["/api/v1".to_string()];
    for server in as_array(doc.get("servers")) {
        let url = server.get("url").and_then(Value::as_str).unwrap_or("");
        let path = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
        if !path.is_empty() {
            prefixes.insert(0, path.trim_end_matches('/').to_string());
        }
    }
    prefixes
}

fn normalise(path: &str, prefixes: &[String]) -> String {
    let path = prefixes
        .iter()
        .find_map(|prefix| {
            path.strip_prefix(prefix.as_str())
                .filter(|rest| rest.starts_with('/'))
        })
        .unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn as_object(node: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    node.and_then(Value::as_object).into_iter().flatten()
}

pub(crate) fn as_array(node: Option<&Value>) -> impl Iterator<Item = &Value> {
    node.and_then(Value::as_array).into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn base_paths_and_parameter_names_are_normalised_away() {
        let prefixes = base_paths(&json!({"servers": [{"url": "https://nunu.ai/api/v1"}]}));
        assert_eq!(normalise("/runs/{runId}/bugs", &prefixes), "/runs/{}/bugs");
        assert_eq!(
            normalise("/api/v1/runs/{run_id}/bugs", &prefixes),
            "/runs/{}/bugs"
        );
        assert_eq!(normalise("/api/v1x", &prefixes), "/api/v1x");
    }

    #[test]
    fn a_reference_loop_resolves_to_null_instead_of_hanging() {
        let doc = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        assert!(resolve(&doc, &doc["a"]).is_null());
    }
}
