//! Authorization codes, stored as digests and redeemed at most once.

use super::{Storage, StorageError, to_micros};
use crate::domain::{Digest, ScopeSet};
use time::OffsetDateTime;

/// A code about to be issued; `code_digest` is all that is kept of the code.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub code_digest: Digest,
    pub authorization_id: i64,
    pub application_id: i64,
    pub user_id: i64,
    pub organization_id: Option<i64>,
    pub redirect_uri: Option<String>,
    pub scopes: ScopeSet,
    pub code_challenge: Option<String>,
    pub family_id: String,
    pub expires_at: OffsetDateTime,
}

/// What a code was bound to, returned by a successful redemption.
#[derive(Debug, Clone)]
pub struct RedeemedGrant {
    pub authorization_id: i64,
    pub application_id: i64,
    pub user_id: i64,
    pub organization_id: Option<i64>,
    pub redirect_uri: Option<String>,
    pub scopes: ScopeSet,
    pub code_challenge: Option<String>,
    pub family_id: String,
    pub expires_at: OffsetDateTime,
}

type GrantRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    String,
    i64,
);

impl Storage {
    pub async fn create_grant(&self, grant: &NewGrant) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO grants (code_digest, authorization_id, application_id, user_id, \
             organization_id, redirect_uri, scopes, code_challenge, family_id, expires_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(grant.code_digest.as_str())
        .bind(grant.authorization_id)
        .bind(grant.application_id)
        .bind(grant.user_id)
        .bind(grant.organization_id)
        .bind(grant.redirect_uri.as_deref())
        .bind(grant.scopes.to_string())
        .bind(grant.code_challenge.as_deref())
        .bind(&grant.family_id)
        .bind(to_micros(grant.expires_at))
        .bind(to_micros(super::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the code redeemed and returns what it was bound to, or `None` when it is
    /// unknown or was redeemed before. One statement, so that of any number of concurrent
    /// redemptions exactly one succeeds, on either backend.
    pub async fn redeem_grant(
        &self,
        code_digest: &Digest,
    ) -> Result<Option<RedeemedGrant>, StorageError> {
        let row: Option<GrantRow> = sqlx::query_as(
            "UPDATE grants SET redeemed_at = $1 \
             WHERE code_digest = $2 AND redeemed_at IS NULL \
             RETURNING authorization_id, application_id, user_id, organization_id, \
             redirect_uri, scopes, code_challenge, family_id, expires_at",
        )
        .bind(to_micros(super::now()))
        .bind(code_digest.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (authorization_id, application_id, user_id, organization_id, redirect_uri) =
            (row.0, row.1, row.2, row.3, row.4);
        Ok(Some(RedeemedGrant {
            authorization_id,
            application_id,
            user_id,
            organization_id,
            redirect_uri,
            scopes: ScopeSet::parse(&row.5).map_err(|e| StorageError::corrupt("scopes", e))?,
            code_challenge: row.6,
            family_id: row.7,
            expires_at: super::from_micros(row.8),
        }))
    }

    /// The token family of a code that was already redeemed, to revoke it when the code is
    /// replayed (RFC 9700 §4.5.3).
    pub async fn redeemed_grant_family(
        &self,
        code_digest: &Digest,
    ) -> Result<Option<String>, StorageError> {
        let family = sqlx::query_scalar(
            "SELECT family_id FROM grants WHERE code_digest = $1 AND redeemed_at IS NOT NULL",
        )
        .bind(code_digest.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(family)
    }
}
