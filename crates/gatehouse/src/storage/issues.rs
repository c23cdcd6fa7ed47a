//! Issues, which Sentry calls groups: the events of one error in one project, counted
//! together and resolved or ignored as one.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use super::{ProjectSummary, Storage, StorageError, from_micros, to_micros};

/// How far an issue is from being dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueStatus {
    Unresolved,
    Resolved,
    Ignored,
}

/// How bad the events of an issue are, in Sentry's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Fatal,
    Error,
    Warning,
    Info,
    Debug,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not one of {1}")]
pub struct UnknownState(String, &'static str);

impl IssueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IssueStatus::Unresolved => "unresolved",
            IssueStatus::Resolved => "resolved",
            IssueStatus::Ignored => "ignored",
        }
    }
}

impl FromStr for IssueStatus {
    type Err = UnknownState;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input {
            "unresolved" => Ok(IssueStatus::Unresolved),
            "resolved" => Ok(IssueStatus::Resolved),
            "ignored" => Ok(IssueStatus::Ignored),
            other => Err(UnknownState(other.into(), "unresolved, resolved, ignored")),
        }
    }
}

impl fmt::Display for IssueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Fatal => "fatal",
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

impl FromStr for Level {
    type Err = UnknownState;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input {
            "fatal" => Ok(Level::Fatal),
            "error" => Ok(Level::Error),
            "warning" => Ok(Level::Warning),
            "info" => Ok(Level::Info),
            "debug" => Ok(Level::Debug),
            other => Err(UnknownState(
                other.into(),
                "fatal, error, warning, info, debug",
            )),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub id: i64,
    pub project: ProjectSummary,
    /// The project's slug in capitals and the issue's number in the project: `BACKEND-1A`.
    pub short_id: String,
    pub title: String,
    /// Where the error happened: a function, a module or a URL.
    pub culprit: String,
    pub level: Level,
    pub status: IssueStatus,
    /// How many events the issue has had, stored or not (Sentry's `count`).
    pub times_seen: i64,
    pub user_count: i64,
    pub first_seen: OffsetDateTime,
    pub last_seen: OffsetDateTime,
}

/// An issue as ingestion (here: the demo data) records it, counts included.
#[derive(Debug, Clone)]
pub struct NewIssue {
    pub title: String,
    pub culprit: String,
    pub level: Level,
    pub status: IssueStatus,
    pub times_seen: i64,
    pub user_count: i64,
    pub first_seen: OffsetDateTime,
    pub last_seen: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct IssueRow {
    id: i64,
    short_id: String,
    title: String,
    culprit: String,
    level: String,
    status: String,
    times_seen: i64,
    user_count: i64,
    first_seen: i64,
    last_seen: i64,
    project_id: i64,
    project_slug: String,
    project_name: String,
    project_platform: Option<String>,
}

impl TryFrom<IssueRow> for Issue {
    type Error = StorageError;

    fn try_from(row: IssueRow) -> Result<Self, Self::Error> {
        Ok(Issue {
            id: row.id,
            project: ProjectSummary {
                id: row.project_id,
                slug: row.project_slug,
                name: row.project_name,
                platform: row.project_platform,
            },
            short_id: row.short_id,
            title: row.title,
            culprit: row.culprit,
            level: row
                .level
                .parse()
                .map_err(|_| corrupt("level", &row.level))?,
            status: row
                .status
                .parse()
                .map_err(|_| corrupt("status", &row.status))?,
            times_seen: row.times_seen,
            user_count: row.user_count,
            first_seen: from_micros(row.first_seen),
            last_seen: from_micros(row.last_seen),
        })
    }
}

fn corrupt(what: &'static str, stored: &str) -> StorageError {
    StorageError::corrupt(what, stored)
}

/// An issue joined with its project, for queries that add `WHERE` and `ORDER BY`.
const SELECT_ISSUES: &str = "SELECT i.id, i.short_id, i.title, i.culprit, i.level, i.status, \
     i.times_seen, i.user_count, i.first_seen, i.last_seen, p.id AS project_id, \
     p.slug AS project_slug, p.name AS project_name, p.platform AS project_platform \
     FROM issues i JOIN projects p ON p.id = i.project_id";

/// The digits of short ids: Crockford's base 32, which leaves out I, L, O and U so that a
/// short id read aloud or copied by hand cannot be mistaken.
const SHORT_ID_DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// `BACKEND-1A` for the 42nd issue of the project `backend`.
fn short_id(project_slug: &str, number: i64) -> String {
    let mut digits = Vec::new();
    let mut rest = number.max(0).unsigned_abs();
    loop {
        digits.push(SHORT_ID_DIGITS[(rest % 32) as usize]);
        rest /= 32;
        if rest == 0 {
            break;
        }
    }
    digits.reverse();
    let number = String::from_utf8_lossy(&digits);
    format!("{}-{number}", project_slug.to_uppercase())
}

impl Storage {
    /// Records a new issue in the project under the project's next short id.
    /// [`StorageError::NotFound`] for an unknown project.
    pub async fn record_issue(
        &self,
        project_id: i64,
        new: &NewIssue,
    ) -> Result<Issue, StorageError> {
        let mut tx = self.pool.begin().await?;

        // Counting in the project row serializes concurrent recorders, so no two issues of
        // a project get the same number.
        let (slug, number): (String, i64) = sqlx::query_as(
            "UPDATE projects SET issue_counter = issue_counter + 1 WHERE id = $1 \
             RETURNING slug, issue_counter",
        )
        .bind(project_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StorageError::NotFound)?;

        let id: i64 = sqlx::query_scalar(
            "INSERT INTO issues (project_id, short_id, title, culprit, level, status, \
             times_seen, user_count, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(project_id)
        .bind(short_id(&slug, number))
        .bind(&new.title)
        .bind(&new.culprit)
        .bind(new.level.as_str())
        .bind(new.status.as_str())
        .bind(new.times_seen)
        .bind(new.user_count)
        .bind(to_micros(new.first_seen))
        .bind(to_micros(new.last_seen))
        .fetch_one(&mut *tx)
        .await?;

        let sql = format!("{SELECT_ISSUES} WHERE i.id = $1");
        let row: IssueRow = sqlx::query_as(&sql).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// The project's issues, most recently seen first, optionally only those in `status`.
    pub async fn list_issues(
        &self,
        project_id: i64,
        status: Option<IssueStatus>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Issue>, StorageError> {
        let sql = format!(
            "{SELECT_ISSUES} WHERE i.project_id = $1 AND i.status = COALESCE($2, i.status) \
             ORDER BY i.last_seen DESC, i.id DESC LIMIT $3 OFFSET $4"
        );
        let rows: Vec<IssueRow> = sqlx::query_as(&sql)
            .bind(project_id)
            .bind(status.map(IssueStatus::as_str))
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(Issue::try_from).collect()
    }

    /// The issue, if it belongs to a project of the organization.
    pub async fn find_issue(
        &self,
        organization_id: i64,
        issue_id: i64,
    ) -> Result<Option<Issue>, StorageError> {
        let sql = format!("{SELECT_ISSUES} WHERE i.id = $1 AND p.organization_id = $2");
        let row: Option<IssueRow> = sqlx::query_as(&sql)
            .bind(issue_id)
            .bind(organization_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Issue::try_from).transpose()
    }

    /// Resolves, ignores or reopens an issue of the organization and returns it as it is now.
    /// [`StorageError::NotFound`] when the organization has no such issue.
    pub async fn set_issue_status(
        &self,
        organization_id: i64,
        issue_id: i64,
        status: IssueStatus,
    ) -> Result<Issue, StorageError> {
        let result = sqlx::query(
            "UPDATE issues SET status = $1 WHERE id = $2 \
             AND project_id IN (SELECT id FROM projects WHERE organization_id = $3)",
        )
        .bind(status.as_str())
        .bind(issue_id)
        .bind(organization_id)
        .execute(&self.pool)
        .await?;
        if result.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        self.find_issue(organization_id, issue_id)
            .await?
            .ok_or(StorageError::NotFound)
    }

    /// Deletes an issue of the organization with its events. [`StorageError::NotFound`] when
    /// the organization has no such issue.
    pub async fn delete_issue(
        &self,
        organization_id: i64,
        issue_id: i64,
    ) -> Result<(), StorageError> {
        let result = sqlx::query(
            "DELETE FROM issues WHERE id = $1 \
             AND project_id IN (SELECT id FROM projects WHERE organization_id = $2)",
        )
        .bind(issue_id)
        .bind(organization_id)
        .execute(&self.pool)
        .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_count_in_base_32_without_confusable_letters() {
        assert_eq!(short_id("backend", 1), "BACKEND-1");
        assert_eq!(short_id("backend", 31), "BACKEND-Z");
        assert_eq!(short_id("web-app", 42), "WEB-APP-1A");
        assert_eq!(short_id("api", 32 * 32), "API-100");
    }

    #[test]
    fn statuses_and_levels_read_back_what_they_write() {
        for status in [
            IssueStatus::Unresolved,
            IssueStatus::Resolved,
            IssueStatus::Ignored,
        ] {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert_eq!("fatal".parse(), Ok(Level::Fatal));
        assert!("muted".parse::<IssueStatus>().is_err());
    }
}
