//! CORS for the machine endpoints, so that a public client running in a browser on one of
//! its registered allowed origins can read the answers. Only registered origins are ever
//! named in `Access-Control-Allow-Origin`; credentials (cookies) are never allowed.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::Application;
use crate::server::AppState;

/// Adds `Access-Control-Allow-Origin` when the request's origin is one the client
/// registered.
pub fn allow_client_origin(response: &mut Response, request: &HeaderMap, client: &Application) {
    let Some(origin) = request_origin(request) else {
        return;
    };
    if client
        .allowed_origins
        .iter()
        .any(|allowed| allowed.as_str() == origin)
    {
        allow(response, origin);
    }
}

/// Answers a CORS preflight for an origin some active application registered. The
/// request that follows is still checked against its own client's origins.
pub async fn preflight(State(state): State<AppState>, request: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let Some(origin) = request_origin(&request) else {
        return response;
    };
    match state.storage.is_allowed_origin(origin).await {
        Ok(true) => {}
        Ok(false) => return response,
        Err(error) => {
            tracing::error!(%error, "CORS preflight lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    allow(&mut response, origin);
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    response
}

fn request_origin(request: &HeaderMap) -> Option<&str> {
    request.get(header::ORIGIN)?.to_str().ok()
}

fn allow(response: &mut Response, origin: &str) {
    let Ok(value) = HeaderValue::from_str(origin) else {
        return;
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}
