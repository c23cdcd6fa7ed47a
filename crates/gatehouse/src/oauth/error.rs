//! OAuth errors as JSON (RFC 6749 §5.2): `{"error", "error_description"}`, status 400, or 401
//! with a `WWW-Authenticate` challenge for `invalid_client`. Internal failures become a bare
//! `server_error`, their detail logged once here.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{code}: {description}")]
    Refused {
        code: &'static str,
        description: String,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl OAuthError {
    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        Self::refused("invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> OAuthError {
        Self::refused("invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        Self::refused("invalid_grant", description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> OAuthError {
        Self::refused("invalid_scope", description)
    }

    pub fn refused(code: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError::Refused {
            code,
            description: description.into(),
        }
    }

    /// The error code, for the request's log line.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::Refused { code, .. } => code,
            OAuthError::Internal(_) => "server_error",
        }
    }
}

impl From<StorageError> for OAuthError {
    fn from(error: StorageError) -> Self {
        OAuthError::Internal(error.into())
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let (status, code, description) = match &self {
            OAuthError::Refused { code, description } => {
                let status = match *code {
                    "invalid_client" => StatusCode::UNAUTHORIZED,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, *code, description.as_str())
            }
            OAuthError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "OAuth request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request",
                )
            }
        };
        let body = json!({"error": code, "error_description": description});
        let mut response = (status, no_store(), Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="oauth""#),
            );
        }
        response
    }
}

/// Answers carrying tokens (or about them) must never be cached (RFC 6749 §5.1).
pub fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}
