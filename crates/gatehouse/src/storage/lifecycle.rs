//! What operators do to applications and tokens after registration: rotate a secret with a
//! grace period, disable and enable an application, revoke a user's tokens.

use std::time::Duration;

use super::tokens::{TokenSelection, revoke_selected_tokens};
use super::{Storage, StorageError, now, to_micros};
use crate::domain::{ClientSecret, Digest};

impl Storage {
    /// Issues a new secret for a confidential client. The old one keeps working until
    /// `grace` has passed (not at all when it is zero). [`StorageError::NotFound`] for an
    /// unknown or public client.
    pub async fn rotate_secret_with_grace(
        &self,
        client_id: &str,
        grace: Duration,
    ) -> Result<ClientSecret, StorageError> {
        let secret = ClientSecret::generate();
        let result = sqlx::query(
            "UPDATE applications SET previous_secret_digest = secret_digest, \
             previous_secret_expires_at = $1, secret_digest = $2 \
             WHERE client_id = $3 AND client_type = 'confidential'",
        )
        .bind(to_micros(now() + grace))
        .bind(secret.digest().as_str())
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(secret),
        }
    }

    /// The digest of a rotated secret still in its grace period.
    pub async fn previous_secret(&self, client_id: &str) -> Result<Option<Digest>, StorageError> {
        let digest: Option<String> = sqlx::query_scalar(
            "SELECT previous_secret_digest FROM applications \
             WHERE client_id = $1 AND previous_secret_expires_at > $2",
        )
        .bind(client_id)
        .bind(to_micros(now()))
        .fetch_optional(&self.pool)
        .await?
        .flatten();
        Ok(digest.map(Digest::from_stored))
    }

    /// Deactivates an application and revokes every token and unused code it holds, in
    /// one transaction. Returns how many tokens went. Enabling it again brings none back.
    pub async fn disable_application(&self, client_id: &str) -> Result<u64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "UPDATE applications SET status = 'inactive' WHERE client_id = $1 RETURNING id",
        )
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
        let id = id.ok_or(StorageError::NotFound)?;

        // Notices to the application's webhook are queued in this same transaction.
        let revoked = revoke_selected_tokens(&mut tx, TokenSelection::Application(id)).await?;

        tx.commit().await?;
        Ok(revoked)
    }

    /// Revokes every token (and unused code) of a user, or only those of one application,
    /// telling the applications' webhooks. Returns how many tokens went.
    pub async fn revoke_user_tokens(
        &self,
        user_id: i64,
        application_id: Option<i64>,
    ) -> Result<u64, StorageError> {
        let selection = match application_id {
            Some(application_id) => TokenSelection::UserOfApplication {
                user_id,
                application_id,
            },
            None => TokenSelection::User(user_id),
        };
        self.revoke_tokens_by_operator(selection).await
    }
}
