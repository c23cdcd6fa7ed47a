//! Revocation notices: where an application wants them ([`WebhookUrl`]), what signs them
//! ([`WebhookSecret`]), why one is sent ([`RevocationReason`]) and what it says
//! ([`RevocationNotice`]). Signing and delivery live in [`crate::webhooks`].

use std::fmt;

use serde::Serialize;
use url::Url;

use super::redirect_uri::{InvalidUri, is_loopback, require_host};

/// Where an application receives revocation notices: https, or plain http on a loopback
/// host (for development), without a fragment. Kept exactly as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(input: &str) -> Result<WebhookUrl, InvalidUri> {
        let owned = || input.to_owned();
        let url = Url::parse(input).map_err(|_| InvalidUri::NotAbsolute(owned()))?;
        if url.fragment().is_some() {
            return Err(InvalidUri::Fragment(owned()));
        }
        match url.scheme() {
            "https" => require_host(&url, input)?,
            "http" if is_loopback(&url) => {}
            "http" => return Err(InvalidUri::InsecureHttp(owned())),
            _ => return Err(InvalidUri::ForbiddenScheme(owned())),
        }
        Ok(WebhookUrl(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key an application checks its notices' signatures with: 64 hex characters, derived
/// from the server key (see [`crate::keys`]) and never stored. Shown to the operator once;
/// `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// Wraps a secret just derived; only [`crate::keys`] makes them.
    pub(crate) fn from_derived(hex: String) -> WebhookSecret {
        WebhookSecret(hex)
    }

    /// The secret itself, to print once or to key the signature with.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Who or what ended an authorization, as a notice's `reason` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The user revoked it on the settings page or through `/api/0/api-authorizations/`.
    UserRevoked,
    /// A used code or a rotated refresh token was presented again (RFC 9700 §4.14.2), so
    /// every token descended from it was revoked.
    TokenReuse,
    /// An operator revoked it (disabled the application or the user, or revoked tokens).
    Operator,
}

/// The body of a revocation notice, serialized once when the notice is queued and sent
/// byte for byte as stored, so that its signature covers exactly what was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationNotice {
    /// Always `authorization.revoked`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event id, also sent as `Gatehouse-Event-Id`: a receiver that sees it twice can
    /// drop the repeat (delivery is at least once).
    pub id: String,
    /// When the revocation happened, ISO 8601 in UTC.
    pub created_at: String,
    pub authorization: RevokedAuthorization,
    pub reason: RevocationReason,
}

/// Which authorization ended, with ids written as strings, as Sentry's API writes them.
#[derive(Debug, Clone, Serialize)]
pub struct RevokedAuthorization {
    pub id: String,
    pub user_id: String,
    /// `None` (JSON `null`) for a user-level application.
    pub organization_id: Option<String>,
    pub client_id: String,
}

impl RevocationNotice {
    pub const TYPE: &'static str = "authorization.revoked";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_webhooks_are_accepted() {
        for url in [
            "https://partner.example/gatehouse/webhook?source=gatehouse",
            "http://127.0.0.1:4000/hook",
            "http://localhost/hook",
            "http://[::1]:8080/hook",
        ] {
            assert_eq!(WebhookUrl::parse(url).map(|u| u.0), Ok(url.to_owned()));
        }
    }

    #[test]
    fn unsafe_webhooks_are_refused_with_the_reason() {
        let cases = [
            ("partner.example/hook", "not an absolute URI"),
            ("http://partner.example/hook", "plain http"),
            ("ftp://partner.example/hook", "scheme"),
            ("https://partner.example/hook#top", "fragment"),
        ];
        for (url, reason) in cases {
            let error = WebhookUrl::parse(url).unwrap_err().to_string();
            assert!(error.contains(reason), "{url}: {error}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let secret = WebhookSecret::from_derived("ab".repeat(32));

        assert!(!format!("{secret:?}").contains("abab"));
    }

    #[test]
    fn notices_serialize_in_the_documented_shape() {
        let notice = RevocationNotice {
            kind: RevocationNotice::TYPE,
            id: "e1".into(),
            created_at: "2026-12-03T14:20:21.054320Z".into(),
            authorization: RevokedAuthorization {
                id: "7".into(),
                user_id: "3".into(),
                organization_id: None,
                client_id: "c".into(),
            },
            reason: RevocationReason::TokenReuse,
        };

        assert_eq!(
            serde_json::to_value(&notice).unwrap(),
            serde_json::json!({
                "type": "authorization.revoked",
                "id": "e1",
                "created_at": "2026-12-03T14:20:21.054320Z",
                "authorization": {"id": "7", "user_id": "3", "organization_id": null,
                                  "client_id": "c"},
                "reason": "token_reuse",
            })
        );
    }
}
