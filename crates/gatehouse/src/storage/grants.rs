//! Authorization codes, stored as digests and redeemed at most once.

use super::{NewToken, Storage, StorageError, to_micros};
use crate::domain::{Digest, RevocationReason, ScopeSet};
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

    /// Redeems a code and, in the same transaction, stores the tokens `issue` makes for it.
    ///
    /// The redemption is one conditional `UPDATE`, so of any number of concurrent requests
    /// with one code exactly one gets past it, on either backend. The code is consumed
    /// even when `issue` refuses (a failed exchange burns the code, RFC 9700 §4.5.3), and a
    /// code presented after its redemption revokes every token descended from it.
    pub async fn redeem_grant<E>(
        &self,
        code_digest: &Digest,
        issue: impl FnOnce(&RedeemedGrant) -> Result<NewToken, E>,
    ) -> Result<Redemption<E>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<GrantRow> = sqlx::query_as(
            "UPDATE grants SET redeemed_at = $1 \
             WHERE code_digest = $2 AND redeemed_at IS NULL \
             RETURNING authorization_id, application_id, user_id, organization_id, \
             redirect_uri, scopes, code_challenge, family_id, expires_at",
        )
        .bind(to_micros(super::now()))
        .bind(code_digest.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return self.refuse_replayed_code(code_digest).await;
        };
        let grant = RedeemedGrant::try_from(row)?;

        let new_token = match issue(&grant) {
            Ok(new_token) => new_token,
            Err(refusal) => {
                tx.commit().await?;
                return Ok(Redemption::Rejected(refusal));
            }
        };
        let token_id = super::tokens::insert_token(&mut tx, &new_token).await?;
        tx.commit().await?;
        Ok(Redemption::Issued { grant, token_id })
    }

    async fn refuse_replayed_code<E>(
        &self,
        code_digest: &Digest,
    ) -> Result<Redemption<E>, StorageError> {
        let family: Option<String> = sqlx::query_scalar(
            "SELECT family_id FROM grants WHERE code_digest = $1 AND redeemed_at IS NOT NULL",
        )
        .bind(code_digest.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match family {
            Some(family) => Ok(Redemption::Replayed {
                revoked: self
                    .revoke_family(&family, RevocationReason::TokenReuse)
                    .await?,
            }),
            None => Ok(Redemption::Unknown),
        }
    }
}

/// How a redemption ended.
#[derive(Debug)]
pub enum Redemption<E> {
    /// No such code.
    Unknown,
    /// The code was redeemed before; the tokens issued from it were revoked.
    Replayed { revoked: u64 },
    /// The code is consumed, and no tokens were issued, for this reason.
    Rejected(E),
    /// The code is consumed and its tokens stored.
    Issued { grant: RedeemedGrant, token_id: i64 },
}

impl TryFrom<GrantRow> for RedeemedGrant {
    type Error = StorageError;

    fn try_from(row: GrantRow) -> Result<Self, StorageError> {
        let (authorization_id, application_id, user_id, organization_id, redirect_uri) =
            (row.0, row.1, row.2, row.3, row.4);
        Ok(RedeemedGrant {
            authorization_id,
            application_id,
            user_id,
            organization_id,
            redirect_uri,
            scopes: ScopeSet::parse(&row.5).map_err(|e| StorageError::corrupt("scopes", e))?,
            code_challenge: row.6,
            family_id: row.7,
            expires_at: super::from_micros(row.8),
        })
    }
}
