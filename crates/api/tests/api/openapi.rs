//! The served OpenAPI document: complete against the reference spec, and
//! browsable offline at /docs.

use std::collections::BTreeSet;
use std::path::PathBuf;

use reqwest::Method;
use serde_json::Value;

use crate::facts::facts;
use crate::support::{Backend, TestApp};

fn reference_spec() -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/nunu-openapi.json");
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).expect("the reference spec is JSON"))
}

#[tokio::test]
async fn the_served_document_has_every_fact_of_the_reference() {
    let Some(reference) = reference_spec() else {
        eprintln!(
            "no ../shared/reference/nunu-openapi.json beside the project: conformance not checked"
        );
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = app
        .raw(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(served.status, 200);
    let served_facts = facts(&served.body);
    let reference_facts = facts(&reference);
    assert!(
        reference_facts.len() > 100,
        "the reference yields {} facts",
        reference_facts.len()
    );
    let missing: BTreeSet<_> = reference_facts.difference(&served_facts).collect();
    assert!(
        missing.is_empty(),
        "the served document lacks {} reference facts:\n{missing:#?}",
        missing.len()
    );
}

#[tokio::test]
async fn every_served_operation_is_documented_with_its_error_shape() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app
        .raw(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .body;
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/runs",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/bugs",
        "/api/v1/runs/stop",
        "/api/v1/tests",
        "/api/v1/test-plans",
        "/api/v1/deployment-configs",
        "/api/v1/keys",
        "/api/v1/project",
        "/api/v1/health",
        "/api/v1/tests/{test_id}/assets",
        "/api/v1/tests/{test_id}/assets/{name}",
        "/api/v1/bugs/occurrences/{occurrence_id}",
        "/api/v1/bugs/occurrences/{occurrence_id}/replay",
        "/api/v1/bugs/occurrences/{occurrence_id}/minimize",
    ] {
        assert!(paths.contains_key(expected), "{expected} is not documented");
    }
    assert!(doc["components"]["securitySchemes"]["apiKeyAuth"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn the_docs_page_is_served_without_outside_assets() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let page = http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "not the Swagger UI page");
    assert!(
        !html.contains("https://"),
        "the docs page loads outside assets"
    );
    let script = http
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    let initializer = http
        .get(format!("{}/docs/swagger-initializer.js", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(initializer.contains("/api/v1/openapi.json"));
}
