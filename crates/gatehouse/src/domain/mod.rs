//! Domain types: untrusted input is parsed into these at the boundary (CLI arguments, HTTP
//! parameters), so the rest of gatehouse never re-checks a string.

pub mod names;
pub mod redirect_uri;
pub mod role;
pub mod scope;
pub mod secret;

pub use names::{DisplayName, Email, InvalidName, Slug};
pub use redirect_uri::{AllowedOrigin, InvalidUri, RedirectUri, WebUrl};
pub use role::{Role, UnknownRole};
pub use scope::{Scope, ScopeSet, UnknownScope};
pub use secret::{ClientId, ClientSecret, Digest, InvalidPassword, Password};
pub mod application;
pub use application::{AccessLevel, Application, ApplicationStatus, ClientType, NewApplication};
pub mod pkce;
pub mod token;
pub use pkce::{CodeChallenge, InvalidPkce};
pub use token::{IssuedToken, TokenKind};
pub mod timestamp;
pub mod webhook;
pub use webhook::{RevocationReason, WebhookSecret, WebhookUrl};
