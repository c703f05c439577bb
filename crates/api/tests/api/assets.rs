//! `/tests/{id}/assets`: images uploaded with a test, as clients upload,
//! list, fetch and delete them, and as a worker leasing a run of the test
//! receives them.

use bytes::Bytes;
use playtest_types::StartRunRequest;
use reqwest::Method;
use sha2::{Digest, Sha256};

use crate::fake_worker::FakeWorker;
use crate::support::{TestApp, api_error, on_both_backends};

/// A PNG's signature followed by `len` more bytes.
fn png(len: usize) -> Bytes {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    Bytes::from(bytes)
}

fn jpeg(len: usize) -> Bytes {
    let mut bytes = b"\xff\xd8\xff\xe0".to_vec();
    bytes.extend((0..len).map(|i| (i % 13) as u8));
    Bytes::from(bytes)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn put_raw(
    app: &TestApp,
    test_id: &str,
    name: &str,
    content_type: &str,
    body: Vec<u8>,
) -> crate::support::Raw {
    app.raw(
        Method::PUT,
        &format!("/api/v1/tests/{test_id}/assets/{name}"),
        Some(&app.admin_key),
        Some((content_type, body)),
    )
    .await
}

on_both_backends! {
    async fn assets_are_uploaded_listed_fetched_replaced_and_deleted(app) {
        let test = app.create_test("menu", 1).await;
        let menu = png(1000);
        let stored = app.admin.put_test_asset(&test.id, "menu.png", "image/png", menu.clone()).await.unwrap();
        assert!(!stored.replaced);
        assert_eq!((stored.asset.name.as_str(), stored.asset.content_type.as_str()), ("menu.png", "image/png"));
        assert_eq!(stored.asset.size, menu.len() as i64);
        assert_eq!(stored.asset.sha256, sha256(&menu));
        app.admin.put_test_asset(&test.id, "board.jpg", "image/jpeg", jpeg(50)).await.unwrap();

        let listed = app.admin.list_test_assets(&test.id).await.unwrap().data;
        let names: Vec<&str> = listed.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["board.jpg", "menu.png"]);
        assert_eq!(app.admin.get_test_asset(&test.id, "menu.png").await.unwrap(), menu);

        let newer = png(20);
        let again = app.admin.put_test_asset(&test.id, "menu.png", "image/png", newer.clone()).await.unwrap();
        assert!(again.replaced, "a second upload of the name replaces the first (200)");
        assert_eq!(app.admin.get_test_asset(&test.id, "menu.png").await.unwrap(), newer);

        app.admin.delete_test_asset(&test.id, "menu.png").await.unwrap();
        let (status, body) = api_error(app.admin.get_test_asset(&test.id, "menu.png").await.unwrap_err());
        assert_eq!((status, body.code.as_str()), (404, "NOT_FOUND"));
        let (status, _) = api_error(app.admin.delete_test_asset(&test.id, "menu.png").await.unwrap_err());
        assert_eq!(status, 404);
        assert_eq!(app.admin.list_test_assets(&test.id).await.unwrap().data.len(), 1);
    }

    async fn a_body_that_is_not_an_image_is_a_400_naming_body(app) {
        let test = app.create_test("menu", 1).await;
        let answer = put_raw(&app, &test.id, "menu.png", "image/png", b"<html>not a picture</html>".to_vec()).await;
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body["details"]["field"], "body");
        // A JPEG sent as a PNG is not one either.
        let answer = put_raw(&app, &test.id, "menu.png", "image/png", jpeg(10).to_vec()).await;
        assert_eq!(answer.status, 400);
        let answer = put_raw(&app, &test.id, "menu.png", "text/plain", png(10).to_vec()).await;
        assert_eq!((answer.status.as_u16(), answer.body["code"].as_str()), (415, Some("UNSUPPORTED_MEDIA_TYPE")));
        assert!(app.admin.list_test_assets(&test.id).await.unwrap().data.is_empty());
    }

    async fn a_name_that_is_not_plain_is_a_400_naming_name(app) {
        let test = app.create_test("menu", 1).await;
        for name in [".hidden", "a%20b", "caf%C3%A9.png", &"x".repeat(101)] {
            let answer = put_raw(&app, &test.id, name, "image/png", png(10).to_vec()).await;
            assert_eq!(answer.status, 400, "{name}: {:?}", answer.body);
            assert_eq!(answer.body["details"]["field"], "name", "{name}");
        }
    }

    async fn an_asset_over_10_mib_is_a_413(app) {
        let test = app.create_test("menu", 1).await;
        let limit = 10 * 1024 * 1024;
        let err = app.admin.put_test_asset(&test.id, "big.png", "image/png", png(limit)).await.unwrap_err();
        let (status, body) = api_error(err);
        assert_eq!((status, body.code.as_str()), (413, "PAYLOAD_TOO_LARGE"));
        // Exactly 10 MiB is accepted.
        let exactly = png(limit - 8);
        assert_eq!(exactly.len(), limit);
        app.admin.put_test_asset(&test.id, "big.png", "image/png", exactly).await.unwrap();
    }

    async fn assets_of_a_foreign_or_unknown_test_are_404(app) {
        let test = app.create_test("menu", 1).await;
        app.admin.put_test_asset(&test.id, "menu.png", "image/png", png(10)).await.unwrap();
        let foreign = app.foreign_admin().await;
        let (status, _) = api_error(foreign.put_test_asset(&test.id, "x.png", "image/png", png(10)).await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(foreign.list_test_assets(&test.id).await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(foreign.get_test_asset(&test.id, "menu.png").await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(foreign.delete_test_asset(&test.id, "menu.png").await.unwrap_err());
        assert_eq!(status, 404);
        let (status, _) = api_error(app.admin.list_test_assets("tst_unknown").await.unwrap_err());
        assert_eq!(status, 404);
        assert_eq!(app.admin.list_test_assets(&test.id).await.unwrap().data.len(), 1);
    }

    async fn reading_assets_takes_read_runs_and_changing_them_manage_tests(app) {
        use playtest_types::Permission;
        let test = app.create_test("menu", 1).await;
        app.admin.put_test_asset(&test.id, "menu.png", "image/png", png(10)).await.unwrap();
        let reader = app.client(&app.key(&[Permission::ReadRuns]).await);
        assert_eq!(reader.list_test_assets(&test.id).await.unwrap().data.len(), 1);
        assert_eq!(reader.get_test_asset(&test.id, "menu.png").await.unwrap(), png(10));
        let (status, body) = api_error(reader.put_test_asset(&test.id, "x.png", "image/png", png(1)).await.unwrap_err());
        assert_eq!(status, 403);
        assert!(body.error.contains("project:manage-tests"), "{}", body.error);
        let (status, _) = api_error(reader.delete_test_asset(&test.id, "menu.png").await.unwrap_err());
        assert_eq!(status, 403);
    }

    async fn deleting_a_test_deletes_its_assets_and_their_bytes(app) {
        let test = app.create_test("menu", 1).await;
        app.admin.put_test_asset(&test.id, "menu.png", "image/png", png(10)).await.unwrap();
        let key = format!("assets/{}/{}/menu.png", app.project_id, test.id);
        assert!(app.blobs.head(&key).await.unwrap().is_some());
        app.admin.delete_test(&test.id).await.unwrap();
        assert!(app.blobs.head(&key).await.unwrap().is_none(), "the bytes are gone");
        let (status, _) = api_error(app.admin.list_test_assets(&test.id).await.unwrap_err());
        assert_eq!(status, 404);
    }

    async fn a_leased_job_carries_the_tests_assets_with_working_download_urls(app) {
        let test = app.create_test("menu", 1).await;
        let config = app.create_config().await;
        let menu = png(4000);
        let board = jpeg(300);
        app.admin.put_test_asset(&test.id, "menu.png", "image/png", menu.clone()).await.unwrap();
        app.admin.put_test_asset(&test.id, "board.jpg", "image/jpeg", board.clone()).await.unwrap();
        app.admin.start_run(&StartRunRequest {
            multiplayer_test_id: Some(test.id.clone()),
            deployment_config_id: config.id.clone(),
            ..Default::default()
        }).await.unwrap();

        let worker = FakeWorker::register(&app).await;
        let job = worker.lease().await;
        assert_eq!(job.assets.len(), 2, "{:?}", job.assets);
        assert!(job.replay.is_none());
        for (asset, bytes) in job.assets.iter().zip([&board, &menu]) {
            assert_eq!(asset.size, bytes.len() as i64, "{}", asset.name);
            assert_eq!(asset.sha256, sha256(bytes));
            let url = url::Url::parse(&asset.download_url).unwrap();
            let mut download = worker.client.storage().download(&url).await.unwrap();
            let mut fetched = Vec::new();
            while let Some(chunk) = download.chunk().await.unwrap() {
                fetched.extend_from_slice(&chunk);
            }
            assert_eq!(&fetched[..], &bytes[..], "{}", asset.name);
        }
    }
}
