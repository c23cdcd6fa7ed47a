//! Errors of the HTML side, rendered as a readable page. Internal detail goes to the log,
//! never to the browser.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::html;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is wrong in a way a person can read about.
    #[error("{title}: {message}")]
    Page {
        status: StatusCode,
        title: &'static str,
        message: String,
    },
    /// Anything unexpected: a bare 500 page, the detail logged once here.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl WebError {
    pub fn bad_request(title: &'static str, message: impl Into<String>) -> WebError {
        WebError::Page {
            status: StatusCode::BAD_REQUEST,
            title,
            message: message.into(),
        }
    }

    pub fn forbidden(title: &'static str, message: impl Into<String>) -> WebError {
        WebError::Page {
            status: StatusCode::FORBIDDEN,
            title,
            message: message.into(),
        }
    }
}

impl From<StorageError> for WebError {
    fn from(error: StorageError) -> Self {
        WebError::Internal(error.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            WebError::Page {
                status,
                title,
                message,
            } => (*status, *title, message.as_str()),
            WebError::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not complete the request. Please try again.",
                )
            }
        };
        html::page(status, &ErrorPage { title, message })
    }
}
