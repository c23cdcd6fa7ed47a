//! Registered partner applications.

use super::{Storage, StorageError, from_json_list, from_micros, now, to_json_list, to_micros};
use crate::domain::{
    AccessLevel, AllowedOrigin, Application, ApplicationStatus, ClientId, ClientSecret, ClientType,
    Digest, NewApplication, RedirectUri, ScopeSet, WebhookUrl, application::ApplicationKind,
};

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    client_id: String,
    client_type: String,
    secret_digest: Option<String>,
    name: String,
    redirect_uris: String,
    allowed_origins: String,
    homepage_url: String,
    privacy_url: String,
    terms_url: String,
    scopes: String,
    access_level: String,
    kind: String,
    status: String,
    created_at: i64,
    webhook_url: Option<String>,
}

const APPLICATION_COLUMNS: &str = "id, client_id, client_type, secret_digest, name, \
    redirect_uris, allowed_origins, homepage_url, privacy_url, terms_url, scopes, \
    access_level, kind, status, created_at, webhook_url";

impl TryFrom<ApplicationRow> for Application {
    type Error = StorageError;

    fn try_from(row: ApplicationRow) -> Result<Self, Self::Error> {
        let redirect_uris = from_json_list(&row.redirect_uris)?
            .iter()
            .map(|uri| RedirectUri::parse(uri))
            .collect::<Result<_, _>>()
            .map_err(|e| StorageError::corrupt("redirect URI", e))?;
        let allowed_origins = from_json_list(&row.allowed_origins)?
            .iter()
            .map(|origin| AllowedOrigin::parse(origin))
            .collect::<Result<_, _>>()
            .map_err(|e| StorageError::corrupt("allowed origin", e))?;
        Ok(Application {
            id: row.id,
            client_id: ClientId::parse(&row.client_id)
                .ok_or_else(|| StorageError::corrupt("client id", &row.client_id))?,
            client_type: ClientType::from_stored(&row.client_type)
                .ok_or_else(|| StorageError::corrupt("client type", &row.client_type))?,
            secret_digest: row.secret_digest.map(Digest::from_stored),
            name: row.name,
            redirect_uris,
            allowed_origins,
            homepage_url: row.homepage_url,
            privacy_url: row.privacy_url,
            terms_url: row.terms_url,
            scopes: ScopeSet::parse(&row.scopes).map_err(|e| StorageError::corrupt("scopes", e))?,
            access_level: AccessLevel::from_stored(&row.access_level)
                .ok_or_else(|| StorageError::corrupt("access level", &row.access_level))?,
            kind: ApplicationKind::from_stored(&row.kind)
                .ok_or_else(|| StorageError::corrupt("application kind", &row.kind))?,
            status: ApplicationStatus::from_stored(&row.status)
                .ok_or_else(|| StorageError::corrupt("status", &row.status))?,
            created_at: from_micros(row.created_at),
            webhook_url: row
                .webhook_url
                .map(|url| WebhookUrl::parse(&url))
                .transpose()
                .map_err(|e| StorageError::corrupt("webhook URL", e))?,
        })
    }
}

impl Storage {
    /// Registers an application with a fresh client id and, for a confidential client, a
    /// fresh secret: the only time the secret exists in plain text is in the return value.
    pub async fn create_application(
        &self,
        new: &NewApplication,
    ) -> Result<(Application, Option<ClientSecret>), StorageError> {
        self.create_application_of_kind(new, ApplicationKind::Client)
            .await
    }

    /// Like [`Storage::create_application`], for an application of another kind: a
    /// resource server may introspect every application's tokens.
    pub async fn create_application_of_kind(
        &self,
        new: &NewApplication,
        kind: ApplicationKind,
    ) -> Result<(Application, Option<ClientSecret>), StorageError> {
        let secret = match new.client_type {
            ClientType::Confidential => Some(ClientSecret::generate()),
            ClientType::Public => None,
        };
        let digest = secret.as_ref().map(|s| s.digest().as_str().to_owned());
        let sql = format!(
            "INSERT INTO applications (client_id, client_type, secret_digest, name, \
             redirect_uris, allowed_origins, homepage_url, privacy_url, terms_url, scopes, \
             access_level, kind, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', $13) \
             RETURNING {APPLICATION_COLUMNS}"
        );
        let row: ApplicationRow = sqlx::query_as(&sql)
            .bind(ClientId::generate().as_str())
            .bind(new.client_type.as_str())
            .bind(digest)
            .bind(new.name.as_str())
            .bind(to_json_list(&new.redirect_uris))
            .bind(to_json_list(&new.allowed_origins))
            .bind(new.homepage_url.as_str())
            .bind(new.privacy_url.as_str())
            .bind(new.terms_url.as_str())
            .bind(new.scopes.to_string())
            .bind(new.access_level.as_str())
            .bind(kind.as_str())
            .bind(to_micros(now()))
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_into()?, secret))
    }

    pub async fn find_application(
        &self,
        client_id: &str,
    ) -> Result<Option<Application>, StorageError> {
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE client_id = $1");
        let row: Option<ApplicationRow> = sqlx::query_as(&sql)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(Application::try_from).transpose()
    }

    /// Every application, oldest first.
    pub async fn list_applications(&self) -> Result<Vec<Application>, StorageError> {
        let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications ORDER BY id");
        let rows: Vec<ApplicationRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(Application::try_from).collect()
    }

    /// Replaces a confidential client's secret; the old one stops working at once.
    /// [`StorageError::NotFound`] for an unknown or public client.
    pub async fn rotate_secret(&self, client_id: &str) -> Result<ClientSecret, StorageError> {
        let secret = ClientSecret::generate();
        let result = sqlx::query(
            "UPDATE applications SET secret_digest = $1 \
             WHERE client_id = $2 AND client_type = 'confidential'",
        )
        .bind(secret.digest().as_str())
        .bind(client_id)
        .execute(&self.pool)
        .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(secret),
        }
    }

    /// [`StorageError::NotFound`] for an unknown client id.
    pub async fn set_application_status(
        &self,
        client_id: &str,
        status: ApplicationStatus,
    ) -> Result<(), StorageError> {
        let result = sqlx::query("UPDATE applications SET status = $1 WHERE client_id = $2")
            .bind(status.as_str())
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        match result.rows_affected() {
            0 => Err(StorageError::NotFound),
            _ => Ok(()),
        }
    }
}

impl Storage {
    /// Whether any active application registered `origin`, for CORS preflights.
    pub async fn is_allowed_origin(&self, origin: &str) -> Result<bool, StorageError> {
        let lists: Vec<String> =
            sqlx::query_scalar("SELECT allowed_origins FROM applications WHERE status = 'active'")
                .fetch_all(&self.pool)
                .await?;
        for list in lists {
            if from_json_list(&list)?
                .iter()
                .any(|allowed| allowed == origin)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
