//! `GET /api/0/`: the API's version and what the calling token holds.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::Caller;
use super::openapi::Detail;

#[derive(Debug, Serialize, ToSchema)]
pub struct IndexBody {
    /// Always "0".
    version: String,
    auth: AuthBody,
    user: UserRef,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthBody {
    /// The token's scopes, expanded and sorted.
    scopes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRef {
    id: String,
}

/// Sentry answers its API root with the version and the token's scopes, so that a partner
/// can check a token without touching data.
#[utoipa::path(
    get,
    operation_id = "api_show",
    path = "/api/0/",
    tag = "auth",
    responses(
        (status = 200, description = "The token works", body = IndexBody),
        (status = 401, description = "No token, or one that does not work", body = Detail),
    )
)]
pub async fn show(caller: Caller) -> Json<IndexBody> {
    Json(IndexBody {
        version: "0".into(),
        auth: AuthBody {
            scopes: caller
                .bearer
                .scopes
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
        },
        user: UserRef {
            id: caller.bearer.user_id.to_string(),
        },
    })
}
