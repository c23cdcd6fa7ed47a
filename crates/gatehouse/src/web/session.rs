//! Browser sessions: an opaque random cookie whose digest keys a row in the database, so any
//! instance can serve any request and a stolen database yields no usable session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::WebError;
use crate::domain::{Digest, IssuedToken, TokenKind};
use crate::server::AppState;
use crate::storage::{User, now};

pub const COOKIE: &str = "gatehouse_session";

/// How long a sign-in lasts.
pub const LIFETIME: time::Duration = time::Duration::days(14);

/// Who the browser is signed in as, if anyone.
pub struct SignedIn(pub Option<User>);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(COOKIE) else {
            return Ok(SignedIn(None));
        };
        let Some(session) = state
            .storage
            .find_session(&Digest::of(cookie.value()))
            .await?
        else {
            return Ok(SignedIn(None));
        };
        let Some(user_id) = session.user_id else {
            return Ok(SignedIn(None));
        };
        let user = state.storage.find_user(user_id).await?;
        Ok(SignedIn(user.filter(User::is_active)))
    }
}

/// Starts a signed-in session under a new id, ending the browser's previous session if it
/// had one, so that an id planted before sign-in is worth nothing after it.
pub async fn start(state: &AppState, jar: CookieJar, user_id: i64) -> Result<CookieJar, WebError> {
    if let Some(old) = jar.get(COOKIE) {
        state
            .storage
            .delete_session(&Digest::of(old.value()))
            .await?;
    }
    let id = IssuedToken::generate(TokenKind::Session);
    state
        .storage
        .create_session(&id.digest(), Some(user_id), now() + LIFETIME)
        .await?;
    let cookie = Cookie::build((COOKIE, id.expose().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.secure_cookies)
        .max_age(LIFETIME)
        .build();
    Ok(jar.add(cookie))
}

/// Ends the browser's session, in the database and in the browser.
pub async fn end(state: &AppState, jar: CookieJar) -> Result<CookieJar, WebError> {
    if let Some(old) = jar.get(COOKIE) {
        state
            .storage
            .delete_session(&Digest::of(old.value()))
            .await?;
    }
    Ok(jar.remove(Cookie::build(COOKIE).path("/")))
}
