//! Rendering HTML pages with the headers every page needs.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// No page may be framed (clickjacking a consent page would approve on the user's behalf),
/// leak its URL to another site (it can hold `state` or a code challenge), or be cached.
/// The referrer policy is `same-origin`, not `no-referrer`: with the latter, browsers send
/// `Origin: null` on the site's own form posts, which the CSRF check rightly refuses.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; base-uri 'none'";

/// Renders `template` as a full response with gatehouse's page headers.
pub fn page(status: StatusCode, template: &impl Template) -> Response {
    let body = match template.render() {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "template failed to render");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
