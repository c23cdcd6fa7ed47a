//! `POST /oauth/revoke/`: token revocation (RFC 7009), for a client that is done with a
//! connection (the user disconnected on the partner's side, or a token leaked). Also the
//! request reading that introspection shares with it: RFC 7662 §2.1 takes the same form.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::client_auth::Presented;
use super::cors;
use super::error::{OAuthError, no_store};
use crate::domain::token::is_well_formed;
use crate::domain::{Application, Digest, TokenKind};
use crate::server::AppState;
use crate::storage::PairHalf;

/// The form of RFC 7009 §2.1 and RFC 7662 §2.1, with the client's credentials when sent in
/// the body. `token_type_hint` is not read: the token's prefix says which kind it is, and
/// an unknown hint must be ignored anyway (RFC 7009 §2.2.1).
#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl TokenForm {
    /// The token, required by both RFCs; an empty one counts as missing.
    pub(super) fn token(&self) -> Result<&str, OAuthError> {
        self.token
            .as_deref()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| OAuthError::invalid_request("token is required"))
    }
}

/// Revokes the presented token and, with it, the rest of its connection (RFC 7009 §2.1),
/// answering 200 with an empty body (§2.2) whether or not there was anything to revoke.
///
/// - A refresh token: every token descended from the same code (its family) goes.
/// - An access token: the same. §2.1 lets the server revoke the refresh token with it, and
///   gatehouse does. A pair is one row, so the access token cannot go alone, and a refresh
///   token left alive would silently keep a connection the client asked to end.
/// - An expired access token still names its pair, whose refresh token may be live.
/// - A rotated token (replaced by a refresh) revokes nothing: it is already dead, and a
///   client that tidies up its previous tokens must not lose its current ones.
/// - An unknown, malformed or already revoked token, or a token of another client, changes
///   nothing and gets the same 200, so the answer tells nothing about other clients'
///   tokens.
///
/// The client authenticates as at the token endpoint (a public client by its `client_id`),
/// and browser apps get CORS headers for their allowed origins.
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (form, client) = match read_authenticated(&state, &headers, &body).await {
        Ok(read) => read,
        Err(error) => return error.into_response(),
    };

    let mut response = match revoke_token(&state, &client, &form).await {
        Ok(()) => no_store().into_response(),
        Err(error) => {
            tracing::Span::current().record("oauth.error", error.code());
            error.into_response()
        }
    };
    cors::allow_client_origin(&mut response, &headers, &client);
    response
}

async fn revoke_token(
    state: &AppState,
    client: &Application,
    form: &TokenForm,
) -> Result<(), OAuthError> {
    let token = form.token()?;
    let Some(half) = pair_half(token) else {
        return Ok(());
    };

    let digest = Digest::of(token);
    let revoked = match half {
        PairHalf::Access => {
            state
                .storage
                .revoke_access_token(client.id, &digest)
                .await?
        }
        PairHalf::Refresh => {
            state
                .storage
                .revoke_refresh_family(client.id, &digest)
                .await?
        }
    };
    tracing::debug!(revoked, "revocation request handled");
    Ok(())
}

/// Parses the form and authenticates the client exactly as the token endpoint does,
/// recording the client on the request's log line.
pub(super) async fn read_authenticated(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(TokenForm, Application), OAuthError> {
    let form: TokenForm = super::token::parse_form(headers, body)?;
    let presented = Presented::read(
        headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let client = presented.authenticate(&state.storage).await?;
    tracing::Span::current().record("client.id", client.client_id.as_str());
    Ok((form, client))
}

/// Which half of a pair `token` is, by its prefix and checksum; `None` for anything that
/// is not a well-formed access or refresh token, which then needs no lookup at all.
pub(super) fn pair_half(token: &str) -> Option<PairHalf> {
    if is_well_formed(TokenKind::Access, token) {
        Some(PairHalf::Access)
    } else if is_well_formed(TokenKind::Refresh, token) {
        Some(PairHalf::Refresh)
    } else {
        None
    }
}
