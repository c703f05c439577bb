//! The four upload endpoints against real storage: a local folder and a
//! real S3 service (s3s-fs), on SQLite and PostgreSQL. Parts are 5 MiB (the
//! least S3 accepts) and files from 12 MiB go in parts.

use bytes::Bytes;
use playtest_client::Client;
use playtest_types::{
    BuildPlatform, BuildStatus, CancelUploadQuery, CompleteUploadRequest, DeletionPolicy,
    InitiateUploadRequest, InitiateUploadResponse, UploadedPart,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{Backend, Blobs, TestApp, api_error};

pub const PART: usize = 5 * 1024 * 1024;

pub async fn spawn(backend: Backend, blobs: Blobs) -> TestApp {
    spawn_with(backend, blobs, |_| {}).await
}

pub async fn spawn_with(
    backend: Backend,
    blobs: Blobs,
    adjust: impl FnOnce(&mut playtest_api::UploadSettings),
) -> TestApp {
    TestApp::spawn_full(backend, blobs, |settings| {
        settings.uploads.part_size = PART as u64;
        settings.uploads.multipart_threshold = 12 * 1024 * 1024;
        adjust(&mut settings.uploads);
    })
    .await
}

/// Deterministic, incompressible-looking bytes.
pub fn data(len: usize, seed: u8) -> Bytes {
    let mut state = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn request(file_name: &str, file_size: usize) -> InitiateUploadRequest {
    InitiateUploadRequest {
        project_id: None,
        name: "nightly".into(),
        file_name: file_name.into(),
        file_size: file_size as i64,
        platform: BuildPlatform::Linux,
        description: Some("from CI".into()),
        multipart: None,
        auto_delete: false,
        deletion_policy: DeletionPolicy::LeastRecent,
        upload_timeout: None,
        tags: vec!["nightly".into()],
        details: None,
    }
}

/// A multipart upload in progress, as the initiate answered it.
pub struct Multipart {
    pub build_id: String,
    pub upload_id: String,
    pub object_key: String,
    pub total_parts: i64,
    pub part_size: i64,
}

pub fn multipart(answer: InitiateUploadResponse) -> Multipart {
    match answer {
        InitiateUploadResponse::Multipart {
            build_id,
            upload_id,
            object_key,
            total_parts,
            part_size,
        } => Multipart {
            build_id,
            upload_id,
            object_key,
            total_parts,
            part_size,
        },
        other => panic!("expected a multipart upload, got {other:?}"),
    }
}

impl Multipart {
    /// PUTs part `number` (from 1) of `file`; returns its ETag.
    pub async fn put_part(&self, client: &Client, file: &Bytes, number: i64) -> String {
        let urls = client
            .upload_part_urls(&self.upload_id, &self.object_key, &[number])
            .await
            .unwrap();
        let start = (number - 1) as usize * self.part_size as usize;
        let end = (start + self.part_size as usize).min(file.len());
        client
            .put_bytes(&urls.upload_urls[0].url, file.slice(start..end))
            .await
            .unwrap()
    }

    pub fn complete(&self, etags: &[String]) -> CompleteUploadRequest {
        CompleteUploadRequest {
            build_id: self.build_id.clone(),
            upload_id: Some(self.upload_id.clone()),
            object_key: Some(self.object_key.clone()),
            parts: Some(
                etags
                    .iter()
                    .enumerate()
                    .map(|(i, etag)| UploadedPart {
                        part_number: i as i64 + 1,
                        etag: etag.clone(),
                    })
                    .collect(),
            ),
        }
    }
}

/// Downloads a ready build through `GET /builds/{id}/download`.
pub async fn download(client: &Client, build_id: &str) -> Vec<u8> {
    let url = client.build_download_url(build_id).await.unwrap();
    let mut download = client.download(&url).await.unwrap();
    let mut bytes = Vec::new();
    while let Some(chunk) = download.chunk().await.unwrap() {
        bytes.extend_from_slice(&chunk);
    }
    bytes
}

async fn storage_used(app: &TestApp) -> i64 {
    app.store
        .project(&app.project_id)
        .await
        .unwrap()
        .storage_used
}

async fn upload_whole(app: &TestApp, file: &Bytes, name: &str) -> String {
    let mut request = request("game.zip", file.len());
    request.name = name.into();
    let answer = app.admin.initiate_upload(&request).await.unwrap();
    let InitiateUploadResponse::SinglePart {
        build_id,
        upload_url,
        ..
    } = answer
    else {
        panic!("expected a single-part upload")
    };
    app.admin
        .put_bytes(&upload_url, file.clone())
        .await
        .unwrap();
    app.admin
        .complete_upload(&CompleteUploadRequest {
            build_id: build_id.clone(),
            upload_id: None,
            object_key: None,
            parts: None,
        })
        .await
        .unwrap();
    build_id
}

/// Every test runs on SQLite with a local folder, PostgreSQL with a local
/// folder, and SQLite with a real S3 service.
macro_rules! on_every_store {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        mod sqlite_local {
            use super::*;
            $(#[tokio::test] async fn $name() { let $app = spawn(Backend::Sqlite, Blobs::Local).await; $body })*
        }
        mod postgres_local {
            use super::*;
            $(#[tokio::test] async fn $name() { let $app = spawn(Backend::Postgres, Blobs::Local).await; $body })*
        }
        mod sqlite_s3 {
            use super::*;
            $(#[tokio::test] async fn $name() { let $app = spawn(Backend::Sqlite, Blobs::S3).await; $body })*
        }
    };
}

on_every_store! {
    async fn a_small_file_goes_in_one_put_and_becomes_a_ready_build_with_its_sha256(app) {
        let file = data(300_000, 1);
        let build_id = upload_whole(&app, &file, "small").await;
        let build = app.admin.get_build(&build_id).await.unwrap();
        assert_eq!(build.status, BuildStatus::Ready);
        assert_eq!(build.file_size, file.len() as i64);
        assert_eq!(build.sha256.as_deref(), Some(sha256_hex(&file).as_str()));
        assert_eq!((build.name.as_str(), build.file_name.as_str()), ("small", "game.zip"));
        assert_eq!(build.tags, vec!["nightly".to_string()]);
        assert_eq!(download(&app.admin, &build_id).await, file.to_vec());
        assert_eq!(storage_used(&app).await, file.len() as i64);
    }

    async fn a_multipart_upload_takes_parts_in_any_order_and_a_part_sent_again(app) {
        let file = data(2 * PART + 1234, 2);
        let mut request = request("game.tar.gz", file.len());
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        assert_eq!((upload.total_parts, upload.part_size), (3, PART as i64));
        assert_eq!(storage_used(&app).await, file.len() as i64, "reserved at initiate");

        let third = upload.put_part(&app.admin, &file, 3).await;
        let first = upload.put_part(&app.admin, &file, 1).await;
        let _ = upload.put_part(&app.admin, &file, 2).await;
        let second = upload.put_part(&app.admin, &file, 2).await;
        let done = app.admin.complete_upload(&upload.complete(&[first, second, third])).await.unwrap();
        assert_eq!(done.build_id, upload.build_id);

        let build = app.admin.get_build(&upload.build_id).await.unwrap();
        assert_eq!(build.status, BuildStatus::Ready);
        assert_eq!(build.sha256.as_deref(), Some(sha256_hex(&file).as_str()));
        assert_eq!(download(&app.admin, &upload.build_id).await, file.to_vec());
    }

    async fn a_second_complete_answers_like_the_first(app) {
        let file = data(PART + 10, 3);
        let mut request = request("game.zip", file.len());
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        let etags = vec![
            upload.put_part(&app.admin, &file, 1).await,
            upload.put_part(&app.admin, &file, 2).await,
        ];
        let complete = upload.complete(&etags);
        app.admin.complete_upload(&complete).await.unwrap();
        let again = app.admin.complete_upload(&complete).await.unwrap();
        assert_eq!((again.status.as_str(), again.build_id.as_str()), ("completed", upload.build_id.as_str()));
    }

    async fn part_urls_need_no_key_but_the_upload_id_and_object_key_of_a_pending_upload(app) {
        let mut request = request("game.zip", 2 * PART);
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        let anonymous = Client::new(&app.base, None).unwrap();
        let urls = anonymous.upload_part_urls(&upload.upload_id, &upload.object_key, &[1, 2]).await.unwrap();
        assert_eq!(urls.upload_urls.iter().map(|u| u.part_number).collect::<Vec<_>>(), vec![1, 2]);
        assert!(urls.upload_urls.iter().all(|u| u.url.starts_with("http")));

        let (status, body) = api_error(anonymous.upload_part_urls("not-an-upload", &upload.object_key, &[1]).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "UPLOAD_NOT_FOUND"));
        let (status, body) = api_error(anonymous.upload_part_urls(&upload.upload_id, "builds/other/key", &[1]).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "UPLOAD_NOT_FOUND"));
        let (status, body) = api_error(anonymous.upload_part_urls(&upload.upload_id, &upload.object_key, &[3]).await.unwrap_err());
        assert_eq!((status, body.details["field"].as_str()), (400, Some("part_numbers")));
    }

    async fn wrong_etags_and_missing_or_repeated_parts_are_400s_and_the_upload_can_still_complete(app) {
        let file = data(2 * PART + 7, 4);
        let mut request = request("game.zip", file.len());
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        let etags = vec![
            upload.put_part(&app.admin, &file, 1).await,
            upload.put_part(&app.admin, &file, 2).await,
        ];
        // Part 3 is not there yet.
        let mut missing = upload.complete(&etags);
        missing.parts.as_mut().unwrap().push(UploadedPart { part_number: 3, etag: "\"0\"".into() });
        let (status, body) = api_error(app.admin.complete_upload(&missing).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (400, "INVALID_PART"), "{body:?}");
        assert_eq!(body.details["part_number"], 3);

        let third = upload.put_part(&app.admin, &file, 3).await;
        let repeated = upload.complete(&[etags[0].clone(), etags[0].clone(), third.clone()]);
        let mut repeated = repeated;
        repeated.parts.as_mut().unwrap()[1].part_number = 1;
        let (status, _) = api_error(app.admin.complete_upload(&repeated).await.unwrap_err());
        assert_eq!(status, 400);

        let too_few = upload.complete(&etags);
        let (status, body) = api_error(app.admin.complete_upload(&too_few).await.unwrap_err());
        assert_eq!((status, body.details["field"].as_str()), (400, Some("parts")));

        if app.blobs.kind() == "local" {
            // s3s-fs does not check part ETags (AWS does).
            let wrong = upload.complete(&[etags[0].clone(), "\"00000000000000000000000000000000\"".into(), third.clone()]);
            let (status, body) = api_error(app.admin.complete_upload(&wrong).await.unwrap_err());
            assert_eq!((status, body.code.as_str()), (400, "INVALID_PART"));
            assert_eq!(body.details["part_number"], 2);
        }

        app.admin.complete_upload(&upload.complete(&[etags[0].clone(), etags[1].clone(), third])).await.unwrap();
        let build = app.admin.get_build(&upload.build_id).await.unwrap();
        assert_eq!(build.sha256.as_deref(), Some(sha256_hex(&file).as_str()));
    }

    async fn a_file_that_changed_size_is_refused_and_nothing_half_written_stays(app) {
        // Single PUT: fewer bytes than announced.
        let file = data(100_000, 5);
        let answer = app.admin.initiate_upload(&request("game.zip", file.len() + 1)).await.unwrap();
        let InitiateUploadResponse::SinglePart { build_id, upload_url, object_key } = answer else { panic!() };
        app.admin.put_bytes(&upload_url, file.clone()).await.unwrap();
        let complete = CompleteUploadRequest { build_id: build_id.clone(), upload_id: None, object_key: None, parts: None };
        let (status, body) = api_error(app.admin.complete_upload(&complete).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (400, "SIZE_MISMATCH"), "{body:?}");
        assert!(app.blobs.head(&object_key).await.unwrap().is_none(), "the short file was dropped");
        assert_eq!(app.admin.get_build(&build_id).await.unwrap().status, BuildStatus::Uploading);

        // Parts: the last part is shorter than the announced size needs.
        let file = data(PART + 100, 6);
        let mut request = request("game.zip", file.len() + 50);
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        let etags = vec![
            upload.put_part(&app.admin, &file, 1).await,
            upload.put_part(&app.admin, &file, 2).await,
        ];
        let (status, body) = api_error(app.admin.complete_upload(&upload.complete(&etags)).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (400, "INVALID_PART"), "{body:?}");
        assert_eq!(body.details["part_number"], 2);
        assert_eq!(app.admin.get_build(&upload.build_id).await.unwrap().status, BuildStatus::Uploading);
    }

    async fn a_cancel_releases_the_reservation_and_a_second_cancel_is_404(app) {
        let file = data(PART + 1, 7);
        let mut request = request("game.zip", file.len());
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        upload.put_part(&app.admin, &file, 1).await;
        assert_eq!(storage_used(&app).await, file.len() as i64);
        let cancel = CancelUploadQuery {
            build_id: upload.build_id.clone(),
            object_key: upload.object_key.clone(),
            upload_id: Some(upload.upload_id.clone()),
        };
        assert!(app.admin.cancel_upload(&cancel).await.unwrap().success);
        assert_eq!(storage_used(&app).await, 0);
        let (status, body) = api_error(app.admin.cancel_upload(&cancel).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "UPLOAD_NOT_FOUND"));
        let anonymous = Client::new(&app.base, None).unwrap();
        let (status, _) = api_error(anonymous.upload_part_urls(&upload.upload_id, &upload.object_key, &[1]).await.unwrap_err());
        assert_eq!(status, 404);
        assert_eq!(api_error(app.admin.get_build(&upload.build_id).await.unwrap_err()).0, 404);
    }

    async fn a_complete_for_an_unknown_or_foreign_upload_is_upload_not_found(app) {
        let unknown = CompleteUploadRequest { build_id: "bld_nope".into(), upload_id: None, object_key: None, parts: None };
        let (status, body) = api_error(app.admin.complete_upload(&unknown).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "UPLOAD_NOT_FOUND"));

        let answer = app.admin.initiate_upload(&request("game.zip", 10)).await.unwrap();
        let InitiateUploadResponse::SinglePart { build_id, object_key, .. } = answer else { panic!() };
        let foreign = app.foreign_admin().await;
        let theirs = CompleteUploadRequest { build_id: build_id.clone(), upload_id: None, object_key: None, parts: None };
        let (status, body) = api_error(foreign.complete_upload(&theirs).await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "UPLOAD_NOT_FOUND"));
        let cancel = CancelUploadQuery { build_id, object_key, upload_id: None };
        assert_eq!(api_error(foreign.cancel_upload(&cancel).await.unwrap_err()).0, 404);
        assert!(app.admin.cancel_upload(&cancel).await.unwrap().success);
    }
}

mod rules {
    use super::*;
    use crate::support::on_both_backends;

    on_both_backends! {
        async fn bad_initiates_are_refused_naming_the_field(app) {
            for (body, field) in [
                (json!({"name": "n", "file_name": "../../x", "file_size": 10, "platform": "linux"}), "file_name"),
                (json!({"name": "n", "file_name": "a.zip", "file_size": 0, "platform": "linux"}), "file_size"),
                (json!({"name": "", "file_name": "a.zip", "file_size": 10, "platform": "linux"}), "name"),
                (json!({"name": "n", "file_name": "a.zip", "file_size": 10, "platform": "linux", "upload_timeout": 0}), "upload_timeout"),
                (json!({"name": "n", "file_name": "a.zip", "file_size": 10, "platform": "amiga"}), "platform"),
            ] {
                let answer = app.json(Method::POST, "/api/v1/builds/upload", &body).await;
                assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}: {}", answer.body);
                assert_eq!(answer.body["details"]["field"], field, "{}", answer.body);
            }
            let answer = app.json(Method::POST, "/api/v1/builds/upload",
                &json!({"project_id": "prj_other", "name": "n", "file_name": "a.zip", "file_size": 10, "platform": "linux"})).await;
            assert_eq!(answer.status, StatusCode::NOT_FOUND);
            assert_eq!(app.store.project(&app.project_id).await.unwrap().storage_used, 0);
        }

        async fn a_nul_character_anywhere_is_a_400_naming_the_field_not_a_500(app) {
            let parts = app.raw(Method::GET, "/api/v1/builds/upload/parts?part_numbers=1&upload_id=a%00b&object_key=k", None, None).await;
            assert_eq!(parts.status, StatusCode::BAD_REQUEST, "{}", parts.body);
            assert_eq!(parts.body["details"]["field"], "upload_id");
            let path = app.raw(Method::GET, "/api/v1/builds/bld%00x", Some(&app.admin_key), None).await;
            assert_eq!(path.status, StatusCode::BAD_REQUEST, "{}", path.body);
            let body = app.json(Method::POST, "/api/v1/builds/upload",
                &json!({"name": "a\u{0}b", "file_name": "a.zip", "file_size": 10, "platform": "linux", "tags": ["x\u{0}"]})).await;
            assert_eq!(body.status, StatusCode::BAD_REQUEST, "{}", body.body);
        }

        async fn uploads_need_the_build_storage_permission(app) {
            let key = app.key(&[playtest_types::Permission::ReadRuns]).await;
            let (status, body) = api_error(app.client(&key).initiate_upload(&request("a.zip", 10)).await.unwrap_err());
            assert_eq!(status, 403);
            assert!(body.error.contains("project:manage-build-storage"), "{}", body.error);
        }
    }

    #[tokio::test]
    async fn files_over_the_maximum_size_get_413() {
        let app = spawn_with(Backend::Sqlite, Blobs::Local, |uploads| {
            uploads.max_build_bytes = 1000
        })
        .await;
        let (status, body) = api_error(
            app.admin
                .initiate_upload(&request("a.zip", 1001))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.code.as_str()), (413, "PAYLOAD_TOO_LARGE"));
        app.admin
            .initiate_upload(&request("a.zip", 1000))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_upload_over_capacity_gets_402_with_used_capacity_and_needed() {
        let app = spawn_with(Backend::Sqlite, Blobs::Local, |uploads| {
            uploads.default_capacity = Some(1000)
        })
        .await;
        upload_whole(&app, &data(600, 1), "first").await;
        let (status, body) = api_error(
            app.admin
                .initiate_upload(&request("a.zip", 500))
                .await
                .unwrap_err(),
        );
        assert_eq!((status, body.code.as_str()), (402, "QUOTA_EXCEEDED"));
        assert_eq!(
            (
                body.details["used"].as_i64(),
                body.details["capacity"].as_i64(),
                body.details["needed"].as_i64()
            ),
            (Some(600), Some(1000), Some(500))
        );
        app.admin
            .initiate_upload(&request("a.zip", 400))
            .await
            .unwrap();
        let project = app.admin.project().await.unwrap();
        assert_eq!(
            (project.storage.used, project.storage.capacity),
            (1000, Some(1000))
        );
    }

    #[tokio::test]
    async fn auto_delete_removes_the_least_recently_used_unpinned_build_and_its_bytes() {
        let app = spawn_with(Backend::Postgres, Blobs::Local, |uploads| {
            uploads.default_capacity = Some(1000)
        })
        .await;
        let old = upload_whole(&app, &data(400, 1), "old").await;
        let pinned = upload_whole(&app, &data(400, 2), "pinned").await;
        app.admin
            .update_build(
                &pinned,
                &playtest_types::UpdateBuildRequest {
                    pinned: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let old_key = app
            .store
            .build(&app.project_id, &old)
            .await
            .unwrap()
            .blob_key;
        let mut request = request("new.zip", 500);
        request.auto_delete = true;
        app.admin.initiate_upload(&request).await.unwrap();
        assert_eq!(
            api_error(app.admin.get_build(&old).await.unwrap_err()).0,
            404
        );
        assert!(
            app.blobs.head(&old_key).await.unwrap().is_none(),
            "its bytes are gone"
        );
        app.admin.get_build(&pinned).await.unwrap();
        assert_eq!(app.admin.project().await.unwrap().storage.used, 900);
    }

    #[tokio::test]
    async fn the_janitor_expires_abandoned_uploads_and_releases_their_storage() {
        let app = spawn_with(Backend::Sqlite, Blobs::Local, |uploads| {
            uploads.janitor_interval = std::time::Duration::from_millis(100)
        })
        .await;
        let file = data(PART + 1, 9);
        let mut request = request("game.zip", file.len());
        request.multipart = Some(true);
        let upload = multipart(app.admin.initiate_upload(&request).await.unwrap());
        upload.put_part(&app.admin, &file, 1).await;
        app.database
            .execute("UPDATE builds SET upload_expires_at = '2000-01-01T00:00:00.000000Z'")
            .await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while app
            .store
            .project(&app.project_id)
            .await
            .unwrap()
            .storage_used
            != 0
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the janitor did not expire the upload"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            api_error(app.admin.get_build(&upload.build_id).await.unwrap_err()).0,
            404
        );
        let parts = app
            .blobs
            .list_parts(&upload.object_key, &upload.upload_id)
            .await;
        assert!(
            parts.is_err() || parts.unwrap().is_empty(),
            "its parts are gone"
        );
    }

    #[tokio::test]
    async fn the_nunu_uploader_path_serves_the_same_endpoints_for_the_keys_project_only() {
        let app = spawn(Backend::Sqlite, Blobs::Local).await;
        let file = data(1000, 3);
        let base = format!("/api/nexus/projects/{}/builds/upload", app.project_id);
        let answer = app.json(Method::POST, &base,
            &json!({"project_id": app.project_id, "name": "n", "file_name": "a.zip", "file_size": 1000, "platform": "windows", "multipart": true})).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let upload_id = answer.body["upload_id"].as_str().unwrap().to_string();
        let object_key = answer.body["object_key"].as_str().unwrap().to_string();
        let build_id = answer.body["build_id"].as_str().unwrap().to_string();
        let parts = app
            .raw(
                Method::GET,
                &format!(
                    "{base}/parts?upload_id={upload_id}&object_key={object_key}&part_numbers=1"
                ),
                None,
                None,
            )
            .await;
        assert_eq!(parts.status, StatusCode::OK, "{}", parts.body);
        let url = parts.body["upload_urls"][0]["url"].as_str().unwrap();
        let etag = app.admin.put_bytes(url, file.clone()).await.unwrap();
        let done = app.json(Method::POST, &format!("{base}/complete"),
            &json!({"build_id": build_id, "upload_id": upload_id, "object_key": object_key, "parts": [{"part_number": 1, "etag": etag}]})).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.body["status"], "completed");
        assert_eq!(download(&app.admin, &build_id).await, file.to_vec());

        let other = app
            .json(
                Method::POST,
                "/api/nexus/projects/prj_other/builds/upload",
                &json!({"name": "n", "file_name": "a.zip", "file_size": 10, "platform": "linux"}),
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
}
