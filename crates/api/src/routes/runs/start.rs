//! `POST /runs`: turns a test or a test plan into jobs and runs, all
//! written in one transaction. Each run keeps a copy of its test as it was,
//! so later edits of the test do not change what a queued run will play.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use playtest_store::{NewPlanExecution, NewRun, NewRunBatch, StoreError, ids};
use playtest_types::{
    DeploymentConfig, ErrorBody, Initiator, Permission, StartRunData, StartRunRequest,
    StartRunResponse, Test, TestSpec,
};

use super::templates::render_test;
use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::routes::new_run::{initiator_of, players_of};
use crate::{ApiError, AppState, validate};

/// Starts a test or a test plan against a deployment config.
#[utoipa::path(post, path = "/runs", tag = "Runs", operation_id = "startRun", request_body = StartRunRequest,
    responses(
        (status = 201, description = "The runs are queued", body = StartRunResponse),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks project:operate-runs", body = ErrorBody),
        (status = 404, description = "The test, test plan or deployment config is not in the project", body = ErrorBody),
    ))]
pub async fn start_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<StartRunRequest>,
) -> Result<(StatusCode, Json<StartRunResponse>), ApiError> {
    caller.require(Permission::OperateRuns)?;
    validate::start_run(&request)?;
    let store = state.store();
    let project = caller.project_id.as_str();
    let config = store
        .deployment_config(project, &request.deployment_config_id)
        .await
        .map_err(|err| not_found_as(err, "Deployment config not found", "deployment_config_id"))?;

    let default_retries = request.retries.unwrap_or(0);
    let (items, plan_execution) = match (&request.multiplayer_test_id, &request.test_plan_id) {
        (Some(test_id), _) => {
            let test = store
                .test(project, test_id)
                .await
                .map_err(|err| not_found_as(err, "Test not found", "multiplayer_test_id"))?;
            (vec![(test, default_retries)], None)
        }
        (None, Some(plan_id)) => {
            let plan = store
                .test_plan(project, plan_id)
                .await
                .map_err(|err| not_found_as(err, "Test plan not found", "test_plan_id"))?;
            let mut items = Vec::with_capacity(plan.spec.test_items.len());
            for item in &plan.spec.test_items {
                let test = store
                    .test(project, &item.multiplayer_test_id)
                    .await
                    .map_err(|err| {
                        not_found_as(
                            err,
                            &format!(
                                "Test {} of the test plan not found",
                                item.multiplayer_test_id
                            ),
                            "test_plan_id",
                        )
                    })?;
                items.push((test, item.retries.unwrap_or(default_retries)));
            }
            let execution = NewPlanExecution {
                id: ids::prefixed("tpe"),
                test_plan_id: plan.id,
            };
            (items, Some(execution))
        }
        (None, None) => unreachable!("validate::start_run requires a test or a test plan"),
    };

    let instances = request.instances.unwrap_or(1);
    let initiator = initiator_of(&caller);
    let mut runs = Vec::with_capacity(items.len() * instances as usize);
    for (test, retries) in &items {
        let spec = if request.render_templates {
            render_test(
                &test.spec,
                request
                    .template_data
                    .as_ref()
                    .unwrap_or(&Default::default()),
            )?
        } else {
            test.spec.clone()
        };
        for _ in 0..instances {
            runs.push(new_run(
                &request,
                &config,
                test,
                &spec,
                *retries as i32,
                &initiator,
            ));
        }
    }
    let batch = NewRunBatch {
        project_id: caller.project_id.clone(),
        created_at: state.clock().now(),
        plan_execution,
        runs,
    };
    store.create_runs(&batch).await?;

    let first = &batch.runs[0];
    let many = batch.runs.len() > 1 || batch.plan_execution.is_some();
    let data = StartRunData {
        job_id: first.job_id.clone(),
        multiplayer_run_id: first.run_id.clone(),
        job_ids: many.then(|| batch.runs.iter().map(|r| r.job_id.clone()).collect()),
        multiplayer_run_ids: many.then(|| batch.runs.iter().map(|r| r.run_id.clone()).collect()),
        test_plan_execution_id: batch.plan_execution.as_ref().map(|e| e.id.clone()),
    };
    let body = StartRunResponse {
        ok: true,
        status: 201,
        message: "queued".to_string(),
        data,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

fn not_found_as(err: StoreError, message: &str, field: &str) -> ApiError {
    ApiError::or_not_found(err, ApiError::not_found_field(message, field))
}

fn new_run(
    request: &StartRunRequest,
    config: &DeploymentConfig,
    test: &Test,
    spec: &TestSpec,
    retries: i32,
    initiator: &Initiator,
) -> NewRun {
    let mut tags = spec.tags.clone();
    for tag in &request.additional_tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let mut options = request.options.clone().unwrap_or_default();
    options.min_time_seconds = options.min_time_seconds.or(spec.min_seconds);
    options.max_time_seconds = options.max_time_seconds.or(spec.max_seconds);
    NewRun {
        job_id: ids::short_id(),
        run_id: ids::short_id(),
        test_id: test.id.clone(),
        test_name: spec.name.clone(),
        test_spec: spec.clone(),
        deployment_config_id: config.id.clone(),
        platform: config.spec.kind,
        build_id: request
            .build_id
            .clone()
            .or_else(|| config.spec.build_id.clone()),
        tags,
        initiator: initiator.clone(),
        options,
        templating_enabled: request.render_templates,
        template_data: request.template_data.clone().unwrap_or_default(),
        retries,
        players: players_of(spec),
        replay: None,
    }
}
