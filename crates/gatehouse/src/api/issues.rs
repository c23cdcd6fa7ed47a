//! Issues (Sentry's groups): `GET /api/0/projects/{org}/{project}/issues/` and
//! `GET|PUT|DELETE /api/0/organizations/{org}/issues/{issue_id}/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::{object, required_string};
use super::openapi::Detail;
use super::organizations::reach;
use super::pagination::{ApiQuery, Page, PageQuery};
use super::projects::reach_project;
use super::{ApiError, Caller};
use crate::domain::Scope;
use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::{Issue, IssueStatus, ProjectSummary};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueBody {
    id: String,
    short_id: String,
    title: String,
    culprit: String,
    level: String,
    /// unresolved, resolved or ignored.
    status: String,
    /// How many events the issue had, as a string (as Sentry sends it).
    count: String,
    user_count: i64,
    first_seen: String,
    last_seen: String,
    project: ProjectRef,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectRef {
    id: String,
    slug: String,
    name: String,
}

impl From<&ProjectSummary> for ProjectRef {
    fn from(project: &ProjectSummary) -> Self {
        ProjectRef {
            id: project.id.to_string(),
            slug: project.slug.clone(),
            name: project.name.clone(),
        }
    }
}

impl From<&Issue> for IssueBody {
    fn from(issue: &Issue) -> Self {
        IssueBody {
            id: issue.id.to_string(),
            short_id: issue.short_id.clone(),
            title: issue.title.clone(),
            culprit: issue.culprit.clone(),
            level: issue.level.as_str().to_owned(),
            status: issue.status.as_str().to_owned(),
            count: issue.times_seen.to_string(),
            user_count: issue.user_count,
            first_seen: iso8601(issue.first_seen),
            last_seen: iso8601(issue.last_seen),
            project: ProjectRef::from(&issue.project),
        }
    }
}

/// `?query=is:unresolved` (the default), `is:resolved`, `is:ignored`, or empty for all.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    #[param(pattern = r"^(is:(unresolved|resolved|ignored))?$")]
    query: Option<String>,
}

/// A project's issues, most recently seen first; needs `event:read`.
#[utoipa::path(
    get,
    operation_id = "issues_list",
    path = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/issues/",
    tag = "issues",
    params(("organization_id_or_slug" = String, Path), ("project_id_or_slug" = String, Path), IssueQuery, PageQuery),
    responses(
        (status = 200, description = "A page of issues", body = [IssueBody]),
        (status = 400, description = "The query is not understood"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no event:read", body = Detail),
        (status = 404, description = "No such organization or project", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, project)): Path<(String, String)>,
    ApiQuery(filter): ApiQuery<IssueQuery>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<IssueBody>>), ApiError> {
    let (_, project, access) = reach_project(&state, &caller, &org, &project).await?;
    Caller::require(access, Scope::EventRead)?;
    let status = parse_query(filter.query.as_deref())?;
    let page = Page::from_query(&query)?;

    let issues = state
        .storage
        .list_issues(project.id, status, page.fetch_limit(), page.offset())
        .await?;

    let url = format!(
        "{}/api/0/projects/{org}/{}/issues/",
        state.settings.issuer, project.slug
    );
    let (headers, issues) = page.finish(issues, &url);
    Ok((headers, Json(issues.iter().map(IssueBody::from).collect())))
}

/// One issue; needs `event:read`.
#[utoipa::path(
    get,
    operation_id = "issues_show",
    path = "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/",
    tag = "issues",
    params(("organization_id_or_slug" = String, Path), ("issue_id" = i64, Path)),
    responses(
        (status = 200, description = "The issue", body = IssueBody),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no event:read", body = Detail),
        (status = 404, description = "No such organization or issue", body = Detail),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, issue_id)): Path<(String, String)>,
) -> Result<Json<IssueBody>, ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::EventRead)?;

    let issue = state
        .storage
        .find_issue(organization.id, parse_id(&issue_id)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(IssueBody::from(&issue)))
}

/// What `PUT` accepts.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct IssueInput {
    status: StatusChoice,
}

/// The three states of an issue.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum StatusChoice {
    Resolved,
    Unresolved,
    Ignored,
}

/// Resolves, unresolves or ignores an issue; needs `event:write`.
#[utoipa::path(
    put,
    operation_id = "issues_update",
    path = "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/",
    tag = "issues",
    params(("organization_id_or_slug" = String, Path), ("issue_id" = i64, Path)),
    request_body(content = IssueInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed issue", body = IssueBody),
        (status = 400, description = "The status is not one of the three; nothing changed"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no event:write", body = Detail),
        (status = 404, description = "No such organization or issue", body = Detail),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, issue_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<IssueBody>, ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::EventWrite)?;
    let issue_id = parse_id(&issue_id)?;

    let fields = object(&body)?;
    let status = required_string(&fields, "status")?;
    let status: IssueStatus = status
        .parse()
        .map_err(|_| ApiError::field("status", format!("\"{status}\" is not a valid choice.")))?;

    let issue = state
        .storage
        .set_issue_status(organization.id, issue_id, status)
        .await?;
    Ok(Json(IssueBody::from(&issue)))
}

/// Deletes an issue and its events; needs `event:admin`.
#[utoipa::path(
    delete,
    operation_id = "issues_delete",
    path = "/api/0/organizations/{organization_id_or_slug}/issues/{issue_id}/",
    tag = "issues",
    params(("organization_id_or_slug" = String, Path), ("issue_id" = i64, Path)),
    responses(
        (status = 202, description = "Deleted"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no event:admin", body = Detail),
        (status = 404, description = "No such organization or issue", body = Detail),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, issue_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::EventAdmin)?;

    state
        .storage
        .delete_issue(organization.id, parse_id(&issue_id)?)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

/// An id in a URL; one that is not a number names nothing.
pub fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound)
}

fn parse_query(query: Option<&str>) -> Result<Option<IssueStatus>, ApiError> {
    match query {
        None => Ok(Some(IssueStatus::Unresolved)),
        Some("") => Ok(None),
        Some(query) => query
            .strip_prefix("is:")
            .and_then(|status| status.parse().ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::field("query", "Use is:unresolved, is:resolved or is:ignored.")
            }),
    }
}
