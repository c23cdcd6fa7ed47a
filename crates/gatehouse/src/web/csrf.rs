//! CSRF protection, in Sentry's way so that its clients' habits carry over: a random
//! `csrftoken` cookie that every form echoes in the `csrfmiddlewaretoken` field (and
//! scripts in the `X-CSRFToken` header). A cross-site page can make the browser send the
//! cookie but cannot read it, so it cannot echo it. Additionally a POST whose `Origin` header
//! names another site is refused outright.

use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

use super::WebError;
use crate::domain::secret::random_hex;

pub const COOKIE: &str = "csrftoken";
pub const FIELD: &str = "csrfmiddlewaretoken";

/// The browser's CSRF token, made (and set as a cookie on the returned jar) if it has none.
pub fn ensure(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(existing) = jar.get(COOKIE).filter(|c| c.value().len() == 64) {
        let token = existing.value().to_owned();
        return (jar, token);
    }
    let token = random_hex(32);
    let cookie = Cookie::build((COOKIE, token.clone()))
        .path("/")
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), token)
}

/// Checks a state-changing request: the echoed token must equal the cookie, and an
/// `Origin` header, when sent, must be the issuer's own.
pub fn verify(
    jar: &CookieJar,
    headers: &HeaderMap,
    echoed: &str,
    issuer: &str,
) -> Result<(), WebError> {
    let refused = || {
        WebError::forbidden(
            "Request refused",
            "This form has expired or did not come from this site. Go back, reload the page \
             and try again.",
        )
    };
    if let Some(origin) = headers.get(ORIGIN) {
        let same_site = origin
            .to_str()
            .is_ok_and(|origin| issuer_origin(issuer).is_some_and(|own| own == origin));
        if !same_site {
            return Err(refused());
        }
    }
    let cookie = jar
        .get(COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let matches: bool = cookie.as_bytes().ct_eq(echoed.as_bytes()).into();
    if cookie.is_empty() || !matches {
        return Err(refused());
    }
    Ok(())
}

fn issuer_origin(issuer: &str) -> Option<String> {
    url::Url::parse(issuer)
        .ok()
        .map(|url| url.origin().ascii_serialization())
}

/// Checks a state-changing script request: the `X-CSRFToken` header stands in for the
/// form field, as at Sentry.
pub fn verify_header(jar: &CookieJar, headers: &HeaderMap, issuer: &str) -> Result<(), WebError> {
    let echoed = headers
        .get("x-csrftoken")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    verify(jar, headers, echoed, issuer)
}
