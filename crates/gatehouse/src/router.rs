//! Every route gatehouse serves, grouped by who calls it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use serde_json::{Value, json};

use crate::api::{
    authorizations, events, index, issues, members, openapi, organizations, projects, releases,
    teams,
};
use crate::oauth::{authorize, cors, introspect, revoke, token, userinfo};
use crate::pages::{home, login, settings};
use crate::server::{AppState, log_request};

pub fn build(state: AppState) -> Router {
    Router::new()
        // People, in a browser.
        .route("/", get(home::show))
        .route("/auth/login/", get(login::show).post(login::submit))
        .route("/auth/logout/", post(login::logout))
        .route(
            "/settings/account/authorized-applications/",
            get(settings::list),
        )
        .route(
            "/settings/account/authorized-applications/{id}/revoke/",
            get(settings::confirm).post(settings::revoke),
        )
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
        .route(
            "/oauth/revoke/",
            post(revoke::revoke).options(cors::preflight),
        )
        .route(
            "/oauth/revoke",
            post(revoke::revoke).options(cors::preflight),
        )
        .route("/oauth/introspect/", post(introspect::introspect))
        .route("/oauth/introspect", post(introspect::introspect))
        .route("/oauth/userinfo/", get(userinfo::show))
        .route("/oauth/userinfo", get(userinfo::show))
        // The Sentry-compatible API, for partners holding a bearer token.
        .route("/api/0/", get(index::show))
        .route("/api/0/openapi.json", get(openapi::document))
        .route("/api/0/organizations/", get(organizations::list))
        .route(
            "/api/0/organizations/{org}/",
            get(organizations::show).put(organizations::update),
        )
        .route("/api/0/organizations/{org}/teams/", get(teams::list))
        .route("/api/0/organizations/{org}/members/", get(members::list))
        .route("/api/0/organizations/{org}/projects/", get(projects::list))
        .route(
            "/api/0/organizations/{org}/issues/{issue_id}/",
            get(issues::show).put(issues::update).delete(issues::delete),
        )
        .route(
            "/api/0/organizations/{org}/releases/",
            get(releases::list).post(releases::create),
        )
        .route(
            "/api/0/projects/{org}/{project}/",
            get(projects::show)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route("/api/0/projects/{org}/{project}/issues/", get(issues::list))
        .route(
            "/api/0/projects/{org}/{project}/events/{event_id}/",
            get(events::show),
        )
        .route(
            "/api/0/teams/{org}/{team}/projects/",
            post(projects::create),
        )
        // The signed-in user's own settings, by session cookie.
        .route(
            "/api/0/api-authorizations/",
            get(authorizations::list).delete(authorizations::revoke),
        )
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
