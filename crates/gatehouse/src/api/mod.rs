//! The Sentry-compatible API under `/api/0/`: bearer authentication, the permission rules,
//! and a file per resource.

pub mod auth;
pub mod error;
pub mod index;
pub mod openapi;
pub mod organizations;
pub mod pagination;

pub use auth::Caller;
pub use error::ApiError;
