//! `POST /oauth/token/`: code exchange with PKCE, refresh rotation, client authentication,
//! Sentry's answer shape, and the races and replays RFC 9700 cares about. The happy path
//! goes through the `oauth2` crate, a client library gatehouse did not write.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use gatehouse::domain::{
    Application, ApplicationStatus, ClientType, IssuedToken, ScopeSet, TokenKind,
};
use gatehouse::storage::{NewGrant, now};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    RefreshToken, Scope, TokenResponse, TokenUrl,
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::support::connect::{approve, register_with_secret, signed_in_owner};
use crate::support::{TestApp, TestDb, header, on_both_backends};

const CALLBACK: &str = "https://partner.example/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A partner with a confidential application and a signed-in user who owns one org.
struct Partner {
    app: TestApp,
    client: Application,
    secret: String,
    org_id: i64,
}

impl Partner {
    async fn new(db: TestDb) -> Partner {
        let app = TestApp::spawn(db).await;
        let org_id = signed_in_owner(&app, "ada@example.com", "acme").await;
        let (client, secret) =
            register_with_secret(&app, ClientType::Confidential, CALLBACK, &[]).await;
        let secret = secret.unwrap().expose().to_owned();
        Partner {
            app,
            client,
            secret,
            org_id,
        }
    }

    fn client_id(&self) -> &str {
        self.client.client_id.as_str()
    }

    /// Runs consent for `scope` with the RFC 7636 example verifier; returns the code.
    async fn code(&self, scope: &str) -> String {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER));
        let mut url = url::Url::parse(&format!("{}/oauth/authorize/", self.app.address)).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id())
            .append_pair("redirect_uri", CALLBACK)
            .append_pair("scope", scope)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let landed = approve(&self.app, url.as_str()).await;
        landed
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap()
    }

    /// POSTs a form to the token endpoint with HTTP Basic client authentication.
    async fn token(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.token_at("/oauth/token/", form).await
    }

    async fn token_at(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}{path}", self.app.address))
            .basic_auth(self.client_id(), Some(&self.secret))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn exchange(&self, code: &str) -> reqwest::Response {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    /// A fresh token answer for `scope`.
    async fn tokens(&self, scope: &str) -> Value {
        let code = self.code(scope).await;
        let response = self.exchange(&code).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn refresh(&self, refresh_token: &str, scope: Option<&str>) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        form.extend(scope.map(|scope| ("scope", scope)));
        self.token(&form).await
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
}

/// Asserts an OAuth JSON error with this status and code.
async fn assert_oauth_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert!(header(&response, "content-type").starts_with("application/json"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(body["error_description"].is_string(), "{body}");
    body
}

async fn a_partner_using_the_oauth2_crate_connects_and_refreshes(db: TestDb) {
    let partner = Partner::new(db).await;
    let address = &partner.app.address;
    let oauth = BasicClient::new(ClientId::new(partner.client_id().to_owned()))
        .set_client_secret(ClientSecret::new(partner.secret.clone()))
        .set_auth_uri(AuthUrl::new(format!("{address}/oauth/authorize/")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{address}/oauth/token/")).unwrap())
        .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (authorize_url, state) = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("org:read".into()))
        .set_pkce_challenge(challenge)
        .url();

    let landed = approve(&partner.app, authorize_url.as_str()).await;
    let params: Vec<(String, String)> = landed.query_pairs().into_owned().collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("state").as_deref(), Some(state.secret().as_str()));
    assert_eq!(get("iss").as_deref(), Some(address.as_str()));
    let tokens = oauth
        .exchange_code(AuthorizationCode::new(get("code").unwrap()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let refreshed = oauth
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap();

    assert!(tokens.access_token().secret().starts_with("gat_"));
    assert_eq!(tokens.scopes().unwrap(), &[Scope::new("org:read".into())]);
    assert_ne!(
        refreshed.access_token().secret(),
        tokens.access_token().secret()
    );
    assert!(partner.is_live(refreshed.access_token().secret()).await);
    assert!(!partner.is_live(tokens.access_token().secret()).await);
    let replay = oauth
        .exchange_refresh_token(&RefreshToken::new(
            tokens.refresh_token().unwrap().secret().clone(),
        ))
        .request_async(&http)
        .await;
    assert!(replay.is_err(), "a rotated refresh token is refused");
}

async fn the_answer_has_sentrys_shape_and_is_never_cached(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read project:write").await;

    let response = partner.exchange(&code).await;

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(header(&response, "cache-control"), "no-store");
    assert_eq!(header(&response, "pragma"), "no-cache");
    let body: Value = response.json().await.unwrap();
    assert!(body["access_token"].as_str().unwrap().starts_with("gat_"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("grt_"));
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 30 * 86_400);
    let expires_at = body["expires_at"].as_str().unwrap();
    assert!(
        expires_at.ends_with('Z') && expires_at.len() == 27,
        "{expires_at}"
    );
    assert_eq!(body["scope"], "org:read project:read project:write");
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert_eq!(body["user"]["name"], "Ada Lovelace");
    assert!(body["user"]["id"].is_string());
    assert_eq!(body["organization_id"], partner.org_id.to_string());
}

async fn client_authentication_is_checked_before_anything_else(db: TestDb) {
    let partner = Partner::new(db).await;
    let address = &partner.app.address;
    let form = [("grant_type", "authorization_code"), ("code", "gac_x")];
    let http = reqwest::Client::new();
    let url = format!("{address}/oauth/token/");

    let wrong_secret = http
        .post(&url)
        .basic_auth(partner.client_id(), Some("sntrya_wrong"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&wrong_secret, "www-authenticate"),
        r#"Basic realm="oauth""#
    );
    assert_oauth_error(wrong_secret, 401, "invalid_client").await;

    let nobody = http.post(&url).form(&form).send().await.unwrap();
    assert_oauth_error(nobody, 401, "invalid_client").await;

    let mut both = form.to_vec();
    both.push(("client_secret", &partner.secret));
    let both = http
        .post(&url)
        .basic_auth(partner.client_id(), Some(&partner.secret))
        .form(&both)
        .send()
        .await
        .unwrap();
    assert_oauth_error(both, 400, "invalid_request").await;

    let mut in_body = form.to_vec();
    in_body.extend([
        ("client_id", partner.client_id()),
        ("client_secret", partner.secret.as_str()),
    ]);
    let in_body = http.post(&url).form(&in_body).send().await.unwrap();
    assert_oauth_error(in_body, 400, "invalid_grant").await;

    let escaped = STANDARD.encode(format!(
        "{}:{}",
        partner.client_id(),
        partner.secret.replace('_', "%5F")
    ));
    let strict = http
        .post(&url)
        .header("authorization", format!("Basic {escaped}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_oauth_error(strict, 400, "invalid_grant").await;
}

async fn grant_types_and_bodies_other_than_the_two_are_refused(db: TestDb) {
    let partner = Partner::new(db).await;

    let password = partner.token(&[("grant_type", "password")]).await;
    assert_oauth_error(password, 400, "unsupported_grant_type").await;
    let missing = partner.token(&[("code", "x")]).await;
    assert_oauth_error(missing, 400, "invalid_request").await;
    let repeated = partner
        .token(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
        ])
        .await;
    assert_oauth_error(repeated, 400, "invalid_request").await;
    let json = reqwest::Client::new()
        .post(format!("{}/oauth/token/", partner.app.address))
        .basic_auth(partner.client_id(), Some(&partner.secret))
        .json(&serde_json::json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(json, 400, "invalid_request").await;
}

async fn the_endpoint_answers_without_the_trailing_slash_too(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read").await;

    let response = partner
        .token_at(
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;

    assert_eq!(response.status(), 200);
}

async fn a_failed_exchange_consumes_the_code(db: TestDb) {
    let partner = Partner::new(db).await;
    let cases: [(&str, &str, &str); 3] = [
        (
            "redirect_uri",
            "https://partner.example/other",
            "redirect_uri does not match",
        ),
        (
            "code_verifier",
            "wrong-verifier-wrong-verifier-wrong-verifier-x",
            "code_verifier does not match",
        ),
        ("code_verifier", "", "code_verifier is required"),
    ];

    for (field, value, description) in cases {
        let code = partner.code("org:read").await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ];
        if field != "redirect_uri" {
            form.push(("redirect_uri", CALLBACK));
        }
        if field != "code_verifier" {
            form.push(("code_verifier", VERIFIER));
        }
        if !value.is_empty() {
            form.push((field, value));
        }
        let refused = assert_oauth_error(partner.token(&form).await, 400, "invalid_grant").await;
        assert!(
            refused["error_description"]
                .as_str()
                .unwrap()
                .contains(description),
            "{refused}"
        );

        let retried = partner.exchange(&code).await;
        assert_oauth_error(retried, 400, "invalid_grant").await;
    }
}

async fn a_verifier_without_a_challenge_is_refused(db: TestDb) {
    let partner = Partner::new(db).await;
    let url = format!(
        "{}/oauth/authorize/?response_type=code&client_id={}&redirect_uri={CALLBACK}&scope=org:read",
        partner.app.address,
        partner.client_id()
    );
    let landed = approve(&partner.app, &url).await;
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    let response = partner.exchange(&code).await;

    let body = assert_oauth_error(response, 400, "invalid_grant").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("no code_challenge")
    );
}

async fn a_code_of_another_client_or_past_its_lifetime_is_refused(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read").await;
    let (other, other_secret) =
        register_with_secret(&partner.app, ClientType::Confidential, CALLBACK, &[]).await;
    let expired = expired_code(&partner).await;

    let stolen = reqwest::Client::new()
        .post(format!("{}/oauth/token/", partner.app.address))
        .basic_auth(
            other.client_id.as_str(),
            Some(other_secret.unwrap().expose()),
        )
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", CALLBACK),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    let late = partner.exchange(&expired).await;

    let body = assert_oauth_error(stolen, 400, "invalid_grant").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another client")
    );
    let body = assert_oauth_error(late, 400, "invalid_grant").await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

/// A code for the partner's user whose ten minutes are over.
async fn expired_code(partner: &Partner) -> String {
    let storage = &partner.app.storage;
    let user = storage
        .find_user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let scopes = ScopeSet::parse("org:read").unwrap();
    let authorization = storage
        .grant_authorization(user.id, partner.client.id, Some(partner.org_id), scopes)
        .await
        .unwrap();
    let code = IssuedToken::generate(TokenKind::Code);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER));
    storage
        .create_grant(&NewGrant {
            code_digest: code.digest(),
            authorization_id: authorization.id,
            application_id: partner.client.id,
            user_id: user.id,
            organization_id: Some(partner.org_id),
            redirect_uri: Some(CALLBACK.into()),
            scopes,
            code_challenge: Some(challenge),
            family_id: "expired".into(),
            expires_at: now() - std::time::Duration::from_secs(1),
        })
        .await
        .unwrap();
    code.expose().to_owned()
}

async fn a_replayed_code_revokes_the_tokens_issued_from_it(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read").await;
    let first: Value = partner.exchange(&code).await.json().await.unwrap();
    let access = first["access_token"].as_str().unwrap();
    assert!(partner.is_live(access).await);

    let replay = partner.exchange(&code).await;

    assert_oauth_error(replay, 400, "invalid_grant").await;
    assert!(
        !partner.is_live(access).await,
        "tokens from a replayed code are revoked"
    );
    let refresh = partner
        .refresh(first["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_oauth_error(refresh, 400, "invalid_grant").await;
}

async fn concurrent_redemptions_of_one_code_give_tokens_once(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read").await;

    let attempts = (0..8).map(|_| partner.exchange(&code));
    let statuses: Vec<u16> = futures::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 400),
        "{statuses:?}"
    );
}

async fn a_refresh_rotates_both_tokens_and_may_narrow_the_scope(db: TestDb) {
    let partner = Partner::new(db).await;
    let first = partner.tokens("org:read project:write").await;

    let narrowed: Value = partner
        .refresh(first["refresh_token"].as_str().unwrap(), Some("org:read"))
        .await
        .json()
        .await
        .unwrap();
    let widened_back: Value = partner
        .refresh(narrowed["refresh_token"].as_str().unwrap(), None)
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(narrowed["scope"], "org:read");
    assert_eq!(widened_back["scope"], "org:read project:read project:write");
    assert_eq!(narrowed["organization_id"], partner.org_id.to_string());
    assert!(
        !partner
            .is_live(first["access_token"].as_str().unwrap())
            .await
    );
    assert!(
        !partner
            .is_live(narrowed["access_token"].as_str().unwrap())
            .await
    );
    assert!(
        partner
            .is_live(widened_back["access_token"].as_str().unwrap())
            .await
    );
    let wider = partner
        .refresh(
            widened_back["refresh_token"].as_str().unwrap(),
            Some("org:admin"),
        )
        .await;
    assert_oauth_error(wider, 400, "invalid_scope").await;
    let unknown = partner
        .refresh(
            widened_back["refresh_token"].as_str().unwrap(),
            Some("org:nope"),
        )
        .await;
    assert_oauth_error(unknown, 400, "invalid_scope").await;
    assert!(
        partner
            .is_live(widened_back["access_token"].as_str().unwrap())
            .await,
        "a refused refresh changes nothing"
    );
}

async fn a_rotated_refresh_token_presented_again_revokes_the_family(db: TestDb) {
    let partner = Partner::new(db).await;
    let first = partner.tokens("org:read").await;
    let old_refresh = first["refresh_token"].as_str().unwrap();
    let second: Value = partner
        .refresh(old_refresh, None)
        .await
        .json()
        .await
        .unwrap();

    let replay = partner.refresh(old_refresh, None).await;

    assert_oauth_error(replay, 400, "invalid_grant").await;
    assert!(
        !partner
            .is_live(second["access_token"].as_str().unwrap())
            .await
    );
    let after = partner
        .refresh(second["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_oauth_error(after, 400, "invalid_grant").await;
}

async fn concurrent_refreshes_with_one_token_make_at_most_one_pair(db: TestDb) {
    let partner = Partner::new(db).await;
    let first = partner.tokens("org:read").await;
    let refresh = first["refresh_token"].as_str().unwrap();

    let answers = futures::future::join_all((0..6).map(|_| partner.refresh(refresh, None))).await;

    let mut live = 0;
    for answer in answers {
        if answer.status() == 200 {
            let body: Value = answer.json().await.unwrap();
            live += usize::from(
                partner
                    .is_live(body["access_token"].as_str().unwrap())
                    .await,
            );
        }
    }
    assert!(live <= 1, "{live} pairs survived");
}

async fn a_public_client_redeems_with_its_client_id_and_verifier_only(db: TestDb) {
    let partner = Partner::new(db).await;
    let (public, _) = register_with_secret(
        &partner.app,
        ClientType::Public,
        CALLBACK,
        &["https://partner.example"],
    )
    .await;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER));
    let url = format!(
        "{}/oauth/authorize/?response_type=code&client_id={}&redirect_uri={CALLBACK}&scope=org:read&code_challenge={challenge}&code_challenge_method=S256",
        partner.app.address, public.client_id
    );
    let landed = approve(&partner.app, &url).await;
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", public.client_id.as_str()),
        ("code", &code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ];
    let http = reqwest::Client::new();
    let url = format!("{}/oauth/token/", partner.app.address);

    let response = http
        .post(&url)
        .header("origin", "https://partner.example")
        .form(&form)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        "https://partner.example"
    );
    let mut with_secret = form.to_vec();
    with_secret.push(("client_secret", "sntrya_guess"));
    let refused = http.post(&url).form(&with_secret).send().await.unwrap();
    assert_oauth_error(refused, 401, "invalid_client").await;
    let foreign = http
        .post(&url)
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&foreign, "access-control-allow-origin"), "");
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://partner.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(&preflight, "access-control-allow-origin"),
        "https://partner.example"
    );
}

async fn an_inactive_application_cannot_redeem(db: TestDb) {
    let partner = Partner::new(db).await;
    let code = partner.code("org:read").await;
    partner
        .app
        .storage
        .set_application_status(partner.client_id(), ApplicationStatus::Inactive)
        .await
        .unwrap();

    let response = partner.exchange(&code).await;

    assert_oauth_error(response, 401, "invalid_client").await;
}

on_both_backends![
    a_partner_using_the_oauth2_crate_connects_and_refreshes,
    the_answer_has_sentrys_shape_and_is_never_cached,
    client_authentication_is_checked_before_anything_else,
    grant_types_and_bodies_other_than_the_two_are_refused,
    the_endpoint_answers_without_the_trailing_slash_too,
    a_failed_exchange_consumes_the_code,
    a_verifier_without_a_challenge_is_refused,
    a_code_of_another_client_or_past_its_lifetime_is_refused,
    a_replayed_code_revokes_the_tokens_issued_from_it,
    concurrent_redemptions_of_one_code_give_tokens_once,
    a_refresh_rotates_both_tokens_and_may_narrow_the_scope,
    a_rotated_refresh_token_presented_again_revokes_the_family,
    concurrent_refreshes_with_one_token_make_at_most_one_pair,
    a_public_client_redeems_with_its_client_id_and_verifier_only,
    an_inactive_application_cannot_redeem,
];
