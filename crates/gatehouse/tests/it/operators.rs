//! What operators and support staff do after registration, through the real binary:
//! rotating a secret with and without a grace period, disabling and enabling an
//! application, revoking a user's tokens; and the security log users see.

use gatehouse::domain::ClientType;
use serde_json::Value;

use crate::support::connect::{approve, register_with_secret, signed_in_owner};
use crate::support::{Cli, TestApp, TestDb, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback";

/// A connected partner: the server, the client's credentials and a live access token.
struct Setup {
    app: TestApp,
    client_id: String,
    secret: String,
    access_token: String,
}

async fn setup(db: TestDb) -> Setup {
    let app = TestApp::spawn(db).await;
    signed_in_owner(&app, "ada@example.com", "acme").await;
    let (client, secret) =
        register_with_secret(&app, ClientType::Confidential, CALLBACK, &[]).await;
    let (client_id, secret) = (
        client.client_id.to_string(),
        secret.unwrap().expose().to_owned(),
    );
    let access_token = connect(&app, &client_id, &secret).await.unwrap();
    Setup {
        app,
        client_id,
        secret,
        access_token,
    }
}

/// Runs consent and the code exchange; the access token, or the token endpoint's status.
async fn connect(app: &TestApp, client_id: &str, secret: &str) -> Result<String, u16> {
    let authorize = format!(
        "{}/oauth/authorize/?response_type=code&client_id={client_id}&redirect_uri={CALLBACK}&scope=org:read",
        app.address
    );
    let landed = approve(app, &authorize).await;
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let response = token_request(app, client_id, secret, &code).await;
    if response.status() != 200 {
        return Err(response.status().as_u16());
    }
    let body: Value = response.json().await.unwrap();
    Ok(body["access_token"].as_str().unwrap().to_owned())
}

async fn token_request(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    code: &str,
) -> reqwest::Response {
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

/// Whether the token endpoint accepts these client credentials (a made-up code then
/// fails with 400 instead of 401).
async fn authenticates(app: &TestApp, client_id: &str, secret: &str) -> bool {
    let fake_code = gatehouse::domain::IssuedToken::generate(gatehouse::domain::TokenKind::Code);
    match token_request(app, client_id, secret, fake_code.expose())
        .await
        .status()
        .as_u16()
    {
        400 => true,
        401 => false,
        other => panic!("unexpected status {other}"),
    }
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

async fn a_rotation_without_grace_retires_the_old_secret_at_once(db: TestDb) {
    let s = setup(db).await;

    let rotated = Cli::new(s.app.db())
        .run(&["app", "rotate-secret", &s.client_id, "--json"])
        .await
        .json();

    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert!(!authenticates(&s.app, &s.client_id, &s.secret).await);
    assert!(authenticates(&s.app, &s.client_id, new_secret).await);
}

async fn a_rotation_with_grace_keeps_both_secrets_working(db: TestDb) {
    let s = setup(db).await;

    let output = Cli::new(s.app.db())
        .run(&["app", "rotate-secret", &s.client_id, "--grace", "24h"])
        .await;

    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output.stdout.contains("the old one works for 1day"),
        "{}",
        output.stdout
    );
    let new_secret = output.stdout.lines().nth(1).unwrap().trim();
    assert!(authenticates(&s.app, &s.client_id, &s.secret).await);
    assert!(authenticates(&s.app, &s.client_id, new_secret).await);
    assert!(!authenticates(&s.app, &s.client_id, "sntrya_guess").await);
}

async fn disabling_an_app_revokes_its_tokens_and_enabling_brings_none_back(db: TestDb) {
    let s = setup(db).await;
    let cli = Cli::new(s.app.db());

    let disabled = cli.run(&["app", "disable", &s.client_id]).await;
    assert_eq!(disabled.code, 0, "{}", disabled.stderr);
    assert!(
        disabled.stdout.contains("1 tokens revoked"),
        "{}",
        disabled.stdout
    );
    assert_eq!(api_status(&s.app, &s.access_token).await, 401);
    assert!(!authenticates(&s.app, &s.client_id, &s.secret).await);

    let enabled = cli.run(&["app", "enable", &s.client_id]).await;
    assert_eq!(enabled.code, 0, "{}", enabled.stderr);
    assert_eq!(
        api_status(&s.app, &s.access_token).await,
        401,
        "revoked tokens stay revoked"
    );
    let fresh = connect(&s.app, &s.client_id, &s.secret).await.unwrap();
    assert_eq!(api_status(&s.app, &fresh).await, 200);
    cli.run(&["app", "enable", &"0".repeat(64)])
        .await
        .assert_invalid("no application with client id");
}

async fn support_staff_revoke_a_users_tokens(db: TestDb) {
    let s = setup(db).await;
    let cli = Cli::new(s.app.db());
    let (other, other_secret) =
        register_with_secret(&s.app, ClientType::Confidential, CALLBACK, &[]).await;
    let other_token = connect(
        &s.app,
        other.client_id.as_str(),
        other_secret.unwrap().expose(),
    )
    .await
    .unwrap();

    let one_app = cli
        .run(&[
            "token",
            "revoke",
            "--user",
            "ada@example.com",
            "--app",
            &s.client_id,
        ])
        .await;

    assert_eq!(one_app.stdout, "revoked 1 tokens of ada@example.com\n");
    assert_eq!(api_status(&s.app, &s.access_token).await, 401);
    assert_eq!(api_status(&s.app, &other_token).await, 200);
    let all = cli
        .run(&["token", "revoke", "--user", "ada@example.com"])
        .await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(api_status(&s.app, &other_token).await, 401);
    cli.run(&["token", "revoke", "--user", "ghost@example.com"])
        .await
        .assert_invalid("no user with email ghost@example.com");
}

async fn the_security_log_shows_sign_ins_grants_and_revocations(db: TestDb) {
    let s = setup(db).await;
    Cli::new(s.app.db())
        .run(&[
            "token",
            "revoke",
            "--user",
            "ada@example.com",
            "--app",
            &s.client_id,
        ])
        .await;

    let page = s
        .app
        .get("/settings/account/authorized-applications/")
        .await
        .text()
        .await
        .unwrap();

    let log = page.split("Security log").nth(1).unwrap();
    let signed_in = log.find("Signed in").unwrap();
    let granted = log.find("Authorized Partner for Acme").unwrap();
    let revoked = log
        .find("Tokens of Partner revoked by the site&#39;s operators")
        .or_else(|| log.find("Tokens of Partner revoked by the site's operators"))
        .unwrap();
    assert!(
        revoked < granted && granted < signed_in,
        "newest first: {log}"
    );
}

on_both_backends![
    a_rotation_without_grace_retires_the_old_secret_at_once,
    a_rotation_with_grace_keeps_both_secrets_working,
    disabling_an_app_revokes_its_tokens_and_enabling_brings_none_back,
    support_staff_revoke_a_users_tokens,
    the_security_log_shows_sign_ins_grants_and_revocations,
];
