//! The local store: the shared behaviour, then what only it does — its own
//! signed URLs (expiry, tampering, error bodies), ETag checks, streaming
//! large parts, and surviving a restart in the middle of an upload.

use std::sync::Arc;
use std::time::Duration;

use playtest_blob::{BlobError, BlobStore, CompletedPart, SystemClock};
use serde_json::Value;
use tempfile::TempDir;
use url::Url;

use crate::suite::behaviour_suite;
use crate::support::{
    HOUR, LocalServer, ManualClock, client, data, local_fixture, put, put_ok, sha256_hex,
};

behaviour_suite!(crate::support::local_fixture);

const KEY: &str = "builds/b_1/game.zip";

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The query of `url` with one parameter replaced (or added).
fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let mut changed = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(key, _)| key != name)
        .chain([(name.to_string(), value.to_string())])
        .collect();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

#[tokio::test]
async fn an_expired_url_is_refused_with_403_signature_expired() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::now();
    let server = LocalServer::start(dir.path(), clock.clone()).await;
    let url = server
        .store
        .presign_put(KEY, Duration::from_secs(60))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61));
    let response = client().put(url).body("x").send().await.unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "SIGNATURE_EXPIRED");
    assert!(
        body["error"].as_str().unwrap().contains("new one"),
        "{body}"
    );
    assert_eq!(server.store.head(KEY).await.unwrap(), None);
}

#[tokio::test]
async fn an_altered_url_is_refused_with_403_signature_invalid() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let upload_id = server.store.create_multipart(KEY, 1).await.unwrap();
    let url = server
        .store
        .presign_part(KEY, &upload_id, 1, HOUR)
        .await
        .unwrap();
    let signature = url
        .query_pairs()
        .find(|(k, _)| k == "signature")
        .unwrap()
        .1
        .into_owned();
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    let mut other_key = url.clone();
    other_key.set_path("/blobs/builds/b_1/other.zip");
    let altered = [
        with_param(&url, "signature", &flipped),
        with_param(&url, "signature", "garbage"),
        with_param(&url, "part_number", "2"),
        with_param(&url, "expires", "99999999999"),
        other_key,
        {
            let mut bare = url.clone();
            bare.set_query(None);
            bare
        },
    ];
    for url in altered {
        let response = client().put(url.clone()).body("x").send().await.unwrap();
        let (status, body) = error_of(response).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("SIGNATURE_INVALID")),
            "{url}"
        );
    }
    // A PUT URL is no GET URL.
    let get = client().get(url).send().await.unwrap();
    assert_eq!(get.status(), 403);
    assert!(
        server
            .store
            .list_parts(KEY, &upload_id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_part_for_an_unknown_or_aborted_upload_is_404_upload_not_found() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let unknown = "0123456789abcdef0123456789abcdef";
    let url = server
        .store
        .presign_part(KEY, unknown, 1, HOUR)
        .await
        .unwrap();
    let (status, body) = error_of(client().put(url).body("x").send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("UPLOAD_NOT_FOUND"))
    );
    assert_eq!(body["details"]["upload_id"], unknown);

    let upload_id = server.store.create_multipart(KEY, 10).await.unwrap();
    server.store.abort_multipart(KEY, &upload_id).await.unwrap();
    let url = server
        .store
        .presign_part(KEY, &upload_id, 1, HOUR)
        .await
        .unwrap();
    assert_eq!(put(&url, "x").await.0, 404);
    assert!(!dir.path().join("uploads").join(&upload_id).exists());
}

#[tokio::test]
async fn an_upload_is_not_completed_under_another_key() {
    let f = local_fixture().await;
    let upload_id = f.store.create_multipart(KEY, 10).await.unwrap();
    let url = f
        .store
        .presign_part(KEY, &upload_id, 1, HOUR)
        .await
        .unwrap();
    let etag = put_ok(&url, data(10, 1)).await;
    let parts = [CompletedPart {
        part_number: 1,
        etag,
    }];
    let result = f
        .store
        .complete_multipart("builds/b_2/other.zip", &upload_id, &parts, None)
        .await;
    assert!(
        matches!(result, Err(BlobError::UploadNotFound { .. })),
        "{result:?}"
    );
    let foreign_abort = f
        .store
        .abort_multipart("builds/b_2/other.zip", &upload_id)
        .await;
    assert!(matches!(
        foreign_abort,
        Err(BlobError::UploadNotFound { .. })
    ));
    f.store
        .complete_multipart(KEY, &upload_id, &parts, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_complete_with_a_wrong_etag_is_an_invalid_part_and_leaves_no_object() {
    // Only the local store here: s3s-fs lists no part ETags and checks none,
    // while AWS does both (see the store's unit test on an AWS listing).
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let upload_id = server.store.create_multipart(KEY, 1000).await.unwrap();
    let mut parts = Vec::new();
    for number in [1, 2] {
        let url = server
            .store
            .presign_part(KEY, &upload_id, number, HOUR)
            .await
            .unwrap();
        let etag = put_ok(&url, data(1000, number as u8)).await;
        parts.push(CompletedPart {
            part_number: number,
            etag,
        });
    }
    parts[1].etag = "\"0123456789abcdef0123456789abcdef\"".into();
    let result = server
        .store
        .complete_multipart(KEY, &upload_id, &parts, None)
        .await;
    match result {
        Err(BlobError::InvalidPart {
            part_number,
            reason,
        }) => {
            assert_eq!(part_number, 2);
            assert!(reason.contains("ETag"), "{reason}");
        }
        other => panic!("expected InvalidPart, got {other:?}"),
    }
    assert_eq!(server.store.head(KEY).await.unwrap(), None);
    assert!(!dir.path().join("objects").join(KEY).exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[tokio::test]
async fn a_50_mib_part_streams_to_disk() {
    let f = local_fixture().await;
    let size = 50 * 1024 * 1024;
    let whole = data(size + 1, 2);
    let upload_id = f.store.create_multipart(KEY, size as u64).await.unwrap();
    let mut parts = Vec::new();
    for (number, piece) in [(1, whole.slice(..size)), (2, whole.slice(size..))] {
        let url = f
            .store
            .presign_part(KEY, &upload_id, number, HOUR)
            .await
            .unwrap();
        parts.push(CompletedPart {
            part_number: number,
            etag: put_ok(&url, piece).await,
        });
    }
    let info = f
        .store
        .complete_multipart(KEY, &upload_id, &parts, Some(size as u64))
        .await
        .unwrap();
    assert_eq!(info.size, size as u64 + 1);
    assert_eq!(info.sha256, sha256_hex(&whole));
}

#[tokio::test]
async fn an_upload_survives_a_restart_of_the_server() {
    let dir = TempDir::new().unwrap();
    let part_size = 4096;
    let whole = data(2 * part_size + 100, 3);
    let piece = |n: usize| whole.slice((n - 1) * part_size..(n * part_size).min(whole.len()));

    let first = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let upload_id = first
        .store
        .create_multipart(KEY, part_size as u64)
        .await
        .unwrap();
    let mut etags = Vec::new();
    for n in [1, 2] {
        let url = first
            .store
            .presign_part(KEY, &upload_id, n as u32, HOUR)
            .await
            .unwrap();
        etags.push(put_ok(&url, piece(n)).await);
    }
    let url_for_3 = first
        .store
        .presign_part(KEY, &upload_id, 3, HOUR)
        .await
        .unwrap();
    drop(first);

    // The restarted server (another port) still honours the URL signed
    // before, and completes the upload.
    let second = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let mut replayed = url_for_3.clone();
    replayed.set_port(Some(second.addr.port())).unwrap();
    etags.push(put_ok(&replayed, piece(3)).await);
    let listed = second.store.list_parts(KEY, &upload_id).await.unwrap();
    assert_eq!(listed.len(), 3);
    let parts: Vec<CompletedPart> = etags
        .into_iter()
        .enumerate()
        .map(|(i, etag)| CompletedPart {
            part_number: i as u32 + 1,
            etag,
        })
        .collect();
    let info = second
        .store
        .complete_multipart(KEY, &upload_id, &parts, Some(part_size as u64))
        .await
        .unwrap();
    assert_eq!(info.sha256, sha256_hex(&whole));
    assert!(!dir.path().join("uploads").join(&upload_id).exists());
}

#[tokio::test]
async fn a_download_carries_its_length_and_signed_name() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    server.store.put_bytes(KEY, data(1234, 4)).await.unwrap();
    let url = server
        .store
        .presign_get(KEY, HOUR, Some("ünïcode game.zip"))
        .await
        .unwrap();
    let response = client().get(url.clone()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "1234");
    let disposition = response.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''%C3%BCn%C3%AFcode%20game.zip"),
        "{disposition}"
    );
    // The name is signed: another one breaks the URL.
    let renamed = with_param(&url, "download_name", "evil.exe");
    assert_eq!(client().get(renamed).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn the_signing_key_is_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let _server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let mode = std::fs::metadata(dir.path().join(".signing-key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_path_with_dot_dot_never_reaches_the_disk() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(&dir.path().join("blobs"), Arc::new(SystemClock)).await;
    let url = server.store.presign_put("builds/x", HOUR).await.unwrap();
    let mut escaped = url.clone();
    escaped.set_path("/blobs/builds/%2E%2E/%2E%2E/%2E%2E/escaped");
    let response = client().put(escaped).body("x").send().await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(!dir.path().join("escaped").exists());
    let refused = server.store.presign_put("builds/../../escaped", HOUR).await;
    assert!(matches!(refused, Err(BlobError::InvalidKey { .. })));
}

#[tokio::test]
async fn an_oversize_part_is_refused_before_a_byte_of_it_lands() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let part_size = 1000;
    let whole = data(2 * part_size + 300, 10);
    let upload_id = server
        .store
        .create_multipart(KEY, part_size as u64)
        .await
        .unwrap();
    let mut parts = Vec::new();
    for number in 1..=3u32 {
        let start = (number as usize - 1) * part_size;
        let piece = whole.slice(start..(start + part_size).min(whole.len()));
        let url = server
            .store
            .presign_part(KEY, &upload_id, number, HOUR)
            .await
            .unwrap();
        parts.push(CompletedPart {
            part_number: number,
            etag: put_ok(&url, piece).await,
        });
    }
    let before = server.store.list_parts(KEY, &upload_id).await.unwrap();

    // Part 2 again, one byte too long (Content-Length says so up front).
    let url = server
        .store
        .presign_part(KEY, &upload_id, 2, HOUR)
        .await
        .unwrap();
    let response = client()
        .put(url)
        .body(data(part_size + 1, 11))
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(response).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_PART")),
        "{body}"
    );
    assert_eq!(body["details"]["part_number"], 2);
    assert!(
        body["error"].as_str().unwrap().contains("1000 bytes"),
        "{body}"
    );

    // Nothing moved: part 2 is still listed and the object is whole.
    assert_eq!(
        server.store.list_parts(KEY, &upload_id).await.unwrap(),
        before
    );
    let info = server
        .store
        .complete_multipart(KEY, &upload_id, &parts, Some(part_size as u64))
        .await
        .unwrap();
    assert_eq!(info.sha256, sha256_hex(&whole));
}

#[tokio::test]
async fn parts_sent_at_once_out_of_order_and_again_land_in_their_slots() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let part_size = 64 * 1024;
    let whole = data(4 * part_size + 777, 12);
    let piece = |n: u32| {
        let start = (n as usize - 1) * part_size;
        whole.slice(start..(start + part_size).min(whole.len()))
    };
    let upload_id = server
        .store
        .create_multipart(KEY, part_size as u64)
        .await
        .unwrap();
    let url = |n: u32| {
        let store = server.store.clone();
        let upload_id = upload_id.clone();
        async move { store.presign_part(KEY, &upload_id, n, HOUR).await.unwrap() }
    };
    // Part 3 first with other bytes (and shorter), then everything at once.
    put_ok(&url(3).await, data(part_size / 2, 13)).await;
    let order = [5, 3, 1, 4, 2];
    let mut sends = Vec::new();
    for n in order {
        let url = url(n).await;
        let bytes = piece(n);
        sends.push(async move { (n, put_ok(&url, bytes).await) });
    }
    let mut etags = futures::future::join_all(sends).await;
    etags.sort();

    // Each part sits at (n - 1) * part_size of the upload's one data file.
    let stored = std::fs::read(dir.path().join("uploads").join(&upload_id).join("data")).unwrap();
    assert_eq!(stored.len(), whole.len());
    assert!(stored == whole, "the data file is not the parts in order");

    let parts: Vec<CompletedPart> = etags
        .into_iter()
        .map(|(part_number, etag)| CompletedPart { part_number, etag })
        .collect();
    let info = server
        .store
        .complete_multipart(KEY, &upload_id, &parts, Some(part_size as u64))
        .await
        .unwrap();
    assert_eq!(info.sha256, sha256_hex(&whole));
    assert_eq!(
        std::fs::read(dir.path().join("objects").join(KEY)).unwrap(),
        whole
    );
}

#[tokio::test]
async fn an_upload_left_by_the_version_that_kept_part_files_is_not_found_but_can_be_aborted() {
    let dir = TempDir::new().unwrap();
    let server = LocalServer::start(dir.path(), Arc::new(SystemClock)).await;
    let upload_id = "0123456789abcdef0123456789abcdef";
    let folder = dir.path().join("uploads").join(upload_id);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("key"), KEY).unwrap();
    std::fs::write(folder.join("1"), b"part one").unwrap();
    std::fs::write(folder.join("1.etag"), b"\"abc\"").unwrap();
    let listed = server.store.list_parts(KEY, upload_id).await;
    assert!(
        matches!(listed, Err(BlobError::UploadNotFound { .. })),
        "{listed:?}"
    );
    server.store.abort_multipart(KEY, upload_id).await.unwrap();
    assert!(!folder.exists());
}
