//! The delivery worker: a task beside the HTTP server that claims due notices, POSTs them,
//! and records how each attempt ended. It never runs inside a request, so a slow or dead
//! receiver cannot hold up the revocation that queued the notice.

use std::time::Duration;

use axum::http::header;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign};
use crate::config::WebhookSettings;
use crate::keys::ServerKey;
use crate::storage::{AttemptOutcome, ClaimedDelivery, Storage, StorageError, now};

/// After this many failed attempts a notice is marked failed. With the default 1 s base the
/// waits between them are 1 s, 2 s, 4 s … 256 s: about 8.5 minutes in all.
pub const MAX_ATTEMPTS: i64 = 10;
/// No wait between attempts is longer than this, whatever the base.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);
/// How many notices one round claims and sends concurrently.
const BATCH: i64 = 16;
/// How long past the request timeout a claim holds, before another worker may take over a
/// notice whose attempt never reported back (its instance died mid-request).
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Starts the worker. It stops, after finishing the attempts in flight, when `stop`
/// becomes true or its sender is dropped.
pub fn spawn(
    storage: Storage,
    settings: WebhookSettings,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(run(storage, settings, stop))
}

async fn run(storage: Storage, settings: WebhookSettings, mut stop: watch::Receiver<bool>) {
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("gatehouse-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "the webhook client could not be built; no notices are sent");
            return;
        }
    };
    let mut worker = Worker {
        storage,
        settings,
        client,
        key: None,
    };
    loop {
        if let Err(error) = worker.deliver_due().await {
            tracing::error!(%error, "could not read or record webhook deliveries");
        }
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            () = tokio::time::sleep(worker.settings.poll_interval) => {}
        }
    }
    tracing::debug!("webhook worker stopped");
}

struct Worker {
    storage: Storage,
    settings: WebhookSettings,
    client: reqwest::Client,
    /// Loaded on the first notice: a server that never sends one never creates a key file.
    key: Option<ServerKey>,
}

impl Worker {
    /// One round: claim what is due, send it all concurrently, record each outcome.
    async fn deliver_due(&mut self) -> Result<(), StorageError> {
        let lease = self.settings.timeout + LEASE_MARGIN;
        let claimed = self.storage.claim_due_deliveries(BATCH, lease).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let key = self.key();

        let mut attempts = JoinSet::new();
        for delivery in claimed {
            let client = self.client.clone();
            let key = key.clone();
            attempts.spawn(async move {
                let outcome = attempt(&client, key.as_ref(), &delivery).await;
                (delivery, outcome)
            });
        }
        while let Some(joined) = attempts.join_next().await {
            // A panicked attempt leaves its notice claimed; it is tried again after the lease.
            let (delivery, outcome) = match joined {
                Ok(finished) => finished,
                Err(error) => {
                    tracing::error!(%error, "a webhook attempt panicked");
                    continue;
                }
            };
            let outcome = self.schedule(&delivery, outcome);
            log(&delivery, &outcome);
            self.storage
                .record_delivery_attempt(&delivery, &outcome)
                .await?;
        }
        Ok(())
    }

    fn key(&mut self) -> Option<ServerKey> {
        if self.key.is_none() {
            match self.settings.key.load() {
                Ok(key) => self.key = Some(key),
                Err(error) => tracing::error!(%error, "no server key to sign webhook notices"),
            }
        }
        self.key.clone()
    }

    /// Turns a failed attempt's outcome into a retry at the backoff's time, or a final
    /// failure after [`MAX_ATTEMPTS`].
    fn schedule(&self, delivery: &ClaimedDelivery, outcome: Attempt) -> AttemptOutcome {
        match outcome {
            Attempt::Delivered { status } => AttemptOutcome::Delivered { status },
            Attempt::Failed { status, error } => AttemptOutcome::Failed {
                status,
                error,
                retry_at: (delivery.attempt < MAX_ATTEMPTS)
                    .then(|| now() + backoff(self.settings.retry_base, delivery.attempt)),
            },
        }
    }
}

/// How one request went, before the retry is decided.
enum Attempt {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String },
}

/// The wait after failed attempt number `attempt` (from 1): `base`, doubled after each
/// further failure, at most [`MAX_BACKOFF`].
pub fn backoff(base: Duration, attempt: i64) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
    let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
    base.checked_mul(factor)
        .map_or(MAX_BACKOFF, |wait| wait.min(MAX_BACKOFF))
}

/// Signs the stored body as it is and POSTs it.
async fn attempt(
    client: &reqwest::Client,
    key: Option<&ServerKey>,
    delivery: &ClaimedDelivery,
) -> Attempt {
    let failed = |error: &str| Attempt::Failed {
        status: None,
        error: error.to_owned(),
    };
    let Some(url) = &delivery.url else {
        return failed("the application no longer has a webhook");
    };
    let Some(key) = key else {
        return failed("the server key is unavailable");
    };
    let secret = key.webhook_secret(&delivery.client_id, delivery.generation);
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let signature = sign(secret.expose(), timestamp, delivery.payload.as_bytes());

    let sent = client
        .post(url.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, &delivery.event_id)
        .body(delivery.payload.clone())
        .send()
        .await;

    match sent {
        Ok(response) if response.status().is_success() => Attempt::Delivered {
            status: response.status().as_u16(),
        },
        Ok(response) => Attempt::Failed {
            status: Some(response.status().as_u16()),
            error: format!("the receiver answered {}", response.status()),
        },
        Err(error) => failed(&describe(error)),
    }
}

/// What went wrong, without the URL (a partner may have put a credential in it).
fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer within the timeout".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        error.without_url().to_string()
    }
}

/// One line per attempt, without the body, the signature or the URL.
fn log(delivery: &ClaimedDelivery, outcome: &AttemptOutcome) {
    let (event, client, attempt) = (
        delivery.event_id.as_str(),
        delivery.client_id.as_str(),
        delivery.attempt,
    );
    match outcome {
        AttemptOutcome::Delivered { status } => tracing::info!(
            webhook.event_id = event,
            client.id = client,
            webhook.attempt = attempt,
            http.status = status,
            "revocation notice delivered"
        ),
        AttemptOutcome::Failed {
            status,
            error,
            retry_at: Some(_),
        } => tracing::warn!(
            webhook.event_id = event, client.id = client, webhook.attempt = attempt,
            http.status = status, error = %error, "revocation notice not delivered; will retry"
        ),
        AttemptOutcome::Failed {
            status,
            error,
            retry_at: None,
        } => tracing::error!(
            webhook.event_id = event, client.id = client, webhook.attempt = attempt,
            http.status = status, error = %error, "revocation notice not delivered; gave up"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_the_base_up_to_ten_minutes() {
        let second = Duration::from_secs(1);
        let waits: Vec<u64> = (1..=MAX_ATTEMPTS)
            .map(|attempt| backoff(second, attempt).as_secs())
            .collect();

        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
        assert_eq!(backoff(Duration::from_secs(60), 5), MAX_BACKOFF);
        assert_eq!(backoff(second, 1_000), MAX_BACKOFF);
    }
}
