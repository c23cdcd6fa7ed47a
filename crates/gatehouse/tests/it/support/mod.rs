//! What every test needs: a fresh database on either backend, the real binary, and the real
//! server on a free port.

pub mod browser;
mod cli;
pub mod connect;
mod db;
pub mod tokens;

pub use cli::Cli;
pub use db::TestDb;

use gatehouse::config::{Settings, WebhookSettings};
use gatehouse::keys::{KeySource, ServerKey};
use gatehouse::server;
use std::time::Duration;

/// Makes each named `async fn(TestDb)` a pair of tests, `NAME::sqlite` and
/// `NAME::postgres`, each on a fresh database of its own. A test function left out of the
/// list is dead code, which the build refuses, so no test is silently skipped.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::support::TestDb::sqlite().await).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::support::TestDb::postgres().await).await
            }
        }
    )+};
}
pub(crate) use on_both_backends;

/// The real server on a free port of 127.0.0.1, with its own database.
pub struct TestApp {
    pub address: String,
    pub storage: gatehouse::storage::Storage,
    /// Kept so that the database lives exactly as long as the server.
    _db: TestDb,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> TestApp {
        TestApp::spawn_with(db, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with the settings changed by `adjust` first.
    pub async fn spawn_with(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let storage = db.storage().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let mut settings = Settings {
            listen: listener.local_addr().unwrap(),
            issuer: address.clone(),
            secure_cookies: false,
            site_name: "Gatehouse".into(),
            code_ttl: Duration::from_secs(600),
            access_token_ttl: Duration::from_secs(30 * 86_400),
            refresh_token_ttl: Duration::from_secs(90 * 86_400),
            webhooks: WebhookSettings::new(KeySource::Known(ServerKey::generate())),
        };
        adjust(&mut settings);
        tokio::spawn(server::serve(listener, storage.clone(), settings));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        TestApp {
            address,
            storage,
            _db: db,
            client,
        }
    }

    /// The database the server runs on, for the CLI to work on the same data.
    pub fn db(&self) -> &TestDb {
        &self._db
    }

    /// A user who can sign in with [`PASSWORD`].
    pub async fn create_user(&self, email: &str) -> gatehouse::storage::User {
        let password = gatehouse::domain::Password::parse(PASSWORD.into()).unwrap();
        let new = gatehouse::storage::NewUser {
            email: gatehouse::domain::Email::parse(email).unwrap(),
            name: gatehouse::domain::DisplayName::parse("Ada Lovelace", "name", 200).unwrap(),
            password_hash: password.hash(),
        };
        self.storage.create_user(&new).await.unwrap()
    }

    /// The CSRF token the sign-in page hands out (and sets as a cookie).
    pub async fn csrf_token(&self) -> String {
        let page = self.get("/auth/login/").await.text().await.unwrap();
        hidden_value(&page, "csrfmiddlewaretoken")
    }

    /// Posts the sign-in form as a browser would.
    pub async fn sign_in(&self, email: &str, password: &str, next: &str) -> reqwest::Response {
        let csrf = self.csrf_token().await;
        self.post_form(
            "/auth/login/",
            &[
                ("username", email),
                ("password", password),
                ("next", next),
                ("csrfmiddlewaretoken", &csrf),
            ],
        )
        .await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}

/// The password of every user made by [`TestApp::create_user`].
pub const PASSWORD: &str = "correct horse battery";

/// The value of the hidden input named `name` in an HTML page.
pub fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name} in {page}"))
        + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

/// A response header as a string, or "" when absent.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(name)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}
