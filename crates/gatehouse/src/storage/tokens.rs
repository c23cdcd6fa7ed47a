//! Access and refresh tokens, stored as SHA-256 digests.

use super::security_log::log_revoked_tokens;
use sqlx::{Any, Transaction};
use time::OffsetDateTime;

use super::webhooks::{ENDED_TOKEN_COLUMNS, Ended, queue_notices};
use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{Digest, RevocationReason, Role, ScopeSet};

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
    /// What the access token may do.
    pub scopes: ScopeSet,
    /// What the refresh token may grant later.
    pub grant_scopes: ScopeSet,
    pub family_id: String,
    pub expires_at: OffsetDateTime,
    pub refresh_expires_at: Option<OffsetDateTime>,
}

/// A stored token pair.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: i64,
    pub authorization_id: i64,
    pub application_id: i64,
    pub user_id: i64,
    pub organization_id: Option<i64>,
    pub scopes: ScopeSet,
    pub grant_scopes: ScopeSet,
    pub family_id: String,
    pub last_chars: String,
    pub expires_at: OffsetDateTime,
    pub refresh_expires_at: Option<OffsetDateTime>,
    /// Set once a refresh replaced this pair; a rotated access token no longer works.
    pub rotated_at: Option<OffsetDateTime>,
}

/// How a refresh ended.
#[derive(Debug)]
pub enum Rotation<E> {
    /// No such refresh token.
    Unknown,
    /// The refresh token was rotated before: its whole family was revoked.
    Replayed { revoked: u64 },
    /// Nothing changed; the refresh token still works. For this reason.
    Rejected(E),
    /// The old pair is retired and the new one stored.
    Rotated {
        previous: TokenRecord,
        token_id: i64,
    },
}

const TOKEN_COLUMNS: &str = "id, authorization_id, application_id, user_id, organization_id, \
    scopes, grant_scopes, family_id, last_chars, expires_at, refresh_expires_at, rotated_at";

type TokenRow = (
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
);

fn from_row(row: TokenRow) -> Result<TokenRecord, StorageError> {
    let scopes =
        |stored: &str| ScopeSet::parse(stored).map_err(|e| StorageError::corrupt("scopes", e));
    Ok(TokenRecord {
        id: row.0,
        authorization_id: row.1,
        application_id: row.2,
        user_id: row.3,
        organization_id: row.4,
        scopes: scopes(&row.5)?,
        grant_scopes: scopes(&row.6)?,
        family_id: row.7,
        last_chars: row.8,
        expires_at: from_micros(row.9),
        refresh_expires_at: row.10.map(from_micros),
        rotated_at: row.11.map(from_micros),
    })
}

/// Stores a token pair inside the caller's transaction.
pub(super) async fn insert_token(
    tx: &mut Transaction<'static, Any>,
    token: &NewToken,
) -> Result<i64, StorageError> {
    let id = sqlx::query_scalar(
        "INSERT INTO tokens (access_digest, refresh_digest, last_chars, authorization_id, \
         application_id, user_id, organization_id, scopes, grant_scopes, family_id, \
         expires_at, refresh_expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(token.access_digest.as_str())
    .bind(token.refresh_digest.as_ref().map(Digest::as_str))
    .bind(&token.last_chars)
    .bind(token.authorization_id)
    .bind(token.application_id)
    .bind(token.user_id)
    .bind(token.organization_id)
    .bind(token.scopes.to_string())
    .bind(token.grant_scopes.to_string())
    .bind(&token.family_id)
    .bind(to_micros(token.expires_at))
    .bind(token.refresh_expires_at.map(to_micros))
    .bind(to_micros(now()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

impl Storage {
    pub async fn create_token(&self, token: &NewToken) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id = insert_token(&mut tx, token).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One indexed lookup by the digest of the access token.
    pub async fn find_token(
        &self,
        access_digest: &Digest,
    ) -> Result<Option<TokenRecord>, StorageError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE access_digest = $1");
        let row: Option<TokenRow> = sqlx::query_as(&sql)
            .bind(access_digest.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(from_row).transpose()
    }

    /// Retires the pair a refresh token belongs to and stores the pair `issue` makes, in one
    /// transaction. The retirement is one conditional `UPDATE`, so of concurrent refreshes
    /// with one token at most one gets a new pair; a refresh token presented after its
    /// rotation revokes its whole family (RFC 9700 §4.14.2).
    pub async fn rotate_refresh_token<E>(
        &self,
        refresh_digest: &Digest,
        issue: impl FnOnce(&TokenRecord) -> Result<NewToken, E>,
    ) -> Result<Rotation<E>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE tokens SET rotated_at = $1 \
             WHERE refresh_digest = $2 AND rotated_at IS NULL RETURNING {TOKEN_COLUMNS}"
        );
        let row: Option<TokenRow> = sqlx::query_as(&sql)
            .bind(to_micros(now()))
            .bind(refresh_digest.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return self.refuse_replayed_refresh(refresh_digest).await;
        };
        let previous = from_row(row)?;

        let new_token = match issue(&previous) {
            Ok(new_token) => new_token,
            Err(refusal) => {
                tx.rollback().await?;
                return Ok(Rotation::Rejected(refusal));
            }
        };
        let token_id = insert_token(&mut tx, &new_token).await?;
        tx.commit().await?;
        Ok(Rotation::Rotated { previous, token_id })
    }

    async fn refuse_replayed_refresh<E>(
        &self,
        refresh_digest: &Digest,
    ) -> Result<Rotation<E>, StorageError> {
        let family: Option<String> =
            sqlx::query_scalar("SELECT family_id FROM tokens WHERE refresh_digest = $1")
                .bind(refresh_digest.as_str())
                .fetch_optional(&self.pool)
                .await?;
        match family {
            Some(family) => Ok(Rotation::Replayed {
                revoked: self
                    .revoke_family(&family, RevocationReason::TokenReuse)
                    .await?,
            }),
            None => Ok(Rotation::Unknown),
        }
    }

    /// Deletes every token descended from one code and, in the same transaction, queues a
    /// revocation notice for the application's webhook, if it has one. Returns how many
    /// tokens went; a family already gone sends no notice.
    pub async fn revoke_family(
        &self,
        family_id: &str,
        reason: RevocationReason,
    ) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let sql =
            format!("DELETE FROM tokens WHERE family_id = $1 RETURNING {ENDED_TOKEN_COLUMNS}");
        let ended: Vec<Ended> = sqlx::query_as(&sql)
            .bind(family_id)
            .fetch_all(&mut *tx)
            .await?;
        queue_notices(&mut tx, &ended, reason).await?;
        log_revoked_tokens(&mut tx, &ended, reason).await?;
        tx.commit().await?;
        Ok(ended.len() as u64)
    }

    /// What operators call to take access away (`gatehouse app disable`, `gatehouse token
    /// revoke`): deletes the selected tokens and unused codes and, in the same transaction,
    /// queues an `operator` revocation notice per authorization they belonged to. Returns
    /// how many tokens went.
    pub async fn revoke_tokens_by_operator(
        &self,
        selection: TokenSelection,
    ) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let revoked = revoke_selected_tokens(&mut tx, selection).await?;
        tx.commit().await?;
        Ok(revoked)
    }
}

/// Whose tokens an operator revokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSelection {
    /// Every token of an application (by its row id).
    Application(i64),
    /// Every token of a user.
    User(i64),
    /// A user's tokens of one application.
    UserOfApplication { user_id: i64, application_id: i64 },
}

/// [`Storage::revoke_tokens_by_operator`] inside the caller's transaction, for an operator
/// action that changes more in the same transaction (disabling the application, say).
pub(super) async fn revoke_selected_tokens(
    tx: &mut Transaction<'static, Any>,
    selection: TokenSelection,
) -> Result<u64, StorageError> {
    let (user_id, application_id) = match selection {
        TokenSelection::Application(id) => (None, Some(id)),
        TokenSelection::User(id) => (Some(id), None),
        TokenSelection::UserOfApplication {
            user_id,
            application_id,
        } => (Some(user_id), Some(application_id)),
    };
    let selected = "COALESCE($1, user_id) = user_id \
                    AND COALESCE($2, application_id) = application_id";

    let sql = format!("DELETE FROM tokens WHERE {selected} RETURNING {ENDED_TOKEN_COLUMNS}");
    let ended: Vec<Ended> = sqlx::query_as(&sql)
        .bind(user_id)
        .bind(application_id)
        .fetch_all(&mut **tx)
        .await?;
    // An unused code would otherwise bring the connection back after the notice.
    sqlx::query(&format!(
        "DELETE FROM grants WHERE redeemed_at IS NULL AND {selected}"
    ))
    .bind(user_id)
    .bind(application_id)
    .execute(&mut **tx)
    .await?;
    queue_notices(tx, &ended, RevocationReason::Operator).await?;
    log_revoked_tokens(tx, &ended, RevocationReason::Operator).await?;
    Ok(ended.len() as u64)
}

/// Everything needed to decide what a bearer token may do, read in one query.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token_id: i64,
    pub user_id: i64,
    pub user_active: bool,
    pub application_active: bool,
    pub organization_id: Option<i64>,
    /// The user's current role in the token's organization; `None` once they left it (and
    /// always for user-level tokens).
    pub role: Option<Role>,
    pub scopes: ScopeSet,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
}

type BearerRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    i64,
    Option<i64>,
);

impl Storage {
    /// The live (not rotated) token with this access digest, with its user's status, its
    /// application's status and the user's role in its organization: one indexed lookup
    /// and primary-key joins, so that revocation, a disabled user or a role change take
    /// effect on the very next request, on every instance.
    pub async fn find_bearer(
        &self,
        access_digest: &Digest,
    ) -> Result<Option<Bearer>, StorageError> {
        let row: Option<BearerRow> = sqlx::query_as(
            "SELECT t.id, t.user_id, u.status, a.status, t.organization_id, m.role, t.scopes, \
             t.expires_at, t.last_used_at \
             FROM tokens t \
             JOIN users u ON u.id = t.user_id \
             JOIN applications a ON a.id = t.application_id \
             LEFT JOIN memberships m \
               ON m.user_id = t.user_id AND m.organization_id = t.organization_id \
             WHERE t.access_digest = $1 AND t.rotated_at IS NULL",
        )
        .bind(access_digest.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let role = match &row.5 {
            Some(role) => Some(
                role.parse()
                    .map_err(|_| StorageError::corrupt("role", role))?,
            ),
            None => None,
        };
        Ok(Some(Bearer {
            token_id: row.0,
            user_id: row.1,
            user_active: row.2 == "active",
            application_active: row.3 == "active",
            organization_id: row.4,
            role,
            scopes: ScopeSet::parse(&row.6).map_err(|e| StorageError::corrupt("scopes", e))?,
            expires_at: from_micros(row.7),
            last_used_at: row.8.map(from_micros),
        }))
    }

    /// Records that a token reached the API, for the user's Authorized Applications page.
    pub async fn touch_token(&self, token_id: i64, at: OffsetDateTime) -> Result<(), StorageError> {
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(to_micros(at))
            .bind(token_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
