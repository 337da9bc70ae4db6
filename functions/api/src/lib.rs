//! The HTTP API: conversations, tabs, notifications, the admin routes for users and profiles,
//! and the integrations (webhook subscriptions, API keys, Zapier REST hooks, Salesforce).
//! Handlers parse, call a use case, and shape the answer; rules live in the domain.

mod admin;
mod answers;
mod connect;
mod conversations;
mod dto;
mod integrations;
mod mail;
mod params;
mod saved_replies;
mod tabs;

use axum::Router;
use axum::response::IntoResponse;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::openapi::{__path_health, Shared};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use dto::ConversationDto;

/// The API's routes, each with its OpenAPI operation (`#[utoipa::path]` on the handler): the
/// router and the document are built from the same list, so neither has a route the other
/// lacks.
fn openapi_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi))
        .routes(routes!(me))
        .routes(routes!(team))
        .merge(conversations::routes())
        .merge(tabs::routes())
        .merge(saved_replies::routes())
        .routes(routes!(notifications))
        .routes(routes!(channels))
        .routes(routes!(read_notification))
        .merge(admin::routes())
        .merge(connect::routes())
        .merge(mail::routes())
        .merge(integrations::routes())
}

pub fn router() -> Router<AppState> {
    openapi_router().split_for_parts().0
}

/// The document's frame: what the API is, its tags, `/health`, and the parts every function
/// shares (error responses, security schemes).
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Social inbox", version = "0.1.0", description = "The whole HTTP surface: platform webhooks, the user API (bearer JWT) and the admin routes. Every error is JSON: `{\"error\":{\"code\":\"snake_case_code\",\"message\":\"...\"}}`. An unknown route is a 404 and a known route with another method a 405, both in that shape.", license(name = "Apache-2.0", identifier = "Apache-2.0")),
    tags((name = "meta"), (name = "webhooks"), (name = "me"), (name = "team"), (name = "conversations"), (name = "tabs"), (name = "saved_replies"), (name = "notifications"), (name = "admin"), (name = "integrations"), (name = "zapier")),
    paths(health),
    modifiers(&Shared)
)]
struct Frame;

/// The OpenAPI 3.1 document of the whole surface (webhooks and `/health` included), generated
/// from the handlers and the types they take and answer with; built once.
pub fn openapi_document() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        use utoipa::OpenApi as _;
        let mut doc =
            Frame::openapi().merge_from(fn_webhook::openapi_router().split_for_parts().1).merge_from(openapi_router().split_for_parts().1);
        inbox_web::openapi::close_objects(&mut doc);
        serde_json::to_string_pretty(&doc).expect("the document serialises")
    })
}

#[utoipa::path(get, path = "/api/openapi.json", operation_id = "openapi", tag = "meta", summary = "This document", responses((status = 200, description = "The OpenAPI 3.1 document.", body = Object)))]
async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/json")], openapi_document())
}

#[utoipa::path(get, path = "/api/me", operation_id = "getMe", tag = "me", summary = "The caller, their profiles and permissions", security(("bearerAuth" = [])), responses((status = 200, description = "The caller.", body = crate::answers::MeAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn me(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
) -> ApiResult<axum::Json<answers::MeAnswer>> {
    let account = state.deps.directory.get_account(viewer.account()).await?;
    let profiles = state.deps.directory.list_profiles(viewer.account()).await?;
    // What the page offers: a Salesforce Case only where the admins connected Salesforce.
    let salesforce = state.deps.salesforce.get_connection(viewer.account()).await?.is_some();
    let visible: Vec<_> = profiles.iter().filter(|p| viewer.profiles.contains(&p.id)).map(dto::ProfileDto::from).collect();
    Ok(axum::Json(answers::MeAnswer {
        permissions: answers::Permissions { admin: viewer.is_admin(), inbox_access: viewer.user.inbox_access },
        user: viewer.user,
        account: account.map(|a| answers::AccountRef { id: a.id, name: a.name }),
        profiles: visible,
        integrations: answers::IntegrationFlags { salesforce },
    }))
}

/// Every signed-in user's view of their team: names and emails, for @mentions and the
/// assignee picker (`/api/users`, with roles and profiles, stays admin-only).
#[utoipa::path(get, path = "/api/team", operation_id = "listTeam", tag = "team", summary = "The users of the caller's account, for @mentions and the assignee picker", description = "Any signed-in user (unlike the admin-only `/api/users`): each user's id, name and email only, sorted by name.", security(("bearerAuth" = [])), responses((status = 200, description = "The team.", body = crate::answers::TeamAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn team(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
) -> ApiResult<axum::Json<answers::TeamAnswer>> {
    let users = inbox_domain::usecases::list_team(&state.deps, &viewer).await?;
    let users = users.into_iter().map(|u| answers::TeammateDto { id: u.id, name: u.name, email: u.email }).collect();
    Ok(axum::Json(answers::TeamAnswer { users }))
}

#[utoipa::path(get, path = "/api/notifications", operation_id = "listNotifications", tag = "notifications", summary = "The caller's in-app notifications, newest first", security(("bearerAuth" = [])), params(("limit" = Option<u32>, Query, description = "At most this many, 1 to 100.", minimum = 1, maximum = 100)), responses((status = 200, description = "Notifications.", body = crate::answers::NotificationsAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn notifications(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
    q: params::QueryPairs,
) -> ApiResult<axum::Json<answers::NotificationsAnswer>> {
    let limit = q.limit(50)?;
    let list = inbox_domain::usecases::list_notifications(&state.deps, &viewer, limit).await?;
    let unread = list.iter().filter(|n| !n.read).count();
    Ok(axum::Json(answers::NotificationsAnswer { notifications: list, unread }))
}

#[utoipa::path(post, path = "/api/notifications/{id}/read", operation_id = "readNotification", tag = "notifications", summary = "Mark a notification read", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Notification id.", min_length = 1)), responses((status = 200, description = "Read.", body = crate::answers::ReadAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn read_notification(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
    inbox_web::path::Path(id): inbox_web::path::Path<String>,
) -> ApiResult<axum::Json<answers::ReadAnswer>> {
    let id = inbox_domain::NotificationId::parse(&id).ok_or_else(|| ApiError::NotFound("notification".into()))?;
    inbox_domain::usecases::read_notification(&state.deps, &viewer, &id).await?;
    Ok(axum::Json(answers::ReadAnswer { id, read: true }))
}

/// The health of each channel the caller can see: last event, quiet flag, token, polling.
#[utoipa::path(get, path = "/api/channels", operation_id = "listChannels", tag = "me", summary = "Channel health of the caller's profiles", description = "For each profile the caller can see: when it last received an event, whether it has gone quiet (nothing for three times its usual gap between events, and at least an hour), the token's state, and its polling schedule (LinkedIn, YouTube, X reconciliation).", security(("bearerAuth" = [])), responses((status = 200, description = "The channels.", body = crate::answers::ChannelsAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn channels(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
) -> ApiResult<axum::Json<answers::ChannelsAnswer>> {
    let channels = inbox_domain::usecases::channels(&state.deps, &viewer).await?;
    Ok(axum::Json(answers::ChannelsAnswer { channels }))
}
