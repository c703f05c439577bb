//! The one error body every endpoint answers with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": "...", "code": "...", "details": {...}}`: a human message, a
/// stable machine code, and whatever else helps (the bad field, a request id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub code: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
}
