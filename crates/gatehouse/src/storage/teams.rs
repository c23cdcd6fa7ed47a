//! Teams: the groups within an organization that projects belong to.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{DisplayName, Slug};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub organization_id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(super) struct TeamRow {
    id: i64,
    organization_id: i64,
    slug: String,
    name: String,
    created_at: i64,
}

impl From<TeamRow> for Team {
    fn from(row: TeamRow) -> Self {
        Team {
            id: row.id,
            organization_id: row.organization_id,
            slug: row.slug,
            name: row.name,
            created_at: from_micros(row.created_at),
        }
    }
}

/// The columns of a [`TeamRow`], for queries that name the teams table `t`.
pub(super) const TEAM_COLUMNS: &str = "t.id, t.organization_id, t.slug, t.name, t.created_at";

impl Storage {
    /// Creates a team. [`StorageError::Conflict`] when the organization has one with the slug.
    pub async fn create_team(
        &self,
        organization_id: i64,
        slug: &Slug,
        name: &DisplayName,
    ) -> Result<Team, StorageError> {
        let row: TeamRow = sqlx::query_as(
            "INSERT INTO teams (organization_id, slug, name, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, organization_id, slug, name, created_at",
        )
        .bind(organization_id)
        .bind(slug.as_str())
        .bind(name.as_str())
        .bind(to_micros(now()))
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }

    /// The organization's teams, oldest first, one page at a time.
    pub async fn list_teams(
        &self,
        organization_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Team>, StorageError> {
        let sql = format!(
            "SELECT {TEAM_COLUMNS} FROM teams t WHERE t.organization_id = $1 \
             ORDER BY t.id LIMIT $2 OFFSET $3"
        );
        let rows: Vec<TeamRow> = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Team::from).collect())
    }

    pub async fn find_team(
        &self,
        organization_id: i64,
        slug: &str,
    ) -> Result<Option<Team>, StorageError> {
        let sql = format!(
            "SELECT {TEAM_COLUMNS} FROM teams t WHERE t.organization_id = $1 AND t.slug = $2"
        );
        let row: Option<TeamRow> = sqlx::query_as(&sql)
            .bind(organization_id)
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Team::from))
    }
}
