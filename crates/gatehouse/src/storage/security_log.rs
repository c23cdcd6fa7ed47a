//! The security log a user sees on their account page.

use time::OffsetDateTime;

use sqlx::{Any, Transaction};

use super::webhooks::Ended;
use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::RevocationReason;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEventKind {
    SignedIn,
    AuthorizationGranted,
    AuthorizationRevoked,
    TokensRevoked,
}

impl SecurityEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventKind::SignedIn => "signed_in",
            SecurityEventKind::AuthorizationGranted => "authorization_granted",
            SecurityEventKind::AuthorizationRevoked => "authorization_revoked",
            SecurityEventKind::TokensRevoked => "tokens_revoked",
        }
    }

    fn from_stored(kind: &str) -> Option<SecurityEventKind> {
        [
            SecurityEventKind::SignedIn,
            SecurityEventKind::AuthorizationGranted,
            SecurityEventKind::AuthorizationRevoked,
            SecurityEventKind::TokensRevoked,
        ]
        .into_iter()
        .find(|candidate| candidate.as_str() == kind)
    }
}

/// One entry of the log.
#[derive(Debug, Clone)]
pub struct SecurityEvent {
    pub kind: SecurityEventKind,
    /// `user`, `operator` or `reuse_detection`.
    pub actor: String,
    pub application_name: Option<String>,
    pub organization_name: Option<String>,
    pub at: OffsetDateTime,
}

/// kind, actor, application name, organization name, time.
type EventRow = (String, String, Option<String>, Option<String>, i64);

impl Storage {
    pub async fn record_security_event(
        &self,
        user_id: i64,
        kind: SecurityEventKind,
        actor: &str,
        application_name: Option<&str>,
        organization_name: Option<&str>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO security_events \
             (user_id, kind, actor, application_name, organization_name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(actor)
        .bind(application_name)
        .bind(organization_name)
        .bind(to_micros(now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user's most recent events, newest first.
    pub async fn list_security_events(
        &self,
        user_id: i64,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, StorageError> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT kind, actor, application_name, organization_name, created_at \
             FROM security_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(kind, actor, application_name, organization_name, at)| {
                Ok(SecurityEvent {
                    kind: SecurityEventKind::from_stored(&kind)
                        .ok_or_else(|| StorageError::corrupt("security event kind", &kind))?,
                    actor,
                    application_name,
                    organization_name,
                    at: from_micros(at),
                })
            })
            .collect()
    }
}

/// Records, inside the revoking transaction, that tokens of each (user, application,
/// organization) in `ended` were revoked, and by whom.
pub(super) async fn log_revoked_tokens(
    tx: &mut Transaction<'static, Any>,
    ended: &[Ended],
    reason: RevocationReason,
) -> Result<(), StorageError> {
    let actor = match reason {
        RevocationReason::UserRevoked => "user",
        RevocationReason::TokenReuse => "reuse_detection",
        RevocationReason::Operator => "operator",
    };
    let mut seen = Vec::new();
    for end in ended {
        let key = (end.user_id, end.application_id, end.organization_id);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        sqlx::query(
            "INSERT INTO security_events \
             (user_id, kind, actor, application_name, organization_name, created_at) \
             SELECT $1, 'tokens_revoked', $2, a.name, \
             (SELECT o.name FROM organizations o WHERE o.id = $3), $4 \
             FROM applications a WHERE a.id = $5",
        )
        .bind(end.user_id)
        .bind(actor)
        .bind(end.organization_id)
        .bind(to_micros(now()))
        .bind(end.application_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
