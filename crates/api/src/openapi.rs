//! The served OpenAPI document. Paths and schemas come from the handlers'
//! `#[utoipa::path]` annotations and the wire types (collected by
//! utoipa-axum as routes are added); this module adds what is global: the
//! title, the security schemes (API keys; worker tokens) and the tags.

use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
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
        (name = "Bugs", description = "Bug occurrences with their action traces; replay and minimise them"),
        (name = "Tests", description = "Tests, test plans and deployment configs"),
        (name = "Project", description = "The caller's project and its API keys"),
        (name = "Builds", description = "Upload, list, download and delete game builds"),
        (name = "Workers", description = "The workers serving the project, and their tokens"),
        (name = "Worker protocol", description = "What workers call: register, lease jobs, heartbeat, report, complete"),
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
        components.add_security_scheme(
            "worker_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A worker token, created with `playtest workers token create` or `POST /api/v1/workers/tokens`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Documents the error answers every operation can give, so that the
/// document describes the server as it behaves: authentication and rate
/// limits on every authenticated operation, body problems wherever there is a
/// body, 404 wherever there is an id in the path, and 500 everywhere. Each
/// is an [`playtest_types::ErrorBody`]. Answers an operation documents
/// itself are left alone.
pub fn document_common_errors(doc: &mut OpenApiDoc) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let authenticated = path != "/api/v1/health";
        let has_id = path.contains('{');
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let has_body = operation.request_body.is_some();
            let has_query = operation.parameters.iter().flatten().any(|p| {
                matches!(p, utoipa::openapi::RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
            });
            let mut common = vec![(
                "500",
                "Internal fault; details.request_id identifies it in the server log",
            )];
            if authenticated {
                common.extend([
                    (
                        "401",
                        "No credentials (an API key; a worker token on /worker routes), or unknown ones",
                    ),
                    (
                        "403",
                        "The key is disabled, expired, or lacks the permission",
                    ),
                    ("429", "The key is over its rate limit; see Retry-After"),
                ]);
            }
            if has_body || has_query {
                common.push((
                    "400",
                    "A field or parameter is invalid; details.field names it",
                ));
            }
            if has_body {
                common.extend([
                    ("413", "The body is over the size limit"),
                    ("415", "The body is not application/json"),
                ]);
            }
            if has_id {
                common.push(("404", "No such object in the key's project"));
            }
            for (status, description) in common {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(description).into());
            }
        }
    }
}

/// Adds OpenAPI links from each create operation to the operations on the
/// object it created (`POST /tests` → `GET /tests/{test_id}`, `POST /runs` →
/// `GET /runs/{run_id}`...), so clients and API fuzzers can follow them.
pub fn link_created_objects(doc: &mut OpenApiDoc) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::link::LinkBuilder;

    let targets: Vec<(String, String, String)> = doc
        .paths
        .paths
        .keys()
        .filter_map(|path| {
            let (collection, last) = path.rsplit_once('/')?;
            let param = last.strip_prefix('{')?.strip_suffix('}')?.to_string();
            Some((collection.to_string(), param, path.clone()))
        })
        .collect();
    for (collection, param, path) in targets {
        let source = if collection.ends_with("/runs") {
            "$response.body#/data/multiplayer_run_id"
        } else {
            "$response.body#/id"
        };
        let operation_ids: Vec<String> = {
            let item = &doc.paths.paths[&path];
            [&item.get, &item.put, &item.delete, &item.patch]
                .into_iter()
                .flatten()
                .filter_map(|op| op.operation_id.clone())
                .collect()
        };
        let bugs_path = format!("{path}/bugs");
        let more: Vec<String> = doc
            .paths
            .paths
            .get(&bugs_path)
            .and_then(|item| item.get.as_ref())
            .and_then(|op| op.operation_id.clone())
            .into_iter()
            .collect();
        let Some(create) = doc
            .paths
            .paths
            .get_mut(&collection)
            .and_then(|item| item.post.as_mut())
        else {
            continue;
        };
        let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
            continue;
        };
        for operation_id in operation_ids.into_iter().chain(more) {
            let link = LinkBuilder::new()
                .operation_id(&operation_id)
                .parameter(&param, source)
                .build();
            created.links.insert(operation_id, RefOr::T(link));
        }
    }
}

/// Documents the signed storage URLs of the local blob store
/// (`/blobs/{key}`): they are served by the blob crate's own router, which
/// knows nothing of OpenAPI, yet clients PUT and GET them. Their query
/// carries the grant and its signature; a URL altered or expired is 403.
pub fn document_signed_storage_urls(doc: &mut OpenApiDoc) {
    use utoipa::openapi::path::{
        HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItemBuilder,
    };
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};

    let string = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
    let integer = || {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0))
    };
    let query = |name: &str, required: bool, schema: ObjectBuilder, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Query)
            .required(if required {
                Required::True
            } else {
                Required::False
            })
            .schema(Some(schema.build()))
            .description(Some(description))
            .build()
    };
    let parameters = || {
        vec![
            ParameterBuilder::new()
                .name("key")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(string().build()))
                .description(Some("The object's key, as in the URL handed out"))
                .build(),
            query(
                "upload_id",
                false,
                string(),
                "The multipart upload a part belongs to",
            ),
            query("part_number", false, integer(), "The part's number, from 1"),
            query(
                "download_name",
                false,
                string(),
                "The name a download is saved under",
            ),
            query(
                "expires",
                true,
                integer(),
                "Unix time the URL stops working",
            ),
            query("signature", true, string(), "HMAC-SHA256 of the grant"),
        ]
    };
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let put = OperationBuilder::new()
        .tag("Builds")
        .operation_id(Some("putSignedObject"))
        .summary(Some(
            "PUT the bytes of an object or of one part to a signed URL (local store)",
        ))
        .securities(Some(vec![SecurityRequirement::default()]))
        .parameters(Some(parameters()))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/octet-stream",
                    ContentBuilder::new()
                        .schema(Some(
                            string()
                                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                                    utoipa::openapi::KnownFormat::Binary,
                                )))
                                .build(),
                        ))
                        .build(),
                )
                .build(),
        ))
        .response(
            "200",
            ResponseBuilder::new()
                .description("Stored; the ETag header names what arrived")
                .build(),
        )
        .response(
            "400",
            error("The body stopped early, or the part is not acceptable"),
        )
        .response(
            "403",
            error("The signature does not match, or the URL expired"),
        )
        .response("404", error("The upload is gone"))
        .response("500", error("Internal fault"))
        .build();
    let get = OperationBuilder::new()
        .tag("Builds")
        .operation_id(Some("getSignedObject"))
        .summary(Some("GET an object from a signed URL (local store)"))
        .securities(Some(vec![SecurityRequirement::default()]))
        .parameters(Some(parameters()))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The object's bytes")
                .content(
                    "application/octet-stream",
                    ContentBuilder::new()
                        .schema(Some(
                            string()
                                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                                    utoipa::openapi::KnownFormat::Binary,
                                )))
                                .build(),
                        ))
                        .build(),
                )
                .build(),
        )
        .response(
            "403",
            error("The signature does not match, or the URL expired"),
        )
        .response("404", error("No such object"))
        .response("500", error("Internal fault"))
        .build();
    let item = PathItemBuilder::new()
        .operation(HttpMethod::Put, put)
        .operation(HttpMethod::Get, get)
        .build();
    doc.paths.paths.insert("/blobs/{key}".to_string(), item);
}
