//! Authorizations: a user's standing consent to an application, for one organization (or
//! for the user as a whole with user-level applications).

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::ScopeSet;

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
