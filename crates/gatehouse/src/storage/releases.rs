//! Releases: versions of an organization's code, each shipped in one or more projects.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::{ProjectSummary, Storage, StorageError, from_micros, now, to_micros};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: i64,
    pub organization_id: i64,
    pub version: String,
    pub date_created: OffsetDateTime,
    /// When the release was deployed; `None` while it is not.
    pub date_released: Option<OffsetDateTime>,
    /// The projects it ships in, oldest first.
    pub projects: Vec<ProjectSummary>,
}

#[derive(Debug, Clone)]
pub struct NewRelease {
    pub version: String,
    /// Projects of the same organization; repeats are ignored.
    pub project_ids: Vec<i64>,
    /// `None` for a release made now; the demo data dates its releases in the past.
    pub date_created: Option<OffsetDateTime>,
    pub date_released: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct ReleaseRow {
    id: i64,
    organization_id: i64,
    version: String,
    date_created: i64,
    date_released: Option<i64>,
}

impl ReleaseRow {
    fn into_release(self, projects: Vec<ProjectSummary>) -> Release {
        Release {
            id: self.id,
            organization_id: self.organization_id,
            version: self.version,
            date_created: from_micros(self.date_created),
            date_released: self.date_released.map(from_micros),
            projects,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ReleaseProjectRow {
    release_id: i64,
    id: i64,
    slug: String,
    name: String,
    platform: Option<String>,
}

const RELEASE_COLUMNS: &str = "id, organization_id, version, date_created, date_released";

impl Storage {
    /// Creates a release in the given projects. [`StorageError::Conflict`] when the
    /// organization has a release of that version, [`StorageError::NotFound`] when a project
    /// is not the organization's; either way nothing is written.
    pub async fn create_release(
        &self,
        organization_id: i64,
        new: &NewRelease,
    ) -> Result<Release, StorageError> {
        let mut tx = self.pool.begin().await?;

        let sql = format!(
            "INSERT INTO releases (organization_id, version, date_created, date_released) \
             VALUES ($1, $2, $3, $4) RETURNING {RELEASE_COLUMNS}"
        );
        let row: ReleaseRow = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(&new.version)
            .bind(to_micros(new.date_created.unwrap_or_else(now)))
            .bind(new.date_released.map(to_micros))
            .fetch_one(&mut *tx)
            .await?;

        let mut project_ids = new.project_ids.clone();
        project_ids.sort_unstable();
        project_ids.dedup();
        for project_id in project_ids {
            // Selecting the project by organization keeps releases from reaching across.
            let result = sqlx::query(
                "INSERT INTO release_projects (release_id, project_id) \
                 SELECT $1, id FROM projects WHERE id = $2 AND organization_id = $3",
            )
            .bind(row.id)
            .bind(project_id)
            .bind(organization_id)
            .execute(&mut *tx)
            .await?;
            if result.rows_affected() == 0 {
                return Err(StorageError::NotFound);
            }
        }

        let release = with_projects(&mut tx, vec![row]).await?.pop();
        tx.commit().await?;
        release.ok_or(StorageError::NotFound)
    }

    /// The organization's releases, newest first, one page at a time.
    pub async fn list_releases(
        &self,
        organization_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Release>, StorageError> {
        let sql = format!(
            "SELECT {RELEASE_COLUMNS} FROM releases WHERE organization_id = $1 \
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<ReleaseRow> = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&mut *conn)
            .await?;
        with_projects(&mut conn, rows).await
    }
}

/// Attaches to each release its projects, in one query for the whole page: the rows are
/// ordered by id, so the page is the id range between its first and its last row.
async fn with_projects(
    conn: &mut sqlx::AnyConnection,
    rows: Vec<ReleaseRow>,
) -> Result<Vec<Release>, StorageError> {
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(Vec::new());
    };
    let links: Vec<ReleaseProjectRow> = sqlx::query_as(
        "SELECT rp.release_id, p.id, p.slug, p.name, p.platform \
         FROM release_projects rp JOIN projects p ON p.id = rp.project_id \
         WHERE rp.release_id BETWEEN $1 AND $2 ORDER BY p.id",
    )
    .bind(first.id.min(last.id))
    .bind(first.id.max(last.id))
    .fetch_all(&mut *conn)
    .await?;

    let mut projects: BTreeMap<i64, Vec<ProjectSummary>> = BTreeMap::new();
    for link in links {
        projects
            .entry(link.release_id)
            .or_default()
            .push(ProjectSummary {
                id: link.id,
                slug: link.slug,
                name: link.name,
                platform: link.platform,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = projects.remove(&row.id).unwrap_or_default();
            row.into_release(own)
        })
        .collect())
}
