//! Projects: `GET /api/0/organizations/{org}/projects/`,
//! `GET|PUT|DELETE /api/0/projects/{org}/{project}/` and
//! `POST /api/0/teams/{org}/{team}/projects/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::body::{object, optional_string, required_string};
use super::openapi::Detail;
use super::organizations::reach;
use super::pagination::{ApiQuery, Page, PageQuery};
use super::teams::TeamBody;
use super::{ApiError, Caller};
use crate::domain::timestamp::iso8601;
use crate::domain::{DisplayName, Scope, ScopeSet, Slug};
use crate::server::AppState;
use crate::storage::{NewProject, Organization, Project, ProjectUpdate, StorageError};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectBody {
    id: String,
    slug: String,
    name: String,
    platform: Option<String>,
    date_created: String,
    teams: Vec<TeamBody>,
}

impl From<&Project> for ProjectBody {
    fn from(project: &Project) -> Self {
        ProjectBody {
            id: project.id.to_string(),
            slug: project.slug.clone(),
            name: project.name.clone(),
            platform: project.platform.clone(),
            date_created: iso8601(project.created_at),
            teams: project.teams.iter().map(TeamBody::from).collect(),
        }
    }
}

/// The organization's projects; needs `project:read`.
#[utoipa::path(
    get,
    operation_id = "projects_list",
    path = "/api/0/organizations/{organization_id_or_slug}/projects/",
    tag = "projects",
    params(("organization_id_or_slug" = String, Path), PageQuery),
    responses(
        (status = 200, description = "A page of projects", body = [ProjectBody]),
        (status = 400, description = "A query parameter is malformed or out of range"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:read", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<ProjectBody>>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::ProjectRead)?;
    let page = Page::from_query(&query)?;

    let projects = state
        .storage
        .list_projects(organization.id, page.fetch_limit(), page.offset())
        .await?;

    let url = format!(
        "{}/api/0/organizations/{org}/projects/",
        state.settings.issuer
    );
    let (headers, projects) = page.finish(projects, &url);
    Ok((
        headers,
        Json(projects.iter().map(ProjectBody::from).collect()),
    ))
}

/// One project; needs `project:read`.
#[utoipa::path(
    get,
    operation_id = "projects_show",
    path = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/",
    tag = "projects",
    params(("organization_id_or_slug" = String, Path), ("project_id_or_slug" = String, Path)),
    responses(
        (status = 200, description = "The project", body = ProjectBody),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:read", body = Detail),
        (status = 404, description = "No such organization or project", body = Detail),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, project)): Path<(String, String)>,
) -> Result<Json<ProjectBody>, ApiError> {
    let (_, project, access) = reach_project(&state, &caller, &org, &project).await?;

    Caller::require(access, Scope::ProjectRead)?;
    Ok(Json(ProjectBody::from(&project)))
}

/// Changes a project's `name`, `slug` or `platform`; needs `project:write`.
#[utoipa::path(
    put,
    operation_id = "projects_update",
    path = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/",
    tag = "projects",
    params(("organization_id_or_slug" = String, Path), ("project_id_or_slug" = String, Path)),
    request_body(content = ProjectInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed project", body = ProjectBody),
        (status = 400, description = "A field is wrong; nothing was changed"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:write", body = Detail),
        (status = 404, description = "No such organization or project", body = Detail),
        (status = 409, description = "Another project has the slug", body = Detail),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, project)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<ProjectBody>, ApiError> {
    let (_, project, access) = reach_project(&state, &caller, &org, &project).await?;
    Caller::require(access, Scope::ProjectWrite)?;

    let fields = object(&body)?;
    let update = ProjectUpdate {
        slug: optional_string(&fields, "slug")?
            .map(parse_slug)
            .transpose()?,
        name: optional_string(&fields, "name")?
            .map(parse_name)
            .transpose()?,
        platform: parse_platform(&fields)?,
    };

    let updated = state
        .storage
        .update_project(project.id, &update)
        .await
        .map_err(slug_taken)?;
    Ok(Json(ProjectBody::from(&updated)))
}

/// Deletes a project with its issues and events; needs `project:admin`.
#[utoipa::path(
    delete,
    operation_id = "projects_delete",
    path = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/",
    tag = "projects",
    params(("organization_id_or_slug" = String, Path), ("project_id_or_slug" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:admin", body = Detail),
        (status = 404, description = "No such organization or project", body = Detail),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, project)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, project, access) = reach_project(&state, &caller, &org, &project).await?;
    Caller::require(access, Scope::ProjectAdmin)?;

    state.storage.delete_project(project.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What `POST` accepts.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct NewProjectInput {
    /// 1 to 64 characters, not only spaces.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: String,
    /// Lowercase letters, digits and hyphens, not only digits; made from the name when
    /// left out.
    #[schema(
        max_length = 50,
        pattern = r"^(?:[a-z][a-z0-9-]*|[0-9][a-z0-9-]*[a-z-][a-z0-9-]*)$"
    )]
    slug: Option<String>,
    /// Such as `python-django`.
    #[schema(pattern = r"^[a-z0-9-]{1,64}$")]
    platform: Option<String>,
}

/// What `PUT` accepts; every field is optional.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct ProjectInput {
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: Option<String>,
    #[schema(
        max_length = 50,
        pattern = r"^(?:[a-z][a-z0-9-]*|[0-9][a-z0-9-]*[a-z-][a-z0-9-]*)$"
    )]
    slug: Option<String>,
    #[schema(pattern = r"^[a-z0-9-]{1,64}$")]
    platform: Option<String>,
}

/// Creates a project owned by a team; needs `project:write`.
#[utoipa::path(
    post,
    operation_id = "projects_create",
    path = "/api/0/teams/{organization_id_or_slug}/{team_id_or_slug}/projects/",
    tag = "projects",
    params(("organization_id_or_slug" = String, Path), ("team_id_or_slug" = String, Path)),
    request_body(content = NewProjectInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The new project", body = ProjectBody),
        (status = 400, description = "A field is wrong; nothing was created"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no project:write", body = Detail),
        (status = 404, description = "No such organization or team", body = Detail),
        (status = 409, description = "The slug is taken", body = Detail),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, team)): Path<(String, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<ProjectBody>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::ProjectWrite)?;
    let team = state
        .storage
        .find_team(organization.id, &team)
        .await?
        .ok_or(ApiError::NotFound)?;

    let fields = object(&body)?;
    let name = parse_name(required_string(&fields, "name")?)?;
    let slug = match optional_string(&fields, "slug")? {
        Some(slug) => parse_slug(slug)?,
        None => slug_from(name.as_str()),
    };
    let new = NewProject {
        slug,
        name,
        platform: parse_platform(&fields)?,
    };

    let project = match state.storage.create_project(&team, &new).await {
        Err(StorageError::Conflict) => {
            return Err(ApiError::Conflict(
                "A project with this slug already exists.",
            ));
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(ProjectBody::from(&project))))
}

/// The organization and project named in a URL, and the caller's access there.
pub async fn reach_project(
    state: &AppState,
    caller: &Caller,
    org: &str,
    project: &str,
) -> Result<(Organization, Project, ScopeSet), ApiError> {
    let (organization, access) = reach(state, caller, org).await?;
    let project = state
        .storage
        .find_project(organization.id, project)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((organization, project, access))
}

fn parse_name(name: &str) -> Result<DisplayName, ApiError> {
    DisplayName::parse(name, "name", 64).map_err(|error| ApiError::field("name", error.to_string()))
}

fn parse_slug(slug: &str) -> Result<Slug, ApiError> {
    Slug::parse(slug).map_err(|error| ApiError::field("slug", error.to_string()))
}

/// `platform` when sent: a short identifier such as `python-django`.
fn parse_platform(fields: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let Some(platform) = optional_string(fields, "platform")? else {
        return Ok(None);
    };
    let valid = (1..=64).contains(&platform.len())
        && platform
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    match valid {
        true => Ok(Some(platform.to_owned())),
        false => Err(ApiError::field("platform", "Invalid platform.")),
    }
}

/// A slug made from a name: lowercase ASCII letters and digits, other runs become hyphens;
/// `project-` in front when that alone is not a valid slug (empty, or only digits).
fn slug_from(name: &str) -> Slug {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    Slug::parse(&slug)
        .or_else(|_| Slug::parse(format!("project-{slug}").trim_end_matches('-')))
        .unwrap_or_else(|_| unreachable!("project- and ASCII letters, digits, hyphens"))
}

fn slug_taken(error: StorageError) -> ApiError {
    match error {
        StorageError::Conflict => ApiError::Conflict("A project with this slug already exists."),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::slug_from;

    #[test]
    fn slugs_are_made_from_names() {
        assert_eq!(slug_from("My Web App!").as_str(), "my-web-app");
        assert_eq!(slug_from("  Über API 2 ").as_str(), "ber-api-2");
        assert_eq!(slug_from("2024").as_str(), "project-2024");
        assert_eq!(slug_from("!!!").as_str(), "project");
    }
}
