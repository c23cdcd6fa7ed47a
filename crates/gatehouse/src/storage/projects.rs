//! Projects: where an organization's errors are reported, each owned by one or more teams.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::teams::{TEAM_COLUMNS, TeamRow};
use super::{Storage, StorageError, Team, from_micros, now, to_micros};
use crate::domain::{DisplayName, Slug};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub organization_id: i64,
    pub slug: String,
    pub name: String,
    /// Sentry's platform identifier, such as `python-django` or `javascript-react`.
    pub platform: Option<String>,
    /// The teams that own the project, oldest first.
    pub teams: Vec<Team>,
    pub created_at: OffsetDateTime,
}

/// The few fields of a project that issues and releases show beside their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub platform: Option<String>,
}

pub struct NewProject {
    pub slug: Slug,
    pub name: DisplayName,
    pub platform: Option<String>,
}

/// The fields to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProjectUpdate {
    pub slug: Option<Slug>,
    pub name: Option<DisplayName>,
    pub platform: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    organization_id: i64,
    slug: String,
    name: String,
    platform: Option<String>,
    created_at: i64,
}

impl ProjectRow {
    fn into_project(self, teams: Vec<Team>) -> Project {
        Project {
            id: self.id,
            organization_id: self.organization_id,
            slug: self.slug,
            name: self.name,
            platform: self.platform,
            teams,
            created_at: from_micros(self.created_at),
        }
    }
}

/// A team with the project it owns, as [`Storage::with_teams`] reads them.
#[derive(sqlx::FromRow)]
struct ProjectTeamRow {
    project_id: i64,
    #[sqlx(flatten)]
    team: TeamRow,
}

const PROJECT_COLUMNS: &str = "id, organization_id, slug, name, platform, created_at";

impl Storage {
    /// Creates a project owned by `team`, in the team's organization.
    /// [`StorageError::Conflict`] when the organization has a project with the slug.
    pub async fn create_project(
        &self,
        team: &Team,
        new: &NewProject,
    ) -> Result<Project, StorageError> {
        let mut tx = self.pool.begin().await?;

        let sql = format!(
            "INSERT INTO projects (organization_id, slug, name, platform, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {PROJECT_COLUMNS}"
        );
        let row: ProjectRow = sqlx::query_as(&sql)
            .bind(team.organization_id)
            .bind(new.slug.as_str())
            .bind(new.name.as_str())
            .bind(new.platform.as_deref())
            .bind(to_micros(now()))
            .fetch_one(&mut *tx)
            .await?;

        sqlx::query("INSERT INTO project_teams (project_id, team_id) VALUES ($1, $2)")
            .bind(row.id)
            .bind(team.id)
            .execute(&mut *tx)
            .await?;

        tx.commit().await?;
        Ok(row.into_project(vec![team.clone()]))
    }

    /// Makes `team_id` one more owner of the project. [`StorageError::NotFound`] when the
    /// two are not in the same organization, [`StorageError::Conflict`] when the team owns
    /// the project already.
    pub async fn add_project_team(
        &self,
        project_id: i64,
        team_id: i64,
    ) -> Result<(), StorageError> {
        let result = sqlx::query(
            "INSERT INTO project_teams (project_id, team_id) \
             SELECT p.id, t.id FROM projects p \
             JOIN teams t ON t.organization_id = p.organization_id \
             WHERE p.id = $1 AND t.id = $2",
        )
        .bind(project_id)
        .bind(team_id)
        .execute(&self.pool)
        .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }

    /// The organization's projects, oldest first, one page at a time.
    pub async fn list_projects(
        &self,
        organization_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Project>, StorageError> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE organization_id = $1 \
             ORDER BY id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<ProjectRow> = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        self.with_teams(rows).await
    }

    pub async fn find_project(
        &self,
        organization_id: i64,
        slug: &str,
    ) -> Result<Option<Project>, StorageError> {
        let sql = format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE organization_id = $1 AND slug = $2"
        );
        let row: Option<ProjectRow> = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(self.with_teams(Vec::from_iter(row)).await?.pop())
    }

    /// Changes the fields `update` names. [`StorageError::NotFound`] for an unknown project,
    /// [`StorageError::Conflict`] when the new slug is taken in the organization.
    pub async fn update_project(
        &self,
        project_id: i64,
        update: &ProjectUpdate,
    ) -> Result<Project, StorageError> {
        let sql = format!(
            "UPDATE projects SET slug = COALESCE($1, slug), name = COALESCE($2, name), \
             platform = COALESCE($3, platform) WHERE id = $4 RETURNING {PROJECT_COLUMNS}"
        );
        let row: ProjectRow = sqlx::query_as(&sql)
            .bind(update.slug.as_ref().map(Slug::as_str))
            .bind(update.name.as_ref().map(DisplayName::as_str))
            .bind(update.platform.as_deref())
            .bind(project_id)
            .fetch_one(&self.pool)
            .await?;
        self.with_teams(vec![row])
            .await?
            .pop()
            .ok_or(StorageError::NotFound)
    }

    /// Deletes a project with its issues and events. [`StorageError::NotFound`] for an
    /// unknown project.
    pub async fn delete_project(&self, project_id: i64) -> Result<(), StorageError> {
        let result = sqlx::query("DELETE FROM projects WHERE id = $1")
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }

    /// Attaches to each project its teams, in one query for the whole page: the rows come
    /// ordered by id, so the page is the id range from its first to its last row.
    async fn with_teams(&self, rows: Vec<ProjectRow>) -> Result<Vec<Project>, StorageError> {
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT pt.project_id, {TEAM_COLUMNS} FROM project_teams pt \
             JOIN teams t ON t.id = pt.team_id \
             WHERE pt.project_id BETWEEN $1 AND $2 ORDER BY t.id"
        );
        let links: Vec<ProjectTeamRow> = sqlx::query_as(&sql)
            .bind(first.id.min(last.id))
            .bind(first.id.max(last.id))
            .fetch_all(&self.pool)
            .await?;
        let mut teams: BTreeMap<i64, Vec<Team>> = BTreeMap::new();
        for link in links {
            teams
                .entry(link.project_id)
                .or_default()
                .push(link.team.into());
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let own = teams.remove(&row.id).unwrap_or_default();
                row.into_project(own)
            })
            .collect())
    }
}
