//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations and
//! served at `/api/0/openapi.json`. Built once, on first request.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{events, index, issues, members, organizations, projects, releases, teams};
use crate::oauth::userinfo;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gatehouse API",
        version = "0",
        description = "A Sentry-compatible API. Every call needs a bearer token from \
                       gatehouse's OAuth flow; what it may do is the token's scopes \
                       intersected with the user's role in the organization."
    ),
    paths(
        index::show,
        userinfo::show,
        organizations::list,
        organizations::show,
        organizations::update,
        teams::list,
        members::list,
        projects::list,
        projects::show,
        projects::update,
        projects::delete,
        projects::create,
        issues::list,
        issues::show,
        issues::update,
        issues::delete,
        events::show,
        releases::list,
        releases::create,
    ),
    modifiers(&BearerToken),
    security(("bearer" = []))
)]
pub struct ApiDoc;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// What went wrong, in Sentry's words.
    pub detail: String,
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// `GET /api/0/openapi.json`.
pub async fn document() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|error| format!(r#"{{"error": "{error}"}}"#))
    });
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}
