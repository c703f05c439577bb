//! The served OpenAPI document: complete against the reference spec, and
//! browsable offline at /docs.

use playtest_contract::{facts, types};
use reqwest::Method;
use serde_json::Value;

use crate::support::{Backend, TestApp};

async fn served_document() -> Value {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = app
        .raw(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(served.status, 200);
    served.body
}

#[tokio::test]
async fn the_served_document_has_every_fact_of_the_reference() {
    let reference = playtest_contract::reference();
    assert!(
        facts::facts(&reference).len() > 100,
        "the reference yields too few facts"
    );
    let missing = facts::missing(&reference, &served_document().await);
    assert!(
        missing.is_empty(),
        "the served document lacks {} reference facts:\n{missing:#?}",
        missing.len()
    );
}

#[tokio::test]
async fn the_served_document_declares_every_reference_field_with_the_references_types() {
    let reference = playtest_contract::reference();
    let fields = types::response_field_types(&reference);
    assert!(
        fields.len() > 80,
        "the reference yields {} response fields",
        fields.len()
    );
    let mismatches = types::mismatches(&reference, &served_document().await);
    assert!(
        mismatches.is_empty(),
        "{} response fields are declared with other types than the reference's:\n{mismatches:#?}",
        mismatches.len()
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

#[tokio::test]
async fn the_served_document_shows_what_workers_play_per_platform_and_test_type() {
    let doc = served_document().await;
    let schemas = &doc["components"]["schemas"];
    let capability = &schemas["Capability"]["properties"];
    assert!(capability["platform"].is_object(), "{capability}");
    assert!(capability["test_types"].is_object(), "{capability}");
    let register = &schemas["RegisterWorkerRequest"]["properties"];
    assert!(register["capabilities"].is_object(), "{register}");
    assert_eq!(register["platforms"]["deprecated"], true, "{register}");
    let worker = &schemas["Worker"]["properties"];
    assert!(worker["capabilities"].is_object(), "{worker}");
    assert!(worker["platforms"].is_object(), "{worker}");
}

#[tokio::test]
async fn the_served_document_declares_the_text_visible_check() {
    let doc = served_document().await;
    let variants = doc["components"]["schemas"]["ExpectedResult"]["oneOf"]
        .as_array()
        .expect("ExpectedResult is one of its checks");
    let text_visible = variants
        .iter()
        .find(|v| v["properties"]["text_visible"].is_object())
        .expect("a text_visible check");
    assert_eq!(text_visible["properties"]["text_visible"]["type"], "string");
    assert_eq!(
        text_visible["required"],
        serde_json::json!(["text_visible"])
    );
}
