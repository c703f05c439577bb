//! Test assets: images uploaded with a test (the references of its
//! `screen_similar` checks), fetched by the worker that plays it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An asset as listed: what it is, never its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestAsset {
    /// The name checks refer to it by (`screen_similar.asset`).
    pub name: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TestAssetList {
    pub data: Vec<TestAsset>,
}
