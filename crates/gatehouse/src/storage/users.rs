//! Users: the people who sign in to gatehouse and approve applications.

use time::OffsetDateTime;

use super::{Storage, StorageError, from_micros, now, to_micros};
use crate::domain::{DisplayName, Email};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: UserStatus,
    pub created_at: OffsetDateTime,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

pub struct NewUser {
    pub email: Email,
    pub name: DisplayName,
    /// An argon2id hash, never the password.
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    status: String,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StorageError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let status = match row.status.as_str() {
            "active" => UserStatus::Active,
            "disabled" => UserStatus::Disabled,
            other => return Err(StorageError::corrupt("user status", other)),
        };
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            status,
            created_at: from_micros(row.created_at),
        })
    }
}

const USER_COLUMNS: &str = "id, email, name, status, created_at";

/// Emails are unique without regard to case.
fn email_key(email: &str) -> String {
    email.to_lowercase()
}

impl Storage {
    /// Creates an active user. [`StorageError::Conflict`] when the email is taken.
    pub async fn create_user(&self, new: &NewUser) -> Result<User, StorageError> {
        let sql = format!(
            "INSERT INTO users (email, email_key, name, password_hash, status, created_at) \
             VALUES ($1, $2, $3, $4, 'active', $5) RETURNING {USER_COLUMNS}"
        );
        let row: UserRow = sqlx::query_as(&sql)
            .bind(new.email.as_str())
            .bind(email_key(new.email.as_str()))
            .bind(new.name.as_str())
            .bind(&new.password_hash)
            .bind(to_micros(now()))
            .fetch_one(&self.pool)
            .await?;
        row.try_into()
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(email_key(email))
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<User>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(User::try_from).transpose()
    }

    /// The user and their password hash, for sign-in.
    pub async fn find_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(User, String)>, StorageError> {
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email_key = $1");
        let row: Option<(i64, String, String, String, i64, String)> = sqlx::query_as(&sql)
            .bind(email_key(email))
            .fetch_optional(&self.pool)
            .await?;
        let Some((id, email, name, status, created_at, hash)) = row else {
            return Ok(None);
        };
        let user = UserRow {
            id,
            email,
            name,
            status,
            created_at,
        };
        Ok(Some((user.try_into()?, hash)))
    }

    /// Enables or disables a user. [`StorageError::NotFound`] for an unknown email.
    pub async fn set_user_status(
        &self,
        email: &str,
        status: UserStatus,
    ) -> Result<(), StorageError> {
        let result = sqlx::query("UPDATE users SET status = $1 WHERE email_key = $2")
            .bind(status.as_str())
            .bind(email_key(email))
            .execute(&self.pool)
            .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }
}
