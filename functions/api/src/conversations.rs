//! Feed and conversation routes.

use crate::answers::*;
use crate::dto::*;
use crate::params::{QueryPairs, truncate};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/conversations", get(feed))
        .route("/api/conversations/{id}", get(detail))
        .route("/api/conversations/{id}/history", get(history))
        .route("/api/conversations/{id}/post", get(original_post))
        .route("/api/conversations/{id}/seen", post(seen))
        .route("/api/conversations/{id}/status", post(status))
        .route("/api/conversations/{id}/assign", post(assign))
        .route("/api/conversations/{id}/reply", post(reply))
        .route("/api/conversations/{id}/like", post(like))
        .route("/api/conversations/{id}/share", post(share))
        .route("/api/conversations/{id}/dm", post(dm))
        .route("/api/conversations/{id}/notes", post(note))
        .route("/api/conversations/{id}/handover", post(handover))
        .route("/api/conversations/{id}/salesforce-case", post(salesforce_case))
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

async fn feed(State(state): State<AppState>, Caller(viewer): Caller, q: QueryPairs) -> ApiResult<axum::Json<FeedPageAnswer>> {
    let req = feed_request(&state, &viewer, &q).await?;
    let (views, next) = usecases::feed(&state.deps, &viewer, req).await?;
    let next_cursor =
        next.map(|p| cursor::seal(state.config.cursor_key.expose().as_bytes(), viewer.account().as_str(), viewer.user.id.as_str(), &p));
    let conversations: Vec<ConversationDto> = views.into_iter().map(Into::into).collect();
    Ok(axum::Json(FeedPageAnswer { conversations, next_cursor }))
}

async fn detail(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<DetailDto>> {
    let d = usecases::get_conversation(&state.deps, &viewer, &conv_id(&id)?).await?;
    Ok(axum::Json(d.into()))
}

async fn history(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<HistoryAnswer>> {
    let history = usecases::history(&state.deps, &viewer, &conv_id(&id)?).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(HistoryAnswer { history }))
}

/// The post a comment conversation is under: `status` is `ready` (with `post`), `fetching`
/// (ask again shortly), `unavailable` (`post.error` says why) or `none` (not under a post).
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
struct StatusBody {
    status: String,
    #[serde(default)]
    version: Option<u64>,
}

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
struct AssignBody {
    user_id: Option<String>,
    #[serde(default)]
    version: Option<u64>,
}

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
struct TextBody {
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

async fn reply(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Reply, Some(body.text)).await
}

async fn dm(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Dm, Some(body.text)).await
}

async fn like(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Like, None).await
}

async fn share(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, axum::Json<ActionAnswer>)> {
    act(state, viewer, id, Action::Share, None).await
}

async fn note(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<TextBody>,
) -> ApiResult<(StatusCode, axum::Json<NoteDto>)> {
    let n = usecases::add_note(&state.deps, &viewer, &conv_id(&id)?, &body.text).await?;
    Ok((StatusCode::CREATED, axum::Json(n.into())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HandoverBody {
    action: String,
}

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
