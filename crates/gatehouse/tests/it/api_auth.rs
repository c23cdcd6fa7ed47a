//! Bearer authentication and the permission rule of the API: every way a token stops
//! working answers 401 on the very next request, with Sentry's `detail` and an RFC 6750
//! challenge; scopes are capped by the user's current role and by the token's organization.

use gatehouse::domain::{ApplicationStatus, DisplayName, RevocationReason, Role, Slug};
use gatehouse::storage::UserStatus;
use serde_json::Value;

use crate::support::tokens::{Minted, mint};
use crate::support::{TestApp, TestDb, header, on_both_backends};

/// A user who owns `acme`, and the app.
async fn owner(app: &TestApp) -> (i64, i64) {
    let user = app.create_user("ada@example.com").await;
    let org = create_org(app, "acme", user.id).await;
    (user.id, org)
}

async fn create_org(app: &TestApp, slug: &str, owner: i64) -> i64 {
    app.storage
        .create_organization(
            &Slug::parse(slug).unwrap(),
            &DisplayName::parse(slug, "name", 64).unwrap(),
            owner,
        )
        .await
        .unwrap()
        .id
}

async fn call(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn assert_unauthorized(response: reqwest::Response, detail: &str) {
    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer realm="api", error="invalid_token""#
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], detail);
}

async fn assert_forbidden(response: reqwest::Response) {
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "You do not have permission to perform this action."
    );
}

async fn a_request_without_a_token_is_challenged(db: TestDb) {
    let app = TestApp::spawn(db).await;

    let response = call(&app, "/api/0/", None).await;

    assert_eq!(response.status(), 401);
    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer realm="api""#
    );
}

async fn unknown_and_malformed_tokens_are_invalid(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let unknown = gatehouse::domain::IssuedToken::generate(gatehouse::domain::TokenKind::Access);

    for token in [unknown.expose(), "gat_not-a-token", "grt_x"] {
        assert_unauthorized(call(&app, "/api/0/", Some(token)).await, "Invalid token").await;
    }
}

async fn the_api_root_names_the_tokens_scopes(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, org) = owner(&app).await;
    let minted = mint(&app, user, Some(org), "org:read project:write", false).await;

    let response = call(&app, "/api/0/", Some(&minted.token)).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["version"], "0");
    assert_eq!(
        body["auth"]["scopes"],
        serde_json::json!(["org:read", "project:read", "project:write"])
    );
}

async fn an_expired_token_says_so(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, org) = owner(&app).await;
    let minted = mint(&app, user, Some(org), "org:read", true).await;

    assert_unauthorized(
        call(&app, "/api/0/", Some(&minted.token)).await,
        "Token expired",
    )
    .await;
}

async fn revocation_works_at_the_next_request(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, org) = owner(&app).await;
    let minted = mint(&app, user, Some(org), "org:read", false).await;
    assert_eq!(
        call(&app, "/api/0/", Some(&minted.token)).await.status(),
        200
    );

    app.storage
        .revoke_family(&minted.family_id, RevocationReason::Operator)
        .await
        .unwrap();

    assert_unauthorized(
        call(&app, "/api/0/", Some(&minted.token)).await,
        "Invalid token",
    )
    .await;
}

async fn a_disabled_user_or_application_stops_every_token(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, org) = owner(&app).await;
    let first = mint(&app, user, Some(org), "org:read", false).await;
    let second = mint(&app, user, Some(org), "org:read", false).await;

    set_app_status(&app, &second, ApplicationStatus::Inactive).await;
    assert_unauthorized(
        call(&app, "/api/0/", Some(&second.token)).await,
        "Application inactive or deleted",
    )
    .await;
    app.storage
        .set_user_status("ada@example.com", UserStatus::Disabled)
        .await
        .unwrap();
    assert_unauthorized(
        call(&app, "/api/0/", Some(&first.token)).await,
        "User inactive or deleted",
    )
    .await;

    app.storage
        .set_user_status("ada@example.com", UserStatus::Active)
        .await
        .unwrap();
    assert_eq!(
        call(&app, "/api/0/", Some(&first.token)).await.status(),
        200
    );
}

async fn set_app_status(app: &TestApp, minted: &Minted, status: ApplicationStatus) {
    app.storage
        .set_application_status(&minted.application_client_id, status)
        .await
        .unwrap();
}

async fn userinfo_needs_openid_and_answers_per_identity_scope(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, _) = owner(&app).await;
    let without = mint(&app, user, None, "org:read", false).await;
    let minimal = mint(&app, user, None, "openid", false).await;
    let full = mint(&app, user, None, "openid profile email", false).await;

    let refused = call(&app, "/oauth/userinfo/", Some(&without.token)).await;
    assert_eq!(
        header(&refused, "www-authenticate"),
        r#"Bearer realm="api", error="insufficient_scope""#
    );
    assert_forbidden(refused).await;
    let body: Value = call(&app, "/oauth/userinfo/", Some(&minimal.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body, serde_json::json!({"sub": user.to_string()}));
    let body: Value = call(&app, "/oauth/userinfo/", Some(&full.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["name"], "Ada Lovelace");
    assert_eq!(body["email"], "ada@example.com");
    assert_unauthorized(
        call(&app, "/oauth/userinfo/", Some("gat_x")).await,
        "Invalid token",
    )
    .await;
}

async fn an_organization_token_sees_only_its_organization(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, acme) = owner(&app).await;
    let globex = create_org(&app, "globex", user).await;
    let minted = mint(&app, user, Some(acme), "org:read", false).await;
    let user_level = mint(&app, user, None, "org:read", false).await;

    let listed: Vec<Value> = call(&app, "/api/0/organizations/", Some(&minted.token))
        .await
        .json()
        .await
        .unwrap();
    let all: Vec<Value> = call(&app, "/api/0/organizations/", Some(&user_level.token))
        .await
        .json()
        .await
        .unwrap();
    let own = call(&app, "/api/0/organizations/acme/", Some(&minted.token)).await;
    let other = call(&app, "/api/0/organizations/globex/", Some(&minted.token)).await;
    let missing = call(&app, "/api/0/organizations/nope/", Some(&minted.token)).await;

    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], acme.to_string());
    assert_eq!(all.len(), 2);
    assert_eq!(own.status(), 200);
    assert_forbidden(other).await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["detail"], "The requested resource does not exist");
    assert!(globex > acme);
}

async fn the_users_role_caps_the_token_and_changes_apply_at_once(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (owner_id, acme) = owner(&app).await;
    let member = app.create_user("bob@example.com").await;
    app.storage
        .add_member(acme, member.id, Role::Member)
        .await
        .unwrap();
    let minted = mint(&app, member.id, Some(acme), "org:admin", false).await;

    let as_member: Value = call(&app, "/api/0/organizations/acme/", Some(&minted.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        as_member["access"],
        serde_json::json!(["org:read"]),
        "a member cannot write the org"
    );

    app.storage
        .set_role(acme, member.id, Role::Manager)
        .await
        .unwrap();
    let as_manager: Value = call(&app, "/api/0/organizations/acme/", Some(&minted.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        as_manager["access"],
        serde_json::json!(["org:integrations", "org:read", "org:write"])
    );

    app.storage.remove_member(acme, member.id).await.unwrap();
    assert_forbidden(call(&app, "/api/0/organizations/acme/", Some(&minted.token)).await).await;
    assert!(owner_id != member.id);
}

async fn a_token_without_the_scope_is_refused(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (user, org) = owner(&app).await;
    let minted = mint(&app, user, Some(org), "project:read", false).await;

    let response = call(&app, "/api/0/organizations/acme/", Some(&minted.token)).await;

    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Bearer realm="api", error="insufficient_scope""#
    );
    assert_forbidden(response).await;
}

async fn the_openapi_document_describes_the_api(db: TestDb) {
    let app = TestApp::spawn(db).await;

    let response = call(&app, "/api/0/openapi.json", None).await;

    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in ["/api/0/", "/api/0/organizations/", "/oauth/userinfo/"] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is missing"
        );
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

on_both_backends![
    a_request_without_a_token_is_challenged,
    unknown_and_malformed_tokens_are_invalid,
    the_api_root_names_the_tokens_scopes,
    an_expired_token_says_so,
    revocation_works_at_the_next_request,
    a_disabled_user_or_application_stops_every_token,
    userinfo_needs_openid_and_answers_per_identity_scope,
    an_organization_token_sees_only_its_organization,
    the_users_role_caps_the_token_and_changes_apply_at_once,
    a_token_without_the_scope_is_refused,
    the_openapi_document_describes_the_api,
];
