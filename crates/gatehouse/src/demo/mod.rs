//! Demo data, so that a fresh install has someone to sign in as, something to connect, and
//! error-monitoring data for a partner to build against.
//!
//! Idempotent: running it again finds what it made before. The demo application's secret is
//! replaced on every run, because a secret is only ever shown when it is made.

mod catalog;
pub mod monitoring;

use time::OffsetDateTime;

use crate::domain::{
    AccessLevel, AllowedOrigin, ClientSecret, ClientType, DisplayName, Email, NewApplication,
    Password, RedirectUri, Role, ScopeSet, Slug, WebUrl,
};
use crate::storage::{NewUser, Organization, Storage, StorageError};

pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "gatehouse-demo";
pub const DEMO_ORG_SLUG: &str = "demo";
pub const DEMO_APP_NAME: &str = "Demo Partner";
pub const DEMO_REDIRECT_URI: &str = "http://localhost:3000/callback";
pub const DEMO_SCOPES: &str = "org:write project:admin project:releases team:read member:read event:admin openid profile email";
/// The seed of the monitoring data when none is given.
pub const DEFAULT_SEED: u64 = 2026;

/// What the demo consists of, to tell the operator.
#[derive(Debug)]
pub struct Demo {
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// The demo organization's project slugs, for the API's URLs.
    pub projects: Vec<String>,
}

impl Demo {
    pub fn instructions(&self, issuer: &str) -> String {
        format!(
            "Demo data is ready.\n\
             \x20 sign in as      {DEMO_EMAIL} / {DEMO_PASSWORD}\n\
             \x20 organization    {DEMO_ORG_SLUG}\n\
             \x20 application     {DEMO_APP_NAME}\n\
             \x20 client_id       {}\n\
             \x20 client_secret   {} (new every time the demo is set up)\n\
             \x20 redirect URI    {DEMO_REDIRECT_URI}\n\
             \x20 projects        {}\n\
             \x20 authorize at    {issuer}/oauth/authorize/?response_type=code&client_id={}\
             &scope=org:read+project:read\n\
             \x20 health          {issuer}/_health/",
            self.client_id,
            self.client_secret.expose(),
            self.projects.join(", "),
            self.client_id,
        )
    }
}

#[derive(Debug, thiserror::Error)]
#[error("could not create the demo data: {0}")]
pub struct DemoError(#[from] StorageError);

/// Creates the demo user, organization and application unless they exist, and fills the
/// organization with monitoring data from [`DEFAULT_SEED`], dated up to now.
pub async fn ensure(storage: &Storage) -> Result<Demo, DemoError> {
    ensure_seeded(storage, DEFAULT_SEED, crate::storage::now()).await
}

/// As [`ensure`], with the monitoring data made from `seed` and dated up to `now`. The data
/// is only made while the organization has no projects, so a second run adds nothing (and
/// does not complete a first run that failed halfway).
pub async fn ensure_seeded(
    storage: &Storage,
    seed: u64,
    now: OffsetDateTime,
) -> Result<Demo, DemoError> {
    let org = ensure_organization(storage).await?;

    if storage.list_projects(org.id, 1, 0).await?.is_empty() {
        monitoring::load(storage, org.id, &monitoring::plan(seed, now)).await?;
    }
    let projects = storage.list_projects(org.id, 100, 0).await?;

    let existing = storage.list_applications().await?;
    let app = match existing.into_iter().find(|app| app.name == DEMO_APP_NAME) {
        Some(app) => app,
        None => storage.create_application(&demo_application()).await?.0,
    };
    let client_secret = storage.rotate_secret(app.client_id.as_str()).await?;

    Ok(Demo {
        client_id: app.client_id.to_string(),
        client_secret,
        projects: projects.into_iter().map(|project| project.slug).collect(),
    })
}

/// The demo organization, with the demo user as its owner.
async fn ensure_organization(storage: &Storage) -> Result<Organization, DemoError> {
    let user = match storage.find_user_by_email(DEMO_EMAIL).await? {
        Some(user) => user,
        None => storage.create_user(&demo_user().await).await?,
    };

    let org = match storage.find_organization_by_slug(DEMO_ORG_SLUG).await? {
        Some(org) => org,
        None => {
            let slug = Slug::parse(DEMO_ORG_SLUG).expect("valid demo slug");
            let name = DisplayName::parse("Demo Organization", "name", 64).expect("valid name");
            storage.create_organization(&slug, &name, user.id).await?
        }
    };
    if storage.find_role(org.id, user.id).await?.is_none() {
        storage.add_member(org.id, user.id, Role::Owner).await?;
    }
    Ok(org)
}

async fn demo_user() -> NewUser {
    let password = Password::parse(DEMO_PASSWORD.to_owned()).expect("valid demo password");
    let password_hash = tokio::task::spawn_blocking(move || password.hash())
        .await
        .expect("hashing does not panic");
    NewUser {
        email: Email::parse(DEMO_EMAIL).expect("valid demo email"),
        name: DisplayName::parse("Demo User", "name", 200).expect("valid demo name"),
        password_hash,
    }
}

fn demo_application() -> NewApplication {
    NewApplication {
        name: DisplayName::parse(DEMO_APP_NAME, "name", 64).expect("valid demo name"),
        client_type: ClientType::Confidential,
        redirect_uris: vec![RedirectUri::parse(DEMO_REDIRECT_URI).expect("valid demo URI")],
        allowed_origins: vec![AllowedOrigin::parse("http://localhost:3000").expect("origin")],
        homepage_url: WebUrl::parse("https://partner.example.com").expect("valid URL"),
        privacy_url: WebUrl::parse("https://partner.example.com/privacy").expect("valid URL"),
        terms_url: WebUrl::parse("https://partner.example.com/terms").expect("valid URL"),
        scopes: ScopeSet::parse(DEMO_SCOPES).expect("valid demo scopes"),
        access_level: AccessLevel::Organization,
    }
}
