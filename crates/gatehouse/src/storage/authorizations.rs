//! Authorizations: a user's standing consent to an application, for one organization (or
//! for the user as a whole with user-level applications).

use time::OffsetDateTime;

use super::webhooks::{Ended, queue_notices};
use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{RevocationReason, ScopeSet};

#[derive(Debug, Clone)]
pub struct Authorization {
    pub id: i64,
    pub user_id: i64,
    pub application_id: i64,
    pub organization_id: Option<i64>,
    pub scopes: ScopeSet,
    pub created_at: OffsetDateTime,
}

type AuthorizationRow = (i64, i64, i64, Option<i64>, String, i64);

fn from_row(row: AuthorizationRow) -> Result<Authorization, StorageError> {
    let (id, user_id, application_id, organization_id, scopes, created_at) = row;
    Ok(Authorization {
        id,
        user_id,
        application_id,
        organization_id,
        scopes: ScopeSet::parse(&scopes).map_err(|e| StorageError::corrupt("scopes", e))?,
        created_at: from_micros(created_at),
    })
}

impl Storage {
    pub async fn find_authorization(
        &self,
        user_id: i64,
        application_id: i64,
        organization_id: Option<i64>,
    ) -> Result<Option<Authorization>, StorageError> {
        let row: Option<AuthorizationRow> = sqlx::query_as(
            "SELECT id, user_id, application_id, organization_id, scopes, created_at \
             FROM authorizations \
             WHERE user_id = $1 AND application_id = $2 \
             AND COALESCE(organization_id, 0) = COALESCE($3, 0)",
        )
        .bind(user_id)
        .bind(application_id)
        .bind(organization_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(from_row).transpose()
    }

    /// Records consent: creates the authorization, or widens an existing one to also cover
    /// `scopes` (consent only ever adds; revoking is a separate, explicit act).
    pub async fn grant_authorization(
        &self,
        user_id: i64,
        application_id: i64,
        organization_id: Option<i64>,
        scopes: ScopeSet,
    ) -> Result<Authorization, StorageError> {
        // Two first approvals racing both try to insert; the loser finds the winner's row
        // on its second pass and merges into it.
        let mut attempt = 0;
        loop {
            let existing = self
                .find_authorization(user_id, application_id, organization_id)
                .await?;
            let result = match existing {
                Some(found) => self.widen_authorization(found, scopes).await,
                None => {
                    self.insert_authorization(user_id, application_id, organization_id, scopes)
                        .await
                }
            };
            match result {
                Err(StorageError::Conflict) if attempt == 0 => attempt += 1,
                other => return other,
            }
        }
    }

    async fn insert_authorization(
        &self,
        user_id: i64,
        application_id: i64,
        organization_id: Option<i64>,
        scopes: ScopeSet,
    ) -> Result<Authorization, StorageError> {
        let at = to_micros(now());
        let row: AuthorizationRow = sqlx::query_as(
            "INSERT INTO authorizations \
             (user_id, application_id, organization_id, scopes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             RETURNING id, user_id, application_id, organization_id, scopes, created_at",
        )
        .bind(user_id)
        .bind(application_id)
        .bind(organization_id)
        .bind(scopes.to_string())
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        from_row(row)
    }

    async fn widen_authorization(
        &self,
        found: Authorization,
        scopes: ScopeSet,
    ) -> Result<Authorization, StorageError> {
        let merged = found.scopes.union(scopes);
        // Compare-and-set on the scopes read, so a concurrent widening is not lost.
        let result = sqlx::query(
            "UPDATE authorizations SET scopes = $1, updated_at = $2 \
             WHERE id = $3 AND scopes = $4",
        )
        .bind(merged.to_string())
        .bind(to_micros(now()))
        .bind(found.id)
        .bind(found.scopes.to_string())
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StorageError::Conflict);
        }
        Ok(Authorization {
            scopes: merged,
            ..found
        })
    }
}

/// An authorization as the user's Authorized Applications list shows it.
#[derive(Debug, Clone)]
pub struct AuthorizationListing {
    pub authorization: Authorization,
    pub client_id: String,
    pub application_name: String,
    pub homepage_url: String,
    pub privacy_url: String,
    pub terms_url: String,
    /// `(id, slug, name)` of the connected organization; `None` for user-level apps.
    pub organization: Option<(i64, String, String)>,
    /// When a token of this authorization last reached the API.
    pub last_used_at: Option<OffsetDateTime>,
}

type ListingRow = (
    i64,
    i64,
    i64,
    Option<i64>,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

impl Storage {
    /// The user's authorizations of active applications, by application name.
    pub async fn list_user_authorizations(
        &self,
        user_id: i64,
    ) -> Result<Vec<AuthorizationListing>, StorageError> {
        let rows: Vec<ListingRow> = sqlx::query_as(
            "SELECT z.id, z.user_id, z.application_id, z.organization_id, z.scopes, \
             z.created_at, a.client_id, a.name, a.homepage_url, a.privacy_url, a.terms_url, \
             o.slug, o.name, \
             (SELECT MAX(t.last_used_at) FROM tokens t WHERE t.authorization_id = z.id) \
             FROM authorizations z \
             JOIN applications a ON a.id = z.application_id \
             LEFT JOIN organizations o ON o.id = z.organization_id \
             WHERE z.user_id = $1 AND a.status = 'active' \
             ORDER BY a.name, z.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(listing_from_row).collect()
    }

    /// Ends one of the user's authorizations: the authorization, every token and every
    /// code of it go in one statement (the tokens and codes cascade), so the next API call
    /// with any of its tokens gets 401; the user's security log records it in the same
    /// transaction. `None` when the user has no such authorization.
    /// The application's webhook, if it has one, gets a `user_revoked` notice, queued in the
    /// same transaction so that it cannot be lost.
    pub async fn revoke_authorization(
        &self,
        user_id: i64,
        authorization_id: i64,
        actor: &str,
    ) -> Result<Option<Authorization>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<AuthorizationRow> = sqlx::query_as(
            "DELETE FROM authorizations WHERE id = $1 AND user_id = $2 \
             RETURNING id, user_id, application_id, organization_id, scopes, created_at",
        )
        .bind(authorization_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let revoked = from_row(row)?;

        sqlx::query(
            "INSERT INTO security_events \
             (user_id, kind, actor, application_name, organization_name, created_at) \
             SELECT $1, 'authorization_revoked', $2, a.name, \
             (SELECT o.name FROM organizations o WHERE o.id = $3), $4 \
             FROM applications a WHERE a.id = $5",
        )
        .bind(user_id)
        .bind(actor)
        .bind(revoked.organization_id)
        .bind(to_micros(now()))
        .bind(revoked.application_id)
        .execute(&mut *tx)
        .await?;

        let ended = Ended {
            authorization_id: revoked.id,
            user_id: revoked.user_id,
            application_id: revoked.application_id,
            organization_id: revoked.organization_id,
        };
        queue_notices(&mut tx, &[ended], RevocationReason::UserRevoked).await?;

        tx.commit().await?;
        Ok(Some(revoked))
    }
}

fn listing_from_row(row: ListingRow) -> Result<AuthorizationListing, StorageError> {
    let (id, user_id, application_id, organization_id, scopes, created_at) =
        (row.0, row.1, row.2, row.3, row.4, row.5);
    let organization = match (organization_id, row.11, row.12) {
        (Some(id), Some(slug), Some(name)) => Some((id, slug, name)),
        _ => None,
    };
    Ok(AuthorizationListing {
        authorization: from_row((
            id,
            user_id,
            application_id,
            organization_id,
            scopes,
            created_at,
        ))?,
        client_id: row.6,
        application_name: row.7,
        homepage_url: row.8,
        privacy_url: row.9,
        terms_url: row.10,
        organization,
        last_used_at: row.13.map(from_micros),
    })
}
