//! What the revocation (RFC 7009) and introspection (RFC 7662) endpoints need to know about
//! a token a client presents: either half of a pair, found by its digest.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros};
use crate::domain::{Digest, ScopeSet};

/// Which half of a stored pair a presented token is. Its prefix tells (`gat_`, `grt_`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairHalf {
    Access,
    Refresh,
}

impl PairHalf {
    /// The columns this half is found by, limited in scope by, and expires by.
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            PairHalf::Access => ("access_digest", "scopes", "expires_at"),
            PairHalf::Refresh => ("refresh_digest", "grant_scopes", "refresh_expires_at"),
        }
    }
}

/// A live (not rotated) token with its owners' state, read in one query, for deciding
/// whether it is active and for describing it.
#[derive(Debug, Clone)]
pub struct Introspection {
    pub application_id: i64,
    pub client_id: String,
    pub application_active: bool,
    pub user_id: i64,
    pub email: String,
    pub user_active: bool,
    pub organization_id: Option<i64>,
    /// What the token may do: an access token's scopes, or what a refresh token may grant.
    pub scopes: ScopeSet,
    /// `None` for a refresh token stored without a lifetime, which never counts as live.
    pub expires_at: Option<OffsetDateTime>,
    pub issued_at: OffsetDateTime,
}

type IntrospectionRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    String,
    Option<i64>,
    i64,
);

impl Storage {
    /// The live token whose `half` has this digest: one lookup on a unique index and two
    /// primary-key joins, so a revocation, rotation or disabled owner shows at once.
    pub async fn introspect_token(
        &self,
        half: PairHalf,
        digest: &Digest,
    ) -> Result<Option<Introspection>, StorageError> {
        let (digest_column, scope_column, expiry_column) = half.columns();
        let sql = format!(
            "SELECT t.application_id, a.client_id, a.status, t.user_id, u.email, u.status, \
             t.organization_id, t.{scope_column}, t.{expiry_column}, t.created_at \
             FROM tokens t \
             JOIN users u ON u.id = t.user_id \
             JOIN applications a ON a.id = t.application_id \
             WHERE t.{digest_column} = $1 AND t.rotated_at IS NULL"
        );
        let row: Option<IntrospectionRow> = sqlx::query_as(&sql)
            .bind(digest.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Introspection {
            application_id: row.0,
            client_id: row.1,
            application_active: row.2 == "active",
            user_id: row.3,
            email: row.4,
            user_active: row.5 == "active",
            organization_id: row.6,
            scopes: ScopeSet::parse(&row.7).map_err(|e| StorageError::corrupt("scopes", e))?,
            expires_at: row.8.map(from_micros),
            issued_at: from_micros(row.9),
        }))
    }

    /// Revokes the live pair an access token belongs to, with the rest of its family, if
    /// the token was issued to `application_id`; a token of another application, or one
    /// already rotated, is left alone. Returns how many token rows went.
    pub async fn revoke_access_token(
        &self,
        application_id: i64,
        access_digest: &Digest,
    ) -> Result<u64, StorageError> {
        self.revoke_live_family(PairHalf::Access, application_id, access_digest)
            .await
    }

    /// Like [`Storage::revoke_access_token`], for a refresh token.
    pub async fn revoke_refresh_family(
        &self,
        application_id: i64,
        refresh_digest: &Digest,
    ) -> Result<u64, StorageError> {
        self.revoke_live_family(PairHalf::Refresh, application_id, refresh_digest)
            .await
    }

    /// The application id is in both conditions, so a client can never reach another
    /// client's tokens. A refresh with the same token racing the revocation may win: its
    /// new pair then lives, as if the refresh had come first and the revocation had named
    /// a rotated token.
    async fn revoke_live_family(
        &self,
        half: PairHalf,
        application_id: i64,
        digest: &Digest,
    ) -> Result<u64, StorageError> {
        let (digest_column, _, _) = half.columns();
        let sql = format!(
            "DELETE FROM tokens WHERE application_id = $1 AND family_id IN ( \
               SELECT family_id FROM tokens \
               WHERE {digest_column} = $2 AND application_id = $1 AND rotated_at IS NULL)"
        );
        let result = sqlx::query(&sql)
            .bind(application_id)
            .bind(digest.as_str())
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
