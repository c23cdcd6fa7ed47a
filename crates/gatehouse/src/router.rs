//! Every route gatehouse serves, grouped by who calls it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde_json::{Value, json};

use crate::api::{index, openapi, organizations};
use crate::oauth::{authorize, cors, token, userinfo};
use crate::pages::{home, login};
use crate::server::{AppState, log_request};

pub fn build(state: AppState) -> Router {
    Router::new()
        // People, in a browser.
        .route("/", get(home::show))
        .route("/auth/login/", get(login::show).post(login::submit))
        .route("/auth/logout/", post(login::logout))
        // Partners' clients, through the user's browser.
        .route(
            "/oauth/authorize/",
            get(authorize::show).post(authorize::decide),
        )
        // Partners' servers and apps. Machine endpoints answer with and without the
        // trailing slash: client libraries do not follow a redirect for a POST.
        .route(
            "/oauth/token/",
            post(token::exchange).options(cors::preflight),
        )
        .route(
            "/oauth/token",
            post(token::exchange).options(cors::preflight),
        )
        .route("/oauth/userinfo/", get(userinfo::show))
        .route("/oauth/userinfo", get(userinfo::show))
        // The Sentry-compatible API, for partners holding a bearer token.
        .route("/api/0/", get(index::show))
        .route("/api/0/openapi.json", get(openapi::document))
        .route("/api/0/organizations/", get(organizations::list))
        .route("/api/0/organizations/{org}/", get(organizations::show))
        // Operators and load balancers.
        .route("/_health/", get(health))
        .with_state(state)
        .layer(middleware::from_fn(log_request))
}

/// Liveness and readiness in one: 200 when the database answers, 503 when it does not.
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.storage.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}
