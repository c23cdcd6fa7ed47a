//! The Sentry-compatible API under `/api/0/`: bearer authentication, the permission rules,
//! and a file per resource.

pub mod auth;
pub mod authorizations;
pub mod body;
pub mod error;
pub mod events;
pub mod index;
pub mod issues;
pub mod members;
pub mod openapi;
pub mod organizations;
pub mod pagination;
pub mod projects;
pub mod releases;
pub mod teams;

pub use auth::Caller;
pub use error::ApiError;
