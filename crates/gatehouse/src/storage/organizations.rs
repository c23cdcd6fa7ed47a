//! Organizations and who belongs to them in which role.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{DisplayName, Role, Slug};

#[derive(Debug, Clone)]
pub struct Organization {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// A user's place in an organization.
#[derive(Debug, Clone)]
pub struct Membership {
    pub organization: Organization,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct OrganizationRow {
    id: i64,
    slug: String,
    name: String,
    created_at: i64,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Organization {
            id: row.id,
            slug: row.slug,
            name: row.name,
            created_at: from_micros(row.created_at),
        }
    }
}

fn parse_role(stored: &str) -> Result<Role, StorageError> {
    stored
        .parse()
        .map_err(|_| StorageError::corrupt("role", stored))
}

impl Storage {
    /// Creates an organization with `owner_id` as its owner, in one transaction.
    /// [`StorageError::Conflict`] when the slug is taken.
    pub async fn create_organization(
        &self,
        slug: &Slug,
        name: &DisplayName,
        owner_id: i64,
    ) -> Result<Organization, StorageError> {
        let created_at = to_micros(now());
        let mut tx = self.pool.begin().await?;

        let row: OrganizationRow = sqlx::query_as(
            "INSERT INTO organizations (slug, name, created_at) VALUES ($1, $2, $3) \
             RETURNING id, slug, name, created_at",
        )
        .bind(slug.as_str())
        .bind(name.as_str())
        .bind(created_at)
        .fetch_one(&mut *tx)
        .await?;

        sqlx::query(
            "INSERT INTO memberships (organization_id, user_id, role, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(row.id)
        .bind(owner_id)
        .bind(Role::Owner.as_str())
        .bind(created_at)
        .execute(&mut *tx)
        .await?;

        tx.commit().await?;
        Ok(row.into())
    }

    pub async fn find_organization(&self, id: i64) -> Result<Option<Organization>, StorageError> {
        let row: Option<OrganizationRow> =
            sqlx::query_as("SELECT id, slug, name, created_at FROM organizations WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Organization::from))
    }

    pub async fn find_organization_by_slug(
        &self,
        slug: &str,
    ) -> Result<Option<Organization>, StorageError> {
        let row: Option<OrganizationRow> =
            sqlx::query_as("SELECT id, slug, name, created_at FROM organizations WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Organization::from))
    }

    /// Adds a member. [`StorageError::Conflict`] when the user already belongs.
    pub async fn add_member(
        &self,
        organization_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO memberships (organization_id, user_id, role, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(organization_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(to_micros(now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Changes a member's role. [`StorageError::NotFound`] when the user is not a member.
    pub async fn set_role(
        &self,
        organization_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<(), StorageError> {
        let result = sqlx::query(
            "UPDATE memberships SET role = $1 WHERE organization_id = $2 AND user_id = $3",
        )
        .bind(role.as_str())
        .bind(organization_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }

    /// Removes a member. [`StorageError::NotFound`] when the user is not a member.
    pub async fn remove_member(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> Result<(), StorageError> {
        let result =
            sqlx::query("DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2")
                .bind(organization_id)
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }

    /// The user's role in the organization, if they belong to it.
    pub async fn find_role(
        &self,
        organization_id: i64,
        user_id: i64,
    ) -> Result<Option<Role>, StorageError> {
        let role: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2",
        )
        .bind(organization_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        role.as_deref().map(parse_role).transpose()
    }

    /// The organizations the user belongs to, by name.
    pub async fn list_memberships(&self, user_id: i64) -> Result<Vec<Membership>, StorageError> {
        let rows: Vec<(i64, String, String, i64, String)> = sqlx::query_as(
            "SELECT o.id, o.slug, o.name, o.created_at, m.role \
             FROM memberships m JOIN organizations o ON o.id = m.organization_id \
             WHERE m.user_id = $1 ORDER BY o.name, o.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, slug, name, created_at, role)| {
                let organization = OrganizationRow {
                    id,
                    slug,
                    name,
                    created_at,
                };
                Ok(Membership {
                    organization: organization.into(),
                    role: parse_role(&role)?,
                })
            })
            .collect()
    }
}

/// A member of an organization, with what the member list shows of the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: OffsetDateTime,
}

impl Storage {
    /// The organization's members, in the order their accounts were made, one page at a time.
    pub async fn list_members(
        &self,
        organization_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Member>, StorageError> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT u.id, u.email, u.name, m.role, m.created_at \
             FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.organization_id = $1 ORDER BY u.id LIMIT $2 OFFSET $3",
        )
        .bind(organization_id)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(user_id, email, name, role, joined_at)| {
                Ok(Member {
                    user_id,
                    email,
                    name,
                    role: parse_role(&role)?,
                    joined_at: from_micros(joined_at),
                })
            })
            .collect()
    }
}

impl Storage {
    /// Renames an organization and/or changes its slug. [`StorageError::Conflict`] when
    /// another organization has the slug, [`StorageError::NotFound`] for an unknown id.
    pub async fn update_organization(
        &self,
        organization_id: i64,
        name: Option<&DisplayName>,
        slug: Option<&Slug>,
    ) -> Result<Organization, StorageError> {
        let row: OrganizationRow = sqlx::query_as(
            "UPDATE organizations SET name = COALESCE($1, name), slug = COALESCE($2, slug) \
             WHERE id = $3 RETURNING id, slug, name, created_at",
        )
        .bind(name.map(DisplayName::as_str))
        .bind(slug.map(Slug::as_str))
        .bind(organization_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.into())
    }
}
