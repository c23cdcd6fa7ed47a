//! `GET /api/0/projects/{org}/{project}/events/{event_id}/`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::Detail;
use super::projects::reach_project;
use super::{ApiError, Caller};
use crate::domain::Scope;
use crate::domain::timestamp::iso8601;
use crate::server::AppState;
use crate::storage::Event;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    /// The event's 32-hex-digit id.
    id: String,
    #[serde(rename = "eventID")]
    event_id: String,
    #[serde(rename = "groupID")]
    group_id: String,
    #[serde(rename = "projectID")]
    project_id: String,
    message: String,
    platform: String,
    date_created: String,
    tags: Vec<TagBody>,
    entries: Vec<EntryBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagBody {
    key: String,
    value: String,
}

/// An event's stack trace, as Sentry's `exception` entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryBody {
    /// Always "exception".
    r#type: String,
    data: ExceptionData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionData {
    values: Vec<ExceptionValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionValue {
    value: String,
    stacktrace: StackTrace,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StackTrace {
    frames: Vec<FrameBody>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameBody {
    filename: String,
    function: String,
    line_no: u32,
    in_app: bool,
}

impl From<&Event> for EventBody {
    fn from(event: &Event) -> Self {
        let frames = event
            .frames
            .iter()
            .map(|frame| FrameBody {
                filename: frame.filename.clone(),
                function: frame.function.clone(),
                line_no: frame.lineno,
                in_app: frame.in_app,
            })
            .collect();
        EventBody {
            id: event.event_id.clone(),
            event_id: event.event_id.clone(),
            group_id: event.issue_id.to_string(),
            project_id: event.project_id.to_string(),
            message: event.message.clone(),
            platform: event.platform.clone(),
            date_created: iso8601(event.occurred_at),
            tags: event
                .tags
                .iter()
                .map(|(key, value)| TagBody {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
            entries: vec![EntryBody {
                r#type: "exception".into(),
                data: ExceptionData {
                    values: vec![ExceptionValue {
                        value: event.message.clone(),
                        stacktrace: StackTrace { frames },
                    }],
                },
            }],
        }
    }
}

/// One event of a project; needs `event:read`.
#[utoipa::path(
    get,
    operation_id = "events_show",
    path = "/api/0/projects/{organization_id_or_slug}/{project_id_or_slug}/events/{event_id}/",
    tag = "events",
    params(
        ("organization_id_or_slug" = String, Path),
        ("project_id_or_slug" = String, Path),
        ("event_id" = String, Path, description = "32 hexadecimal digits"),
    ),
    responses(
        (status = 200, description = "The event", body = EventBody),
        (status = 401, description = "No token, or one that does not work", body = Detail),
        (status = 403, description = "Out of reach, or no event:read", body = Detail),
        (status = 404, description = "No such organization, project or event", body = Detail),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, project, event_id)): Path<(String, String, String)>,
) -> Result<Json<EventBody>, ApiError> {
    let (_, project, access) = reach_project(&state, &caller, &org, &project).await?;
    Caller::require(access, Scope::EventRead)?;

    let event = state
        .storage
        .find_event(project.id, &event_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(EventBody::from(&event)))
}
