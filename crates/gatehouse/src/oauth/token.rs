//! `POST /oauth/token/`: the token endpoint (RFC 6749 §3.2), for the authorization code
//! grant with PKCE (§4.1.3, RFC 7636 §4.6) and the refresh token grant with rotation (§6,
//! RFC 9700 §4.14), answering in Sentry's shape: the tokens plus `expires_at`, `user` and
//! `organization_id`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::client_auth::Presented;
use super::cors;
use super::error::{OAuthError, no_store};
use crate::domain::timestamp::iso8601;
use crate::domain::token::is_well_formed;
use crate::domain::{
    Application, CodeChallenge, Digest, IssuedToken, RevocationReason, ScopeSet, TokenKind,
};
use crate::server::AppState;
use crate::storage::{NewToken, RedeemedGrant, Redemption, Rotation, TokenRecord, now};

/// The form fields of every grant this endpoint serves.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Debug, Serialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    expires_in: u64,
    expires_at: String,
    token_type: &'static str,
    scope: String,
    user: UserAnswer,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<String>,
}

#[derive(Debug, Serialize)]
struct UserAnswer {
    id: String,
    name: String,
    email: String,
}

/// A freshly made token pair, before it is stored.
struct Pair {
    access: IssuedToken,
    refresh: IssuedToken,
    expires_at: OffsetDateTime,
}

/// Authenticates the client, runs the grant, and answers in JSON, with CORS headers when a
/// browser app calls from one of the client's allowed origins.
pub async fn exchange(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form: TokenForm = match parse_form(&headers, &body) {
        Ok(form) => form,
        Err(error) => return error.into_response(),
    };
    let presented = Presented::read(
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    );
    let client = match presented {
        Ok(presented) => presented.authenticate(&state.storage).await,
        Err(error) => Err(error),
    };
    let client = match client {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    let span = tracing::Span::current();
    span.record("client.id", client.client_id.as_str());
    span.record("grant.type", form.grant_type.as_deref().unwrap_or("none"));

    let answer = match form.grant_type.as_deref() {
        Some("authorization_code") => authorization_code(&state, &client, &form).await,
        Some("refresh_token") => refresh_token(&state, &client, &form).await,
        Some(_) => Err(OAuthError::refused(
            "unsupported_grant_type",
            "this grant type is not supported",
        )),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    };

    let mut response = match answer {
        Ok(answer) => (no_store(), Json(answer)).into_response(),
        Err(error) => {
            span.record("oauth.error", error.code());
            error.into_response()
        }
    };
    cors::allow_client_origin(&mut response, &headers, &client);
    response
}

/// The body must be form-encoded (RFC 6749 §3.2), each parameter at most once (§3.1); the
/// revocation and introspection endpoints read theirs the same way.
pub(super) fn parse_form<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, OAuthError> {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|_| OAuthError::invalid_request("the form is malformed or repeats a parameter"))
}

async fn authorization_code(
    state: &AppState,
    client: &Application,
    form: &TokenForm,
) -> Result<TokenAnswer, OAuthError> {
    let code = form
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let refused = || OAuthError::invalid_grant("the code is invalid, expired or already used");
    if !is_well_formed(TokenKind::Code, code) {
        return Err(refused());
    }

    let pair = Pair::generate(state);
    let outcome = state
        .storage
        .redeem_grant(&Digest::of(code), |grant| {
            check_grant(grant, client, form)?;
            Ok(pair.to_store(state, grant_record(grant), grant.scopes, grant.scopes))
        })
        .await?;

    let grant = match outcome {
        Redemption::Issued { grant, .. } => grant,
        Redemption::Rejected(error) => return Err(error),
        Redemption::Unknown => return Err(refused()),
        Redemption::Replayed { revoked } => {
            tracing::warn!(
                revoked,
                "a redeemed code was presented again; its tokens are revoked"
            );
            return Err(refused());
        }
    };
    answer(
        state,
        pair,
        grant.user_id,
        grant.organization_id,
        grant.scopes,
        &grant.family_id,
    )
    .await
}

/// Everything a code is bound to must match the request redeeming it.
fn check_grant(
    grant: &RedeemedGrant,
    client: &Application,
    form: &TokenForm,
) -> Result<(), OAuthError> {
    if grant.application_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    if grant.expires_at <= now() {
        return Err(OAuthError::invalid_grant("the code has expired"));
    }
    let redirect_ok = match (&grant.redirect_uri, &form.redirect_uri) {
        (Some(bound), Some(sent)) => bound == sent,
        (Some(_), None) => false,
        (None, Some(sent)) => client.redirect_uris.iter().any(|r| r.as_str() == sent),
        (None, None) => true,
    };
    if !redirect_ok {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    match (&grant.code_challenge, &form.code_verifier) {
        (Some(challenge), Some(verifier)) => {
            if !CodeChallenge::from_stored(challenge.clone()).is_satisfied_by(verifier) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the challenge",
                ));
            }
        }
        (Some(_), None) => return Err(OAuthError::invalid_grant("code_verifier is required")),
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "the authorization request sent no code_challenge, so no code_verifier is accepted",
            ));
        }
        (None, None) => {}
    }
    Ok(())
}

async fn refresh_token(
    state: &AppState,
    client: &Application,
    form: &TokenForm,
) -> Result<TokenAnswer, OAuthError> {
    let presented = form
        .refresh_token
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let refused = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    if !is_well_formed(TokenKind::Refresh, presented) {
        return Err(refused());
    }
    let requested = match form.scope.as_deref() {
        Some(scope) => {
            Some(ScopeSet::parse(scope).map_err(|e| OAuthError::invalid_scope(e.to_string()))?)
        }
        None => None,
    };

    let pair = Pair::generate(state);
    let outcome = state
        .storage
        .rotate_refresh_token(&Digest::of(presented), |previous| {
            let scopes = check_refresh(previous, client, requested)?;
            Ok(pair.to_store(state, previous.clone(), scopes, previous.grant_scopes))
        })
        .await?;

    let (previous, scopes) = match outcome {
        Rotation::Rotated { previous, .. } => {
            let scopes = requested.unwrap_or(previous.grant_scopes);
            (previous, scopes)
        }
        Rotation::Rejected(error) => return Err(error),
        Rotation::Unknown => return Err(refused()),
        Rotation::Replayed { revoked } => {
            tracing::warn!(
                revoked,
                "a rotated refresh token was presented again; its family is revoked"
            );
            return Err(refused());
        }
    };
    answer(
        state,
        pair,
        previous.user_id,
        previous.organization_id,
        scopes,
        &previous.family_id,
    )
    .await
}

/// The scopes of the new access token: those asked for, if no wider than the grant.
fn check_refresh(
    previous: &TokenRecord,
    client: &Application,
    requested: Option<ScopeSet>,
) -> Result<ScopeSet, OAuthError> {
    if previous.application_id != client.id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if previous.refresh_expires_at.is_none_or(|at| at <= now()) {
        return Err(OAuthError::invalid_grant("the refresh token has expired"));
    }
    match requested {
        None => Ok(previous.grant_scopes),
        Some(scopes) if !scopes.is_empty() && scopes.is_subset_of(previous.grant_scopes) => {
            Ok(scopes)
        }
        Some(_) => Err(OAuthError::invalid_scope(
            "the scope may not be wider than the original grant",
        )),
    }
}

impl Pair {
    fn generate(state: &AppState) -> Pair {
        Pair {
            access: IssuedToken::generate(TokenKind::Access),
            refresh: IssuedToken::generate(TokenKind::Refresh),
            expires_at: now() + state.settings.access_token_ttl,
        }
    }

    /// What storage keeps of this pair: digests, never the tokens.
    fn to_store(
        &self,
        state: &AppState,
        origin: TokenRecord,
        scopes: ScopeSet,
        grant_scopes: ScopeSet,
    ) -> NewToken {
        NewToken {
            access_digest: self.access.digest(),
            refresh_digest: Some(self.refresh.digest()),
            last_chars: self.access.last_chars(),
            authorization_id: origin.authorization_id,
            application_id: origin.application_id,
            user_id: origin.user_id,
            organization_id: origin.organization_id,
            scopes,
            grant_scopes,
            family_id: origin.family_id,
            expires_at: self.expires_at,
            refresh_expires_at: Some(now() + state.settings.refresh_token_ttl),
        }
    }
}

/// A redeemed code seen as the origin of a token family.
fn grant_record(grant: &RedeemedGrant) -> TokenRecord {
    TokenRecord {
        id: 0,
        authorization_id: grant.authorization_id,
        application_id: grant.application_id,
        user_id: grant.user_id,
        organization_id: grant.organization_id,
        scopes: grant.scopes,
        grant_scopes: grant.scopes,
        family_id: grant.family_id.clone(),
        last_chars: String::new(),
        expires_at: grant.expires_at,
        refresh_expires_at: None,
        rotated_at: None,
    }
}

/// The success body. A user disabled since consent gets nothing: the tokens just stored
/// are revoked again, and the application told so, as an operator's doing.
async fn answer(
    state: &AppState,
    pair: Pair,
    user_id: i64,
    organization_id: Option<i64>,
    scopes: ScopeSet,
    family_id: &str,
) -> Result<TokenAnswer, OAuthError> {
    let user = state.storage.find_user(user_id).await?;
    let Some(user) = user.filter(|user| user.is_active()) else {
        state
            .storage
            .revoke_family(family_id, RevocationReason::Operator)
            .await?;
        return Err(OAuthError::invalid_grant("the user is inactive or deleted"));
    };
    tracing::Span::current().record("user.id", user.id);

    Ok(TokenAnswer {
        access_token: pair.access.expose().to_owned(),
        refresh_token: pair.refresh.expose().to_owned(),
        expires_in: state.settings.access_token_ttl.as_secs(),
        expires_at: iso8601(pair.expires_at),
        token_type: "bearer",
        scope: scopes.to_string(),
        user: UserAnswer {
            id: user.id.to_string(),
            name: user.name,
            email: user.email,
        },
        organization_id: organization_id.map(|id| id.to_string()),
    })
}
