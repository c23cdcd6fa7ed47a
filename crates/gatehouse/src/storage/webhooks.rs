//! Webhooks: each application's notice URL, and the revocation notices queued for it.
//!
//! A notice is written by the very transaction that revokes (see [`queue_notices`]), so a
//! revocation that commits always has its notice and a crash cannot lose one. The delivery
//! worker in [`crate::webhooks`] then claims due notices with a conditional `UPDATE`: of
//! several instances sharing one database, exactly one wins each claim, and the claim holds
//! the notice until a lease runs out, so no notice is sent twice at the same time. A worker
//! that dies mid-attempt leaves the lease to lapse, and the notice is sent again later:
//! delivery is at least once, and receivers drop repeats by event id.

use std::time::Duration;

use sqlx::{Any, Transaction};
use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::secret::random_hex;
use crate::domain::timestamp::iso8601;
use crate::domain::webhook::{RevocationNotice, RevokedAuthorization};
use crate::domain::{ClientId, RevocationReason, WebhookUrl};

/// An application's webhook: where notices go, and which generation of the derived secret
/// signs them.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: WebhookUrl,
    pub generation: i64,
}

/// The connection behind revoked tokens, as the notice names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub(super) struct Ended {
    pub authorization_id: i64,
    pub user_id: i64,
    pub application_id: i64,
    pub organization_id: Option<i64>,
}

/// What `DELETE FROM tokens … RETURNING` reads into [`Ended`].
pub(super) const ENDED_TOKEN_COLUMNS: &str =
    "authorization_id, user_id, application_id, organization_id";

/// Queues one notice per authorization in `ended` whose application has a webhook, inside
/// the revoking transaction: the notice commits, or rolls back, with the revocation.
pub(super) async fn queue_notices(
    tx: &mut Transaction<'static, Any>,
    ended: &[Ended],
    reason: RevocationReason,
) -> Result<(), StorageError> {
    let at = now();
    let mut queued: Vec<i64> = Vec::new();
    for end in ended {
        if queued.contains(&end.authorization_id) {
            continue;
        }
        queued.push(end.authorization_id);
        let application: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT client_id, webhook_url FROM applications WHERE id = $1")
                .bind(end.application_id)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((client_id, Some(_))) = application else {
            continue;
        };
        let notice = RevocationNotice {
            kind: RevocationNotice::TYPE,
            id: random_hex(16),
            created_at: iso8601(at),
            authorization: RevokedAuthorization {
                id: end.authorization_id.to_string(),
                user_id: end.user_id.to_string(),
                organization_id: end.organization_id.map(|id| id.to_string()),
                client_id,
            },
            reason,
        };
        let payload =
            serde_json::to_string(&notice).map_err(|e| StorageError::corrupt("notice", e))?;
        sqlx::query(
            "INSERT INTO webhook_deliveries (application_id, event_id, payload, state, \
             attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
        )
        .bind(end.application_id)
        .bind(&notice.id)
        .bind(payload)
        .bind(to_micros(at))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Storage {
    /// Sets an application's webhook URL and issues a new signing secret by bumping the
    /// generation it is derived from (the old secret stops verifying at once).
    /// [`StorageError::NotFound`] for an unknown client id.
    pub async fn set_webhook(
        &self,
        client_id: &str,
        url: &WebhookUrl,
    ) -> Result<Webhook, StorageError> {
        let generation: Option<i64> = sqlx::query_scalar(
            "UPDATE applications \
             SET webhook_url = $1, webhook_generation = webhook_generation + 1 \
             WHERE client_id = $2 RETURNING webhook_generation",
        )
        .bind(url.as_str())
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await?;
        let generation = generation.ok_or(StorageError::NotFound)?;
        Ok(Webhook {
            url: url.clone(),
            generation,
        })
    }
}

/// Where a notice is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not sent yet, or to be tried again at `next_attempt_at`.
    Pending,
    /// A 2xx answer came back.
    Delivered,
    /// Every attempt failed; gatehouse gave up.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn from_stored(name: &str) -> Option<DeliveryState> {
        match name {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// A notice and the record of its delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    /// The JSON body, exactly as sent.
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub delivered_at: Option<OffsetDateTime>,
}

type DeliveryRow = (
    i64,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
);

fn delivery_from_row(row: DeliveryRow) -> Result<Delivery, StorageError> {
    Ok(Delivery {
        id: row.0,
        event_id: row.1,
        payload: row.2,
        state: DeliveryState::from_stored(&row.3)
            .ok_or_else(|| StorageError::corrupt("delivery state", &row.3))?,
        attempts: row.4,
        next_attempt_at: from_micros(row.5),
        last_status: row.6,
        last_error: row.7,
        created_at: from_micros(row.8),
        delivered_at: row.9.map(from_micros),
    })
}

/// A notice claimed for one delivery attempt, with what sending it takes.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub event_id: String,
    pub payload: String,
    /// Which attempt this is, from 1.
    pub attempt: i64,
    pub client_id: ClientId,
    /// `None` when the application's webhook was removed after the notice was queued.
    pub url: Option<WebhookUrl>,
    pub generation: i64,
}

type DueRow = (i64, String, String, i64, i64, String, Option<String>, i64);

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx with this status.
    Delivered { status: u16 },
    /// No 2xx: the status, if any came back, and what went wrong. `retry_at` is `None`
    /// when gatehouse gives up on the notice.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<OffsetDateTime>,
    },
}

impl Storage {
    /// Every notice queued for an application, oldest first.
    pub async fn list_webhook_deliveries(
        &self,
        client_id: &str,
    ) -> Result<Vec<Delivery>, StorageError> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT d.id, d.event_id, d.payload, d.state, d.attempts, d.next_attempt_at, \
             d.last_status, d.last_error, d.created_at, d.delivered_at \
             FROM webhook_deliveries d JOIN applications a ON a.id = d.application_id \
             WHERE a.client_id = $1 ORDER BY d.id",
        )
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(delivery_from_row).collect()
    }

    /// Claims up to `limit` due notices for one attempt each, holding each for `lease`:
    /// only after that may it be claimed again (should this attempt never report back).
    /// Each claim is a compare-and-set on the attempt count and due time read, so of
    /// several workers racing for a notice exactly one gets it.
    pub async fn claim_due_deliveries(
        &self,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<ClaimedDelivery>, StorageError> {
        let at = now();
        let due: Vec<DueRow> = sqlx::query_as(
            "SELECT d.id, d.event_id, d.payload, d.attempts, d.next_attempt_at, a.client_id, \
             a.webhook_url, a.webhook_generation \
             FROM webhook_deliveries d JOIN applications a ON a.id = d.application_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             ORDER BY d.next_attempt_at, d.id LIMIT $2",
        )
        .bind(to_micros(at))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;

        let mut claimed = Vec::with_capacity(due.len());
        for row in due {
            let (id, event_id, payload, attempts, due_at, client_id, url, generation) = row;
            let won = sqlx::query(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1 \
                 WHERE id = $2 AND state = 'pending' AND attempts = $3 AND next_attempt_at = $4",
            )
            .bind(to_micros(at + lease))
            .bind(id)
            .bind(attempts)
            .bind(due_at)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if !won {
                continue;
            }
            claimed.push(ClaimedDelivery {
                id,
                event_id,
                payload,
                attempt: attempts + 1,
                client_id: ClientId::parse(&client_id)
                    .ok_or_else(|| StorageError::corrupt("client id", &client_id))?,
                url: url.as_deref().map(read_url).transpose()?,
                generation,
            });
        }
        Ok(claimed)
    }

    /// Records how a claimed attempt ended. Nothing changes if the claim lapsed and another
    /// worker claimed the notice since.
    pub async fn record_delivery_attempt(
        &self,
        claimed: &ClaimedDelivery,
        outcome: &AttemptOutcome,
    ) -> Result<(), StorageError> {
        let at = to_micros(now());
        let query = match outcome {
            AttemptOutcome::Delivered { status } => sqlx::query(
                "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $1, \
                 last_status = $2, last_error = NULL WHERE id = $3 AND attempts = $4",
            )
            .bind(at)
            .bind(i64::from(*status)),
            AttemptOutcome::Failed {
                status,
                error,
                retry_at,
            } => sqlx::query(
                "UPDATE webhook_deliveries SET state = $1, next_attempt_at = $2, \
                 last_status = $3, last_error = $4 WHERE id = $5 AND attempts = $6",
            )
            .bind(match retry_at {
                Some(_) => DeliveryState::Pending.as_str(),
                None => DeliveryState::Failed.as_str(),
            })
            .bind(retry_at.map_or(at, to_micros))
            .bind(status.map(i64::from))
            .bind(error.clone()),
        };
        query
            .bind(claimed.id)
            .bind(claimed.attempt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn read_url(stored: &str) -> Result<WebhookUrl, StorageError> {
    WebhookUrl::parse(stored).map_err(|e| StorageError::corrupt("webhook URL", e))
}
