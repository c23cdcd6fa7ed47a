//! What can go wrong in storage, mapped to meaning in one place.

use sqlx::error::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the requested record does not exist")]
    NotFound,
    /// A unique constraint refused the write; the caller knows which one it risked.
    #[error("a record with the same key already exists")]
    Conflict,
    /// The database is locked or a transaction lost a race; retrying may succeed.
    #[error("the database is busy")]
    Busy,
    #[error("the database URL must start with sqlite:// or postgres://")]
    UnsupportedUrl,
    #[error("stored {what} is not readable: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StorageError {
    pub(crate) fn corrupt(what: &'static str, detail: impl ToString) -> StorageError {
        StorageError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
                StorageError::Conflict
            }
            // SQLITE_BUSY and SQLITE_LOCKED; PostgreSQL serialization failure and deadlock.
            sqlx::Error::Database(db)
                if matches!(
                    db.code().as_deref(),
                    Some("5" | "6" | "261" | "262" | "517" | "40001" | "40P01")
                ) =>
            {
                StorageError::Busy
            }
            sqlx::Error::PoolTimedOut => StorageError::Busy,
            _ => StorageError::Database(error),
        }
    }
}
