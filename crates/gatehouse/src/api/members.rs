//! `GET /api/0/organizations/{org}/members/`.

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
use crate::storage::Member;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberBody {
    id: String,
    email: String,
    name: String,
    /// member, admin, manager or owner.
    role: String,
    date_created: String,
}

impl From<&Member> for MemberBody {
    fn from(member: &Member) -> Self {
        MemberBody {
            id: member.user_id.to_string(),
            email: member.email.clone(),
            name: member.name.clone(),
            role: member.role.as_str().to_owned(),
            date_created: iso8601(member.joined_at),
        }
    }
}

/// The organization's members with their roles; needs `member:read`.
#[utoipa::path(
    get,
    operation_id = "members_list",
    path = "/api/0/organizations/{organization_id_or_slug}/members/",
    tag = "members",
    params(("organization_id_or_slug" = String, Path), PageQuery),
    responses(
        (status = 200, description = "A page of members", body = [MemberBody]),
        (status = 400, description = "A query parameter is malformed or out of range"),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no member:read", body = Detail),
        (status = 404, description = "No such organization", body = Detail),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<MemberBody>>), ApiError> {
    let (organization, access) = reach(&state, &caller, &org).await?;
    Caller::require(access, Scope::MemberRead)?;
    let page = Page::from_query(&query)?;

    let members = state
        .storage
        .list_members(organization.id, page.fetch_limit(), page.offset())
        .await?;

    let url = format!(
        "{}/api/0/organizations/{org}/members/",
        state.settings.issuer
    );
    let (headers, members) = page.finish(members, &url);
    Ok((
        headers,
        Json(members.iter().map(MemberBody::from).collect()),
    ))
}
