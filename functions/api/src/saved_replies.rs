//! An account's saved replies: the library, found and filled in from the reply box.

use crate::params::QueryPairs;
use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::saved_replies::SavedReply;
use inbox_domain::usecases::{self, Filled};
use inbox_domain::{Action, ConversationId, SavedReplyId};
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(update, remove))
}

/// A saved reply, filled in for the conversation the list was asked for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedReplyView {
    #[serde(flatten)]
    pub reply: SavedReply,
    /// With `conversation_id`: the text with its placeholders filled for that conversation
    /// and the caller, and whether it fits what the network takes.
    pub filled: Option<Filled>,
}

/// `GET /api/saved-replies`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SavedRepliesAnswer {
    pub saved_replies: Vec<SavedReplyView>,
}

#[utoipa::path(get, path = "/api/saved-replies", operation_id = "listSavedReplies", tag = "saved_replies", summary = "The account's saved replies, found by words", description = "Placeholders: `{first_name}`, `{name}`, `{handle}` (the author's), `{agent_name}`, `{agent_first_name}` (the caller's), `{profile_name}` (our channel's).", security(("bearerAuth" = [])), params(("q" = Option<String>, Query, description = "Words of the title or text, in the search language (at most 1000 characters).", max_length = 1000), ("conversation_id" = Option<String>, Query, description = "Fill each reply in for this conversation (one the caller can see; else 404).", pattern = "^[A-Za-z0-9_.-]{1,128}$"), ("action" = Option<String>, Query, description = "`reply` (default) or `dm`: whose length limit `filled.fits` checks.", pattern = "^(reply|dm)$")), responses((status = 200, description = "The replies found, by title.", body = SavedRepliesAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list(State(state): State<AppState>, Caller(viewer): Caller, q: QueryPairs) -> ApiResult<axum::Json<SavedRepliesAnswer>> {
    let query = q.get("q").unwrap_or("");
    if query.chars().count() > 1000 {
        return Err(ApiError::BadRequest("q is at most 1000 characters".into()));
    }
    let action = match q.get("action") {
        None | Some("") | Some("reply") => Action::Reply,
        Some("dm") => Action::Dm,
        Some(_) => return Err(ApiError::BadRequest("action must be reply or dm".into())),
    };
    let conversation = match q.get("conversation_id").filter(|c| !c.is_empty()) {
        Some(c) => Some(ConversationId::parse(c).ok_or_else(|| ApiError::NotFound("conversation".into()))?),
        None => None,
    };
    let found = usecases::list_saved_replies(&state.deps, &viewer, query, conversation.as_ref().map(|c| (c, action))).await?;
    let saved_replies = found.into_iter().map(|(reply, filled)| SavedReplyView { reply, filled }).collect();
    Ok(axum::Json(SavedRepliesAnswer { saved_replies }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewSavedReply {
    /// 1 to 80 characters once trimmed.
    #[schema(max_length = 80, pattern = r"\S")]
    title: String,
    /// 1 to 10,000 characters once trimmed; placeholders in braces.
    #[schema(max_length = 10000, pattern = r"\S")]
    text: String,
}

#[utoipa::path(post, path = "/api/saved-replies", operation_id = "createSavedReply", tag = "saved_replies", summary = "Save a reply for the account", description = "Anyone with inbox access. 422 past 500 replies in the account; 400 for an unknown placeholder.", security(("bearerAuth" = [])), request_body(content = NewSavedReply, content_type = "application/json"), responses((status = 201, description = "The reply.", body = SavedReply), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn create(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<NewSavedReply>,
) -> ApiResult<(StatusCode, axum::Json<SavedReply>)> {
    let reply = usecases::create_saved_reply(&state.deps, &viewer, &body.title, &body.text).await?;
    Ok((StatusCode::CREATED, axum::Json(reply)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SavedReplyPatch)]
struct PatchSavedReply {
    #[schema(max_length = 80, pattern = r"\S")]
    title: Option<String>,
    #[schema(max_length = 10000, pattern = r"\S")]
    text: Option<String>,
    /// The version read: a reply changed since is a 409.
    version: Option<u64>,
}

fn reply_id(id: &str) -> ApiResult<SavedReplyId> {
    SavedReplyId::parse(id).ok_or_else(|| ApiError::NotFound("saved reply".into()))
}

#[utoipa::path(patch, path = "/api/saved-replies/{id}", operation_id = "updateSavedReply", tag = "saved_replies", summary = "Change a saved reply", description = "Its author or an admin.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Saved reply id.", min_length = 1)), request_body(content = PatchSavedReply, content_type = "application/json"), responses((status = 200, description = "The reply after the change.", body = SavedReply), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn update(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<PatchSavedReply>,
) -> ApiResult<axum::Json<SavedReply>> {
    let id = reply_id(&id)?;
    let reply = usecases::update_saved_reply(&state.deps, &viewer, &id, body.title.as_deref(), body.text.as_deref(), body.version).await?;
    Ok(axum::Json(reply))
}

#[utoipa::path(delete, path = "/api/saved-replies/{id}", operation_id = "deleteSavedReply", tag = "saved_replies", summary = "Remove a saved reply", description = "Its author or an admin.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Saved reply id.", min_length = 1)), responses((status = 204, description = "Removed."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn remove(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_saved_reply(&state.deps, &viewer, &reply_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
