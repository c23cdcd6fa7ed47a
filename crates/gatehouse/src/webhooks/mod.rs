//! Revocation notices: telling an application, within seconds, that one of its
//! authorizations ended — revoked by the user, by reuse detection or by an operator.
//!
//! The notice is queued by the revoking transaction itself (see `storage/webhooks.rs`), and
//! the [`delivery`] worker, started with the server, POSTs it to the application's webhook:
//!
//! ```text
//! POST <webhook_url>
//! Content-Type: application/json
//! Gatehouse-Event-Id: 3f6c…
//! Gatehouse-Signature: t=1764771621,v1=9a0b…
//!
//! {"type": "authorization.revoked", "id": "3f6c…", "created_at": "2026-12-03T14:20:21.054320Z",
//!  "authorization": {"id": "42", "user_id": "7", "organization_id": "3", "client_id": "…"},
//!  "reason": "user_revoked"}
//! ```
//!
//! A receiver checks the signature with [`verify`] (see [`signature`] for the scheme) over the
//! raw body, refuses a timestamp more than 5 minutes away, answers 2xx, and drops an event id
//! it has seen (a notice may come twice). Anything but 2xx, or no answer within the timeout,
//! is retried with exponential backoff; after [`delivery::MAX_ATTEMPTS`] the notice is
//! marked failed. Every attempt is recorded in `webhook_deliveries`.

pub mod delivery;
pub mod signature;

pub use signature::{InvalidSignature, sign, verify};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Gatehouse-Signature";
/// The header carrying the notice's event id, the same as the body's `id`.
pub const EVENT_ID_HEADER: &str = "Gatehouse-Event-Id";
