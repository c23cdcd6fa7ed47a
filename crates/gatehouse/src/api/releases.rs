//! `GET|POST /api/0/organizations/{org}/releases/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body::{object, required_string};
use super::issues::ProjectRef;
use super::openapi::Detail;
use super::organizations::reach;
use super::pagination::{ApiQuery, Page, PageQuery};
use super::{ApiError, Caller};
use crate::domain::Scope;
use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::{NewRelease, Organization, Release, StorageError};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseBody {
    id: String,
    version: String,
    date_created: String,
    date_released: Option<String>,
    projects: Vec<ProjectRef>,
}

impl From<&Release> for ReleaseBody {
    fn from(release: &Release) -> Self {
        ReleaseBody {
            id: release.id.to_string(),
            version: release.version.clone(),
            date_created: iso8601(release.date_created),
            date_released: release.date_released.map(iso8601),
            projects: release.projects.iter().map(ProjectRef::from).collect(),
        }
    }
}

/// The organization's releases, newest first; needs `project:releases`.
#[utoipa::path(
    get,
    operation_id = "releases_list",
    path = "/api/0/organizations/{organization_id_or_slug}/releases/",
    tag = "releases",
    params(("organization_id_or_slug" = String, Path), PageQuery),
    responses(
        (status = 200, description = "A page of releases", body = [ReleaseBody]),
        (status = 400, description = "A query parameter is malformed or out of range"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:releases", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<ReleaseBody>>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::ProjectReleases)?;
    let page = Page::from_query(&query)?;

    let releases = state
        .storage
        .list_releases(organization.id, page.fetch_limit(), page.offset())
        .await?;

    let url = format!(
        "{}/api/0/organizations/{org}/releases/",
        state.settings.issuer
    );
    let (headers, releases) = page.finish(releases, &url);
    Ok((
        headers,
        Json(releases.iter().map(ReleaseBody::from).collect()),
    ))
}

/// What `POST` accepts.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct ReleaseInput {
    /// 1 to 200 printable ASCII characters, starting with a letter or digit, no slash.
    #[schema(min_length = 1, max_length = 200, pattern = r"^[A-Za-z0-9][!-.0-~]*$")]
    version: String,
    /// Slugs of the organization's projects the release ships in (1 to 100); an unknown
    /// slug answers 404.
    #[schema(min_items = 1, max_items = 100)]
    projects: Vec<String>,
}

/// Creates a release; needs `project:releases`.
#[utoipa::path(
    post,
    operation_id = "releases_create",
    path = "/api/0/organizations/{organization_id_or_slug}/releases/",
    tag = "releases",
    params(("organization_id_or_slug" = String, Path)),
    request_body(content = ReleaseInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The new release", body = ReleaseBody),
        (status = 400, description = "A field is wrong; nothing was created"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:releases", body = Detail),
        (status = 404, description = "No such organization or project", body = Detail),
        (status = 409, description = "The version exists", body = Detail),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<ReleaseBody>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::ProjectReleases)?;

    let fields = object(&body)?;
    let version = parse_version(required_string(&fields, "version")?)?;
    let project_ids = project_ids(&state, &organization, fields.get("projects")).await?;
    let new = NewRelease {
        version,
        project_ids,
        date_created: None,
        date_released: None,
    };

    let release = match state.storage.create_release(organization.id, &new).await {
        Err(StorageError::Conflict) => {
            return Err(ApiError::Conflict(
                "A release with this version already exists.",
            ));
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(ReleaseBody::from(&release))))
}

/// Versions appear in URLs and file names: printable ASCII without a slash, starting with a
/// letter or digit (so never "." or "..").
fn parse_version(version: &str) -> Result<String, ApiError> {
    let valid = (1..=200).contains(&version.len())
        && version.starts_with(|c: char| c.is_ascii_alphanumeric())
        && version.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
    match valid {
        true => Ok(version.to_owned()),
        false => Err(ApiError::field("version", "Invalid release version.")),
    }
}

/// The ids of the projects named by slug. A slug that names none of the organization's
/// projects answers 404, as a URL naming it would.
async fn project_ids(
    state: &AppState,
    organization: &Organization,
    projects: Option<&Value>,
) -> Result<Vec<i64>, ApiError> {
    let invalid = || ApiError::field("projects", "Give a list of 1 to 100 project slugs.");
    let slugs = projects.and_then(Value::as_array).ok_or_else(invalid)?;
    if slugs.is_empty() || slugs.len() > 100 {
        return Err(invalid());
    }
    let mut ids = Vec::with_capacity(slugs.len());
    for slug in slugs {
        let slug = slug.as_str().ok_or_else(invalid)?;
        let project = state.storage.find_project(organization.id, slug).await?;
        ids.push(project.ok_or(ApiError::NotFound)?.id);
    }
    Ok(ids)
}
