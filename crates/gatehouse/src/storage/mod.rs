//! The one storage API, on SQLite or PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver and are written once, in the SQL both dialects
//! share (`$1` placeholders, `RETURNING`, `COALESCE`). Only the migrations exist once per
//! backend, because identity columns are spelled differently. To keep that possible, the
//! schema uses only integers and text: times are microseconds since the epoch, flags are
//! named states (`'active'`), lists are JSON text.

mod applications;
mod authorizations;
mod error;
mod events;
mod grants;
mod introspection;
mod issues;
mod lifecycle;
mod organizations;
mod projects;
mod releases;
mod security_log;
mod sessions;
mod teams;
mod tokens;
mod users;
mod webhooks;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};
use time::OffsetDateTime;

pub use authorizations::{Authorization, AuthorizationListing};
pub use error::StorageError;
pub use events::{Event, Frame, NewEvent};
pub use grants::{NewGrant, RedeemedGrant, Redemption};
pub use introspection::{Introspection, PairHalf};
pub use issues::{Issue, IssueStatus, Level, NewIssue, UnknownState};
pub use organizations::Member;
pub use organizations::{Membership, Organization};
pub use projects::{NewProject, Project, ProjectSummary, ProjectUpdate};
pub use releases::{NewRelease, Release};
pub use security_log::{SecurityEvent, SecurityEventKind};
pub use sessions::Session;
pub use teams::Team;
pub use tokens::{Bearer, NewToken, Rotation, TokenRecord, TokenSelection};
pub use users::{NewUser, User, UserStatus};
pub use webhooks::{AttemptOutcome, ClaimedDelivery, Delivery, DeliveryState, Webhook};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Storage`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Storage {
    pool: AnyPool,
    backend: Backend,
}

impl Storage {
    /// Connects to `sqlite://PATH` (the file is created if missing, in WAL mode) or
    /// `postgres://…`.
    pub async fn connect(url: &str) -> Result<Storage, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| StorageError::UnsupportedUrl)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(StorageError::from)?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(pool_size(backend))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers proceed while one writer commits; NORMAL sync is
                        // durable across application crashes, which is what WAL promises.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Storage { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the migrations this build knows and the database has not seen yet.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(StorageError::from)
    }

    /// Whether the database answers, for the health endpoint.
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn pool_size(backend: Backend) -> u32 {
    match backend {
        // SQLite serializes writers anyway; a few connections serve concurrent readers.
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

/// The current time as stored: microseconds since the Unix epoch.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn to_micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

fn from_micros(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Lists are stored as JSON arrays of strings.
fn to_json_list<T: ToString>(items: &[T]) -> String {
    let strings: Vec<String> = items.iter().map(ToString::to_string).collect();
    serde_json::Value::from(strings).to_string()
}

fn from_json_list(stored: &str) -> Result<Vec<String>, StorageError> {
    serde_json::from_str(stored).map_err(|error| StorageError::corrupt("list", error))
}
