//! S3's ListParts, which object_store does not expose: a GET on the object
//! with `?uploadId=` (and `part-number-marker` for the next page), sent to a
//! URL presigned by object_store's signer, so no request signing lives here.

use std::time::Duration;

use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use serde::Deserialize;

use crate::{BlobError, PartInfo, Result};

/// S3 answers at most 1000 parts a page and an upload has at most 10000.
const MAX_PAGES: usize = 20;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPartsResult {
    #[serde(default)]
    is_truncated: bool,
    next_part_number_marker: Option<u32>,
    #[serde(default, rename = "Part")]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Part {
    part_number: u32,
    /// AWS always lists it; s3s-fs does not.
    #[serde(rename = "ETag", default)]
    etag: Option<String>,
    size: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorXml {
    code: Option<String>,
    message: Option<String>,
}

pub(crate) async fn list_parts(
    s3: &AmazonS3,
    http: &reqwest::Client,
    path: &Path,
    upload_id: &str,
) -> Result<Vec<PartInfo>> {
    let mut parts = Vec::new();
    let mut marker: Option<u32> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![("uploadId", upload_id.to_string())];
        if let Some(marker) = marker {
            query.push(("part-number-marker", marker.to_string()));
        }
        let options = SignedUrlOptions::default().with_query(query);
        let url = s3
            .signed_url_opts(Method::GET, path, Duration::from_secs(300), &options)
            .await
            .map_err(|err| BlobError::Backend(format!("presigning ListParts: {err}")))?;
        // reqwest's errors name the URL, which here carries a signature.
        let response = http
            .get(url)
            .send()
            .await
            .map_err(|err| BlobError::Backend(format!("ListParts: {}", err.without_url())))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|err| BlobError::Backend(format!("ListParts: {}", err.without_url())))?;
        if !status.is_success() {
            return Err(list_error(status, &body, upload_id));
        }
        let page = parse_page(&body)?;
        parts.extend(page.parts.into_iter().map(|part| PartInfo {
            part_number: part.part_number,
            etag: part.etag.unwrap_or_default(),
            size: part.size,
        }));
        match (page.is_truncated, page.next_part_number_marker) {
            (true, Some(next)) if Some(next) != marker => marker = Some(next),
            _ => {
                parts.sort_by_key(|part| part.part_number);
                return Ok(parts);
            }
        }
    }
    Err(BlobError::Backend(format!(
        "ListParts of upload {upload_id} did not end after {MAX_PAGES} pages"
    )))
}

fn parse_page(body: &str) -> Result<ListPartsResult> {
    quick_xml::de::from_str(body)
        .map_err(|err| BlobError::Backend(format!("unreadable ListParts answer: {err}")))
}

fn list_error(status: reqwest::StatusCode, body: &str, upload_id: &str) -> BlobError {
    let error: Option<ErrorXml> = quick_xml::de::from_str(body).ok();
    let code = error
        .as_ref()
        .and_then(|e| e.code.clone())
        .unwrap_or_default();
    if status == reqwest::StatusCode::NOT_FOUND || code == "NoSuchUpload" {
        return BlobError::UploadNotFound {
            upload_id: upload_id.to_string(),
        };
    }
    let message = error.and_then(|e| e.message).unwrap_or_default();
    BlobError::Backend(format!("ListParts answered {status} {code} {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer as AWS documents it (trimmed).
    const AWS_PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Bucket>example-bucket</Bucket>
  <Key>example-object</Key>
  <UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>
  <Initiator><ID>arn:aws:iam::111122223333:user/some-user</ID><DisplayName>umat</DisplayName></Initiator>
  <StorageClass>STANDARD</StorageClass>
  <PartNumberMarker>1</PartNumberMarker>
  <NextPartNumberMarker>3</NextPartNumberMarker>
  <MaxParts>2</MaxParts>
  <IsTruncated>true</IsTruncated>
  <Part>
    <PartNumber>2</PartNumber>
    <LastModified>2010-11-10T20:48:34.000Z</LastModified>
    <ETag>"7778aef83f66abc1fa1e8477f296d394"</ETag>
    <Size>10485760</Size>
  </Part>
  <Part>
    <PartNumber>3</PartNumber>
    <LastModified>2010-11-10T20:48:33.000Z</LastModified>
    <ETag>"aaaa18db4cc2f85cedef654fccc4a4x8"</ETag>
    <Size>10485760</Size>
  </Part>
</ListPartsResult>"#;

    #[test]
    fn an_aws_page_gives_numbers_etags_sizes_and_the_next_marker() {
        let page = parse_page(AWS_PAGE).unwrap();
        assert!(page.is_truncated);
        assert_eq!(page.next_part_number_marker, Some(3));
        assert_eq!(page.parts.len(), 2);
        assert_eq!(page.parts[0].part_number, 2);
        assert_eq!(
            page.parts[0].etag.as_deref(),
            Some("\"7778aef83f66abc1fa1e8477f296d394\"")
        );
        assert_eq!(page.parts[1].size, 10_485_760);
    }

    #[test]
    fn a_page_without_parts_or_etags_is_read() {
        let empty =
            parse_page("<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>")
                .unwrap();
        assert!(empty.parts.is_empty());
        let bare = parse_page(
            "<ListPartsResult><Part><PartNumber>1</PartNumber><Size>5</Size></Part></ListPartsResult>",
        )
        .unwrap();
        assert_eq!(bare.parts[0].etag, None);
    }

    #[test]
    fn no_such_upload_becomes_upload_not_found() {
        let body = "<Error><Code>NoSuchUpload</Code><Message>gone</Message></Error>";
        let err = list_error(reqwest::StatusCode::NOT_FOUND, body, "u1");
        assert!(matches!(err, BlobError::UploadNotFound { .. }));
        let err = list_error(
            reqwest::StatusCode::FORBIDDEN,
            "<Error><Code>AccessDenied</Code></Error>",
            "u1",
        );
        assert!(err.to_string().contains("AccessDenied"), "{err}");
    }

    #[test]
    fn a_wrong_etag_is_caught_against_an_aws_listing() {
        use crate::CompletedPart;
        let stored: Vec<PartInfo> = parse_page(AWS_PAGE)
            .unwrap()
            .parts
            .into_iter()
            .map(|part| PartInfo {
                part_number: part.part_number - 1,
                etag: part.etag.unwrap_or_default(),
                size: part.size,
            })
            .collect();
        let parts = [
            CompletedPart {
                part_number: 1,
                etag: "7778aef83f66abc1fa1e8477f296d394".into(),
            },
            CompletedPart {
                part_number: 2,
                etag: "\"wrong\"".into(),
            },
        ];
        let err = crate::parts::check_parts(&parts, &stored, None).unwrap_err();
        assert!(
            matches!(err, BlobError::InvalidPart { part_number: 2, .. }),
            "{err}"
        );
    }
}
