//! `GET /api/0/organizations/` and `GET /api/0/organizations/{org}/`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::body::{object, optional_string};
use super::openapi::Detail;
use super::pagination::{ApiQuery, Page, PageQuery};
use super::{ApiError, Caller};
use crate::domain::timestamp::iso8601;
use crate::domain::{DisplayName, Scope, ScopeSet, Slug};
use crate::server::AppState;
use crate::storage::{Organization, StorageError};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationBody {
    id: String,
    slug: String,
    name: String,
    date_created: String,
    status: StatusBody,
    /// What the caller may do here: the token's scopes within the user's role.
    access: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    id: String,
    name: String,
}

/// The organizations the caller may read: for an organization-level token only the one it
/// was issued for.
#[utoipa::path(
    get,
    operation_id = "organizations_list",
    path = "/api/0/organizations/",
    tag = "organizations",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of organizations", body = [OrganizationBody]),
        (status = 400, description = "A query parameter is malformed or out of range"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "The token lacks org:read", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<OrganizationBody>>), ApiError> {
    caller.require_own(Scope::OrgRead)?;
    let page = Page::from_query(&query)?;

    let memberships = state
        .storage
        .list_memberships(caller.bearer.user_id)
        .await?;
    let readable: Vec<OrganizationBody> = memberships
        .into_iter()
        .filter(|m| {
            caller
                .bearer
                .organization_id
                .is_none_or(|id| id == m.organization.id)
        })
        .map(|m| {
            (
                caller.bearer.scopes.intersection(m.role.scopes()),
                m.organization,
            )
        })
        .filter(|(access, _)| access.contains(Scope::OrgRead))
        .skip(page.offset() as usize)
        .take(page.fetch_limit() as usize)
        .map(|(access, org)| serialize(&org, access))
        .collect();

    let url = format!("{}/api/0/organizations/", state.settings.issuer);
    let (headers, rows) = page.finish(readable, &url);
    Ok((headers, Json(rows)))
}

/// One organization, with what the caller may do in it.
#[utoipa::path(
    get,
    operation_id = "organizations_show",
    path = "/api/0/organizations/{organization_id_or_slug}/",
    tag = "organizations",
    params(("organization_id_or_slug" = String, Path, description = "The organization's slug")),
    responses(
        (status = 200, description = "The organization", body = OrganizationBody),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of the token's reach, or no org:read", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<OrganizationBody>, ApiError> {
    let (organization, access) = reach(&state, &caller, &slug).await?;

    Caller::require(access, Scope::OrgRead)?;
    Ok(Json(serialize(&organization, access)))
}

/// What `PUT` accepts.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "describes the body for the OpenAPI document only")]
pub struct OrganizationInput {
    /// 1 to 64 characters, not only spaces.
    #[schema(min_length = 1, max_length = 64, pattern = r"\S")]
    name: Option<String>,
    /// A new slug: every API URL of the organization changes with it.
    #[schema(
        max_length = 50,
        pattern = r"^(?:[a-z][a-z0-9-]*|[0-9][a-z0-9-]*[a-z-][a-z0-9-]*)$"
    )]
    slug: Option<String>,
}

/// Renames an organization or changes its slug; needs `org:write`.
#[utoipa::path(
    put,
    operation_id = "organizations_update",
    path = "/api/0/organizations/{organization_id_or_slug}/",
    tag = "organizations",
    params(("organization_id_or_slug" = String, Path, description = "The organization's slug")),
    request_body(content = OrganizationInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The changed organization", body = OrganizationBody),
        (status = 400, description = "A field is wrong; nothing was changed"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no org:write", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
        (status = 409, description = "Another organization has the slug", body = Detail),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Json<OrganizationBody>, ApiError> {
    let (organization, access) = reach(&state, &caller, &slug).await?;
    Caller::require(access, Scope::OrgWrite)?;

    let fields = object(&body)?;
    let name = optional_string(&fields, "name")?
        .map(|name| DisplayName::parse(name, "name", 64))
        .transpose()
        .map_err(|error| ApiError::field("name", error.to_string()))?;
    let new_slug = optional_string(&fields, "slug")?
        .map(Slug::parse)
        .transpose()
        .map_err(|error| ApiError::field("slug", error.to_string()))?;

    let updated = state
        .storage
        .update_organization(organization.id, name.as_ref(), new_slug.as_ref())
        .await
        .map_err(|error| match error {
            StorageError::Conflict => {
                ApiError::Conflict("An organization with this slug already exists.")
            }
            other => other.into(),
        })?;
    Ok(Json(serialize(&updated, access)))
}

/// The organization named in a URL, and the caller's access in it. An unknown slug and an
/// organization out of the token's reach are told apart (404, 403) as Sentry does.
pub async fn reach(
    state: &AppState,
    caller: &Caller,
    slug: &str,
) -> Result<(Organization, ScopeSet), ApiError> {
    let organization = state
        .storage
        .find_organization_by_slug(slug)
        .await?
        .ok_or(ApiError::NotFound)?;
    let access = caller.access_in(state, &organization).await?;
    Ok((organization, access))
}

fn serialize(organization: &Organization, access: ScopeSet) -> OrganizationBody {
    OrganizationBody {
        id: organization.id.to_string(),
        slug: organization.slug.clone(),
        name: organization.name.clone(),
        date_created: iso8601(organization.created_at),
        status: StatusBody {
            id: "active".into(),
            name: "active".into(),
        },
        access: access.names().into_iter().map(String::from).collect(),
    }
}
