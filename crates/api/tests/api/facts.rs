//! The facts a client relies on in an OpenAPI document (paths and methods,
//! query parameters, request and response properties, success codes, enum
//! values), so two documents can be compared: whatever the reference has,
//! the served document must have too.

use std::collections::BTreeSet;

use serde_json::Value;

fn resolve<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    let mut hops = 0;
    while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        hops += 1;
        if hops > 32 {
            return &Value::Null;
        }
        let mut target = doc;
        for part in reference.trim_start_matches("#/").split('/') {
            target = target.get(part).unwrap_or(&Value::Null);
        }
        node = target;
    }
    node
}

fn schema_facts(
    doc: &Value,
    schema: &Value,
    prefix: &str,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    let schema = resolve(doc, schema);
    if depth > 8 || !schema.is_object() {
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for sub in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            schema_facts(doc, sub, prefix, out, depth + 1);
        }
    }
    for value in schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(text) = value.as_str() {
            out.insert(format!("{prefix} enum {}", text.to_lowercase()));
        } else if !value.is_null() {
            out.insert(format!("{prefix} enum {value}"));
        }
    }
    if let Some(items) = schema.get("items") {
        schema_facts(doc, items, &format!("{prefix}[]"), out, depth + 1);
    }
    for (name, sub) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        out.insert(format!("{prefix}.{name}"));
        schema_facts(doc, sub, &format!("{prefix}.{name}"), out, depth + 1);
    }
}

/// `/api/v1/runs/{runId}` and `/runs/{id}` both become `/runs/{}`.
fn normalise(path: &str, prefixes: &[String]) -> String {
    let mut path = path.to_string();
    for prefix in prefixes {
        if !prefix.is_empty() && path.starts_with(&format!("{prefix}/")) {
            path = path[prefix.len()..].to_string();
            break;
        }
    }
    let mut out = String::new();
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

pub fn facts(doc: &Value) -> BTreeSet<String> {
    let mut prefixes = vec!["/api/v1".to_string()];
    for server in doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let url = server.get("url").and_then(Value::as_str).unwrap_or("");
        let path = url
            .split("://")
            .nth(1)
            .map_or(url, |rest| rest.find('/').map_or("", |i| &rest[i..]));
        if !path.is_empty() {
            prefixes.insert(0, path.trim_end_matches('/').to_string());
        }
    }
    let mut out = BTreeSet::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let path = normalise(path, &prefixes);
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let head = format!("{} {path}", method.to_uppercase());
            out.insert(head.clone());
            let params = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let own = operation
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            for param in params.chain(own) {
                let param = resolve(doc, param);
                let place = param.get("in").and_then(Value::as_str).unwrap_or("");
                if place == "path" {
                    continue;
                }
                let name = param.get("name").and_then(Value::as_str).unwrap_or("");
                out.insert(format!("{head} param {place}:{name}"));
                if let Some(schema) = param.get("schema") {
                    schema_facts(doc, schema, &format!("{head} param {name}"), &mut out, 0);
                }
            }
            let body = resolve(doc, operation.get("requestBody").unwrap_or(&Value::Null));
            for media in body
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(_, m)| m)
            {
                schema_facts(
                    doc,
                    media.get("schema").unwrap_or(&Value::Null),
                    &format!("{head} req"),
                    &mut out,
                    0,
                );
            }
            for (code, response) in operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if !code.starts_with('2') {
                    continue;
                }
                out.insert(format!("{head} {code}"));
                let response = resolve(doc, response);
                for (ctype, media) in response
                    .get("content")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if ctype.contains("json") {
                        let schema = media.get("schema").unwrap_or(&Value::Null);
                        schema_facts(doc, schema, &format!("{head} resp"), &mut out, 0);
                    }
                }
            }
        }
    }
    out
}
