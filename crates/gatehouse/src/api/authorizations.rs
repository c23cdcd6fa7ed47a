//! `GET|DELETE /api/0/api-authorizations/`: the signed-in user's Authorized Applications,
//! as Sentry's settings page reads and revokes them. Authenticated by the browser session,
//! not a bearer token; a DELETE must echo the `csrftoken` cookie in `X-CSRFToken`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Serialize;
use serde_json::Value;

use super::ApiError;
use super::body::object;
use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::{AuthorizationListing, User};
use crate::web::csrf;
use crate::web::session::SignedIn;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationBody {
    id: String,
    scopes: Vec<&'static str>,
    application: ApplicationBody,
    date_created: String,
    organization: Option<OrganizationRef>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationBody {
    id: String,
    name: String,
    homepage_url: String,
    privacy_url: String,
    terms_url: String,
}

#[derive(Debug, Serialize)]
pub struct OrganizationRef {
    id: String,
    slug: String,
    name: String,
}

impl From<&AuthorizationListing> for AuthorizationBody {
    fn from(listing: &AuthorizationListing) -> Self {
        AuthorizationBody {
            id: listing.authorization.id.to_string(),
            scopes: listing.authorization.scopes.names(),
            application: ApplicationBody {
                id: listing.client_id.clone(),
                name: listing.application_name.clone(),
                homepage_url: listing.homepage_url.clone(),
                privacy_url: listing.privacy_url.clone(),
                terms_url: listing.terms_url.clone(),
            },
            date_created: iso8601(listing.authorization.created_at),
            organization: listing
                .organization
                .as_ref()
                .map(|(id, slug, name)| OrganizationRef {
                    id: id.to_string(),
                    slug: slug.clone(),
                    name: name.clone(),
                }),
        }
    }
}

/// The user's authorizations of active applications, by application name.
pub async fn list(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Json<Vec<AuthorizationBody>>, ApiError> {
    let user = user.ok_or(ApiError::NoCredentials)?;

    let listings = state.storage.list_user_authorizations(user.id).await?;

    Ok(Json(listings.iter().map(AuthorizationBody::from).collect()))
}

/// Revokes `{"authorization": ID}`: 204, or 400 without an id, 404 for an id that is not
/// one of the user's.
pub async fn revoke(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    jar: CookieJar,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(error) = csrf::verify_header(&jar, &headers, &state.settings.issuer) {
        return error.into_response();
    }
    match revoke_for(&state, user, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_response(),
    }
}

async fn revoke_for(state: &AppState, user: Option<User>, body: &Bytes) -> Result<(), ApiError> {
    let user = user.ok_or(ApiError::NoCredentials)?;
    let fields = object(body)?;
    let id = match fields.get("authorization") {
        Some(Value::Number(id)) => id.as_i64(),
        Some(Value::String(id)) => id.parse().ok(),
        _ => return Err(ApiError::field("authorization", "This field is required.")),
    };

    let revoked = match id {
        Some(id) => {
            state
                .storage
                .revoke_authorization(user.id, id, "user")
                .await?
        }
        None => None,
    };

    let revoked = revoked.ok_or(ApiError::NotFound)?;
    tracing::info!(
        authorization.id = revoked.id,
        "authorization revoked by its user"
    );
    Ok(())
}
