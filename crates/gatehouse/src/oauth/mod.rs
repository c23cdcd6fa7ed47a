//! The OAuth 2.1 endpoints partners' clients call.

pub mod authorize;
pub mod request;
