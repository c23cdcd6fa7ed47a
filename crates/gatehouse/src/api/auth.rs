//! Bearer authentication (RFC 6750) and the permission rule of every API request: the
//! token's scopes, intersected with what the user's current role in the organization
//! allows, and only in the organization the token was issued for.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::ApiError;
use crate::domain::token::is_well_formed;
use crate::domain::{Digest, Scope, ScopeSet, TokenKind};
use crate::server::AppState;
use crate::storage::{Bearer, Organization, now};

/// An authenticated API caller: a live token of an active user and application.
#[derive(Debug, Clone)]
pub struct Caller {
    pub bearer: Bearer,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(parts)?;
        if !is_well_formed(TokenKind::Access, token) {
            return Err(ApiError::InvalidToken("Invalid token"));
        }

        let bearer = state
            .storage
            .find_bearer(&Digest::of(token))
            .await?
            .ok_or(ApiError::InvalidToken("Invalid token"))?;

        if bearer.expires_at <= now() {
            return Err(ApiError::InvalidToken("Token expired"));
        }
        if !bearer.user_active {
            return Err(ApiError::InvalidToken("User inactive or deleted"));
        }
        if !bearer.application_active {
            return Err(ApiError::InvalidToken("Application inactive or deleted"));
        }
        tracing::Span::current().record("user.id", bearer.user_id);
        record_use(state, &bearer);
        Ok(Caller { bearer })
    }
}

/// How stale a token's "last used" time may get before a request refreshes it: writing it
/// on every request would put a write on the hottest path.
const LAST_USED_PRECISION: time::Duration = time::Duration::minutes(1);

/// Notes the token's use, at most once a minute, without making the request wait.
fn record_use(state: &AppState, bearer: &Bearer) {
    let at = now();
    if bearer
        .last_used_at
        .is_some_and(|last| at - last < LAST_USED_PRECISION)
    {
        return;
    }
    let (storage, token_id) = (state.storage.clone(), bearer.token_id);
    tokio::spawn(async move {
        if let Err(error) = storage.touch_token(token_id, at).await {
            tracing::warn!(%error, "could not record a token's use");
        }
    });
}

/// The token of an `Authorization: Bearer …` header.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::NoCredentials);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::InvalidToken("Invalid token"))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or(ApiError::InvalidToken("Invalid token"))?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::InvalidToken("Invalid token"));
    }
    Ok(token.trim())
}

impl Caller {
    /// What the caller may do in `organization`, or 403 when the token may not reach it at
    /// all: an organization-level token reaches only its own organization (Sentry only
    /// logs the mismatch; gatehouse refuses), and the user must still belong to it.
    pub async fn access_in(
        &self,
        state: &AppState,
        organization: &Organization,
    ) -> Result<ScopeSet, ApiError> {
        let role = match self.bearer.organization_id {
            Some(id) if id != organization.id => return Err(ApiError::Forbidden),
            Some(_) => self.bearer.role,
            None => {
                state
                    .storage
                    .find_role(organization.id, self.bearer.user_id)
                    .await?
            }
        };
        let role = role.ok_or(ApiError::Forbidden)?;
        Ok(self.bearer.scopes.intersection(role.scopes()))
    }

    /// Passes when `access` holds `needed` or any scope that implies it.
    pub fn require(access: ScopeSet, needed: Scope) -> Result<(), ApiError> {
        match access.contains(needed) {
            true => Ok(()),
            false => Err(ApiError::InsufficientScope),
        }
    }

    /// Passes when the token itself holds `needed`: for scopes about the user, not an
    /// organization (`openid`, `profile`, `email`).
    pub fn require_own(&self, needed: Scope) -> Result<(), ApiError> {
        Self::require(self.bearer.scopes, needed)
    }
}
