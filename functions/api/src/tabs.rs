//! Per-user tabs.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use inbox_domain::TabId;
use inbox_domain::tabs::{Filters, Tab};
use inbox_domain::usecases::{self, TabPatch};
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/tabs", get(list).post(create)).route("/api/tabs/{id}", patch(update).delete(remove))
}

async fn list(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::TabsAnswer>> {
    Ok(axum::Json(crate::answers::TabsAnswer { tabs: usecases::list_tabs(&state.deps, &viewer).await? }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTab {
    name: String,
    #[serde(default)]
    filters: Filters,
    #[serde(default)]
    query: String,
    #[serde(default)]
    position: Option<u32>,
}

async fn create(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<NewTab>,
) -> ApiResult<(StatusCode, axum::Json<Tab>)> {
    let tab = usecases::create_tab(&state.deps, &viewer, &body.name, body.filters, &body.query, body.position).await?;
    Ok((StatusCode::CREATED, axum::Json(tab)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchTab {
    name: Option<String>,
    position: Option<u32>,
    filters: Option<Filters>,
    query: Option<String>,
}

fn tab_id(id: &str) -> ApiResult<TabId> {
    TabId::parse(id).ok_or_else(|| ApiError::NotFound("tab".into()))
}

async fn update(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<PatchTab>,
) -> ApiResult<axum::Json<Tab>> {
    let patch = TabPatch { name: body.name, position: body.position, filters: body.filters, query: body.query };
    Ok(axum::Json(usecases::update_tab(&state.deps, &viewer, &tab_id(&id)?, patch).await?))
}

async fn remove(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_tab(&state.deps, &viewer, &tab_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
