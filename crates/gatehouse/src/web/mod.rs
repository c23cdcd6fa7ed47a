//! HTTP plumbing shared by the pages and the OAuth endpoints: errors, browser sessions,
//! CSRF protection and the headers every HTML page carries.

pub mod csrf;
pub mod error;
pub mod html;
pub mod session;

pub use error::WebError;
