//! Feed and conversation routes.

use crate::answers::*;
use crate::dto::*;
use crate::params::{QueryPairs, truncate};
use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::messages::HandoverOp;
use inbox_domain::tabs::{AssigneeFilter, Filters, StatusFilter};
use inbox_domain::usecases::{self, FeedRequest, Viewer};
use inbox_domain::*;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::cursor;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(feed))
        .routes(routes!(detail))
        .routes(routes!(history))
        .routes(routes!(original_post))
        .routes(routes!(seen))
        .routes(routes!(status))
        .routes(routes!(assign))
        .routes(routes!(reply))
        .routes(routes!(like))
        .routes(routes!(share))
        .routes(routes!(dm))
        .routes(routes!(note))
        .routes(routes!(handover))
        .routes(routes!(salesforce_case))
}

fn conv_id(id: &str) -> ApiResult<ConversationId> {
    ConversationId::parse(id).ok_or_else(|| ApiError::NotFound("conversation".into()))
}

/// Filters from the query string, over a tab's saved ones when `tab` is given. Filters sent
/// with the request but not saved apply to this request only.
pub async fn feed_request(state: &AppState, viewer: &Viewer, q: &QueryPairs) -> ApiResult<FeedRequest> {
    let (mut filters, mut query) = match q.get("tab") {
        Some(tab) => {
            let id = TabId::parse(tab).ok_or_else(|| ApiError::NotFound("tab".into()))?;
            let tab = usecases::get_tab(&state.deps, viewer, &id).await?;
            (tab.filters, tab.query)
        }
        None => (Filters::default(), String::new()),
    };
    if let Some(s) = q.get("status") {
        filters.status = StatusFilter::parse(s).ok_or_else(|| ApiError::BadRequest("status must be open, closed or any".into()))?;
    }
    if let Some(a) = q.get("assignee") {
        filters.assignee = if a.is_empty() {
            None
        } else {
            Some(AssigneeFilter::parse(a).ok_or_else(|| ApiError::BadRequest("assignee must be none, me, any or a user id".into()))?)
        };
    }
    if let Some(n) = q.parsed_list("network", "a network (twitter, facebook, instagram, linkedin, youtube)", Network::parse)? {
        filters.networks = n;
    }
    if let Some(p) = q.parsed_list("profile", "a profile id", ProfileId::parse)? {
        filters.profiles = p;
    }
    if let Some(k) = q.parsed_list("kind", "a kind (mention, reply, comment, tag, dm)", Kind::parse)? {
        filters.kinds = k;
    }
    if q.get("sponsored").is_some() {
        filters.sponsored = q.bool("sponsored")?;
    }
    if q.get("seen").is_some() {
        filters.seen = q.bool("seen")?;
    }
    if let Some(s) = q.get("q") {
        query = inbox_domain::tabs::validate_query(s).map_err(ApiError::BadRequest)?;
    }
    let after = match q.get("cursor") {
        None | Some("") => None,
        Some(c) => Some(
            cursor::open(state.config.cursor_key.expose().as_bytes(), viewer.account().as_str(), viewer.user.id.as_str(), c).ok_or_else(
                || ApiError::BadRequest(format!("cursor \"{}\" was not issued for this request; start again without it", truncate(c))),
            )?,
        ),
    };
    Ok(FeedRequest { filters, query, after, limit: q.limit(25)? })
}

#[utoipa::path(get, path = "/api/conversations", operation_id = "listConversations", tag = "conversations", summary = "A feed of conversations", description = "`tab=<id>` or ad-hoc filters, a search `q`, and `cursor`/`limit` paging. The query string is at most 8192 bytes.", security(("bearerAuth" = [])), params(("tab" = Option<String>, Query, description = "Start from this tab's saved filters and query; the other parameters override them for this request only. An unknown tab is a 404.", pattern = "^[A-Za-z0-9_.-]{1,128}$"), ("status" = Option<inbox_domain::tabs::StatusFilter>, Query, description = "`open` (default), `closed` or `any`."), ("assignee" = Option<String>, Query, description = "`none`, `me`, `any` or a user id; empty means no assignee filter.", pattern = "^[A-Za-z0-9_.-]{0,128}$"), ("network" = Option<Vec<inbox_domain::Network>>, Query, description = "Networks to include (repeat the parameter or separate with commas).", style = Form, explode), ("profile" = Option<Vec<String>>, Query, description = "Profile ids to include (repeat or comma-separate).", style = Form, explode), ("kind" = Option<Vec<inbox_domain::Kind>>, Query, description = "Kinds to include (repeat or comma-separate).", style = Form, explode), ("sponsored" = Option<bool>, Query, description = "Only sponsored (true) or organic (false) conversations."), ("seen" = Option<bool>, Query, description = "Only conversations the caller has (true) or has not (false) seen."), ("q" = Option<String>, Query, description = "A search query (at most 1000 characters).", max_length = 1000), ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page; one not issued to the caller is a 400.", max_length = 512), ("limit" = Option<u32>, Query, description = "Page size, 1 to 100.", minimum = 1, maximum = 100)), responses((status = 200, description = "A page of the feed, newest activity first.", body = crate::answers::FeedPageAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn feed(State(state): State<AppState>, Caller(viewer): Caller, q: QueryPairs) -> ApiResult<axum::Json<FeedPageAnswer>> {
    let req = feed_request(&state, &viewer, &q).await?;
    let (views, next) = usecases::feed(&state.deps, &viewer, req).await?;
    let next_cursor =
        next.map(|p| cursor::seal(state.config.cursor_key.expose().as_bytes(), viewer.account().as_str(), viewer.user.id.as_str(), &p));
    let conversations: Vec<ConversationDto> = views.into_iter().map(Into::into).collect();
    Ok(axum::Json(FeedPageAnswer { conversations, next_cursor }))
}

#[utoipa::path(get, path = "/api/conversations/{id}", operation_id = "getConversation", tag = "conversations", summary = "One conversation with its items and notes", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 200, description = "The conversation.", body = crate::dto::DetailDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn detail(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<DetailDto>> {
    let d = usecases::get_conversation(&state.deps, &viewer, &conv_id(&id)?).await?;
    Ok(axum::Json(d.into()))
}

#[utoipa::path(get, path = "/api/conversations/{id}/history", operation_id = "getConversationHistory", tag = "conversations", summary = "The conversation's audit log", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 200, description = "History, oldest first.", body = crate::answers::HistoryAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn history(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<HistoryAnswer>> {
    let history = usecases::history(&state.deps, &viewer, &conv_id(&id)?).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(HistoryAnswer { history }))
}

/// The post a comment conversation is under: `status` is `ready` (with `post`), `fetching`
/// (ask again shortly), `unavailable` (`post.error` says why) or `none` (not under a post).
#[utoipa::path(get, path = "/api/conversations/{id}/post", operation_id = "getOriginalPost", tag = "conversations", summary = "The original post of a comment conversation", description = "Read from the cache; a missing or old copy is read from the network in the background (the API never waits on a network). `status`: `ready` (with `post`), `fetching` (ask again in a moment; however often it is asked, one read is queued), `unavailable` (`post.error` says why, in words), `none` (the conversation is not under a post: a DM, an X mention, a tag in a post). Instagram mentions show the media that mentions the account; Facebook tags in a comment, the post of that comment.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 200, description = "The post, or where its fetch stands.", body = crate::answers::OriginalPostAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn original_post(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<OriginalPostAnswer>> {
    use usecases::OriginalPost;
    Ok(axum::Json(match usecases::original_post(&state.deps, &viewer, &conv_id(&id)?).await? {
        OriginalPost::NotAPost => OriginalPostAnswer { status: PostStatus::None, post: None },
        OriginalPost::Fetching => OriginalPostAnswer { status: PostStatus::Fetching, post: None },
        OriginalPost::Ready(p) => OriginalPostAnswer {
            status: if p.error.is_some() { PostStatus::Unavailable } else { PostStatus::Ready },
            post: Some(PostDto::from(p)),
        },
    }))
}

#[utoipa::path(post, path = "/api/conversations/{id}/seen", operation_id = "markConversationSeen", tag = "conversations", summary = "Mark seen for the caller", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 200, description = "The conversation as the caller now sees it.", body = crate::dto::ConversationDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn seen(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<ConversationDto>> {
    Ok(axum::Json(usecases::mark_seen(&state.deps, &viewer, &conv_id(&id)?).await?.into()))
}

/// The conversation as the caller sees it now.
async fn view(state: &AppState, viewer: &Viewer, c: Conversation) -> ApiResult<ConversationDto> {
    let seen_at = state.deps.conversations.seen_at(&viewer.user.id, &c.id).await?;
    Ok(usecases::ConversationView::new(c, seen_at).into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = StatusRequest)]
struct StatusBody {
    #[schema(value_type = inbox_domain::Status)]
    status: String,
    /// The conversation's `version` as last seen; a different current version is a 409.
    #[serde(default)]
    version: Option<u64>,
}

#[utoipa::path(post, path = "/api/conversations/{id}/status", operation_id = "setConversationStatus", tag = "conversations", summary = "Open or close", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = StatusBody, content_type = "application/json"), responses((status = 200, description = "The conversation after the change.", body = crate::dto::ConversationDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn status(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<StatusBody>,
) -> ApiResult<axum::Json<ConversationDto>> {
    let id = conv_id(&id)?;
    let status = Status::parse(&body.status).ok_or_else(|| ApiError::BadRequest("status must be \"open\" or \"closed\"".into()))?;
    let c = usecases::set_status(&state.deps, &viewer, &id, status, body.version).await?;
    Ok(axum::Json(view(&state, &viewer, c).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = AssignRequest)]
struct AssignBody {
    /// The assignee, or null to unassign.
    user_id: Option<String>,
    /// The conversation's `version` as last seen; a different current version is a 409.
    #[serde(default)]
    version: Option<u64>,
}

#[utoipa::path(post, path = "/api/conversations/{id}/assign", operation_id = "assignConversation", tag = "conversations", summary = "Assign or unassign", description = "422 when the user is not in the account or lacks inbox access or access to the conversation's profile.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = AssignBody, content_type = "application/json"), responses((status = 200, description = "The conversation after the change.", body = crate::dto::ConversationDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn assign(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<AssignBody>,
) -> ApiResult<axum::Json<ConversationDto>> {
    let id = conv_id(&id)?;
    let target = match body.user_id.as_deref() {
        None => None,
        Some(u) => {
            Some(UserId::parse(u).ok_or_else(|| ApiError::Unprocessable(format!("there is no user {} in this account", truncate(u))))?)
        }
    };
    let c = usecases::assign(&state.deps, &viewer, &id, target, body.version).await?;
    Ok(axum::Json(view(&state, &viewer, c).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = TextRequest)]
struct TextBody {
    /// Not blank; trimmed; the network's length limit applies (a 422 beyond it).
    #[schema(pattern = r"\S")]
    text: String,
}

async fn act(
    state: AppState,
    viewer: Viewer,
    id: String,
    action: Action,
    text: Option<String>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    let (c, item) = usecases::act(&state.deps, &viewer, &conv_id(&id)?, action, text).await?;
    let conversation = view(&state, &viewer, c).await?;
    // 202: stored as pending; the actions worker sends it and records the outcome on the item.
    Ok((StatusCode::ACCEPTED, axum::Json(ActionAnswer { item: ItemDto::from(item), conversation })))
}

#[utoipa::path(post, path = "/api/conversations/{id}/reply", operation_id = "replyToConversation", tag = "conversations", summary = "Reply publicly (assigns the conversation to the replier)", description = "422 when the network does not allow this action on this conversation, the text is too long for the network, or a messaging window closed.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = TextBody, content_type = "application/json"), responses((status = 202, description = "Accepted: the outbound item is stored as `pending` and sent by the actions worker.", body = crate::answers::ActionAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn reply(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Reply, Some(body.text)).await
}

#[utoipa::path(post, path = "/api/conversations/{id}/dm", operation_id = "dmConversation", tag = "conversations", summary = "Send the author a direct message", description = "422 when the network does not allow this action on this conversation, the text is too long for the network, or a messaging window closed.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = TextBody, content_type = "application/json"), responses((status = 202, description = "Accepted: the outbound item is stored as `pending` and sent by the actions worker.", body = crate::answers::ActionAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn dm(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Dm, Some(body.text)).await
}

#[utoipa::path(post, path = "/api/conversations/{id}/like", operation_id = "likeConversation", tag = "conversations", summary = "Like the conversation's post or comment", description = "422 when the network does not allow this action on this conversation, or it was done already.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 202, description = "Accepted: the outbound item is stored as `pending` and sent by the actions worker.", body = crate::answers::ActionAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn like(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Like, None).await
}

#[utoipa::path(post, path = "/api/conversations/{id}/share", operation_id = "shareConversation", tag = "conversations", summary = "Share (retweet) the conversation's post", description = "422 when the network does not allow this action on this conversation, or it was done already.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 202, description = "Accepted: the outbound item is stored as `pending` and sent by the actions worker.", body = crate::answers::ActionAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn share(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Share, None).await
}

#[utoipa::path(post, path = "/api/conversations/{id}/notes", operation_id = "addConversationNote", tag = "conversations", summary = "Add an internal note (`@name` mentions notify)", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = TextBody, content_type = "application/json"), responses((status = 201, description = "The note.", body = crate::dto::NoteDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn note(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<NoteDto>)> {
    let n = usecases::add_note(&state.deps, &viewer, &conv_id(&id)?, &body.text).await?;
    Ok((StatusCode::CREATED, axum::Json(n.into())))
}

/// The handover actions, as the OpenAPI document offers them (the body is read as a string, so
/// that another word gets a 400 that names the two).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum HandoverAction {
    Take,
    Release,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = HandoverRequest)]
struct HandoverBody {
    #[schema(value_type = HandoverAction)]
    action: String,
}

#[utoipa::path(post, path = "/api/conversations/{id}/handover", operation_id = "conversationHandover", tag = "conversations", summary = "Messenger thread control (take or release)", description = "Messenger thread control: `take` asks the Graph API to make the inbox the thread owner; `release` passes the thread back to the Page's chatbot (its `bot_app_id`). The call is queued (202); the conversation's history records the outcome and `thread_owner` changes when it succeeds. 422 for conversations other than Messenger ones, or `release` on a Page without a chatbot.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), request_body(content = HandoverBody, content_type = "application/json"), responses((status = 202, description = "Queued; the conversation as it is now.", body = crate::dto::ConversationDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn handover(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<HandoverBody>,
) -> ApiResult<(StatusCode, axum::Json<ConversationDto>)> {
    let op = match body.action.as_str() {
        "take" => HandoverOp::Take,
        "release" => HandoverOp::PassToBot,
        _ => return Err(ApiError::BadRequest("action must be \"take\" or \"release\"".into())),
    };
    let c = usecases::handover(&state.deps, &viewer, &conv_id(&id)?, op).await?;
    // 202: the Graph API call is queued; the conversation's history shows its outcome.
    Ok((StatusCode::ACCEPTED, axum::Json(view(&state, &viewer, c).await?)))
}

/// Makes the conversation's Salesforce Case: 201 when made now, 200 with the one it has
/// (a retried request makes nothing twice).
#[utoipa::path(post, path = "/api/conversations/{id}/salesforce-case", operation_id = "createSalesforceCase", tag = "conversations", summary = "Create a Salesforce Case from the conversation", description = "Any user who can see the conversation. 201 with the new Case; 200 with the Case it has already (a retried request makes nothing twice); 409 while another request is making it; 422 while Salesforce is not connected or its credentials need reconnecting; 502 when Salesforce refuses the Case or does not answer (its words in the message).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id.", min_length = 1)), responses((status = 200, description = "The Case it had already.", body = crate::answers::CaseAnswer), (status = 201, description = "The Case, made now.", body = crate::answers::CaseAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 502, response = inbox_web::openapi::BadGateway), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn salesforce_case(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<CaseAnswer>)> {
    let (c, created) = inbox_domain::usecases::integrations::create_case(&state.deps, &viewer, &conv_id(&id)?).await?;
    let case = c.salesforce_case.clone();
    let conversation = view(&state, &viewer, c).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(CaseAnswer { case, created, conversation })))
}
