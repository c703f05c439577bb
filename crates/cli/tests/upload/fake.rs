//! A stand-in for the server side of uploads, which does not exist yet: the
//! four upload endpoints, the builds endpoints and a storage that takes
//! PUTs, as the reference defines them, with faults a test can script
//! (statuses, Retry-After, expired URLs, a storage that stops answering)
//! and a log of everything the CLI sent. It checks what a real server
//! would: every part present, ETags matching, the file reassembled.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use playtest_types::{
    Build, BuildDetails, BuildList, BuildStatus, CompleteUploadRequest, InitiateUploadRequest,
    Pagination,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const API_KEY: &str = "pt_fake_key";

/// A scripted answer to one PUT, given before the part is accepted.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    Status(u16),
    /// 429 with `Retry-After: seconds`.
    Throttle(u64),
}

/// What the fake does; tests change it between runs.
#[derive(Debug, Clone)]
pub struct Script {
    /// Files of at least this size are uploaded in parts.
    pub multipart_threshold: u64,
    pub part_size: u64,
    /// Faults answered, in order, to the PUTs of a part (0: single-part).
    pub faults: HashMap<u64, VecDeque<Fault>>,
    /// Parts whose first URL has expired (answered 403).
    pub expired_first_url: HashSet<u64>,
    /// Once this many PUTs were let through, the others never answer (as
    /// when the network or the CLI dies).
    pub hang_after: Option<usize>,
    /// Once this many parts were accepted, PUTs answer this status.
    pub fail_after: Option<(usize, u16)>,
    /// How long each part's answer is held back.
    pub delays: HashMap<u64, Duration>,
    /// Answer to initiate instead of starting an upload.
    pub refuse_initiate: Option<(u16, Value)>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            multipart_threshold: 1024 * 1024,
            part_size: 64 * 1024,
            faults: HashMap::new(),
            expired_first_url: HashSet::new(),
            hang_after: None,
            fail_after: None,
            delays: HashMap::new(),
            refuse_initiate: None,
        }
    }
}

/// One PUT the storage received.
#[derive(Debug, Clone)]
pub struct Put {
    /// 0 for a single-part upload.
    pub part: u64,
    pub at: Instant,
    pub content_length: Option<u64>,
    pub chunked: bool,
}

#[derive(Debug, Clone)]
struct Upload {
    build_id: String,
    object_key: String,
    request: InitiateUploadRequest,
    part_size: u64,
    total_parts: u64,
    multipart: bool,
}

/// Everything the CLI did.
#[derive(Debug, Default)]
pub struct Log {
    pub initiates: Vec<InitiateUploadRequest>,
    pub puts: Vec<Put>,
    /// Part numbers of each part URL request, and whether it carried a key.
    pub url_requests: Vec<(Vec<u64>, bool)>,
    pub completes: Vec<CompleteUploadRequest>,
    pub cancels: Vec<HashMap<String, String>>,
    /// Parts accepted, by (upload id, part).
    pub accepted: BTreeMap<(String, u64), usize>,
    pub in_flight: usize,
    pub max_in_flight: usize,
}

#[derive(Debug, Default)]
struct World {
    script: Script,
    log: Log,
    uploads: HashMap<String, Upload>,
    /// (upload id, part) -> (bytes, etag)
    parts: HashMap<(String, u64), (Bytes, String)>,
    /// URLs handed out per part, to tell the first from later ones.
    urls_given: HashMap<(String, u64), u32>,
    builds: BTreeMap<String, (Build, Bytes)>,
    next_id: u32,
    accepted_total: usize,
    /// PUTs let through while `hang_after` holds.
    admitted: usize,
}

pub struct FakeServer {
    pub url: String,
    world: Arc<Mutex<World>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl FakeServer {
    pub fn start(script: Script) -> FakeServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let url = format!("http://{addr}");
        let world = Arc::new(Mutex::new(World {
            script,
            ..Default::default()
        }));
        let app = router(Fake {
            world: world.clone(),
            base: url.clone(),
        });
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
        FakeServer {
            url,
            world,
            runtime: Some(runtime),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    /// Changes the script (between two runs of the CLI).
    pub fn script(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.world().script);
    }

    pub fn log<T>(&self, read: impl FnOnce(&Log) -> T) -> T {
        read(&self.world().log)
    }

    /// Drops every unfinished upload, as when they expire.
    pub fn forget_uploads(&self) {
        self.world().uploads.clear();
    }

    /// PUTs received per part number.
    pub fn puts_per_part(&self) -> BTreeMap<u64, usize> {
        let mut counts = BTreeMap::new();
        for put in &self.world().log.puts {
            *counts.entry(put.part).or_default() += 1;
        }
        counts
    }

    /// The stored file of a completed build.
    pub fn build_bytes(&self, build_id: &str) -> Option<Vec<u8>> {
        self.world()
            .builds
            .get(build_id)
            .map(|(_, bytes)| bytes.to_vec())
    }
}

#[derive(Clone)]
struct Fake {
    world: Arc<Mutex<World>>,
    base: String,
}

impl Fake {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }
}

fn router(fake: Fake) -> Router {
    Router::new()
        .route("/api/v1/builds/upload", post(initiate).delete(cancel))
        .route("/api/v1/builds/upload/parts", get(part_urls))
        .route("/api/v1/builds/upload/complete", post(complete))
        .route("/api/v1/builds", get(list_builds))
        .route("/api/v1/builds/{id}", get(get_build).delete(delete_build))
        .route("/api/v1/builds/{id}/download", get(download_redirect))
        .route("/store/{upload}/{part}", put(store_part))
        .route("/files/{id}", get(serve_file))
        .with_state(fake)
}

fn error(status: u16, message: &str, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        axum::Json(json!({"error": message, "code": code, "details": {}})),
    )
        .into_response()
}

fn upload_not_found() -> Response {
    error(404, "Upload not found", "UPLOAD_NOT_FOUND")
}

fn has_key(headers: &HeaderMap) -> bool {
    headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(API_KEY)
}

async fn initiate(
    State(fake): State<Fake>,
    headers: HeaderMap,
    axum::Json(request): axum::Json<InitiateUploadRequest>,
) -> Response {
    if !has_key(&headers) {
        return error(401, "Invalid API key", "UNAUTHORIZED");
    }
    let mut world = fake.world();
    world.log.initiates.push(request.clone());
    if let Some((status, body)) = world.script.refuse_initiate.clone() {
        return (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
    }
    world.next_id += 1;
    let n = world.next_id;
    let size = request.file_size as u64;
    let multipart = request.multipart == Some(true) || size >= world.script.multipart_threshold;
    let part_size = world.script.part_size;
    let upload = Upload {
        build_id: format!("bld_{n}"),
        object_key: format!("builds/bld_{n}/{}", request.file_name),
        part_size,
        total_parts: if multipart {
            size.div_ceil(part_size)
        } else {
            1
        },
        multipart,
        request,
    };
    let upload_id = format!("up_{n}");
    let answer = if multipart {
        json!({
            "upload_type": "multipart",
            "build_id": upload.build_id,
            "upload_id": upload_id,
            "object_key": upload.object_key,
            "total_parts": upload.total_parts,
            "part_size": part_size,
        })
    } else {
        json!({
            "upload_type": "single-part",
            "build_id": upload.build_id,
            "upload_url": format!("{}/store/{upload_id}/0", fake.base),
            "object_key": upload.object_key,
        })
    };
    world.uploads.insert(upload_id, upload);
    axum::Json(answer).into_response()
}

async fn part_urls(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut world = fake.world();
    let numbers: Vec<u64> = query["part_numbers"]
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    world
        .log
        .url_requests
        .push((numbers.clone(), headers.contains_key("x-api-key")));
    let upload_id = query["upload_id"].clone();
    let known = world
        .uploads
        .get(&upload_id)
        .is_some_and(|upload| upload.object_key == query["object_key"]);
    if !known {
        return upload_not_found();
    }
    let mut urls = Vec::new();
    for n in numbers {
        let given = world.urls_given.entry((upload_id.clone(), n)).or_default();
        *given += 1;
        let generation = *given;
        urls.push(json!({
            "part_number": n,
            "url": format!("{}/store/{upload_id}/{n}?generation={generation}", fake.base),
        }));
    }
    axum::Json(json!({ "upload_urls": urls })).into_response()
}

/// Counts a PUT as in flight for as long as it lives.
struct InFlight(Arc<Mutex<World>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().log.in_flight -= 1;
    }
}

async fn store_part(
    State(fake): State<Fake>,
    Path((upload_id, part)): Path<(String, u64)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (fault, hang, delay) = {
        let mut world = fake.world();
        world.log.in_flight += 1;
        world.log.max_in_flight = world.log.max_in_flight.max(world.log.in_flight);
        world.log.puts.push(Put {
            part,
            at: Instant::now(),
            content_length: headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok()),
            chunked: headers.contains_key(header::TRANSFER_ENCODING),
        });
        if !world.uploads.contains_key(&upload_id) {
            world.log.in_flight -= 1;
            return error(404, "Upload not found", "NoSuchUpload");
        }
        let expired = world.script.expired_first_url.contains(&part)
            && query.get("generation").map(String::as_str) == Some("1");
        let accepted = world.accepted_total;
        let fault = if expired {
            Some(Err(()))
        } else if let Some((after, status)) = world
            .script
            .fail_after
            .filter(|(after, _)| accepted >= *after)
        {
            let _ = after;
            Some(Ok(Fault::Status(status)))
        } else {
            world
                .script
                .faults
                .get_mut(&part)
                .and_then(VecDeque::pop_front)
                .map(Ok)
        };
        // Whether this PUT will be accepted or hang is decided on arrival,
        // so that a PUT of a killed CLI is never accepted later on.
        let hang = fault.is_none()
            && match world.script.hang_after {
                Some(after) if world.admitted >= after => true,
                _ => {
                    world.admitted += 1;
                    false
                }
            };
        (fault, hang, world.script.delays.get(&part).copied())
    };
    let _in_flight = InFlight(fake.world.clone());
    match fault {
        Some(Err(())) => {
            let xml = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
                       <Message>Request has expired</Message></Error>";
            return (StatusCode::FORBIDDEN, xml).into_response();
        }
        Some(Ok(Fault::Status(status))) => return error(status, "scripted failure", "SCRIPTED"),
        Some(Ok(Fault::Throttle(seconds))) => {
            let mut response = error(429, "Slow down", "SlowDown");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
            return response;
        }
        None => {}
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    if hang {
        return std::future::pending::<Response>().await;
    }
    let mut world = fake.world();
    world
        .parts
        .insert((upload_id.clone(), part), (body, etag.clone()));
    *world.log.accepted.entry((upload_id, part)).or_default() += 1;
    world.accepted_total += 1;
    ([(header::ETAG, etag)], "").into_response()
}

async fn complete(
    State(fake): State<Fake>,
    headers: HeaderMap,
    axum::Json(request): axum::Json<CompleteUploadRequest>,
) -> Response {
    if !has_key(&headers) {
        return error(401, "Invalid API key", "UNAUTHORIZED");
    }
    let mut world = fake.world();
    world.log.completes.push(request.clone());
    let found = world
        .uploads
        .iter()
        .find(|(_, upload)| upload.build_id == request.build_id)
        .map(|(id, upload)| (id.clone(), upload.clone()));
    let Some((upload_id, upload)) = found else {
        return upload_not_found();
    };
    if request.object_key.as_deref() != Some(upload.object_key.as_str()) {
        return error(
            400,
            "object_key does not match the upload",
            "VALIDATION_ERROR",
        );
    }
    let mut file = Vec::new();
    if upload.multipart {
        if request.upload_id.as_deref() != Some(upload_id.as_str()) {
            return upload_not_found();
        }
        let parts = request.parts.clone().unwrap_or_default();
        let numbers: Vec<u64> = parts.iter().map(|p| p.part_number as u64).collect();
        if numbers != (1..=upload.total_parts).collect::<Vec<_>>() {
            return error(
                400,
                &format!(
                    "parts must be 1..={} in order, got {numbers:?}",
                    upload.total_parts
                ),
                "VALIDATION_ERROR",
            );
        }
        for part in &parts {
            match world
                .parts
                .get(&(upload_id.clone(), part.part_number as u64))
            {
                Some((bytes, etag)) if *etag == part.etag => {
                    let n = part.part_number as u64;
                    let expected = upload
                        .part_size
                        .min(upload.request.file_size as u64 - (n - 1) * upload.part_size);
                    if bytes.len() as u64 != expected {
                        return error(
                            400,
                            &format!("part {n} has the wrong size"),
                            "VALIDATION_ERROR",
                        );
                    }
                    file.extend_from_slice(bytes);
                }
                _ => {
                    return error(
                        400,
                        &format!("ETag mismatch for part {}", part.part_number),
                        "VALIDATION_ERROR",
                    );
                }
            }
        }
    } else {
        match world.parts.get(&(upload_id.clone(), 0)) {
            Some((bytes, _)) => file.extend_from_slice(bytes),
            None => return error(400, "the file was not uploaded", "VALIDATION_ERROR"),
        }
    }
    if file.len() as i64 != upload.request.file_size {
        return error(400, "the file has the wrong size", "VALIDATION_ERROR");
    }
    let request = &upload.request;
    let build = Build {
        id: upload.build_id.clone(),
        project_id: "prj_fake".into(),
        name: request.name.clone(),
        platform: request.platform,
        status: BuildStatus::Ready,
        file_name: request.file_name.clone(),
        file_size: request.file_size,
        sha256: Some(hex::encode(Sha256::digest(&file))),
        tags: request.tags.clone(),
        pinned: false,
        description: request.description.clone(),
        details: request
            .details
            .clone()
            .unwrap_or_else(BuildDetails::default),
        created_at: chrono::Utc::now(),
        last_used: None,
    };
    world.uploads.remove(&upload_id);
    world
        .builds
        .insert(build.id.clone(), (build, Bytes::from(file)));
    axum::Json(json!({"status": "completed", "build_id": upload.build_id})).into_response()
}

async fn cancel(
    State(fake): State<Fake>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut world = fake.world();
    world.log.cancels.push(query.clone());
    let upload_id = query.get("upload_id").cloned().or_else(|| {
        world
            .uploads
            .iter()
            .find(|(_, u)| Some(&u.build_id) == query.get("build_id"))
            .map(|(id, _)| id.clone())
    });
    match upload_id.and_then(|id| world.uploads.remove(&id)) {
        Some(_) => axum::Json(json!({"success": true})).into_response(),
        None => upload_not_found(),
    }
}

async fn list_builds(
    State(fake): State<Fake>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let world = fake.world();
    let data: Vec<Build> = world
        .builds
        .values()
        .map(|(build, _)| build.clone())
        .filter(|build| {
            query
                .get("platform")
                .is_none_or(|p| build.platform.as_str() == p)
        })
        .collect();
    let total = data.len() as i64;
    axum::Json(BuildList {
        data,
        pagination: Pagination::new(0, 20, total),
    })
    .into_response()
}

async fn get_build(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    match fake.world().builds.get(&id) {
        Some((build, _)) => axum::Json(build.clone()).into_response(),
        None => error(404, "Build not found", "NOT_FOUND"),
    }
}

async fn delete_build(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    match fake.world().builds.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(404, "Build not found", "NOT_FOUND"),
    }
}

async fn download_redirect(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !has_key(&headers) {
        return error(401, "Invalid API key", "UNAUTHORIZED");
    }
    if !fake.world().builds.contains_key(&id) {
        return error(404, "Build not found", "NOT_FOUND");
    }
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(
            header::LOCATION,
            format!("{}/files/{id}?signature=abc", fake.base),
        )],
    )
        .into_response()
}

async fn serve_file(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if headers.contains_key("x-api-key") {
        // The key must never travel to the storage.
        return error(400, "the API key was sent to the storage", "LEAK");
    }
    match fake.world().builds.get(&id) {
        Some((_, bytes)) => bytes.clone().into_response(),
        None => error(404, "no such file", "NoSuchKey"),
    }
}
