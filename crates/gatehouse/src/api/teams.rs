//! `GET /api/0/organizations/{org}/teams/`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::Detail;
use super::organizations::reach;
use super::pagination::{ApiQuery, Page, PageQuery};
use super::{ApiError, Caller};
use crate::domain::Scope;
use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::Team;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamBody {
    id: String,
    slug: String,
    name: String,
    date_created: String,
}

impl From<&Team> for TeamBody {
    fn from(team: &Team) -> Self {
        TeamBody {
            id: team.id.to_string(),
            slug: team.slug.clone(),
            name: team.name.clone(),
            date_created: iso8601(team.created_at),
        }
    }
}

/// The organization's teams; needs `team:read`.
#[utoipa::path(
    get,
    operation_id = "teams_list",
    path = "/api/0/organizations/{organization_id_or_slug}/teams/",
    tag = "teams",
    params(("organization_id_or_slug" = String, Path), PageQuery),
    responses(
        (status = 200, description = "A page of teams", body = [TeamBody]),
        (status = 400, description = "A query parameter is malformed or out of range"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no team:read", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<TeamBody>>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::TeamRead)?;
    let page = Page::from_query(&query)?;

    let teams = state
        .storage
        .list_teams(organization.id, page.fetch_limit(), page.offset())
        .await?;

    let url = format!("{}/api/0/organizations/{org}/teams/", state.settings.issuer);
    let (headers, teams) = page.finish(teams, &url);
    Ok((headers, Json(teams.iter().map(TeamBody::from).collect())))
}
