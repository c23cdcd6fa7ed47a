//! `POST /oauth/revoke/` (RFC 7009) and `POST /oauth/introspect/` (RFC 7662): what each kind
//! of token does to a connection, which tokens a client may reach, and the exact answers,
//! with real tokens from the connect flow.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse::domain::application::ApplicationKind;
use gatehouse::domain::{AccessLevel, Application, ClientType, IssuedToken, ScopeSet, TokenKind};
use gatehouse::storage::{NewToken, UserStatus, now};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::support::connect::{approve, new_application, signed_in_owner};
use crate::support::tokens::mint;
use crate::support::{Cli, TestApp, TestDb, header, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback";
const ORIGIN: &str = "https://partner.example";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const EMAIL: &str = "ada@example.com";

/// The server with one signed-in user who owns one organization.
struct World {
    app: TestApp,
    user_id: i64,
    org_id: i64,
}

/// A registered application and, for a confidential one, its secret.
struct Client {
    application: Application,
    secret: Option<String>,
}

impl Client {
    fn id(&self) -> &str {
        self.application.client_id.as_str()
    }
}

impl World {
    async fn new(db: TestDb) -> World {
        let app = TestApp::spawn(db).await;
        let org_id = signed_in_owner(&app, EMAIL, "acme").await;
        let user = app.storage.find_user_by_email(EMAIL).await.unwrap();
        World {
            user_id: user.unwrap().id,
            app,
            org_id,
        }
    }

    /// A confidential client.
    async fn client(&self) -> Client {
        self.register(ClientType::Confidential, ApplicationKind::Client)
            .await
    }

    async fn register(&self, client_type: ClientType, kind: ApplicationKind) -> Client {
        let new = new_application(client_type, CALLBACK, &[ORIGIN], AccessLevel::Organization);
        let (application, secret) = self
            .app
            .storage
            .create_application_of_kind(&new, kind)
            .await
            .unwrap();
        Client {
            application,
            secret: secret.map(|secret| secret.expose().to_owned()),
        }
    }

    /// POSTs a form as `client`: HTTP Basic for a confidential client, `client_id` in the
    /// body for a public one.
    async fn post(&self, path: &str, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
        let mut form = form.to_vec();
        let request = reqwest::Client::new().post(format!("{}{path}", self.app.address));
        let request = match &client.secret {
            Some(secret) => request.basic_auth(client.id(), Some(secret)),
            None => {
                form.push(("client_id", client.id()));
                request
            }
        };
        request.form(&form).send().await.unwrap()
    }

    /// Connects the user's organization to `client` for `scope`; the token answer.
    async fn tokens(&self, client: &Client, scope: &str) -> Tokens {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER));
        let mut url = url::Url::parse(&format!("{}/oauth/authorize/", self.app.address)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client.id())
            .append_pair("redirect_uri", CALLBACK)
            .append_pair("scope", scope)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let landed = approve(&self.app, url.as_str()).await;
        let code = landed.query_pairs().find(|(k, _)| k == "code").unwrap().1;

        let form = [
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ];
        let response = self.post("/oauth/token/", client, &form).await;

        assert_eq!(response.status(), 200);
        Tokens::from(response.json::<Value>().await.unwrap())
    }

    async fn refresh(&self, client: &Client, refresh_token: &str) -> reqwest::Response {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.post("/oauth/token/", client, &form).await
    }

    async fn revoke(&self, client: &Client, token: &str) -> reqwest::Response {
        self.post("/oauth/revoke/", client, &[("token", token)])
            .await
    }

    /// Introspects `token` as `client`; the JSON answer, after checking it is a 200.
    async fn introspect(&self, client: &Client, token: &str) -> Value {
        let response = self
            .post("/oauth/introspect/", client, &[("token", token)])
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "application/json");
        assert_eq!(header(&response, "cache-control"), "no-store");
        response.json().await.unwrap()
    }

    /// Whether an access token still works on the API.
    async fn is_live(&self, access_token: &str) -> bool {
        let response = reqwest::Client::new()
            .get(format!("{}/api/0/", self.app.address))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        match response.status().as_u16() {
            200 => true,
            401 => false,
            other => panic!("unexpected status {other}"),
        }
    }

    /// A pair for `client` stored straight into the database, both halves expired.
    async fn expired_pair(&self, client: &Client) -> Tokens {
        let storage = &self.app.storage;
        let scopes = ScopeSet::parse("org:read").unwrap();
        let authorization = storage
            .grant_authorization(
                self.user_id,
                client.application.id,
                Some(self.org_id),
                scopes,
            )
            .await
            .unwrap();
        let access = IssuedToken::generate(TokenKind::Access);
        let refresh = IssuedToken::generate(TokenKind::Refresh);
        let past = now() - Duration::from_secs(1);
        storage
            .create_token(&NewToken {
                access_digest: access.digest(),
                refresh_digest: Some(refresh.digest()),
                last_chars: access.last_chars(),
                authorization_id: authorization.id,
                application_id: client.application.id,
                user_id: self.user_id,
                organization_id: Some(self.org_id),
                scopes,
                grant_scopes: scopes,
                family_id: gatehouse::domain::secret::random_hex(8),
                expires_at: past,
                refresh_expires_at: Some(past),
            })
            .await
            .unwrap();
        Tokens {
            access: access.expose().to_owned(),
            refresh: refresh.expose().to_owned(),
        }
    }
}

struct Tokens {
    access: String,
    refresh: String,
}

impl From<Value> for Tokens {
    fn from(answer: Value) -> Tokens {
        Tokens {
            access: answer["access_token"].as_str().unwrap().to_owned(),
            refresh: answer["refresh_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// Asserts the revocation endpoint's success: 200, an empty body, never cached.
async fn assert_revoked_answer(response: reqwest::Response) {
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "pragma"), "no-cache");
    assert_eq!(response.text().await.unwrap(), "");
}

/// Asserts an OAuth JSON error with this status and code.
async fn assert_oauth_error(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(header(&response, "cache-control"), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

fn inactive() -> Value {
    json!({"active": false})
}

async fn revoking_a_refresh_token_revokes_its_whole_family(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let first = world.tokens(&client, "org:read").await;
    let refreshed = world.refresh(&client, &first.refresh).await;
    let second = Tokens::from(refreshed.json::<Value>().await.unwrap());

    let response = world.revoke(&client, &second.refresh).await;

    assert_revoked_answer(response).await;
    assert!(!world.is_live(&second.access).await);
    assert_eq!(world.introspect(&client, &second.access).await, inactive());
    let refused = world.refresh(&client, &second.refresh).await;
    assert_oauth_error(refused, 400, "invalid_grant").await;
    let replayed = world.refresh(&client, &first.refresh).await;
    assert_oauth_error(replayed, 400, "invalid_grant").await;
}

async fn revoking_an_access_token_revokes_it_and_its_refresh_token(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read").await;
    assert!(world.is_live(&tokens.access).await);

    let response = world.revoke(&client, &tokens.access).await;

    assert_revoked_answer(response).await;
    assert!(!world.is_live(&tokens.access).await);
    let refused = world.refresh(&client, &tokens.refresh).await;
    assert_oauth_error(refused, 400, "invalid_grant").await;
}

async fn the_type_hint_is_ignored_even_when_wrong_or_unknown(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let first = world.tokens(&client, "org:read").await;
    let second = world.tokens(&client, "org:read").await;

    let wrong = [
        ("token", first.refresh.as_str()),
        ("token_type_hint", "access_token"),
    ];
    let wrong = world.post("/oauth/revoke/", &client, &wrong).await;
    let unknown = [
        ("token", second.access.as_str()),
        ("token_type_hint", "id_token"),
    ];
    let unknown = world.post("/oauth/revoke/", &client, &unknown).await;

    assert_revoked_answer(wrong).await;
    assert_revoked_answer(unknown).await;
    assert!(!world.is_live(&first.access).await);
    assert!(!world.is_live(&second.access).await);
}

async fn revoking_a_rotated_token_leaves_the_current_pair_alone(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let first = world.tokens(&client, "org:read").await;
    let refreshed = world.refresh(&client, &first.refresh).await;
    let second = Tokens::from(refreshed.json::<Value>().await.unwrap());

    assert_revoked_answer(world.revoke(&client, &first.access).await).await;
    assert_revoked_answer(world.revoke(&client, &first.refresh).await).await;

    assert!(world.is_live(&second.access).await);
    assert_eq!(world.refresh(&client, &second.refresh).await.status(), 200);
}

async fn unknown_malformed_and_already_revoked_tokens_get_200(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read").await;
    assert_revoked_answer(world.revoke(&client, &tokens.access).await).await;
    let unknown_access = IssuedToken::generate(TokenKind::Access);
    let unknown_refresh = IssuedToken::generate(TokenKind::Refresh);
    let code = IssuedToken::generate(TokenKind::Code);
    let (body, last) = tokens.access.split_at(tokens.access.len() - 1);
    let mistyped = format!("{body}{}", if last == "x" { "y" } else { "x" });

    for token in [
        tokens.access.as_str(),
        tokens.refresh.as_str(),
        unknown_access.expose(),
        unknown_refresh.expose(),
        code.expose(),
        mistyped.as_str(),
        "not a token",
    ] {
        assert_revoked_answer(world.revoke(&client, token).await).await;
    }
}

async fn a_missing_token_or_a_non_form_body_is_an_invalid_request(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;

    for path in ["/oauth/revoke/", "/oauth/introspect/"] {
        let missing = world.post(path, &client, &[]).await;
        assert_oauth_error(missing, 400, "invalid_request").await;
        let empty = world.post(path, &client, &[("token", "")]).await;
        assert_oauth_error(empty, 400, "invalid_request").await;
        let repeated = [("token", "a"), ("token", "b")];
        let repeated = world.post(path, &client, &repeated).await;
        assert_oauth_error(repeated, 400, "invalid_request").await;
        let json = reqwest::Client::new()
            .post(format!("{}{path}", world.app.address))
            .basic_auth(client.id(), client.secret.as_deref())
            .json(&json!({"token": "gat_x"}))
            .send()
            .await
            .unwrap();
        assert_oauth_error(json, 400, "invalid_request").await;
    }
}

async fn bad_client_credentials_get_401_and_revoke_nothing(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read").await;
    let http = reqwest::Client::new();

    for path in ["/oauth/revoke/", "/oauth/introspect/"] {
        let url = format!("{}{path}", world.app.address);
        let form = [("token", tokens.access.as_str())];
        let wrong = http
            .post(&url)
            .basic_auth(client.id(), Some("sntrya_wrong"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(header(&wrong, "www-authenticate"), r#"Basic realm="oauth""#);
        assert_oauth_error(wrong, 401, "invalid_client").await;
        let nobody = http.post(&url).form(&form).send().await.unwrap();
        assert_oauth_error(nobody, 401, "invalid_client").await;
        let secret = client.secret.as_deref().unwrap();
        let both = [("token", tokens.access.as_str()), ("client_secret", secret)];
        let both = world.post(path, &client, &both).await;
        assert_oauth_error(both, 400, "invalid_request").await;
    }

    assert!(world.is_live(&tokens.access).await);
}

async fn a_client_cannot_revoke_another_clients_tokens(db: TestDb) {
    let world = World::new(db).await;
    let (a, b) = (world.client().await, world.client().await);
    let tokens_of_b = world.tokens(&b, "org:read").await;

    let access = world.revoke(&a, &tokens_of_b.access).await;
    let refresh = world.revoke(&a, &tokens_of_b.refresh).await;

    assert_revoked_answer(access).await;
    assert_revoked_answer(refresh).await;
    assert!(world.is_live(&tokens_of_b.access).await);
    assert_eq!(world.refresh(&b, &tokens_of_b.refresh).await.status(), 200);
}

async fn a_public_client_revokes_from_its_allowed_origin(db: TestDb) {
    let world = World::new(db).await;
    let public = world
        .register(ClientType::Public, ApplicationKind::Client)
        .await;
    let tokens = world.tokens(&public, "org:read").await;
    let url = format!("{}/oauth/revoke/", world.app.address);
    let http = reqwest::Client::new();

    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    let response = http
        .post(&url)
        .header("origin", ORIGIN)
        .form(&[
            ("token", tokens.refresh.as_str()),
            ("client_id", public.id()),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(header(&preflight, "access-control-allow-origin"), ORIGIN);
    assert_eq!(header(&response, "access-control-allow-origin"), ORIGIN);
    assert_revoked_answer(response).await;
    assert!(!world.is_live(&tokens.access).await);
    let foreign = http
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&[("token", "x"), ("client_id", public.id())])
        .send()
        .await
        .unwrap();
    assert_eq!(header(&foreign, "access-control-allow-origin"), "");
}

async fn introspecting_a_live_token_describes_it(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read project:write").await;
    let issued = now().unix_timestamp();

    let access = world.introspect(&client, &tokens.access).await;
    let refresh = world.introspect(&client, &tokens.refresh).await;

    let keys: Vec<&str> = access
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "active",
            "client_id",
            "exp",
            "iat",
            "organization_id",
            "scope",
            "sub",
            "token_type",
            "username"
        ],
        "{access}"
    );
    assert_eq!(access["active"], true);
    assert_eq!(access["scope"], "org:read project:read project:write");
    assert_eq!(access["client_id"], client.id());
    assert_eq!(access["username"], EMAIL);
    assert_eq!(access["sub"], world.user_id.to_string());
    assert_eq!(access["token_type"], "bearer");
    assert_eq!(access["organization_id"], world.org_id.to_string());
    let iat = access["iat"].as_i64().unwrap();
    assert!((iat - issued).abs() <= 5, "iat {iat}, now {issued}");
    assert_eq!(access["exp"].as_i64().unwrap() - iat, 30 * 86_400);
    assert_eq!(refresh["active"], true);
    assert_eq!(refresh["token_type"], "refresh_token");
    assert_eq!(refresh["scope"], access["scope"]);
    assert_eq!(refresh["exp"].as_i64().unwrap() - iat, 90 * 86_400);
    assert_eq!(refresh["organization_id"], world.org_id.to_string());
}

async fn dead_or_unknown_tokens_introspect_as_inactive_and_nothing_else(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let rotated = world.tokens(&client, "org:read").await;
    let current = world.refresh(&client, &rotated.refresh).await;
    assert_eq!(current.status(), 200);
    let revoked = world.tokens(&client, "org:read").await;
    assert_revoked_answer(world.revoke(&client, &revoked.refresh).await).await;
    let expired = world.expired_pair(&client).await;
    let unknown = IssuedToken::generate(TokenKind::Access);

    for token in [
        rotated.access.as_str(),
        rotated.refresh.as_str(),
        revoked.access.as_str(),
        revoked.refresh.as_str(),
        expired.access.as_str(),
        expired.refresh.as_str(),
        unknown.expose(),
        "gat_not-a-token",
    ] {
        assert_eq!(
            world.introspect(&client, token).await,
            inactive(),
            "{token}"
        );
    }
}

async fn a_disabled_users_tokens_are_inactive(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read").await;
    assert_eq!(
        world.introspect(&client, &tokens.access).await["active"],
        true
    );

    world
        .app
        .storage
        .set_user_status(EMAIL, UserStatus::Disabled)
        .await
        .unwrap();

    assert_eq!(world.introspect(&client, &tokens.access).await, inactive());
    assert_eq!(world.introspect(&client, &tokens.refresh).await, inactive());
}

async fn an_inactive_applications_tokens_are_inactive(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let resource_server = world
        .register(ClientType::Confidential, ApplicationKind::ResourceServer)
        .await;
    let tokens = world.tokens(&client, "org:read").await;
    let seen = world.introspect(&resource_server, &tokens.access).await;
    assert_eq!(seen["active"], true);

    world
        .app
        .storage
        .set_application_status(client.id(), gatehouse::domain::ApplicationStatus::Inactive)
        .await
        .unwrap();

    let seen = world.introspect(&resource_server, &tokens.access).await;
    assert_eq!(seen, inactive());
}

async fn a_client_sees_only_its_own_tokens_and_a_resource_server_sees_all(db: TestDb) {
    let world = World::new(db).await;
    let (a, b) = (world.client().await, world.client().await);
    let resource_server = world
        .register(ClientType::Confidential, ApplicationKind::ResourceServer)
        .await;
    let tokens_of_a = world.tokens(&a, "org:read").await;
    let user_level = mint(&world.app, world.user_id, None, "org:read", false).await;

    let by_b = world.introspect(&b, &tokens_of_a.access).await;
    let by_server = world
        .introspect(&resource_server, &tokens_of_a.access)
        .await;
    let user_level = world.introspect(&resource_server, &user_level.token).await;

    assert_eq!(by_b, inactive());
    assert_eq!(by_server["active"], true);
    assert_eq!(by_server["client_id"], a.id());
    assert_eq!(by_server["username"], EMAIL);
    assert_eq!(user_level["active"], true);
    assert!(user_level.get("organization_id").is_none(), "{user_level}");
}

async fn a_public_client_cannot_introspect(db: TestDb) {
    let world = World::new(db).await;
    let public = world
        .register(ClientType::Public, ApplicationKind::Client)
        .await;
    let tokens = world.tokens(&public, "org:read").await;

    let response = world
        .post("/oauth/introspect/", &public, &[("token", &tokens.access)])
        .await;

    assert_eq!(
        header(&response, "www-authenticate"),
        r#"Basic realm="oauth""#
    );
    assert_oauth_error(response, 401, "invalid_client").await;
}

async fn both_endpoints_answer_without_the_trailing_slash(db: TestDb) {
    let world = World::new(db).await;
    let client = world.client().await;
    let tokens = world.tokens(&client, "org:read").await;
    let form = [("token", tokens.access.as_str())];

    let introspected = world.post("/oauth/introspect", &client, &form).await;
    let revoked = world.post("/oauth/revoke", &client, &form).await;

    assert_eq!(introspected.status(), 200);
    assert_eq!(introspected.json::<Value>().await.unwrap()["active"], true);
    assert_revoked_answer(revoked).await;
    assert!(!world.is_live(&tokens.access).await);
}

async fn the_resource_server_flag_round_trips_through_the_cli(db: TestDb) {
    let cli = Cli::new(&db);

    let server = cli.create_app(&[], &["--resource-server"]).await.json();
    let plain = cli.create_app(&[], &[]).await.json();

    assert_eq!(server["resource_server"], true);
    assert_eq!(plain["resource_server"], false);
    let client_id = server["client_id"].as_str().unwrap();
    let shown = cli.run(&["app", "show", client_id, "--json"]).await.json();
    let mut expected = server.clone();
    expected.as_object_mut().unwrap().remove("client_secret");
    assert_eq!(shown, expected);
    let stored = db.storage().await.find_application(client_id).await;
    assert!(stored.unwrap().unwrap().is_resource_server());
    cli.create_app(&[], &["--resource-server", "--public"])
        .await
        .assert_invalid("--resource-server needs a client secret");
    let listed = cli.run(&["app", "list", "--json"]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
}

on_both_backends![
    revoking_a_refresh_token_revokes_its_whole_family,
    revoking_an_access_token_revokes_it_and_its_refresh_token,
    the_type_hint_is_ignored_even_when_wrong_or_unknown,
    revoking_a_rotated_token_leaves_the_current_pair_alone,
    unknown_malformed_and_already_revoked_tokens_get_200,
    a_missing_token_or_a_non_form_body_is_an_invalid_request,
    bad_client_credentials_get_401_and_revoke_nothing,
    a_client_cannot_revoke_another_clients_tokens,
    a_public_client_revokes_from_its_allowed_origin,
    introspecting_a_live_token_describes_it,
    dead_or_unknown_tokens_introspect_as_inactive_and_nothing_else,
    a_disabled_users_tokens_are_inactive,
    an_inactive_applications_tokens_are_inactive,
    a_client_sees_only_its_own_tokens_and_a_resource_server_sees_all,
    a_public_client_cannot_introspect,
    both_endpoints_answer_without_the_trailing_slash,
    the_resource_server_flag_round_trips_through_the_cli,
];
