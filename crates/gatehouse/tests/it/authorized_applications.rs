//! Settings → Account → Authorized Applications, as a page and as Sentry's
//! `/api/0/api-authorizations/`: revoking ends every token and code of the authorization
//! at once.

use gatehouse::domain::{ApplicationStatus, ClientType};
use serde_json::{Value, json};

use crate::support::connect::{approve, register_with_secret, signed_in_owner};
use crate::support::{TestApp, TestDb, header, hidden_value, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback";

/// A signed-in owner of acme who connected a partner: its access token, an unused code of
/// the same authorization, and the client's credentials.
struct Connected {
    app: TestApp,
    client_id: String,
    secret: String,
    access_token: String,
    unused_code: String,
}

async fn connected(db: TestDb) -> Connected {
    let app = TestApp::spawn(db).await;
    signed_in_owner(&app, "ada@example.com", "acme").await;
    let (client, secret) =
        register_with_secret(&app, ClientType::Confidential, CALLBACK, &[]).await;
    let client_id = client.client_id.to_string();
    let secret = secret.unwrap().expose().to_owned();
    let authorize = format!(
        "{}/oauth/authorize/?response_type=code&client_id={client_id}&redirect_uri={CALLBACK}&scope=org:read",
        app.address
    );
    let code = |url: url::Url| {
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    };
    let first = code(approve(&app, &authorize).await);
    let unused_code = code(approve(&app, &authorize).await);
    let tokens: Value = exchange(&app, &client_id, &secret, &first)
        .await
        .json()
        .await
        .unwrap();
    Connected {
        access_token: tokens["access_token"].as_str().unwrap().to_owned(),
        app,
        client_id,
        secret,
        unused_code,
    }
}

async fn exchange(app: &TestApp, client_id: &str, secret: &str, code: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/oauth/token/", app.address))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap()
}

async fn api_status(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/0/", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The `csrftoken` cookie's value, as a script on the settings page would read it.
async fn csrf(app: &TestApp) -> String {
    let page = app.get("/").await.text().await.unwrap();
    hidden_value(&page, "csrfmiddlewaretoken")
}

async fn delete(app: &TestApp, body: Value, csrf_token: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .delete(format!("{}/api/0/api-authorizations/", app.address))
        .json(&body);
    if let Some(token) = csrf_token {
        request = request.header("x-csrftoken", token);
    }
    request.send().await.unwrap()
}

async fn the_api_lists_authorizations_in_sentrys_shape(db: TestDb) {
    let c = connected(db).await;

    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(listed.len(), 1);
    let entry = &listed[0];
    assert!(entry["id"].is_string());
    assert_eq!(entry["scopes"], json!(["org:read"]));
    assert_eq!(entry["application"]["id"], c.client_id);
    assert_eq!(entry["application"]["name"], "Partner");
    assert_eq!(
        entry["application"]["homepageUrl"],
        "https://partner.example"
    );
    assert_eq!(
        entry["application"]["privacyUrl"],
        "https://partner.example/privacy"
    );
    assert_eq!(
        entry["application"]["termsUrl"],
        "https://partner.example/terms"
    );
    assert!(entry["dateCreated"].as_str().unwrap().ends_with('Z'));
    assert_eq!(entry["organization"]["slug"], "acme");
}

async fn revoking_through_the_api_ends_every_token_and_code(db: TestDb) {
    let c = connected(db).await;
    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();
    let id: i64 = listed[0]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(api_status(&c.app, &c.access_token).await, 200);

    let response = delete(
        &c.app,
        json!({"authorization": id}),
        Some(&csrf(&c.app).await),
    )
    .await;

    assert_eq!(response.status(), 204);
    assert_eq!(api_status(&c.app, &c.access_token).await, 401);
    let late = exchange(&c.app, &c.client_id, &c.secret, &c.unused_code).await;
    assert_eq!(
        late.status(),
        400,
        "the authorization's unused code is gone too"
    );
    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.is_empty());
}

async fn a_revocation_must_echo_the_csrf_cookie(db: TestDb) {
    let c = connected(db).await;
    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();
    let id = listed[0]["id"].clone();

    let forged = delete(&c.app, json!({"authorization": id}), None).await;
    let cross_site = c
        .app
        .client
        .delete(format!("{}/api/0/api-authorizations/", c.app.address))
        .header("x-csrftoken", csrf(&c.app).await)
        .header("origin", "https://evil.example")
        .json(&json!({"authorization": id}))
        .send()
        .await
        .unwrap();

    assert_eq!(forged.status(), 403);
    assert_eq!(cross_site.status(), 403);
    assert_eq!(api_status(&c.app, &c.access_token).await, 200);
}

async fn bad_revocations_are_told_apart(db: TestDb) {
    let c = connected(db).await;
    let token = csrf(&c.app).await;
    let other = TestApp::spawn(TestDb::sqlite().await).await;

    let missing = delete(&c.app, json!({}), Some(&token)).await;
    let unknown = delete(&c.app, json!({"authorization": 999_999}), Some(&token)).await;
    let signed_out = other
        .client
        .get(format!("{}/api/0/api-authorizations/", c.app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert!(body["authorization"].is_array());
    assert_eq!(unknown.status(), 404);
    assert_eq!(signed_out.status(), 401);
}

async fn someone_elses_authorization_cannot_be_revoked(db: TestDb) {
    let c = connected(db).await;
    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();
    let id = listed[0]["id"].clone();
    c.app.create_user("eve@example.com").await;
    c.app
        .sign_in("eve@example.com", crate::support::PASSWORD, "/")
        .await;

    let response = delete(
        &c.app,
        json!({"authorization": id}),
        Some(&csrf(&c.app).await),
    )
    .await;

    assert_eq!(response.status(), 404);
    assert_eq!(api_status(&c.app, &c.access_token).await, 200);
}

async fn the_settings_page_lists_and_revokes_after_confirmation(db: TestDb) {
    let c = connected(db).await;
    api_status(&c.app, &c.access_token).await;

    let page = settings_page_once_use_is_recorded(&c.app).await;
    assert!(page.contains("Partner"), "{page}");
    assert!(page.contains("Read access to organization details"));
    let confirm_path = page
        .split("href=\"")
        .find(|rest| {
            rest.starts_with("/settings/account/authorized-applications/")
                && rest.contains("/revoke/")
        })
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let confirm = c.app.get(&confirm_path).await.text().await.unwrap();
    assert!(confirm.contains("will lose access"));
    assert_eq!(
        api_status(&c.app, &c.access_token).await,
        200,
        "nothing happens before confirming"
    );
    let csrf_token = hidden_value(&confirm, "csrfmiddlewaretoken");

    let response = c
        .app
        .post_form(&confirm_path, &[("csrfmiddlewaretoken", &csrf_token)])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        header(&response, "location"),
        "/settings/account/authorized-applications/"
    );
    assert_eq!(api_status(&c.app, &c.access_token).await, 401);
    let page = c
        .app
        .get("/settings/account/authorized-applications/")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("You have not authorized any application."));
}

/// The settings page, once it shows the token's use (recorded off the request's path).
async fn settings_page_once_use_is_recorded(app: &TestApp) -> String {
    for _ in 0..50 {
        let page = app
            .get("/settings/account/authorized-applications/")
            .await
            .text()
            .await
            .unwrap();
        if page.contains("last used") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the token's use never showed on the settings page");
}

async fn inactive_applications_are_not_listed(db: TestDb) {
    let c = connected(db).await;

    c.app
        .storage
        .set_application_status(&c.client_id, ApplicationStatus::Inactive)
        .await
        .unwrap();

    let listed: Vec<Value> = c
        .app
        .get("/api/0/api-authorizations/")
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.is_empty());
}

on_both_backends![
    the_api_lists_authorizations_in_sentrys_shape,
    revoking_through_the_api_ends_every_token_and_code,
    a_revocation_must_echo_the_csrf_cookie,
    bad_revocations_are_told_apart,
    someone_elses_authorization_cannot_be_revoked,
    the_settings_page_lists_and_revokes_after_confirmation,
    inactive_applications_are_not_listed,
];
