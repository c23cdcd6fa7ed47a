//! Tokens minted straight into storage, for testing what the API does with them.

use std::time::Duration;

use gatehouse::domain::{AccessLevel, ClientType, IssuedToken, ScopeSet, TokenKind};
use gatehouse::storage::{NewToken, now};

use super::TestApp;
use super::connect::new_application;

/// What a minted token belongs to.
pub struct Minted {
    pub token: String,
    pub application_client_id: String,
    pub family_id: String,
}

/// An access token for `user_id` in `organization_id` (None: user-level) with `scopes`,
/// living `ttl` (in the past when `expired`).
pub async fn mint(
    app: &TestApp,
    user_id: i64,
    organization_id: Option<i64>,
    scopes: &str,
    expired: bool,
) -> Minted {
    let access_level = match organization_id {
        Some(_) => AccessLevel::Organization,
        None => AccessLevel::User,
    };
    let mut new = new_application(
        ClientType::Confidential,
        "https://partner.example/cb",
        &[],
        access_level,
    );
    new.scopes = ScopeSet::all();
    let (application, _) = app.storage.create_application(&new).await.unwrap();
    let scopes = ScopeSet::parse(scopes).unwrap();
    let authorization = app
        .storage
        .grant_authorization(user_id, application.id, organization_id, scopes)
        .await
        .unwrap();
    let token = IssuedToken::generate(TokenKind::Access);
    let family_id = gatehouse::domain::secret::random_hex(8);
    let expires_at = match expired {
        true => now() - Duration::from_secs(1),
        false => now() + Duration::from_secs(3600),
    };
    app.storage
        .create_token(&NewToken {
            access_digest: token.digest(),
            refresh_digest: None,
            last_chars: token.last_chars(),
            authorization_id: authorization.id,
            application_id: application.id,
            user_id,
            organization_id,
            scopes,
            grant_scopes: scopes,
            family_id: family_id.clone(),
            expires_at,
            refresh_expires_at: None,
        })
        .await
        .unwrap();
    Minted {
        token: token.expose().to_owned(),
        application_client_id: application.client_id.to_string(),
        family_id,
    }
}
