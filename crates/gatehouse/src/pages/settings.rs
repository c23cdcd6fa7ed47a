//! Settings → Account → Authorized Applications: what the user has connected, and a way to
//! take any of it back.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::{AuthorizationListing, SecurityEvent, SecurityEventKind, User};
use crate::web::session::SignedIn;
use crate::web::{WebError, csrf, html};

const PAGE: &str = "/settings/account/authorized-applications/";

#[derive(Template)]
#[template(path = "authorized_applications.html")]
struct AuthorizedApplicationsPage<'a> {
    site_name: &'a str,
    user_email: &'a str,
    csrf_token: &'a str,
    applications: Vec<ApplicationRow>,
    /// The security log, newest first, one sentence each.
    events: Vec<String>,
}

/// One authorization as the page shows it.
struct ApplicationRow {
    id: i64,
    name: String,
    homepage_url: String,
    organization: Option<String>,
    permissions: Vec<&'static str>,
    authorized: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "revoke_confirm.html")]
struct RevokeConfirmPage<'a> {
    site_name: &'a str,
    user_email: &'a str,
    csrf_token: &'a str,
    id: i64,
    app_name: &'a str,
    organization: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

/// The list of authorized applications.
pub async fn list(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn(user): SignedIn,
) -> Result<Response, WebError> {
    let Some(user) = user else {
        return Ok(Redirect::to(&format!("/auth/login/?next={PAGE}")).into_response());
    };

    let listings = state.storage.list_user_authorizations(user.id).await?;
    let events = state.storage.list_security_events(user.id, 50).await?;

    let (jar, csrf_token) = csrf::ensure(jar, state.settings.secure_cookies);
    let page = AuthorizedApplicationsPage {
        site_name: &state.settings.site_name,
        user_email: &user.email,
        csrf_token: &csrf_token,
        applications: listings.iter().map(row).collect(),
        events: events.iter().map(describe).collect(),
    };
    Ok((jar, html::page(StatusCode::OK, &page)).into_response())
}

/// Asks for confirmation before revoking; works without JavaScript.
pub async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let Some(user) = user else {
        return Ok(Redirect::to(&format!("/auth/login/?next={PAGE}")).into_response());
    };
    let listing = find(&state, &user, id).await?;

    let (jar, csrf_token) = csrf::ensure(jar, state.settings.secure_cookies);
    let page = RevokeConfirmPage {
        site_name: &state.settings.site_name,
        user_email: &user.email,
        csrf_token: &csrf_token,
        id,
        app_name: &listing.application_name,
        organization: listing
            .organization
            .as_ref()
            .map(|(_, _, name)| name.as_str()),
    };
    Ok((jar, html::page(StatusCode::OK, &page)).into_response())
}

/// Revokes the authorization, its tokens and its codes, and returns to the list.
pub async fn revoke(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: RevokeForm = crate::oauth::request::parse_params(&body)?;
    csrf::verify(&jar, &headers, &form.csrf_token, &state.settings.issuer)?;
    let Some(user) = user else {
        return Ok(Redirect::to(&format!("/auth/login/?next={PAGE}")).into_response());
    };

    let revoked = state
        .storage
        .revoke_authorization(user.id, id, "user")
        .await?;

    if revoked.is_none() {
        return Err(not_found());
    }
    tracing::info!(authorization.id = id, "authorization revoked by its user");
    Ok(Redirect::to(PAGE).into_response())
}

async fn find(state: &AppState, user: &User, id: i64) -> Result<AuthorizationListing, WebError> {
    let listings = state.storage.list_user_authorizations(user.id).await?;
    listings
        .into_iter()
        .find(|listing| listing.authorization.id == id)
        .ok_or_else(not_found)
}

fn not_found() -> WebError {
    WebError::Page {
        status: StatusCode::NOT_FOUND,
        title: "Not found",
        message: "You have no such authorized application.".into(),
    }
}

/// One line of the security log: when, what, and who did it.
fn describe(event: &SecurityEvent) -> String {
    let app = event
        .application_name
        .as_deref()
        .unwrap_or("an application");
    let org = match &event.organization_name {
        Some(org) => format!(" for {org}"),
        None => String::new(),
    };
    let by = match event.actor.as_str() {
        "user" => "by you",
        "operator" => "by the site's operators",
        "reuse_detection" => "automatically, because a used token was presented again",
        _ => "",
    };
    let what = match event.kind {
        SecurityEventKind::SignedIn => "Signed in".to_owned(),
        SecurityEventKind::AuthorizationGranted => format!("Authorized {app}{org}"),
        SecurityEventKind::AuthorizationRevoked => format!("Revoked {app}{org} {by}"),
        SecurityEventKind::TokensRevoked => format!("Tokens of {app} revoked {by}"),
    };
    let at = iso8601(event.at);
    format!("{} {} UTC — {what}", &at[..10], &at[11..16])
}

fn row(listing: &AuthorizationListing) -> ApplicationRow {
    ApplicationRow {
        id: listing.authorization.id,
        name: listing.application_name.clone(),
        homepage_url: listing.homepage_url.clone(),
        organization: listing
            .organization
            .as_ref()
            .map(|(_, _, name)| name.clone()),
        permissions: listing.authorization.scopes.descriptions(),
        authorized: iso8601(listing.authorization.created_at)[..10].to_owned(),
        last_used: match listing.last_used_at {
            Some(at) => format!("last used {}", &iso8601(at)[..10]),
            None => "not used yet".to_owned(),
        },
    }
}
