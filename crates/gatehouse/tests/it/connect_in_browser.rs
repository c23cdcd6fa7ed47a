//! The whole connect flow as a person and a partner live it: a real Chromium signs in, picks
//! an organization, approves, lands on the partner's callback, and the code it brings back is
//! exchanged for tokens, once by the partner's server and once by the partner's page itself
//! from another origin.
//!
//! The partner is a tiny site of the test's own on a port of its own, so the browser lands on
//! a real page and the partner's scripts run on an origin that is not gatehouse's.

use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse::domain::{
    AccessLevel, AllowedOrigin, Application, ClientSecret, ClientType, DisplayName, NewApplication,
    RedirectUri, ScopeSet, Slug, WebUrl,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;
use url::Url;

use crate::support::browser::Browser;
use crate::support::{PASSWORD, TestApp, TestDb};

const EMAIL: &str = "ada@example.com";
const STATE: &str = "st4te-from-partner";

/// The consent page as a user sees it, committed so that readers can see it without running
/// gatehouse; each run of the first test below redraws it.
const CONSENT_SCREENSHOT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/consent-page.png");

/// How long a redirect or a partner's script may take, on two busy cores.
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_user_signs_in_picks_an_organization_and_approves_in_a_browser() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let user = app.create_user(EMAIL).await;
    create_organization(&app, user.id, "acme", "Acme").await;
    let second_org = create_organization(&app, user.id, "globex", "Globex").await;
    let partner = Partner::bind().await;
    let callback = partner.redirect_uri();
    let (client, secret) = register(&app, &partner, ClientType::Confidential).await;
    partner.serve_landing_page();
    let pkce = Pkce::new();
    let browser = Browser::start().await;

    browser
        .goto(&authorize_url(&app, &client, &callback, &pkce))
        .await;
    sign_in(&browser, &app).await;
    browser.find("#selected_organization_id").await;
    save_screenshot(&browser).await;
    let option = format!("#selected_organization_id option[value='{second_org}']");
    browser.click(&option).await;
    browser.click("button[name=op][value=approve]").await;
    let landed = wait_for_url(&browser, &callback).await;
    browser.close().await;
    let code = query_param(&landed, "code");
    let answer = redeem_as_server(&app, &client, &secret.unwrap(), &code, &callback, &pkce).await;

    assert_eq!(query_param(&landed, "state"), STATE);
    assert_eq!(query_param(&landed, "iss"), app.address);
    assert!(code.starts_with("gac_"), "{code}");
    assert_eq!(answer.status(), 200);
    let token: Value = answer.json().await.unwrap();
    assert_eq!(token["organization_id"], second_org.to_string());
    assert_eq!(token["token_type"], "bearer");
}

#[tokio::test]
async fn a_public_client_completes_the_flow_with_pkce_from_another_origin() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let user = app.create_user(EMAIL).await;
    create_organization(&app, user.id, "acme", "Acme").await;
    let partner = Partner::bind().await;
    let callback = partner.redirect_uri();
    let (client, _) = register(&app, &partner, ClientType::Public).await;
    let pkce = Pkce::new();
    let flow = json!({
        "token_url": format!("{}/oauth/token/", app.address),
        "client_id": client.client_id.as_str(),
        "redirect_uri": callback,
        "code_verifier": pkce.verifier,
    });
    partner.serve_browser_app(flow);
    let browser = Browser::start().await;

    browser
        .goto(&authorize_url(&app, &client, &callback, &pkce))
        .await;
    sign_in(&browser, &app).await;
    browser.click("button[name=op][value=approve]").await;
    wait_for_url(&browser, &callback).await;
    let result = wait_for_text(&browser, "#result").await;
    browser.close().await;

    let token: Value = serde_json::from_str(&result)
        .unwrap_or_else(|_| panic!("the partner's page did not get JSON: {result}"));
    let access_token = token["access_token"].as_str().unwrap_or_default();
    assert!(access_token.starts_with("gat_"), "{result}");
}

/// A partner's site on a port of its own: an origin other than gatehouse's.
struct Partner {
    listener: TcpListener,
    origin: String,
}

impl Partner {
    /// Takes the port first, so that the application can be registered with the callback
    /// before the site knows the client id it will serve.
    async fn bind() -> Partner {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        Partner { listener, origin }
    }

    fn redirect_uri(&self) -> String {
        format!("{}/callback", self.origin)
    }

    /// A callback that only says thanks: the partner's server redeems the code.
    fn serve_landing_page(self) {
        let router = Router::new().route("/callback", get(Html(LANDING_PAGE)));
        self.serve(router);
    }

    /// A callback page whose script redeems the code itself, reading the client's settings
    /// and PKCE verifier from `/flow.json`, as a single-page app would from its storage.
    fn serve_browser_app(self, flow: Value) {
        let router = Router::new()
            .route("/callback", get(Html(BROWSER_APP)))
            .route("/flow.json", get(axum::Json(flow)));
        self.serve(router);
    }

    fn serve(self, router: Router) {
        tokio::spawn(async move { axum::serve(self.listener, router).await });
    }
}

const LANDING_PAGE: &str = "<!doctype html><title>Partner</title><h1>Connected to Gatehouse</h1>";

/// Redeems the code in the page's URL with a form-encoded `fetch`, a CORS simple request, and
/// shows the answer (or why there is none) in `#result`.
const BROWSER_APP: &str = r#"<!doctype html>
<title>Partner</title>
<h1>Connecting to Gatehouse</h1>
<pre id="result"></pre>
<script>
  (async () => {
    const result = document.getElementById("result");
    try {
      const flow = await (await fetch("/flow.json")).json();
      const body = new URLSearchParams({
        grant_type: "authorization_code",
        client_id: flow.client_id,
        code: new URL(location.href).searchParams.get("code"),
        redirect_uri: flow.redirect_uri,
        code_verifier: flow.code_verifier,
      });
      const response = await fetch(flow.token_url, { method: "POST", body });
      result.textContent = await response.text();
    } catch (error) {
      result.textContent = `fetch failed: ${error}`;
    }
  })();
</script>
"#;

/// A PKCE pair (RFC 7636 §4.1–4.2), made as a client would.
struct Pkce {
    verifier: String,
    challenge: String,
}

impl Pkce {
    fn new() -> Pkce {
        let verifier = gatehouse::domain::secret::random_hex(32);
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// An organization owned by `owner_id`; returns its id.
async fn create_organization(app: &TestApp, owner_id: i64, slug: &str, name: &str) -> i64 {
    let slug = Slug::parse(slug).unwrap();
    let name = DisplayName::parse(name, "name", 64).unwrap();
    let organization = app.storage.create_organization(&slug, &name, owner_id);
    organization.await.unwrap().id
}

/// An organization-level application whose callback and allowed origin are the partner's.
async fn register(
    app: &TestApp,
    partner: &Partner,
    client_type: ClientType,
) -> (Application, Option<ClientSecret>) {
    let new = NewApplication {
        name: DisplayName::parse("Partner", "name", 64).unwrap(),
        client_type,
        redirect_uris: vec![RedirectUri::parse(&partner.redirect_uri()).unwrap()],
        allowed_origins: vec![AllowedOrigin::parse(&partner.origin).unwrap()],
        homepage_url: WebUrl::parse(&partner.origin).unwrap(),
        privacy_url: WebUrl::parse(&format!("{}/privacy", partner.origin)).unwrap(),
        terms_url: WebUrl::parse(&format!("{}/terms", partner.origin)).unwrap(),
        scopes: ScopeSet::parse("org:read project:read").unwrap(),
        access_level: AccessLevel::Organization,
    };
    app.storage.create_application(&new).await.unwrap()
}

fn authorize_url(app: &TestApp, client: &Application, callback: &str, pkce: &Pkce) -> String {
    let mut url = Url::parse(&format!("{}/oauth/authorize/", app.address)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client.client_id.as_str())
        .append_pair("redirect_uri", callback)
        .append_pair("scope", "org:read")
        .append_pair("state", STATE)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// Redeems `code` as a partner's server does: authenticated with HTTP Basic.
async fn redeem_as_server(
    app: &TestApp,
    client: &Application,
    secret: &ClientSecret,
    code: &str,
    callback: &str,
    pkce: &Pkce,
) -> reqwest::Response {
    app.client
        .post(format!("{}/oauth/token/", app.address))
        .basic_auth(client.client_id.as_str(), Some(secret.expose()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", callback),
            ("code_verifier", &pkce.verifier),
        ])
        .send()
        .await
        .unwrap()
}

/// Fills and sends the sign-in form the authorization endpoint sent the browser to, and
/// waits to be back on the authorization endpoint: a refused sign-in fails here, with the
/// page that says why.
async fn sign_in(browser: &Browser, app: &TestApp) {
    browser.fill("#username", EMAIL).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    wait_for_url(browser, &format!("{}/oauth/authorize/", app.address)).await;
}

/// Writes the consent page, as the user sees it, to the committed screenshot.
async fn save_screenshot(browser: &Browser) {
    let path = std::path::Path::new(CONSENT_SCREENSHOT);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    browser.screenshot(path).await;
}

/// Waits until the browser is on a page whose URL starts with `prefix`, and returns the URL.
async fn wait_for_url(browser: &Browser, prefix: &str) -> Url {
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let url = browser.current_url().await;
        if url.as_str().starts_with(prefix) {
            return url;
        }
        if Instant::now() > deadline {
            panic!(
                "still on {url}, not {prefix}: {}",
                browser.page_source().await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element matching `css` shows some text, and returns that text.
async fn wait_for_text(browser: &Browser, css: &str) -> String {
    let deadline = Instant::now() + PAGE_TIMEOUT;
    loop {
        let text = browser.find(css).await.text().await.unwrap();
        if !text.is_empty() {
            return text;
        }
        if Instant::now() > deadline {
            panic!("{css} stayed empty: {}", browser.page_source().await);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn query_param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| panic!("no {name} in {url}"))
}
