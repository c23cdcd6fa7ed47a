//! `GET|POST /oauth/authorize/`: the authorization endpoint (RFC 6749 §4.1.1, with PKCE per
//! RFC 7636 and `iss` per RFC 9207), as Sentry serves it: sign-in, the consent page with
//! its organization picker, and the redirect back with a code.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::request::{
    AuthorizeError, AuthorizeParams, AuthorizeRequest, parse_params, redirect_location,
};
use crate::domain::{AccessLevel, IssuedToken, TokenKind, secret::random_hex};
use crate::server::AppState;
use crate::storage::{Membership, NewGrant, SecurityEventKind, User, now};
use crate::web::session::SignedIn;
use crate::web::{WebError, csrf, html};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    site_name: &'a str,
    app_name: &'a str,
    homepage_url: &'a str,
    privacy_url: &'a str,
    terms_url: &'a str,
    email: &'a str,
    csrf_token: &'a str,
    hidden: Vec<(&'static str, String)>,
    organizations: Vec<(i64, String)>,
    permissions: Vec<&'static str>,
    error: Option<&'a str>,
}

/// The consent form: the original request's parameters, and the user's decision.
#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    op: String,
    selected_organization_id: Option<String>,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

/// Checks the request, sends a signed-out user to sign in first, and shows the consent
/// page, unless the user already consented to all of it (user-level applications only:
/// for an organization-level one, the user picks the organization every time).
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    SignedIn(user): SignedIn,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> Response {
    let params: AuthorizeParams = match parse_params(query.unwrap_or_default().as_bytes()) {
        Ok(params) => params,
        Err(error) => return error.into_response(),
    };
    let request = match params.validate(&state.storage).await {
        Ok(request) => request,
        Err(error) => return refusal(&state, error),
    };
    let Some(user) = user else {
        return sign_in_first(&uri);
    };

    match consent_or_skip(&state, jar, &user, &request, &params).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// Takes the user's decision from the consent page.
pub async fn decide(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    SignedIn(user): SignedIn,
    body: Bytes,
) -> Response {
    let form: ConsentForm = match parse_params(&body) {
        Ok(form) => form,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = csrf::verify(&jar, &headers, &form.csrf_token, &state.settings.issuer) {
        return error.into_response();
    }
    let request = match form.params.validate(&state.storage).await {
        Ok(request) => request,
        Err(error) => return refusal(&state, error),
    };
    let Some(user) = user else {
        return sign_in_first(&format!("/oauth/authorize/?{}", query_of(&form.params)));
    };

    if form.op != "approve" {
        return found(redirect_location(
            &request.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "the user denied access"),
            ],
            request.state.as_deref(),
            &state.settings.issuer,
        ));
    }
    match approve(
        &state,
        &user,
        &request,
        form.selected_organization_id.as_deref(),
    )
    .await
    {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn consent_or_skip(
    state: &AppState,
    jar: CookieJar,
    user: &User,
    request: &AuthorizeRequest,
    params: &AuthorizeParams,
) -> Result<Response, WebError> {
    let app = &request.application;
    let org_level = app.access_level == AccessLevel::Organization;

    if !org_level && !request.force_prompt {
        let existing = state
            .storage
            .find_authorization(user.id, app.id, None)
            .await?;
        if existing.is_some_and(|a| request.scopes.is_subset_of(a.scopes)) {
            return issue_code(state, user, request, None).await;
        }
    }

    let memberships = match org_level {
        true => state.storage.list_memberships(user.id).await?,
        false => Vec::new(),
    };
    if org_level && memberships.is_empty() {
        return Err(WebError::forbidden(
            "No organization to connect",
            format!(
                "{} connects to an organization, and your account ({}) belongs to none. \
                 Ask an organization owner to invite you, then try again.",
                app.name, user.email
            ),
        ));
    }

    let (jar, csrf_token) = csrf::ensure(jar, state.settings.secure_cookies);
    let page = consent_page(state, user, request, params, &memberships, &csrf_token);
    Ok((jar, html::page(StatusCode::OK, &page)).into_response())
}

fn consent_page<'a>(
    state: &'a AppState,
    user: &'a User,
    request: &'a AuthorizeRequest,
    params: &AuthorizeParams,
    memberships: &[Membership],
    csrf_token: &'a str,
) -> ConsentPage<'a> {
    let app = &request.application;
    ConsentPage {
        site_name: &state.settings.site_name,
        app_name: &app.name,
        homepage_url: &app.homepage_url,
        privacy_url: &app.privacy_url,
        terms_url: &app.terms_url,
        email: &user.email,
        csrf_token,
        hidden: hidden_fields(params),
        organizations: memberships
            .iter()
            .map(|m| (m.organization.id, m.organization.name.clone()))
            .collect(),
        permissions: request.scopes.descriptions(),
        error: None,
    }
}

/// Records consent and issues a code. For organization-level applications the chosen
/// organization must be one the user belongs to.
async fn approve(
    state: &AppState,
    user: &User,
    request: &AuthorizeRequest,
    selected_organization: Option<&str>,
) -> Result<Response, WebError> {
    let app = &request.application;
    let organization_id = match app.access_level {
        AccessLevel::User => None,
        AccessLevel::Organization => {
            let id = selected_organization
                .and_then(|id| id.parse::<i64>().ok())
                .ok_or_else(|| {
                    WebError::bad_request(
                        "No organization chosen",
                        "Choose an organization to connect.",
                    )
                })?;
            if state.storage.find_role(id, user.id).await?.is_none() {
                return Err(WebError::forbidden(
                    "Not your organization",
                    "You can only connect an organization you are a member of.",
                ));
            }
            Some(id)
        }
    };

    let organization_name = match organization_id {
        Some(id) => state
            .storage
            .find_organization(id)
            .await?
            .map(|org| org.name),
        None => None,
    };
    state
        .storage
        .record_security_event(
            user.id,
            SecurityEventKind::AuthorizationGranted,
            "user",
            Some(&app.name),
            organization_name.as_deref(),
        )
        .await?;
    issue_code(state, user, request, organization_id).await
}

/// Records (or widens) the authorization, stores the code's digest, and redirects back.
async fn issue_code(
    state: &AppState,
    user: &User,
    request: &AuthorizeRequest,
    organization_id: Option<i64>,
) -> Result<Response, WebError> {
    let app = &request.application;
    let authorization = state
        .storage
        .grant_authorization(user.id, app.id, organization_id, request.scopes)
        .await?;

    let code = IssuedToken::generate(TokenKind::Code);
    let grant = NewGrant {
        code_digest: code.digest(),
        authorization_id: authorization.id,
        application_id: app.id,
        user_id: user.id,
        organization_id,
        redirect_uri: request.redirect_uri_sent.clone(),
        scopes: request.scopes,
        code_challenge: request
            .code_challenge
            .as_ref()
            .map(|c| c.as_str().to_owned()),
        family_id: random_hex(16),
        expires_at: now() + state.settings.code_ttl,
    };
    state.storage.create_grant(&grant).await?;

    tracing::info!(client.id = %app.client_id, user.id = user.id, "authorization code issued");
    Ok(found(redirect_location(
        &request.redirect_uri,
        &[("code", code.expose())],
        request.state.as_deref(),
        &state.settings.issuer,
    )))
}

fn refusal(state: &AppState, error: AuthorizeError) -> Response {
    match error {
        AuthorizeError::Page(page) => page.into_response(),
        AuthorizeError::Redirect(redirect) => found(redirect_location(
            &redirect.redirect_uri,
            &[
                ("error", redirect.error),
                ("error_description", &redirect.description),
            ],
            redirect.state.as_deref(),
            &state.settings.issuer,
        )),
    }
}

fn sign_in_first(original: &impl ToString) -> Response {
    let next: String =
        url::form_urlencoded::byte_serialize(original.to_string().as_bytes()).collect();
    found(format!("/auth/login/?next={next}"))
}

/// A 302, as Sentry answers; every client library follows it.
fn found(location: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// The request's parameters as hidden form fields, so the consent POST carries the same
/// request (which is validated again, never trusted).
fn hidden_fields(params: &AuthorizeParams) -> Vec<(&'static str, String)> {
    [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("scope", &params.scope),
        ("state", &params.state),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
        ("force_prompt", &params.force_prompt),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
    .collect()
}

fn query_of(params: &AuthorizeParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in hidden_fields(params) {
        query.append_pair(name, &value);
    }
    query.finish()
}
