//! `GET /oauth/userinfo/`: who the token's user is (OpenID Connect Core §5.3), with the
//! claims its identity scopes allow.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::domain::Scope;
use crate::server::AppState;

/// Needs `openid`; `profile` adds the name, `email` the address.
pub async fn show(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_own(Scope::Openid)?;

    let user = state
        .storage
        .find_user(caller.bearer.user_id)
        .await?
        .ok_or(ApiError::InvalidToken("User inactive or deleted"))?;

    let mut claims = json!({"sub": user.id.to_string()});
    if caller.bearer.scopes.contains(Scope::Profile) {
        claims["name"] = json!(user.name);
    }
    if caller.bearer.scopes.contains(Scope::Email) {
        claims["email"] = json!(user.email);
        claims["email_verified"] = json!(true);
    }
    Ok(Json(claims))
}
