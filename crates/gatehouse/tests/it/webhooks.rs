//! Revocation notices by webhook: a receiver started here records what gatehouse POSTs and
//! checks each signature with the crate's own `verify`, as a partner would.

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gatehouse::config::Settings;
use gatehouse::domain::{
    AccessLevel, Application, ClientType, DisplayName, Email, IssuedToken, RevocationReason,
    ScopeSet, TokenKind, WebhookUrl,
};
use gatehouse::keys::{KeySource, ServerKey};
use gatehouse::storage::{
    Authorization, DeliveryState, NewToken, NewUser, Storage, TokenSelection, now,
};
use gatehouse::webhooks::{EVENT_ID_HEADER, InvalidSignature, SIGNATURE_HEADER, sign, verify};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::browser::Browser;
use crate::support::connect::{approve, new_application, signed_in_owner};
use crate::support::{Cli, PASSWORD, TestApp, TestDb, hidden_value, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback";

/// What the receiver got in one request.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    event_id: String,
    body: Bytes,
    at: Instant,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A partner's webhook endpoint on 127.0.0.1 that answers 500 to its first `failures`
/// requests and 200 after.
#[derive(Clone)]
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    failures: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(failures: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            url: format!("http://{}/gatehouse/hook", listener.local_addr().unwrap()),
            received: Arc::default(),
            failures: Arc::new(AtomicUsize::new(failures)),
        };
        let router = axum::Router::new()
            .route("/gatehouse/hook", axum::routing::post(record))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        receiver
    }

    fn webhook_url(&self) -> WebhookUrl {
        WebhookUrl::parse(&self.url).unwrap()
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits up to 10 seconds for the `count`th request.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{count} notices expected, got {:?}", self.received());
    }
}

async fn record(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    receiver.received.lock().unwrap().push(Received {
        signature: header(SIGNATURE_HEADER),
        event_id: header(EVENT_ID_HEADER),
        body,
        at: Instant::now(),
    });
    let failing = receiver
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        });
    match failing {
        Ok(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Err(_) => StatusCode::OK,
    }
}

/// Settings that poll every 50 ms and retry after 200 ms, signing with `key`.
fn quick(key: &ServerKey) -> impl FnOnce(&mut Settings) {
    let key = key.clone();
    move |settings| {
        settings.webhooks.key = KeySource::Known(key);
        settings.webhooks.poll_interval = Duration::from_millis(50);
        settings.webhooks.retry_base = Duration::from_millis(200);
        settings.webhooks.timeout = Duration::from_secs(2);
    }
}

/// A confidential, organization-level application whose webhook is the receiver's.
/// Returns it with its webhook secret.
async fn register_with_webhook(
    storage: &Storage,
    key: &ServerKey,
    receiver: &Receiver,
) -> (Application, String) {
    let new = new_application(ClientType::Confidential, CALLBACK, &[], AccessLevel::User);
    let (app, _) = storage.create_application(&new).await.unwrap();
    let webhook = storage
        .set_webhook(app.client_id.as_str(), &receiver.webhook_url())
        .await
        .unwrap();
    let secret = key.webhook_secret(&app.client_id, webhook.generation);
    (app, secret.expose().to_owned())
}

/// A user-level connection of `app` made straight in storage, no server needed: the user,
/// the authorization and a token family. Returns the user's id, the authorization's id
/// and the family.
async fn connect_in_storage(storage: &Storage, app: &Application) -> (i64, i64, String) {
    let user = storage
        .create_user(&NewUser {
            email: Email::parse("grace@example.com").unwrap(),
            name: DisplayName::parse("Grace Hopper", "name", 200).unwrap(),
            password_hash: "not used".into(),
        })
        .await
        .unwrap();
    let scopes = ScopeSet::parse("org:read").unwrap();
    let authorization = storage
        .grant_authorization(user.id, app.id, None, scopes)
        .await
        .unwrap();
    let family = add_family(storage, &authorization).await;
    (user.id, authorization.id, family)
}

/// Another token family of the authorization, as a second code exchange makes.
async fn add_family(storage: &Storage, authorization: &Authorization) -> String {
    let access = IssuedToken::generate(TokenKind::Access);
    let family = gatehouse::domain::secret::random_hex(8);
    storage
        .create_token(&NewToken {
            access_digest: access.digest(),
            refresh_digest: None,
            last_chars: access.last_chars(),
            authorization_id: authorization.id,
            application_id: authorization.application_id,
            user_id: authorization.user_id,
            organization_id: authorization.organization_id,
            scopes: authorization.scopes,
            grant_scopes: authorization.scopes,
            family_id: family.clone(),
            expires_at: now() + Duration::from_secs(3600),
            refresh_expires_at: None,
        })
        .await
        .unwrap();
    family
}

/// The partner's tokens after a user of organization acme approved it on a running app.
struct Connected {
    app: TestApp,
    application: Application,
    client_secret: String,
    /// The webhook secret.
    secret: String,
    refresh_token: String,
    organization_id: i64,
}

async fn connected(db: TestDb, key: &ServerKey, receiver: &Receiver) -> Connected {
    let app = TestApp::spawn_with(db, quick(key)).await;
    let organization_id = signed_in_owner(&app, "ada@example.com", "acme").await;
    let new = new_application(
        ClientType::Confidential,
        CALLBACK,
        &[],
        AccessLevel::Organization,
    );
    let (application, client_secret) = app.storage.create_application(&new).await.unwrap();
    let webhook = app
        .storage
        .set_webhook(application.client_id.as_str(), &receiver.webhook_url())
        .await
        .unwrap();
    let client_id = application.client_id.to_string();
    let authorize = format!(
        "{}/oauth/authorize/?response_type=code&client_id={client_id}&redirect_uri={CALLBACK}&scope=org:read",
        app.address
    );
    let redirect = approve(&app, &authorize).await;
    let code = redirect
        .query_pairs()
        .find(|(name, _)| name == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = token_request(
        &app,
        &application,
        client_secret.as_ref().unwrap().expose(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    Connected {
        secret: key
            .webhook_secret(&application.client_id, webhook.generation)
            .expose()
            .to_owned(),
        refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
        client_secret: client_secret.unwrap().expose().to_owned(),
        app,
        application,
        organization_id,
    }
}

impl Connected {
    async fn refresh(&self, refresh_token: &str) -> Value {
        token_request(
            &self.app,
            &self.application,
            &self.client_secret,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// The user's only authorization, as `/api/0/api-authorizations/` lists it.
    async fn authorization_id(&self) -> String {
        let listed: Vec<Value> = self
            .app
            .get("/api/0/api-authorizations/")
            .await
            .json()
            .await
            .unwrap();
        listed[0]["id"].as_str().unwrap().to_owned()
    }
}

async fn token_request(
    app: &TestApp,
    application: &Application,
    client_secret: &str,
    form: &[(&str, &str)],
) -> Value {
    reqwest::Client::new()
        .post(format!("{}/oauth/token/", app.address))
        .basic_auth(application.client_id.as_str(), Some(client_secret))
        .form(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Revokes through Sentry's API as the signed-in user's browser would.
async fn revoke_through_the_api(app: &TestApp, authorization_id: &str) {
    let page = app.get("/").await.text().await.unwrap();
    let csrf = hidden_value(&page, "csrfmiddlewaretoken");
    let response = app
        .client
        .delete(format!("{}/api/0/api-authorizations/", app.address))
        .header("x-csrftoken", csrf)
        .json(&json!({"authorization": authorization_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn a_user_revoking_through_the_api_sends_a_signed_notice(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let c = connected(db, &key, &receiver).await;
    let authorization_id = c.authorization_id().await;

    let revoked_at = Instant::now();
    revoke_through_the_api(&c.app, &authorization_id).await;

    let received = receiver.wait_for(1).await;
    let notice = &received[0];
    assert!(notice.at - revoked_at < Duration::from_secs(5));
    assert_eq!(verify(&c.secret, &notice.signature, &notice.body), Ok(()));
    let body = notice.json();
    assert_eq!(body["type"], "authorization.revoked");
    assert_eq!(body["id"], notice.event_id.as_str());
    assert_eq!(body["reason"], "user_revoked");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["authorization"]["id"], authorization_id.as_str());
    assert_eq!(
        body["authorization"]["organization_id"],
        c.organization_id.to_string()
    );
    assert_eq!(
        body["authorization"]["client_id"],
        c.application.client_id.as_str()
    );
    assert!(body["authorization"]["user_id"].is_string());
    let deliveries = wait_until_settled(&c.app.storage, &c.application).await;
    assert_eq!(deliveries, [(DeliveryState::Delivered, 1, Some(200))]);
}

async fn a_forged_or_replayed_notice_fails_verification(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let c = connected(db, &key, &receiver).await;
    revoke_through_the_api(&c.app, &c.authorization_id().await).await;
    let notice = receiver.wait_for(1).await.remove(0);

    let tampered = String::from_utf8(notice.body.to_vec())
        .unwrap()
        .replace("user_revoked", "operator");
    let old = time::OffsetDateTime::now_utc().unix_timestamp() - 6 * 60;
    let replayed = sign(&c.secret, old, &notice.body);

    assert_eq!(
        verify(&c.secret, &notice.signature, tampered.as_bytes()),
        Err(InvalidSignature::Mismatch)
    );
    assert_eq!(
        verify(&c.secret, &replayed, &notice.body),
        Err(InvalidSignature::Stale)
    );
    let other_secret = key.webhook_secret(&c.application.client_id, 99);
    assert_eq!(
        verify(other_secret.expose(), &notice.signature, &notice.body),
        Err(InvalidSignature::Mismatch)
    );
}

async fn refresh_token_reuse_sends_a_token_reuse_notice(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let c = connected(db, &key, &receiver).await;
    let authorization_id = c.authorization_id().await;
    let rotated = c.refresh(&c.refresh_token).await;
    assert!(rotated["access_token"].is_string(), "{rotated}");

    let replay = c.refresh(&c.refresh_token).await;

    assert_eq!(replay["error"], "invalid_grant");
    let received = receiver.wait_for(1).await;
    assert_eq!(
        verify(&c.secret, &received[0].signature, &received[0].body),
        Ok(())
    );
    let body = received[0].json();
    assert_eq!(body["reason"], "token_reuse");
    assert_eq!(body["authorization"]["id"], authorization_id.as_str());
    let again = c.refresh(&c.refresh_token).await;
    assert_eq!(again["error"], "invalid_grant");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "a family already revoked sends nothing more"
    );
}

async fn a_failing_receiver_is_retried_with_backoff(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(2).await;
    let app = TestApp::spawn_with(db, quick(&key)).await;
    let (application, secret) = register_with_webhook(&app.storage, &key, &receiver).await;
    let (_, _, family) = connect_in_storage(&app.storage, &application).await;

    app.storage
        .revoke_family(&family, RevocationReason::TokenReuse)
        .await
        .unwrap();

    let received = receiver.wait_for(3).await;
    let deliveries = wait_until_settled(&app.storage, &application).await;
    assert_eq!(deliveries, [(DeliveryState::Delivered, 3, Some(200))]);
    let first_wait = received[1].at - received[0].at;
    let second_wait = received[2].at - received[1].at;
    assert!(first_wait >= Duration::from_millis(200), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(400), "{second_wait:?}");
    for attempt in &received {
        assert_eq!(attempt.event_id, received[0].event_id);
        assert_eq!(attempt.body, received[0].body);
        assert_eq!(verify(&secret, &attempt.signature, &attempt.body), Ok(()));
    }
}

async fn racing_workers_claim_each_notice_once(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let storage = db.storage().await;
    let (application, _) = register_with_webhook(&storage, &key, &receiver).await;
    let (user_id, _, first) = connect_in_storage(&storage, &application).await;
    let authorization = storage
        .find_authorization(user_id, application.id, None)
        .await
        .unwrap()
        .unwrap();
    let mut families = vec![first];
    for _ in 1..12 {
        families.push(add_family(&storage, &authorization).await);
    }
    for family in &families {
        storage
            .revoke_family(family, RevocationReason::TokenReuse)
            .await
            .unwrap();
    }
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(db.storage().await);
    }

    let claims = instances.iter().map(|instance| async move {
        instance
            .claim_due_deliveries(16, Duration::from_secs(60))
            .await
            .unwrap()
    });
    let claimed: Vec<i64> = futures::future::join_all(claims)
        .await
        .into_iter()
        .flatten()
        .map(|delivery| delivery.id)
        .collect();

    let mut unique = claimed.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), claimed.len(), "claimed twice: {claimed:?}");
    assert_eq!(claimed.len(), families.len());
    let deliveries = delivered(&storage, &application).await;
    assert!(deliveries.iter().all(|(_, attempts, _)| *attempts == 1));
}

async fn a_notice_queued_while_no_server_runs_is_sent_at_start(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let storage = db.storage().await;
    let (application, secret) = register_with_webhook(&storage, &key, &receiver).await;
    let (user_id, authorization_id, _) = connect_in_storage(&storage, &application).await;

    let revoked = storage
        .revoke_tokens_by_operator(TokenSelection::User(user_id))
        .await
        .unwrap();
    assert_eq!(revoked, 1);
    assert_eq!(
        delivered(&storage, &application).await,
        [(DeliveryState::Pending, 0, None)],
        "queued with the revocation"
    );
    let app = TestApp::spawn_with(db, quick(&key)).await;

    let received = receiver.wait_for(1).await;
    assert_eq!(
        verify(&secret, &received[0].signature, &received[0].body),
        Ok(())
    );
    let body = received[0].json();
    assert_eq!(body["reason"], "operator");
    assert_eq!(body["authorization"]["id"], authorization_id.to_string());
    assert_eq!(body["authorization"]["user_id"], user_id.to_string());
    assert_eq!(body["authorization"]["organization_id"], Value::Null);
    assert_eq!(
        wait_until_settled(&app.storage, &application).await,
        [(DeliveryState::Delivered, 1, Some(200))]
    );
}

async fn a_notice_left_pending_by_a_stopped_server_is_sent_by_the_next(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("gatehouse.key");
    let key = KeySource::File(key_file.clone()).load().unwrap();
    let receiver = Receiver::start(1).await;
    let storage = db.storage().await;
    let (application, secret) = register_with_webhook(&storage, &key, &receiver).await;
    let (_, _, family) = connect_in_storage(&storage, &application).await;
    let first = ServerProcess::start(&db, &key_file).await;

    storage
        .revoke_family(&family, RevocationReason::TokenReuse)
        .await
        .unwrap();
    receiver.wait_for(1).await;
    wait_for_attempts(&storage, &application, 1).await;
    first.stop_gracefully().await;

    assert_eq!(
        delivered(&storage, &application).await,
        [(DeliveryState::Pending, 1, Some(500))]
    );
    let app = TestApp::spawn_with(db, |settings| {
        settings.webhooks.key = KeySource::File(key_file.clone());
        settings.webhooks.poll_interval = Duration::from_millis(50);
    })
    .await;
    let received = receiver.wait_for(2).await;
    assert_eq!(received[1].event_id, received[0].event_id);
    assert_eq!(
        verify(&secret, &received[1].signature, &received[1].body),
        Ok(())
    );
    assert_eq!(
        wait_until_settled(&app.storage, &application).await,
        [(DeliveryState::Delivered, 2, Some(200))]
    );
}

async fn an_application_without_a_webhook_gets_no_notice(db: TestDb) {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let app = TestApp::spawn_with(db, quick(&key)).await;
    let new = new_application(ClientType::Confidential, CALLBACK, &[], AccessLevel::User);
    let (application, _) = app.storage.create_application(&new).await.unwrap();
    let (user_id, _, family) = connect_in_storage(&app.storage, &application).await;

    app.storage
        .revoke_family(&family, RevocationReason::TokenReuse)
        .await
        .unwrap();
    app.storage
        .revoke_tokens_by_operator(TokenSelection::User(user_id))
        .await
        .unwrap();

    assert!(delivered(&app.storage, &application).await.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty());
}

async fn set_webhook_prints_a_secret_that_verifies_deliveries(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("gatehouse.key");
    let key_flag = ["--secret-key-file", key_file.to_str().unwrap()];
    let receiver = Receiver::start(0).await;
    let cli = Cli::new(&db);
    let created = cli.create_app(&[], &key_flag).await.json();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    assert_eq!(created["webhook_url"], Value::Null);
    assert!(created.get("webhook_secret").is_none());
    assert!(
        !key_file.exists(),
        "no key is made until a secret is needed"
    );

    let first = webhook_secret(&cli, &client_id, &receiver.url, &key_flag).await;
    let second = webhook_secret(&cli, &client_id, &receiver.url, &key_flag).await;
    let shown = cli.run(&["app", "show", &client_id, "--json"]).await.json();
    let text = cli
        .run(&[
            "app",
            "set-webhook",
            &client_id,
            &receiver.url,
            key_flag[0],
            key_flag[1],
        ])
        .await;

    assert_ne!(first, second, "each set-webhook issues a new secret");
    assert_eq!(shown["webhook_url"], receiver.url.as_str());
    assert!(shown.get("webhook_secret").is_none());
    assert_eq!(text.code, 0, "{}", text.stderr);
    let third = text.stdout.lines().last().unwrap().to_owned();
    assert_eq!(third.len(), 64);
    let app = TestApp::spawn_with(db, |settings| {
        settings.webhooks.key = KeySource::File(key_file.clone());
        settings.webhooks.poll_interval = Duration::from_millis(50);
    })
    .await;
    let application = app
        .storage
        .find_application(&client_id)
        .await
        .unwrap()
        .unwrap();
    let (_, _, family) = connect_in_storage(&app.storage, &application).await;
    app.storage
        .revoke_family(&family, RevocationReason::TokenReuse)
        .await
        .unwrap();
    let received = receiver.wait_for(1).await;
    assert_eq!(
        verify(&third, &received[0].signature, &received[0].body),
        Ok(())
    );
    assert_eq!(
        verify(&second, &received[0].signature, &received[0].body),
        Err(InvalidSignature::Mismatch)
    );
}

async fn webhook_secret(cli: &Cli<'_>, client_id: &str, url: &str, key_flag: &[&str]) -> String {
    let mut args = vec!["app", "set-webhook", client_id, url, "--json"];
    args.extend_from_slice(key_flag);
    let output = cli.run(&args).await.json();
    assert_eq!(output["client_id"], client_id);
    assert_eq!(output["webhook_url"], url);
    output["webhook_secret"].as_str().unwrap().to_owned()
}

async fn app_create_with_a_webhook_prints_its_secret_once(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("gatehouse.key");
    let cli = Cli::new(&db);

    let created = cli
        .create_app(
            &[("--webhook-url", "https://partner.example/gatehouse/hook")],
            &["--secret-key-file", key_file.to_str().unwrap()],
        )
        .await
        .json();

    for kept in [
        "client_id",
        "client_secret",
        "redirect_uris",
        "scopes",
        "status",
    ] {
        assert!(created.get(kept).is_some(), "{kept} missing from {created}");
    }
    assert_eq!(
        created["webhook_url"],
        "https://partner.example/gatehouse/hook"
    );
    let secret = created["webhook_secret"].as_str().unwrap();
    let key = KeySource::File(key_file).load().unwrap();
    let client_id = gatehouse::domain::ClientId::parse(created["client_id"].as_str().unwrap());
    assert_eq!(
        key.webhook_secret(&client_id.unwrap(), 1).expose(),
        secret,
        "the secret is derived from the key file, generation 1"
    );
    let listed = cli.run(&["app", "list", "--json"]).await.json();
    assert_eq!(
        listed[0]["webhook_url"],
        "https://partner.example/gatehouse/hook"
    );
    assert!(listed[0].get("webhook_secret").is_none());
}

async fn a_bad_webhook_url_or_key_is_refused_with_status_2(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("gatehouse.key");
    let key_flag = ["--secret-key-file", key_file.to_str().unwrap()];
    let cli = Cli::new(&db);

    let insecure = cli
        .create_app(
            &[("--webhook-url", "http://partner.example/hook")],
            &key_flag,
        )
        .await;
    insecure.assert_invalid("plain http");
    let listed = cli.run(&["app", "list", "--json"]).await.json();
    assert_eq!(listed, json!([]), "nothing was written");

    let created = cli.create_app(&[], &[]).await.json();
    let client_id = created["client_id"].as_str().unwrap();
    let relative = cli
        .run(&[
            "app",
            "set-webhook",
            client_id,
            "/hook",
            key_flag[0],
            key_flag[1],
        ])
        .await;
    relative.assert_invalid("not an absolute URI");
    let unknown = cli
        .run(&[
            "app",
            "set-webhook",
            &"0".repeat(64),
            "https://partner.example/hook",
            key_flag[0],
            key_flag[1],
        ])
        .await;
    unknown.assert_invalid("no application");
    assert!(!key_file.exists(), "no key is made for a refused command");

    std::fs::write(&key_file, "not a key").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(&key_file, private).unwrap();
    }
    let malformed = cli
        .run(&[
            "app",
            "set-webhook",
            client_id,
            "https://partner.example/hook",
            key_flag[0],
            key_flag[1],
        ])
        .await;
    malformed.assert_invalid("64 hexadecimal characters");
    let shown = cli.run(&["app", "show", client_id, "--json"]).await.json();
    assert_eq!(shown["webhook_url"], Value::Null);
}

on_both_backends![
    a_user_revoking_through_the_api_sends_a_signed_notice,
    a_forged_or_replayed_notice_fails_verification,
    refresh_token_reuse_sends_a_token_reuse_notice,
    a_failing_receiver_is_retried_with_backoff,
    racing_workers_claim_each_notice_once,
    a_notice_queued_while_no_server_runs_is_sent_at_start,
    a_notice_left_pending_by_a_stopped_server_is_sent_by_the_next,
    an_application_without_a_webhook_gets_no_notice,
    set_webhook_prints_a_secret_that_verifies_deliveries,
    app_create_with_a_webhook_prints_its_secret_once,
    a_bad_webhook_url_or_key_is_refused_with_status_2,
];

#[tokio::test]
async fn serve_refuses_a_malformed_secret_key_with_status_2() {
    let db = TestDb::sqlite().await;

    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args([
            "--database-url",
            &db.url,
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .env("GATEHOUSE_SECRET_KEY", "too short")
        .output()
        .await
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("GATEHOUSE_SECRET_KEY must be 64"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The end-to-end check of revocation: a person revokes on the settings page in a real
/// browser, the partner's next API call gets 401, and its webhook got a verified notice.
#[tokio::test]
async fn a_user_revokes_in_a_browser_and_the_partner_is_told_at_once() {
    let key = ServerKey::generate();
    let receiver = Receiver::start(0).await;
    let c = connected(TestDb::sqlite().await, &key, &receiver).await;
    let access_token = c.refresh(&c.refresh_token).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(api_status(&c.app, &access_token).await, 200);
    let settings = format!(
        "{}/settings/account/authorized-applications/",
        c.app.address
    );
    let browser = Browser::start().await;

    browser
        .goto(&format!(
            "{}/auth/login/?next=/settings/account/authorized-applications/",
            c.app.address
        ))
        .await;
    browser.fill("#username", "ada@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    wait_for_page(&browser, |url, _| url == settings).await;
    browser.click("a.button[href$='/revoke/']").await;
    wait_for_page(&browser, |url, _| url.ends_with("/revoke/")).await;
    browser.click("#confirm-revoke").await;
    wait_for_page(&browser, |url, page| {
        url == settings && page.contains("You have not authorized any application.")
    })
    .await;
    browser.close().await;

    assert_eq!(api_status(&c.app, &access_token).await, 401);
    let notice = &receiver.wait_for(1).await[0];
    assert_eq!(verify(&c.secret, &notice.signature, &notice.body), Ok(()));
    assert_eq!(notice.json()["reason"], "user_revoked");
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

/// Waits up to 10 seconds until the browser's page satisfies `done(url, source)`.
async fn wait_for_page(browser: &Browser, done: impl Fn(&str, &str) -> bool) {
    let started = Instant::now();
    loop {
        let (url, page) = (browser.current_url().await, browser.page_source().await);
        if done(url.as_str(), &page) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stuck on {url}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Each notice of the application as `(state, attempts, last status)`.
async fn delivered(
    storage: &Storage,
    application: &Application,
) -> Vec<(DeliveryState, i64, Option<i64>)> {
    storage
        .list_webhook_deliveries(application.client_id.as_str())
        .await
        .unwrap()
        .into_iter()
        .map(|delivery| (delivery.state, delivery.attempts, delivery.last_status))
        .collect()
}

/// The deliveries once none is pending (the worker records an outcome just after the
/// receiver answered).
async fn wait_until_settled(
    storage: &Storage,
    application: &Application,
) -> Vec<(DeliveryState, i64, Option<i64>)> {
    for _ in 0..200 {
        let deliveries = delivered(storage, application).await;
        if deliveries
            .iter()
            .all(|(state, _, _)| *state != DeliveryState::Pending)
        {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("still pending: {:?}", delivered(storage, application).await);
}

async fn wait_for_attempts(storage: &Storage, application: &Application, attempts: i64) {
    for _ in 0..200 {
        let deliveries = delivered(storage, application).await;
        if deliveries
            .iter()
            .any(|(_, made, status)| *made == attempts && status.is_some())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("attempt {attempts} never recorded");
}

/// `gatehouse serve` as a child process, polling for notices every 100 ms and retrying a
/// failed one after 2 s.
struct ServerProcess {
    child: Child,
}

impl ServerProcess {
    async fn start(db: &TestDb, key_file: &std::path::Path) -> ServerProcess {
        let listen = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(["--database-url", &db.url, "serve", "--listen", &listen])
            .args([
                "--webhook-poll-interval",
                "100ms",
                "--webhook-retry-base",
                "2s",
            ])
            .arg("--secret-key-file")
            .arg(key_file)
            .env_remove("RUST_LOG")
            .env_remove("GATEHOUSE_SECRET_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if let Ok(response) = reqwest::get(format!("http://{listen}/_health/")).await
                && response.status() == 200
            {
                return ServerProcess { child };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become healthy");
    }

    async fn stop_gracefully(mut self) {
        let pid = self.child.id().unwrap().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        let status = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .expect("the server and its webhook worker stop within 10 s of SIGTERM")
            .unwrap();
        assert!(status.success(), "exit status after SIGTERM: {status}");
    }
}
