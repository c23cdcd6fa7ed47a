//! What every test needs: a fresh database on either backend, the real binary, and the real
//! server on a free port.

pub mod browser;
mod cli;
mod db;

pub use cli::Cli;
pub use db::TestDb;

use gatehouse::config::Settings;
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
    /// Kept so that the database lives exactly as long as the server.
    _db: TestDb,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> TestApp {
        let storage = db.storage().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let settings = Settings {
            listen: listener.local_addr().unwrap(),
            issuer: address.clone(),
            secure_cookies: false,
            site_name: "Gatehouse".into(),
            code_ttl: Duration::from_secs(600),
            access_token_ttl: Duration::from_secs(30 * 86_400),
            refresh_token_ttl: Duration::from_secs(90 * 86_400),
        };
        tokio::spawn(server::serve(listener, storage, settings));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            address,
            _db: db,
            client,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }
}
