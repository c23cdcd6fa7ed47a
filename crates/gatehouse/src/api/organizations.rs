//! `GET /api/0/organizations/` and `GET /api/0/organizations/{org}/`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::pagination::{Page, PageQuery};
use super::{ApiError, Caller};
use crate::domain::timestamp::iso8601;
use crate::domain::{Scope, ScopeSet};
use crate::server::AppState;
use crate::storage::Organization;

/// The organizations the caller may read: for an organization-level token only the one it
/// was issued for.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<Value>>), ApiError> {
    caller.require_own(Scope::OrgRead)?;
    let page = Page::from_query(&query);

    let memberships = state
        .storage
        .list_memberships(caller.bearer.user_id)
        .await?;
    let readable: Vec<Value> = memberships
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
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (organization, access) = reach(&state, &caller, &slug).await?;

    Caller::require(access, Scope::OrgRead)?;
    Ok(Json(serialize(&organization, access)))
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

fn serialize(organization: &Organization, access: ScopeSet) -> Value {
    json!({
        "id": organization.id.to_string(),
        "slug": organization.slug,
        "name": organization.name,
        "dateCreated": iso8601(organization.created_at),
        "status": {"id": "active", "name": "active"},
        "access": access.names(),
    })
}
