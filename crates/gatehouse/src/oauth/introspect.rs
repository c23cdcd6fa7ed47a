//! `POST /oauth/introspect/`: token introspection (RFC 7662), for a client or an API to
//! learn whether a token is live and what it stands for.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::error::{OAuthError, no_store};
use super::revoke::{TokenForm, pair_half, read_authenticated};
use crate::domain::{Application, ClientType, Digest};
use crate::server::AppState;
use crate::storage::{Introspection, PairHalf, now};

/// The answer for a live token (RFC 7662 §2.2), in Sentry's spelling of ids: strings.
#[derive(Debug, Serialize)]
struct Active {
    active: bool,
    scope: String,
    client_id: String,
    /// The user's email address, what they sign in with.
    username: String,
    /// The user's id.
    sub: String,
    exp: i64,
    iat: i64,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<String>,
}

/// Describes a token to a confidential client (§2.1): `{"active": true, …}` with its
/// scopes, client, user, organization and lifetime, or exactly `{"active": false}` (§2.2)
/// for a token that is unknown, malformed, expired, rotated, revoked, whose user or
/// application is disabled, or that the caller may not see.
///
/// A client sees only tokens issued to itself; an application registered as a resource
/// server (`app create --resource-server`) sees every application's tokens (§4). Public
/// clients cannot introspect: they cannot authenticate, and §2.1 requires it.
///
/// Refresh tokens are described too, with `"token_type": "refresh_token"`, the scopes the
/// refresh token may still grant and its own expiry, so a client can check the one it
/// keeps; access tokens say `"token_type": "bearer"`, as the token endpoint does.
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = match read_authenticated(&state, &headers, &body).await {
        Ok((form, client)) => describe(&state, &client, &form).await,
        Err(error) => Err(error),
    };

    match answer {
        Ok(Some(active)) => (no_store(), Json(active)).into_response(),
        Ok(None) => (no_store(), Json(json!({"active": false}))).into_response(),
        Err(error) => {
            tracing::Span::current().record("oauth.error", error.code());
            error.into_response()
        }
    }
}

/// The description of a live token the client may see; `None` for every other token.
async fn describe(
    state: &AppState,
    client: &Application,
    form: &TokenForm,
) -> Result<Option<Active>, OAuthError> {
    if client.client_type == ClientType::Public {
        return Err(OAuthError::invalid_client(
            "public clients cannot introspect tokens",
        ));
    }
    let token = form.token()?;
    let Some(half) = pair_half(token) else {
        return Ok(None);
    };

    let found = state
        .storage
        .introspect_token(half, &Digest::of(token))
        .await?;

    Ok(found.and_then(|found| live_and_visible(found, half, client)))
}

/// The description of `found` if it is live and this client may see it.
fn live_and_visible(found: Introspection, half: PairHalf, client: &Application) -> Option<Active> {
    let visible = found.application_id == client.id || client.is_resource_server();
    let expires_at = found.expires_at.filter(|at| *at > now())?;
    if !(visible && found.user_active && found.application_active) {
        return None;
    }

    Some(Active {
        active: true,
        scope: found.scopes.to_string(),
        client_id: found.client_id,
        username: found.email,
        sub: found.user_id.to_string(),
        exp: expires_at.unix_timestamp(),
        iat: found.issued_at.unix_timestamp(),
        token_type: match half {
            PairHalf::Access => "bearer",
            PairHalf::Refresh => "refresh_token",
        },
        organization_id: found.organization_id.map(|id| id.to_string()),
    })
}
