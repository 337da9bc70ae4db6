//! The HTTP API: conversations, tabs, notifications, the admin routes for users and profiles,
//! and the integrations (webhook subscriptions, API keys, Zapier REST hooks, Salesforce).
//! Handlers parse, call a use case, and shape the answer; rules live in the domain.

mod admin;
mod answers;
mod conversations;
mod dto;
mod integrations;
mod params;
mod tabs;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};

pub use dto::ConversationDto;

/// The OpenAPI 3.1 document of the whole surface (webhooks included).
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/me", get(me))
        .route("/api/team", get(team))
        .merge(conversations::routes())
        .merge(tabs::routes())
        .route("/api/notifications", get(notifications))
        .route("/api/channels", get(channels))
        .route("/api/notifications/{id}/read", post(read_notification))
        .merge(admin::routes())
        .merge(integrations::routes())
}

async fn openapi() -> impl IntoResponse {
    ([("content-type", "application/json")], OPENAPI_JSON)
}

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
async fn team(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
) -> ApiResult<axum::Json<answers::TeamAnswer>> {
    let users = inbox_domain::usecases::list_team(&state.deps, &viewer).await?;
    let users = users.into_iter().map(|u| answers::TeammateDto { id: u.id, name: u.name, email: u.email }).collect();
    Ok(axum::Json(answers::TeamAnswer { users }))
}

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
async fn channels(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(viewer): Caller,
) -> ApiResult<axum::Json<answers::ChannelsAnswer>> {
    let channels = inbox_domain::usecases::channels(&state.deps, &viewer).await?;
    Ok(axum::Json(answers::ChannelsAnswer { channels }))
}
