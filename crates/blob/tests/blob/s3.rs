//! The S3 store against a real S3 server (s3s-fs on loopback): the shared
//! behaviour, then what is S3's own.

use playtest_blob::{BlobError, BlobStore, CompletedPart};

use crate::suite::behaviour_suite;
use crate::support::{HOUR, S3sFs, data, put_ok, sha256_hex};

behaviour_suite!(crate::support::s3_fixture);

#[tokio::test]
async fn presigned_urls_point_at_the_s3_service_not_at_the_api() {
    let server = S3sFs::start().await;
    let store = server.store();
    let url = store.presign_put("builds/b/x.zip", HOUR).await.unwrap();
    assert!(
        url.as_str()
            .starts_with(&format!("{}/playtest/builds/b/x.zip?", server.endpoint)),
        "{url}"
    );
    assert_eq!(store.kind(), "s3");
}

#[tokio::test]
async fn the_digest_of_a_presigned_upload_is_computed_once_and_kept() {
    let server = S3sFs::start().await;
    let store = server.store();
    let bytes = data(10_000, 1);
    let url = store.presign_put("builds/b/x.zip", HOUR).await.unwrap();
    put_ok(&url, bytes.clone()).await;
    let first = store.head("builds/b/x.zip").await.unwrap().unwrap();
    assert_eq!(first.sha256, sha256_hex(&bytes));
    // A second store (another API replica) reads the kept digest.
    let again = server
        .store()
        .head("builds/b/x.zip")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, first);
}

#[tokio::test]
async fn parts_under_5_mib_are_an_invalid_part_before_s3_is_asked() {
    let server = S3sFs::start().await;
    let store = server.store();
    let key = "builds/b/small.zip";
    let upload_id = store.create_multipart(key, 1024).await.unwrap();
    let mut parts = Vec::new();
    for number in [1, 2] {
        let url = store
            .presign_part(key, &upload_id, number, HOUR)
            .await
            .unwrap();
        let etag = put_ok(&url, data(1024, number as u8)).await;
        parts.push(CompletedPart {
            part_number: number,
            etag,
        });
    }
    match store
        .complete_multipart(key, &upload_id, &parts, None)
        .await
    {
        Err(BlobError::InvalidPart {
            part_number: 1,
            reason,
        }) => {
            assert!(reason.contains("5 MiB"), "{reason}")
        }
        other => panic!("expected InvalidPart for part 1, got {other:?}"),
    }
}
