//! The store's one error type. Callers match on the variants that carry
//! meaning for a client (not found, conflicts) and treat the rest as
//! internal faults.

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in this project. Foreign objects are reported the same way.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An optimistic-concurrency update was based on an old version.
    #[error("stale version: the current version is {current}")]
    VersionConflict { current: i64 },
    /// A uniqueness rule was broken (the message says which).
    #[error("{0}")]
    Conflict(String),
    /// A reservation would take the project's storage over its capacity
    /// (after deleting what `auto_delete` allowed). Sizes in bytes.
    #[error("storage capacity exceeded: {used} of {capacity} bytes used, {needed} more needed")]
    QuotaExceeded {
        used: i64,
        capacity: i64,
        needed: i64,
    },
    /// A worker wrote with a fencing token that is no longer its job's
    /// current one, or about a job that is no longer active: its lease is
    /// gone and the job has moved on without it.
    #[error("the lease on job {job_id} is lost: it expired, or the job completed or was retried")]
    LeaseLost { job_id: String },
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("stored data could not be read back: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}
