//! The behaviour both stores share, written once against `dyn BlobStore`
//! and instantiated per store by `behaviour_suite!`. Uploads go through
//! presigned URLs with a plain HTTP client, as a CI machine's would.

use bytes::Bytes;
use playtest_blob::{BlobError, CompletedPart, ObjectInfo};

use crate::support::{Fixture, HOUR, client, data, put_ok, sha256_hex};

/// One `#[tokio::test]` per behaviour, on the store `$fixture()` makes.
macro_rules! behaviour_suite {
    ($fixture:path) => {
        #[tokio::test]
        async fn a_single_put_to_a_presigned_url_is_seen_by_head_with_size_and_sha256() {
            crate::suite::single_put_then_head(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_second_put_replaces_the_object_and_its_sha256() {
            crate::suite::second_put_replaces(&$fixture().await).await;
        }

        #[tokio::test]
        async fn parts_uploaded_in_a_shuffled_order_complete_into_the_right_object() {
            crate::suite::multipart_in_shuffled_order(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_part_sent_again_replaces_the_first_one() {
            crate::suite::resent_part(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_complete_missing_a_part_is_an_invalid_part_and_can_be_retried() {
            crate::suite::missing_part(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_complete_naming_a_part_twice_is_an_invalid_part() {
            crate::suite::repeated_part(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_part_of_the_wrong_size_is_an_invalid_part() {
            crate::suite::wrong_size(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_complete_after_an_abort_fails() {
            crate::suite::abort_then_complete(&$fixture().await).await;
        }

        #[tokio::test]
        async fn a_presigned_get_downloads_the_bytes() {
            crate::suite::presigned_get(&$fixture().await).await;
        }

        #[tokio::test]
        async fn put_bytes_stores_a_small_object_and_delete_is_idempotent() {
            crate::suite::put_bytes_and_delete(&$fixture().await).await;
        }

        #[tokio::test]
        async fn head_of_a_missing_object_is_none() {
            crate::suite::head_of_missing(&$fixture().await).await;
        }

        #[tokio::test]
        async fn keys_that_could_leave_the_store_are_refused() {
            crate::suite::bad_keys(&$fixture().await).await;
        }
    };
}
pub(crate) use behaviour_suite;

const KEY: &str = "builds/b_1/game.zip";

/// Uploads `parts` (1-based, in the order given) of `whole` cut into
/// `part_size` pieces; returns each part's ETag by part number.
async fn upload_parts(
    f: &Fixture,
    upload_id: &str,
    whole: &Bytes,
    order: &[u32],
) -> Vec<(u32, String)> {
    let mut etags = Vec::new();
    for &number in order {
        let url = f
            .store
            .presign_part(KEY, upload_id, number, HOUR)
            .await
            .unwrap();
        etags.push((number, put_ok(&url, piece(f, whole, number)).await));
    }
    etags.sort();
    etags
}

fn piece(f: &Fixture, whole: &Bytes, number: u32) -> Bytes {
    let start = (number as usize - 1) * f.part_size;
    whole.slice(start..(start + f.part_size).min(whole.len()))
}

fn completed(etags: &[(u32, String)]) -> Vec<CompletedPart> {
    etags
        .iter()
        .map(|(number, etag)| CompletedPart {
            part_number: *number,
            etag: etag.clone(),
        })
        .collect()
}

fn info_of(bytes: &[u8]) -> ObjectInfo {
    ObjectInfo {
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    }
}

fn assert_invalid_part(result: Result<ObjectInfo, BlobError>, expected_part: u32) {
    match result {
        Err(BlobError::InvalidPart { part_number, .. }) => assert_eq!(part_number, expected_part),
        other => panic!("expected InvalidPart for part {expected_part}, got {other:?}"),
    }
}

pub async fn single_put_then_head(f: &Fixture) {
    let bytes = data(100_000, 1);
    let url = f.store.presign_put(KEY, HOUR).await.unwrap();
    let etag = put_ok(&url, bytes.clone()).await;
    assert!(etag.starts_with('"'), "S3-style quoted ETag, got {etag}");
    assert_eq!(f.store.head(KEY).await.unwrap(), Some(info_of(&bytes)));
}

pub async fn second_put_replaces(f: &Fixture) {
    let first = data(1000, 1);
    let second = data(2000, 2);
    let url = f.store.presign_put(KEY, HOUR).await.unwrap();
    put_ok(&url, first.clone()).await;
    assert_eq!(f.store.head(KEY).await.unwrap(), Some(info_of(&first)));
    put_ok(&url, second.clone()).await;
    assert_eq!(f.store.head(KEY).await.unwrap(), Some(info_of(&second)));
}

pub async fn multipart_in_shuffled_order(f: &Fixture) {
    let whole = data(2 * f.part_size + f.part_size / 2, 3);
    let upload_id = f
        .store
        .create_multipart(KEY, f.part_size as u64)
        .await
        .unwrap();
    let etags = upload_parts(f, &upload_id, &whole, &[3, 1, 2]).await;

    let listed = f.store.list_parts(KEY, &upload_id).await.unwrap();
    let numbers_and_sizes: Vec<(u32, u64)> =
        listed.iter().map(|p| (p.part_number, p.size)).collect();
    let ps = f.part_size as u64;
    assert_eq!(numbers_and_sizes, [(1, ps), (2, ps), (3, ps / 2)]);
    if f.quirks.lists_part_etags {
        let listed_etags: Vec<&str> = listed.iter().map(|p| p.etag.as_str()).collect();
        let sent: Vec<&str> = etags.iter().map(|(_, etag)| etag.as_str()).collect();
        assert_eq!(listed_etags, sent);
    }

    let info = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&etags), Some(ps))
        .await
        .unwrap();
    assert_eq!(info, info_of(&whole));
    assert_eq!(f.store.head(KEY).await.unwrap(), Some(info));
}

pub async fn resent_part(f: &Fixture) {
    let whole = data(f.part_size + 10, 4);
    let upload_id = f
        .store
        .create_multipart(KEY, f.part_size as u64)
        .await
        .unwrap();
    let url = f
        .store
        .presign_part(KEY, &upload_id, 1, HOUR)
        .await
        .unwrap();
    put_ok(&url, data(f.part_size, 99)).await;
    let etags = upload_parts(f, &upload_id, &whole, &[1, 2]).await;
    let info = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&etags), None)
        .await
        .unwrap();
    assert_eq!(info, info_of(&whole));
}

pub async fn missing_part(f: &Fixture) {
    let whole = data(2 * f.part_size + 10, 5);
    let upload_id = f
        .store
        .create_multipart(KEY, f.part_size as u64)
        .await
        .unwrap();
    let mut etags = upload_parts(f, &upload_id, &whole, &[1, 3]).await;
    // Part 2 was never uploaded: naming it, or skipping it, is refused.
    let with_unsent = [
        etags[0].clone(),
        (2, "\"d41d8cd98f00b204e9800998ecf8427e\"".to_string()),
        etags[1].clone(),
    ];
    let result = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&with_unsent), None)
        .await;
    assert_invalid_part(result, 2);
    let result = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&etags), None)
        .await;
    assert_invalid_part(result, 3);
    assert_eq!(f.store.head(KEY).await.unwrap(), None);

    // The upload is as it was: send part 2 and complete.
    etags.extend(upload_parts(f, &upload_id, &whole, &[2]).await);
    etags.sort();
    let info = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&etags), None)
        .await
        .unwrap();
    assert_eq!(info, info_of(&whole));
}

pub async fn repeated_part(f: &Fixture) {
    let whole = data(f.part_size + 10, 6);
    let upload_id = f
        .store
        .create_multipart(KEY, f.part_size as u64)
        .await
        .unwrap();
    let etags = upload_parts(f, &upload_id, &whole, &[1, 2]).await;
    let twice = [etags[0].clone(), etags[0].clone(), etags[1].clone()];
    let result = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&twice), None)
        .await;
    assert_invalid_part(result, 1);
    assert_eq!(f.store.head(KEY).await.unwrap(), None);
}

pub async fn wrong_size(f: &Fixture) {
    // A part 1 over the part size: the local store refuses it when it is
    // sent already (see local::an_oversize_part_is_refused_without_damage).
    let mut firsts = vec![f.part_size - 1];
    if !f.quirks.refuses_parts_over_the_part_size {
        firsts.push(f.part_size + 1);
    }
    for first in firsts {
        let upload_id = f
            .store
            .create_multipart(KEY, f.part_size as u64)
            .await
            .unwrap();
        let mut etags = Vec::new();
        for (number, len) in [(1, first), (2, 10)] {
            let url = f
                .store
                .presign_part(KEY, &upload_id, number, HOUR)
                .await
                .unwrap();
            etags.push((number, put_ok(&url, data(len, 7)).await));
        }
        let result = f
            .store
            .complete_multipart(
                KEY,
                &upload_id,
                &completed(&etags),
                Some(f.part_size as u64),
            )
            .await;
        assert_invalid_part(result, 1);
        assert_eq!(f.store.head(KEY).await.unwrap(), None);
    }
}

pub async fn abort_then_complete(f: &Fixture) {
    let whole = data(100, 8);
    let upload_id = f
        .store
        .create_multipart(KEY, f.part_size as u64)
        .await
        .unwrap();
    let etags = upload_parts(f, &upload_id, &whole, &[1]).await;
    f.store.abort_multipart(KEY, &upload_id).await.unwrap();
    let result = f
        .store
        .complete_multipart(KEY, &upload_id, &completed(&etags), None)
        .await;
    assert!(result.is_err(), "completed an aborted upload: {result:?}");
    assert_eq!(f.store.head(KEY).await.unwrap(), None);
    if f.quirks.knows_unknown_uploads {
        let listed = f.store.list_parts(KEY, &upload_id).await;
        assert!(
            matches!(listed, Err(BlobError::UploadNotFound { .. })),
            "{listed:?}"
        );
    }
    if f.quirks.abort_of_a_gone_upload_succeeds {
        f.store.abort_multipart(KEY, &upload_id).await.unwrap();
    }
}

pub async fn presigned_get(f: &Fixture) {
    let bytes = data(300_000, 9);
    f.store.put_bytes(KEY, bytes.clone()).await.unwrap();
    let url = f
        .store
        .presign_get(KEY, HOUR, Some("Game v1.zip"))
        .await
        .unwrap();
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(bytes.len() as u64));
    if f.quirks.serves_download_names {
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.contains("filename=\"Game v1.zip\""),
            "{disposition}"
        );
    }
    assert_eq!(response.bytes().await.unwrap(), bytes);
}

pub async fn put_bytes_and_delete(f: &Fixture) {
    let key = "runs/r_1/logs.txt";
    let bytes = Bytes::from_static(b"line one\nline two\n");
    let info = f.store.put_bytes(key, bytes.clone()).await.unwrap();
    assert_eq!(info, info_of(&bytes));
    assert_eq!(f.store.head(key).await.unwrap(), Some(info));

    f.store.delete(key).await.unwrap();
    assert_eq!(f.store.head(key).await.unwrap(), None);
    f.store.delete(key).await.unwrap();
    let url = f.store.presign_get(key, HOUR, None).await.unwrap();
    assert_eq!(client().get(url).send().await.unwrap().status(), 404);
}

pub async fn head_of_missing(f: &Fixture) {
    assert_eq!(f.store.head("builds/none/x.zip").await.unwrap(), None);
}

pub async fn bad_keys(f: &Fixture) {
    for key in ["../x", "builds/../../etc/passwd", "/abs", "a\0b", ""] {
        let refused = |result: Result<_, BlobError>| {
            assert!(
                matches!(result, Err(BlobError::InvalidKey { .. })),
                "{key:?} was not refused"
            )
        };
        refused(f.store.presign_put(key, HOUR).await.map(|_| ()));
        refused(
            f.store
                .put_bytes(key, Bytes::from_static(b"x"))
                .await
                .map(|_| ()),
        );
        refused(f.store.create_multipart(key, 1).await.map(|_| ()));
        refused(f.store.head(key).await.map(|_| ()));
        refused(f.store.delete(key).await);
    }
}
