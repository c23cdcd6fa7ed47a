//! Browser sessions, kept in the database so that any instance can serve any request.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::Digest;

#[derive(Debug, Clone)]
pub struct Session {
    /// `None` until the browser signs in.
    pub user_id: Option<i64>,
    pub expires_at: OffsetDateTime,
}

impl Storage {
    /// Stores a session under the digest of its id (the cookie's value).
    pub async fn create_session(
        &self,
        id_digest: &Digest,
        user_id: Option<i64>,
        expires_at: OffsetDateTime,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO sessions (id_digest, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id_digest.as_str())
        .bind(user_id)
        .bind(to_micros(now()))
        .bind(to_micros(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session, unless it is unknown or expired.
    pub async fn find_session(&self, id_digest: &Digest) -> Result<Option<Session>, StorageError> {
        let row: Option<(Option<i64>, i64)> = sqlx::query_as(
            "SELECT user_id, expires_at FROM sessions WHERE id_digest = $1 AND expires_at > $2",
        )
        .bind(id_digest.as_str())
        .bind(to_micros(now()))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(user_id, expires_at)| Session {
            user_id,
            expires_at: from_micros(expires_at),
        }))
    }

    pub async fn delete_session(&self, id_digest: &Digest) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sessions WHERE id_digest = $1")
            .bind(id_digest.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
