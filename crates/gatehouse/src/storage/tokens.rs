//! Access and refresh tokens, stored as SHA-256 digests.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{Digest, ScopeSet};

/// A token pair about to be issued. Only digests and the last characters (for display)
/// of the tokens are kept.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub access_digest: Digest,
    pub refresh_digest: Option<Digest>,
    pub last_chars: String,
    pub authorization_id: i64,
    pub application_id: i64,
    pub user_id: i64,
    pub organization_id: Option<i64>,
    pub scopes: ScopeSet,
    pub family_id: String,
    pub expires_at: OffsetDateTime,
    pub refresh_expires_at: Option<OffsetDateTime>,
}

/// A stored token, as found by the digest of its access token.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: i64,
    pub authorization_id: i64,
    pub application_id: i64,
    pub user_id: i64,
    pub organization_id: Option<i64>,
    pub scopes: ScopeSet,
    pub family_id: String,
    pub last_chars: String,
    pub expires_at: OffsetDateTime,
    /// Set once a refresh replaced this token; a rotated token no longer works.
    pub rotated_at: Option<OffsetDateTime>,
}

type TokenRow = (
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
    String,
    String,
    i64,
    Option<i64>,
);

fn from_row(row: TokenRow) -> Result<TokenRecord, StorageError> {
    Ok(TokenRecord {
        id: row.0,
        authorization_id: row.1,
        application_id: row.2,
        user_id: row.3,
        organization_id: row.4,
        scopes: ScopeSet::parse(&row.5).map_err(|e| StorageError::corrupt("scopes", e))?,
        family_id: row.6,
        last_chars: row.7,
        expires_at: from_micros(row.8),
        rotated_at: row.9.map(from_micros),
    })
}

impl Storage {
    pub async fn create_token(&self, token: &NewToken) -> Result<i64, StorageError> {
        let id = sqlx::query_scalar(
            "INSERT INTO tokens (access_digest, refresh_digest, last_chars, authorization_id, \
             application_id, user_id, organization_id, scopes, family_id, expires_at, \
             refresh_expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(token.access_digest.as_str())
        .bind(token.refresh_digest.as_ref().map(Digest::as_str))
        .bind(&token.last_chars)
        .bind(token.authorization_id)
        .bind(token.application_id)
        .bind(token.user_id)
        .bind(token.organization_id)
        .bind(token.scopes.to_string())
        .bind(&token.family_id)
        .bind(to_micros(token.expires_at))
        .bind(token.refresh_expires_at.map(to_micros))
        .bind(to_micros(now()))
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// One indexed lookup by the digest of the access token.
    pub async fn find_token(
        &self,
        access_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StorageError> {
        let row: Option<TokenRow> = sqlx::query_as(
            "SELECT id, authorization_id, application_id, user_id, organization_id, scopes, \
             family_id, last_chars, expires_at, rotated_at \
             FROM tokens WHERE access_digest = $1",
        )
        .bind(access_digest.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// Deletes every token descended from one code. Returns how many went.
    pub async fn revoke_family(&self, family_id: &str) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM tokens WHERE family_id = $1")
            .bind(family_id)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
