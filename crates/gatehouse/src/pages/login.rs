//! `GET|POST /auth/login/` and `POST /auth/logout/`: signing in and out.

use std::sync::OnceLock;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::domain::Password;
use crate::server::AppState;
use crate::storage::{SecurityEventKind, User};
use crate::web::{WebError, csrf, html, session};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    site_name: &'a str,
    csrf_token: &'a str,
    next: &'a str,
    username: &'a str,
    /// The application the user is signing in to connect, when they came from one.
    connecting: Option<String>,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    csrf_token: String,
}

const WRONG_CREDENTIALS: &str = "The email or password is not right.";

/// Shows the sign-in form.
pub async fn show(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let next = safe_next(query.next.as_deref());
    render(&state, jar, next, "", None).await
}

/// Signs in, under a new session id, and returns to `next`.
pub async fn submit(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    csrf::verify(&jar, &headers, &form.csrf_token, &state.settings.issuer)?;
    let next = safe_next(Some(&form.next));

    let Some(user) = authenticate(&state, &form.username, form.password).await? else {
        return render(&state, jar, next, &form.username, Some(WRONG_CREDENTIALS)).await;
    };

    tracing::info!(user.id = user.id, "signed in");
    state
        .storage
        .record_security_event(user.id, SecurityEventKind::SignedIn, "user", None, None)
        .await?;
    let jar = session::start(&state, jar, user.id).await?;
    Ok((jar, Redirect::to(next)).into_response())
}

/// Signs out and shows the sign-in form.
pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    csrf::verify(&jar, &headers, &form.csrf_token, &state.settings.issuer)?;

    let jar = session::end(&state, jar).await?;
    Ok((jar, Redirect::to("/auth/login/")).into_response())
}

/// The sign-in form, naming the application being connected when `next` is an
/// authorization request.
async fn render(
    state: &AppState,
    jar: CookieJar,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let (jar, csrf_token) = csrf::ensure(jar, state.settings.secure_cookies);
    let page = LoginPage {
        site_name: &state.settings.site_name,
        csrf_token: &csrf_token,
        next,
        username,
        connecting: application_named_by(state, next).await?,
        error,
    };
    Ok((jar, html::page(StatusCode::OK, &page)).into_response())
}

/// The active user with these credentials. An unknown email costs the same argon2 work as
/// a wrong password, so the answer's timing does not reveal which emails have accounts.
async fn authenticate(
    state: &AppState,
    email: &str,
    password: String,
) -> Result<Option<User>, WebError> {
    let found = state.storage.find_credentials(email).await?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, dummy_hash().to_owned()),
    };

    // argon2 takes tens of milliseconds of CPU: keep it off the async executor so that
    // sign-ins never stall token traffic.
    let password = Password::presented(password);
    let verified = tokio::task::spawn_blocking(move || password.verify(&hash))
        .await
        .map_err(anyhow::Error::from)?;

    Ok(user.filter(|user| verified && user.is_active()))
}

/// A hash of a random password, made once, to verify against for unknown emails.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| Password::presented(crate::domain::secret::random_hex(16)).hash())
}

/// `next` only as a path on this site: never another origin (`//evil.example`,
/// `/\evil.example`), so the sign-in page cannot be used as an open redirect.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 4096
                && !path.chars().any(|c| c.is_control()) =>
        {
            path
        }
        _ => "/",
    }
}

/// The application's name when `next` is an authorization request, for "Sign in to
/// connect <app>".
async fn application_named_by(state: &AppState, next: &str) -> Result<Option<String>, WebError> {
    let Some(query) = next.strip_prefix("/oauth/authorize/?") else {
        return Ok(None);
    };
    let client_id = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "client_id")
        .map(|(_, value)| value.into_owned());
    let Some(client_id) = client_id else {
        return Ok(None);
    };
    let app = state.storage.find_application(&client_id).await?;
    Ok(app.filter(|app| app.is_active()).map(|app| app.name))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_kept_only_as_a_local_path() {
        assert_eq!(
            safe_next(Some("/oauth/authorize/?client_id=x")),
            "/oauth/authorize/?client_id=x"
        );
        for hostile in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/\n",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
