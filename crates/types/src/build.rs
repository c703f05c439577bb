//! Builds and their uploads: the shapes of the reference API's four upload
//! endpoints, the metadata a CI attaches to a build, and our build resource.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::Pagination;

/// The platform a build runs on. `web` is ours: an HTML5 game.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BuildPlatform {
    Windows,
    Macos,
    Linux,
    Android,
    IosNative,
    IosSimulator,
    Xbox,
    Playstation,
    Web,
}

impl BuildPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildPlatform::Windows => "windows",
            BuildPlatform::Macos => "macos",
            BuildPlatform::Linux => "linux",
            BuildPlatform::Android => "android",
            BuildPlatform::IosNative => "ios-native",
            BuildPlatform::IosSimulator => "ios-simulator",
            BuildPlatform::Xbox => "xbox",
            BuildPlatform::Playstation => "playstation",
            BuildPlatform::Web => "web",
        }
    }
}

/// Which builds `auto_delete` removes first to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeletionPolicy {
    /// The builds used longest ago.
    #[default]
    LeastRecent,
    /// The builds uploaded first.
    Oldest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VcsType {
    Git,
    Mercurial,
    Svn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VcsProvider {
    Github,
    Gitlab,
    Bitbucket,
    AzureDevops,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VcsCommit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_branch: Option<String>,
}

/// Where the build's source came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VcsDetails {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub vcs_type: Option<VcsType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<VcsProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<VcsCommit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr: Option<PullRequest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CiSystem {
    GithubActions,
    Jenkins,
    GitlabCi,
    Circleci,
    Travis,
    AzurePipelines,
    Bitrise,
    Custom,
}

/// The CI job that produced the build.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CiDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<CiSystem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AppDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BuildConfiguration {
    Debug,
    Release,
    Staging,
    Production,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompileDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<BuildConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// Seconds the build took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compiler: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub dependencies: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UploadMethod {
    Cli,
    Api,
    GithubAction,
    JenkinsPlugin,
    Web,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UploadDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<UploadMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploader: Option<String>,
}

/// Metadata a CI attaches to a build: source, CI job, app version, how it
/// was built and uploaded. Every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuildDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcs: Option<VcsDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<CiDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<CompileDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadDetails>,
}

/// Body of `POST /builds/upload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InitiateUploadRequest {
    /// Optional here; when given, it must be the key's project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    pub name: String,
    pub file_name: String,
    pub file_size: i64,
    pub platform: BuildPlatform,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Force a multipart upload (files at or over the threshold always are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<bool>,
    #[serde(default)]
    pub auto_delete: bool,
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// Minutes until an unfinished upload expires (1 to 1440).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_timeout: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<BuildDetails>,
}

/// Answer of `POST /builds/upload`: one URL to PUT the whole file to, or an
/// upload id whose parts are PUT one by one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "upload_type")]
pub enum InitiateUploadResponse {
    #[serde(rename = "single-part")]
    SinglePart {
        build_id: String,
        upload_url: String,
        object_key: String,
    },
    #[serde(rename = "multipart")]
    Multipart {
        build_id: String,
        upload_id: String,
        object_key: String,
        total_parts: i64,
        part_size: i64,
    },
}

/// Query of `GET /builds/upload/parts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadPartsQuery {
    /// The upload id, which is also what authorises this request.
    pub upload_id: String,
    pub object_key: String,
    /// Comma-separated part numbers, e.g. `1,2,3`.
    pub part_numbers: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PartUrl {
    pub part_number: i64,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UploadPartsResponse {
    pub upload_urls: Vec<PartUrl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UploadedPart {
    pub part_number: i64,
    pub etag: String,
}

/// Body of `POST /builds/upload/complete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteUploadRequest {
    pub build_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<UploadedPart>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompleteUploadResponse {
    pub status: String,
    pub build_id: String,
}

/// Query of `DELETE /builds/upload`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CancelUploadQuery {
    pub build_id: String,
    pub object_key: String,
    /// Required for multipart uploads.
    pub upload_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CancelUploadResponse {
    pub success: bool,
}

/// Where a build is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    /// Initiated; its bytes are still arriving.
    Uploading,
    /// Complete and checked; runs can use it.
    Ready,
}

/// A stored build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Build {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub platform: BuildPlatform,
    pub status: BuildStatus,
    pub file_name: String,
    pub file_size: i64,
    /// Hex SHA-256 of the file, once complete.
    pub sha256: Option<String>,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub description: Option<String>,
    pub details: BuildDetails,
    pub created_at: DateTime<Utc>,
    pub last_used: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuildList {
    pub data: Vec<Build>,
    pub pagination: Pagination,
}

/// Query of `GET /builds`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListBuildsQuery {
    #[param(minimum = 0)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
    #[param(inline)]
    pub platform: Option<BuildPlatform>,
    /// Comma-separated tags; a build must carry all of them.
    pub tags: Option<String>,
    /// Builds whose name contains this text.
    pub name: Option<String>,
}

/// Body of `PATCH /builds/{id}`: the fields to change; the others stay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBuildRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An empty text clears the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Pinned builds are never removed by `auto_delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
}
