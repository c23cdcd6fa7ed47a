//! Events: single occurrences of an issue, with the tags and stack trace an SDK sent.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, to_micros};

/// One line of a stack trace, innermost last as Sentry orders them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub filename: String,
    pub function: String,
    pub lineno: u32,
    /// Whether the frame is the application's own code rather than a library's.
    pub in_app: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub project_id: i64,
    pub issue_id: i64,
    /// 32 lowercase hex digits, unique within the project.
    pub event_id: String,
    pub message: String,
    pub platform: String,
    /// When the event happened (Sentry's `timestamp`).
    pub occurred_at: OffsetDateTime,
    /// Key-value pairs in the order the SDK sent them; a key may repeat.
    pub tags: Vec<(String, String)>,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: String,
    pub message: String,
    pub platform: String,
    pub occurred_at: OffsetDateTime,
    pub tags: Vec<(String, String)>,
    pub frames: Vec<Frame>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    project_id: i64,
    issue_id: i64,
    event_id: String,
    message: String,
    platform: String,
    occurred_at: i64,
    tags: String,
    frames: String,
}

impl TryFrom<EventRow> for Event {
    type Error = StorageError;

    fn try_from(row: EventRow) -> Result<Self, Self::Error> {
        Ok(Event {
            id: row.id,
            project_id: row.project_id,
            issue_id: row.issue_id,
            event_id: row.event_id,
            message: row.message,
            platform: row.platform,
            occurred_at: from_micros(row.occurred_at),
            tags: serde_json::from_str(&row.tags)
                .map_err(|error| StorageError::corrupt("event tags", error))?,
            frames: serde_json::from_str(&row.frames)
                .map_err(|error| StorageError::corrupt("stack trace", error))?,
        })
    }
}

const EVENT_COLUMNS: &str =
    "id, project_id, issue_id, event_id, message, platform, occurred_at, tags, frames";

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("strings, numbers and booleans always serialize")
}

impl Storage {
    /// Records an event of the issue, in the issue's project. [`StorageError::NotFound`] for
    /// an unknown issue, [`StorageError::Conflict`] when the project has an event with the id.
    pub async fn record_event(&self, issue_id: i64, new: &NewEvent) -> Result<Event, StorageError> {
        let sql = format!(
            "INSERT INTO events (project_id, issue_id, event_id, message, platform, \
             occurred_at, tags, frames) \
             SELECT project_id, id, $2, $3, $4, $5, $6, $7 FROM issues WHERE id = $1 \
             RETURNING {EVENT_COLUMNS}"
        );
        let row: EventRow = sqlx::query_as(&sql)
            .bind(issue_id)
            .bind(&new.event_id)
            .bind(&new.message)
            .bind(&new.platform)
            .bind(to_micros(new.occurred_at))
            .bind(to_json(&new.tags))
            .bind(to_json(&new.frames))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StorageError::NotFound)?;
        row.try_into()
    }

    pub async fn find_event(
        &self,
        project_id: i64,
        event_id: &str,
    ) -> Result<Option<Event>, StorageError> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE project_id = $1 AND event_id = $2");
        let row: Option<EventRow> = sqlx::query_as(&sql)
            .bind(project_id)
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Event::try_from).transpose()
    }

    /// The issue's events, newest first, one page at a time.
    pub async fn list_events(
        &self,
        issue_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Event>, StorageError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE issue_id = $1 \
             ORDER BY occurred_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let rows: Vec<EventRow> = sqlx::query_as(&sql)
            .bind(issue_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Event::try_from).collect()
    }
}
