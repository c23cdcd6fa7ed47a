//! A fresh database per test: a SQLite file in a temporary directory, or a PostgreSQL
//! database created for the test and dropped after it.

use gatehouse::storage::{Backend, Storage};
use sqlx::{Connection, Executor, PgConnection};

/// Where the PostgreSQL half of the suite creates its databases. It must be reachable:
/// the suite fails, never skips, when it is not.
const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("gatehouse.db").display());
        TestDb {
            url,
            backend: Backend::Sqlite,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin_url = std::env::var("GATEHOUSE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_owned());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL is not reachable at {admin_url} ({error}). Start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
                 or point GATEHOUSE_TEST_POSTGRES_URL at a server where databases may be created."
                )
            });
        let name = format!(
            "gatehouse_test_{}",
            gatehouse::domain::secret::random_hex(8)
        );
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        admin.close().await.unwrap();

        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        TestDb {
            url: url.to_string(),
            backend: Backend::Postgres,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// A migrated storage handle on this database.
    pub async fn storage(&self) -> Storage {
        let storage = Storage::connect(&self.url).await.unwrap();
        storage.migrate().await.unwrap();
        storage
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread
        // with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.unwrap();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin.execute(sql.as_str()).await.unwrap();
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("could not drop the test database");
        }
    }
}
