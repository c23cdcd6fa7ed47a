//! `GET /api/0/`: the API's version and what the calling token holds.

use axum::Json;
use serde_json::{Value, json};

use super::Caller;

/// Sentry answers its API root with the version and the token's scopes, so that a partner
/// can check a token without touching data.
pub async fn show(caller: Caller) -> Json<Value> {
    Json(json!({
        "version": "0",
        "auth": {"scopes": caller.bearer.scopes.names()},
        "user": {"id": caller.bearer.user_id.to_string()},
    }))
}
