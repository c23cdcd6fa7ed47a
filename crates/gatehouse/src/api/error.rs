//! Errors of the API, in Sentry's shape: `{"detail": …}`, with RFC 6750 challenges on 401
//! and 403. Internal detail goes to the log, never to the client.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::storage::StorageError;

pub const NO_PERMISSION: &str = "You do not have permission to perform this action.";
pub const NOT_FOUND: &str = "The requested resource does not exist";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token was sent: 401 with a bare challenge.
    #[error("no credentials")]
    NoCredentials,
    /// The token does not work: 401 with `error="invalid_token"`.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// The token works but may not do this: 403, `error="insufficient_scope"`.
    #[error("insufficient scope")]
    InsufficientScope,
    /// The caller may not reach this resource at all (another organization): 403.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The write clashes with what exists (a taken slug or version): 409.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The body is wrong; the value names the fields, as Sentry does.
    #[error("bad request: {0}")]
    BadRequest(Value),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 naming one field and what is wrong with it.
    pub fn field(name: &str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(json!({ name: [message.into()] }))
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body, challenge) = match self {
            ApiError::NoCredentials => (
                StatusCode::UNAUTHORIZED,
                json!({"detail": "Authentication credentials were not provided."}),
                Some(r#"Bearer realm="api""#),
            ),
            ApiError::InvalidToken(detail) => (
                StatusCode::UNAUTHORIZED,
                json!({"detail": detail}),
                Some(r#"Bearer realm="api", error="invalid_token""#),
            ),
            ApiError::InsufficientScope => (
                StatusCode::FORBIDDEN,
                json!({"detail": NO_PERMISSION}),
                Some(r#"Bearer realm="api", error="insufficient_scope""#),
            ),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                json!({"detail": NO_PERMISSION}),
                None,
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, json!({"detail": NOT_FOUND}), None),
            ApiError::Conflict(detail) => (StatusCode::CONFLICT, json!({"detail": detail}), None),
            ApiError::BadRequest(fields) => (StatusCode::BAD_REQUEST, fields, None),
            ApiError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"detail": "Internal Error"}),
                    None,
                )
            }
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(challenge) = challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}
