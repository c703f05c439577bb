//! The database errors that mean something to callers, for both backends: a
//! broken uniqueness rule is a [`StoreError::Conflict`], a reference to a
//! missing row is a [`StoreError::NotFound`]. Everything else stays a
//! [`StoreError::Database`] (an internal fault).

use sqlx::error::ErrorKind;

use crate::StoreError;

fn kind(err: &sqlx::Error) -> Option<ErrorKind> {
    err.as_database_error().map(|db| db.kind())
}

/// Maps the error of an insert or update: a uniqueness violation becomes a
/// conflict described by `conflict()`, a foreign-key violation means the
/// `missing` object (usually the project) does not exist.
pub(crate) fn on_write(
    err: sqlx::Error,
    conflict: impl FnOnce() -> String,
    missing: &'static str,
) -> StoreError {
    match kind(&err) {
        Some(ErrorKind::UniqueViolation) => StoreError::Conflict(conflict()),
        Some(ErrorKind::ForeignKeyViolation) => StoreError::NotFound(missing),
        _ => StoreError::Database(err),
    }
}
