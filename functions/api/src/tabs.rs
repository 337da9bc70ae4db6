//! Per-user tabs.

use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::TabId;
use inbox_domain::tabs::{Filters, Tab};
use inbox_domain::usecases::{self, TabPatch};
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(update, remove))
}

#[utoipa::path(get, path = "/api/tabs", operation_id = "listTabs", tag = "tabs", summary = "The caller's tabs (creating the three defaults on first use)", security(("bearerAuth" = [])), responses((status = 200, description = "Tabs by position.", body = crate::answers::TabsAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::TabsAnswer>> {
    Ok(axum::Json(crate::answers::TabsAnswer { tabs: usecases::list_tabs(&state.deps, &viewer).await? }))
}

/// Feed filters as a request gives them: every field may be left out (status defaults to
/// open, lists to all). Read as [`inbox_domain::tabs::Filters`]; this only describes it, as
/// the answer's `Filters` always carries every field.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct FiltersInput {
    #[schema(nullable = false)]
    status: Option<inbox_domain::tabs::StatusFilter>,
    /// `none`, `me`, `any` or a user id.
    assignee: Option<String>,
    #[schema(nullable = false)]
    networks: Option<Vec<inbox_domain::Network>>,
    #[schema(nullable = false)]
    profiles: Option<Vec<inbox_domain::ProfileId>>,
    #[schema(nullable = false)]
    kinds: Option<Vec<inbox_domain::Kind>>,
    sponsored: Option<bool>,
    seen: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
struct NewTab {
    /// 1 to 60 characters once trimmed.
    #[schema(max_length = 60, pattern = r"\S")]
    name: String,
    #[serde(default)]
    #[schema(value_type = FiltersInput)]
    filters: Filters,
    #[serde(default)]
    #[schema(max_length = 1000)]
    query: String,
    #[serde(default)]
    position: Option<u32>,
}

#[utoipa::path(post, path = "/api/tabs", operation_id = "createTab", tag = "tabs", summary = "Add a tab", description = "422 for a profile the caller cannot see, or beyond 50 tabs.", security(("bearerAuth" = [])), request_body(content = NewTab, content_type = "application/json"), responses((status = 201, description = "The new tab.", body = inbox_domain::tabs::Tab), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
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
#[derive(utoipa::ToSchema)]
#[schema(as = TabPatch)]
struct PatchTab {
    /// 1 to 60 characters once trimmed.
    #[schema(max_length = 60, pattern = r"\S")]
    name: Option<String>,
    position: Option<u32>,
    #[schema(value_type = Option<FiltersInput>)]
    filters: Option<Filters>,
    #[schema(max_length = 1000)]
    query: Option<String>,
}

fn tab_id(id: &str) -> ApiResult<TabId> {
    TabId::parse(id).ok_or_else(|| ApiError::NotFound("tab".into()))
}

#[utoipa::path(patch, path = "/api/tabs/{id}", operation_id = "updateTab", tag = "tabs", summary = "Rename, reorder, save filters and query", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Tab id.", min_length = 1)), request_body(content = PatchTab, content_type = "application/json"), responses((status = 200, description = "The tab after the change.", body = inbox_domain::tabs::Tab), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn update(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<PatchTab>,
) -> ApiResult<axum::Json<Tab>> {
    let patch = TabPatch { name: body.name, position: body.position, filters: body.filters, query: body.query };
    Ok(axum::Json(usecases::update_tab(&state.deps, &viewer, &tab_id(&id)?, patch).await?))
}

#[utoipa::path(delete, path = "/api/tabs/{id}", operation_id = "deleteTab", tag = "tabs", summary = "Remove a tab", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Tab id.", min_length = 1)), responses((status = 204, description = "Removed; the other tabs are renumbered."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn remove(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_tab(&state.deps, &viewer, &tab_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
