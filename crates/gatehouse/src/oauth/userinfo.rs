//! `GET /oauth/userinfo/`: who the token's user is (OpenID Connect Core §5.3), with the
//! claims its identity scopes allow.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::openapi::Detail;
use crate::api::{ApiError, Caller};
use crate::domain::Scope;
use crate::server::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserInfo {
    /// The user's id.
    sub: String,
    /// With the `profile` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// With the `email` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
}

/// Needs `openid`; `profile` adds the name, `email` the address.
#[utoipa::path(
    get,
    operation_id = "userinfo_show",
    path = "/oauth/userinfo/",
    tag = "auth",
    responses(
        (status = 200, description = "The user's claims", body = UserInfo),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "The token lacks openid", body = Detail),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserInfo>, ApiError> {
    caller.require_own(Scope::Openid)?;

    let user = state
        .storage
        .find_user(caller.bearer.user_id)
        .await?
        .ok_or(ApiError::InvalidToken("User inactive or deleted"))?;

    let scopes = caller.bearer.scopes;
    let email = scopes.contains(Scope::Email);
    Ok(Json(UserInfo {
        sub: user.id.to_string(),
        name: scopes.contains(Scope::Profile).then_some(user.name),
        email_verified: email.then_some(true),
        email: email.then_some(user.email),
    }))
}
