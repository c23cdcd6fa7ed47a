//! A partner's application as the partnership team registered it.

use time::OffsetDateTime;

use super::{
    AllowedOrigin, ClientId, Digest, DisplayName, RedirectUri, ScopeSet, WebUrl, WebhookUrl,
};

/// Whether the application can keep a secret (a server) or not (a browser or native app).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    Confidential,
    Public,
}

/// Whether the user connects one organization (Sentry's default for partner integrations),
/// or the application acts for the user as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLevel {
    Organization,
    User,
}

/// What an application may do besides being an OAuth client. A resource server (an API that
/// accepts gatehouse's tokens) may also introspect tokens issued to other applications;
/// every other application may introspect only its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationKind {
    Client,
    ResourceServer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationStatus {
    Active,
    Inactive,
}

macro_rules! stored_names {
    ($type:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            /// Reads back the name [`Self::as_str`] stored.
            pub fn from_stored(name: &str) -> Option<Self> {
                match name { $($name => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

stored_names!(ClientType { Confidential => "confidential", Public => "public" });
stored_names!(AccessLevel { Organization => "organization", User => "user" });
stored_names!(ApplicationKind { Client => "client", ResourceServer => "resource_server" });
stored_names!(ApplicationStatus { Active => "active", Inactive => "inactive" });

/// What the operator supplies to register an application; every field already validated.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub name: DisplayName,
    pub client_type: ClientType,
    pub redirect_uris: Vec<RedirectUri>,
    pub allowed_origins: Vec<AllowedOrigin>,
    pub homepage_url: WebUrl,
    pub privacy_url: WebUrl,
    pub terms_url: WebUrl,
    pub scopes: ScopeSet,
    pub access_level: AccessLevel,
}

/// A registered application.
#[derive(Debug, Clone)]
pub struct Application {
    pub id: i64,
    pub client_id: ClientId,
    pub client_type: ClientType,
    /// `None` for public clients.
    pub secret_digest: Option<Digest>,
    pub name: String,
    pub redirect_uris: Vec<RedirectUri>,
    pub allowed_origins: Vec<AllowedOrigin>,
    pub homepage_url: String,
    pub privacy_url: String,
    pub terms_url: String,
    /// The most the application may ask for.
    pub scopes: ScopeSet,
    pub access_level: AccessLevel,
    pub kind: ApplicationKind,
    pub status: ApplicationStatus,
    pub created_at: OffsetDateTime,
    /// Where revocation notices go; `None` when the application asked for none.
    pub webhook_url: Option<WebhookUrl>,
}

impl Application {
    pub fn is_active(&self) -> bool {
        self.status == ApplicationStatus::Active
    }

    pub fn is_resource_server(&self) -> bool {
        self.kind == ApplicationKind::ResourceServer
    }
}
