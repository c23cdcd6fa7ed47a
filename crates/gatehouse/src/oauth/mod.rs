//! The OAuth 2.1 endpoints partners' clients call.

pub mod authorize;
pub mod client_auth;
pub mod cors;
pub mod error;
pub mod introspect;
pub mod request;
pub mod revoke;
pub mod token;
pub mod userinfo;
