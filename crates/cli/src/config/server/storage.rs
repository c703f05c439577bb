//! The server's storage flags: where builds go (a folder or S3, with S3
//! credentials from the usual AWS variables when the URL has none) and the
//! rules of uploads: multipart threshold, part size, URL lifetime, upload
//! timeouts, the largest build, and the default per-project capacity.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use playtest_api::UploadSettings;
use playtest_blob::s3::S3Settings;
use playtest_types::Secret;

#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Where builds and artifacts go: a folder, file:///abs/path, or
    /// s3://BUCKET?endpoint=URL&region=R [default: <DIR>/blobs]
    #[arg(
        long,
        env = "PLAYTEST_BLOB_STORE",
        value_name = "URL",
        hide_env_values = true
    )]
    pub blob_store: Option<String>,
    /// S3 access key id, when the s3:// URL has none
    #[arg(
        long,
        env = "AWS_ACCESS_KEY_ID",
        value_name = "ID",
        hide_env_values = true
    )]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key, when the s3:// URL has none
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", value_name = "SECRET", hide_env_values = true, value_parser = parse_s3_secret)]
    pub s3_secret_access_key: Option<Secret>,
    /// Files of this size or more are uploaded in parts [default: 3GiB]
    #[arg(long, env = "PLAYTEST_MULTIPART_THRESHOLD", value_name = "SIZE", value_parser = parse_size)]
    pub multipart_threshold: Option<u64>,
    /// Size of each part of a multipart upload (S3 needs 5MiB or more) [default: 100MiB]
    #[arg(long, env = "PLAYTEST_PART_SIZE", value_name = "SIZE", value_parser = parse_size)]
    pub part_size: Option<u64>,
    /// Seconds an upload or download URL stays valid [default: 3600]
    #[arg(long, env = "PLAYTEST_URL_LIFETIME_SECONDS", value_name = "S", value_parser = clap::value_parser!(u64).range(1..=7 * 24 * 3600))]
    pub url_lifetime_seconds: Option<u64>,
    /// Minutes a single-part upload may stay unfinished, unless the client says [default: 10]
    #[arg(long, env = "PLAYTEST_SINGLE_UPLOAD_TIMEOUT_MINUTES", value_name = "M", value_parser = clap::value_parser!(i64).range(1..=1440))]
    pub single_upload_timeout_minutes: Option<i64>,
    /// Minutes a multipart upload may stay unfinished, unless the client says [default: 60]
    #[arg(long, env = "PLAYTEST_MULTIPART_UPLOAD_TIMEOUT_MINUTES", value_name = "M", value_parser = clap::value_parser!(i64).range(1..=1440))]
    pub multipart_upload_timeout_minutes: Option<i64>,
    /// Largest build accepted [default: 100GiB]
    #[arg(long, env = "PLAYTEST_MAX_BUILD_SIZE", value_name = "SIZE", value_parser = parse_size)]
    pub max_build_size: Option<u64>,
    /// Storage each project may use, unless it has its own [default: unlimited]
    #[arg(long, env = "PLAYTEST_STORAGE_CAPACITY", value_name = "SIZE", value_parser = parse_size)]
    pub storage_capacity: Option<u64>,
    /// Seconds between looks for expired uploads [default: 60]
    #[arg(long, env = "PLAYTEST_UPLOAD_JANITOR_SECONDS", value_name = "S", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub upload_janitor_seconds: Option<u64>,
}

/// Where blobs are kept, as decided from the flags.
#[derive(Debug, Clone, PartialEq)]
pub enum BlobTarget {
    Folder(PathBuf),
    S3(Box<S3Settings>),
}

impl StorageArgs {
    /// The blob store: the folder `<data_dir>/blobs` unless told otherwise.
    pub fn blob_target(&self, data_dir: &Path) -> anyhow::Result<BlobTarget> {
        let Some(given) = self.blob_store.as_deref() else {
            return Ok(BlobTarget::Folder(data_dir.join("blobs")));
        };
        if given.starts_with("s3://") {
            let mut settings = S3Settings::from_url(given)?;
            if settings.access_key_id.is_none() {
                settings.access_key_id = self.s3_access_key_id.clone();
            }
            if settings.secret_access_key.is_none() {
                settings.secret_access_key = self.s3_secret_access_key.clone();
            }
            return Ok(BlobTarget::S3(Box::new(settings)));
        }
        if let Some(path) = given.strip_prefix("file://") {
            return Ok(BlobTarget::Folder(PathBuf::from(path)));
        }
        if given.contains("://") {
            anyhow::bail!(
                "unsupported --blob-store {given}: use a folder path, file:///abs/path or s3://bucket?endpoint=..."
            );
        }
        Ok(BlobTarget::Folder(PathBuf::from(given)))
    }

    /// The upload rules, the defaults where no flag is given.
    pub fn upload_settings(&self) -> UploadSettings {
        let defaults = UploadSettings::default();
        UploadSettings {
            multipart_threshold: self
                .multipart_threshold
                .unwrap_or(defaults.multipart_threshold),
            part_size: self.part_size.unwrap_or(defaults.part_size),
            url_lifetime: self
                .url_lifetime_seconds
                .map_or(defaults.url_lifetime, Duration::from_secs),
            single_part_timeout_minutes: self
                .single_upload_timeout_minutes
                .unwrap_or(defaults.single_part_timeout_minutes),
            multipart_timeout_minutes: self
                .multipart_upload_timeout_minutes
                .unwrap_or(defaults.multipart_timeout_minutes),
            max_build_bytes: self.max_build_size.unwrap_or(defaults.max_build_bytes),
            default_capacity: self.storage_capacity.or(defaults.default_capacity),
            janitor_interval: self
                .upload_janitor_seconds
                .map_or(defaults.janitor_interval, Duration::from_secs),
        }
    }
}

fn parse_s3_secret(given: &str) -> Result<Secret, String> {
    Ok(Secret::new(given.trim()))
}

/// `1048576`, `512KiB`, `100MiB`, `3GiB`, `1TiB` (also KB/MB/GB/TB as
/// powers of 1000); at least 1 byte.
pub fn parse_size(given: &str) -> Result<u64, String> {
    let text = given.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return Err(size_hint()),
    };
    let number: u64 = digits.parse().map_err(|_| size_hint())?;
    match number.checked_mul(multiplier) {
        Some(0) => Err("must be at least 1 byte".to_string()),
        Some(bytes) => Ok(bytes),
        None => Err("is too large".to_string()),
    }
}

fn size_hint() -> String {
    "must be a size like 1048576, 100MiB or 3GiB".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Command;
    use crate::config::testing::command;

    #[test]
    fn the_blob_store_is_a_folder_unless_given_a_url() {
        let target = |args: &[&str]| {
            let Command::Serve(serve) = command(args) else {
                panic!()
            };
            serve.storage.blob_target(&serve.store.data_dir).unwrap()
        };
        assert_eq!(
            target(&["serve", "--data-dir", "/d"]),
            BlobTarget::Folder("/d/blobs".into())
        );
        assert_eq!(
            target(&["serve", "--blob-store", "file:///b"]),
            BlobTarget::Folder("/b".into())
        );
        let BlobTarget::S3(settings) = target(&[
            "serve",
            "--blob-store",
            "s3://bucket?endpoint=http://127.0.0.1:9000",
            "--s3-access-key-id",
            "id",
            "--s3-secret-access-key",
            "secret",
        ]) else {
            panic!("expected S3")
        };
        assert_eq!(settings.bucket, "bucket");
        assert_eq!(settings.access_key_id.as_deref(), Some("id"));
        assert_eq!(
            settings.secret_access_key.as_ref().map(|s| s.expose()),
            Some("secret")
        );
    }

    #[test]
    fn upload_rules_come_from_flags_with_sizes_in_units() {
        let Command::Serve(serve) = command(&[
            "serve",
            "--part-size",
            "5MiB",
            "--multipart-threshold",
            "10MiB",
            "--storage-capacity",
            "1GiB",
        ]) else {
            panic!()
        };
        let rules = serve.storage.upload_settings();
        assert_eq!(rules.part_size, 5 << 20);
        assert_eq!(rules.multipart_threshold, 10 << 20);
        assert_eq!(rules.default_capacity, Some(1 << 30));
        assert_eq!(rules.multipart_timeout_minutes, 60);
    }

    #[test]
    fn sizes_take_binary_and_decimal_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("100MiB"), Ok(100 << 20));
        assert_eq!(parse_size("3 GiB"), Ok(3 << 30));
        assert_eq!(parse_size("5mb"), Ok(5_000_000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("99999999TiB").is_err());
    }
}
