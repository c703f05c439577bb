//! The served OpenAPI document. Paths and schemas come from the handlers'
//! `#[utoipa::path]` annotations and the wire types (collected by
//! utoipa-axum as routes are added); this module adds what is global: the
//! title, the API-key security scheme and the tags.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "playtest API",
        description = "Play-test game builds with agents: upload builds, start tests and test plans, follow runs, read verdicts and bugs. Compatible with the nunu.ai public API.",
    ),
    modifiers(&ApiKeyScheme),
    security(("apiKeyAuth" = [])),
    tags(
        (name = "Runs", description = "Start, list, inspect and stop runs"),
        (name = "Tests", description = "Tests, test plans and deployment configs"),
        (name = "Project", description = "The caller's project and its API keys"),
        (name = "Service", description = "Health of the server"),
    )
)]
pub struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKeyAuth",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "A project's API key, created with `playtest keys create` or `POST /api/v1/keys`",
            ))),
        );
    }
}
