//! Connecting channels through the networks' sign-in (admins): the sign-ins offered, starting
//! one, finishing it when the network sends the admin back (the page posts the callback's
//! `state` and `code`), and connecting the presences picked.

use crate::dto::ProfileDto;
use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::usecases::{self, CandidateView, SignInOption, SubscriptionOutcome};
use inbox_domain::*;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(sign_ins)).routes(routes!(start)).routes(routes!(callback)).routes(routes!(connect_presences))
}

/// `GET /api/connect/networks`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SignInsAnswer {
    networks: Vec<SignInOption>,
}

#[utoipa::path(get, path = "/api/connect/networks", operation_id = "listSignIns", tag = "admin", summary = "The networks' sign-ins a channel may be connected through", description = "Admins only (403 otherwise). Facebook Login connects Facebook Pages and the Instagram business accounts linked to them. A network this deployment is not registered with says what to set in `hint`.", security(("bearerAuth" = [])), responses((status = 200, description = "The sign-ins.", body = SignInsAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn sign_ins(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<SignInsAnswer>> {
    Ok(axum::Json(SignInsAnswer { networks: usecases::sign_in_options(&state.deps, &viewer)? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConnectRequest)]
struct StartBody {
    /// `facebook` (Facebook Login: Pages and their Instagram accounts), `twitter`, `linkedin` or `youtube`.
    network: Network,
    /// The profile to give a new token (a reconnection); none to connect new channels.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9_.-]{1,128}$")]
    profile_id: Option<String>,
}

/// A started sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConnectStarted)]
struct StartAnswer {
    #[schema(value_type = String)]
    flow_id: FlowId,
    /// The network's consent page: send the admin's browser there.
    authorize_url: String,
    /// The sign-in must come back before this.
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    expires_at: Timestamp,
}

#[utoipa::path(post, path = "/api/connect", operation_id = "startConnect", tag = "admin", summary = "Start connecting (or reconnecting) a channel through its network's sign-in", description = "Admins only (403 otherwise). Answers the network's consent page, for this admin only: the network sends the browser back to `<web inbox>/connect/callback` with `state` and `code`, which the page posts to `/api/connect/callback` within 10 minutes. With `profile_id`, the sign-in gives that profile a new token. 422 when the deployment is not registered with the network (in words: what to set).", security(("bearerAuth" = [])), request_body(content = StartBody, content_type = "application/json"), responses((status = 201, description = "Started.", body = StartAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn start(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    headers: axum::http::HeaderMap,
    Json(body): Json<StartBody>,
) -> ApiResult<(StatusCode, axum::Json<StartAnswer>)> {
    let reconnect = match body.profile_id {
        Some(id) => Some(ProfileId::parse(&id).ok_or_else(|| ApiError::NotFound("profile".into()))?),
        None => None,
    };
    // Where the page is, when the deployment was not told (its `Origin`): only ever a
    // redirect address, which the network accepts only if it is registered with the app.
    let origin = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok()).filter(|o| is_origin(o));
    let s = usecases::start_connect(&state.deps, &viewer, body.network, reconnect, origin).await?;
    Ok((StatusCode::CREATED, axum::Json(StartAnswer { flow_id: s.flow_id, authorize_url: s.authorize_url, expires_at: s.expires_at })))
}

/// `scheme://host[:port]`, nothing more.
fn is_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else { return false };
    !rest.is_empty()
        && rest.len() <= 253
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConnectCallback)]
struct CallbackBody {
    /// As the network sent it back.
    #[schema(min_length = 1, max_length = 300)]
    state: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    code: Option<String>,
    /// The network's refusal (`access_denied` when the admin cancelled).
    #[serde(default)]
    #[schema(max_length = 300)]
    error: Option<String>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    error_description: Option<String>,
}

/// A finished sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConnectSignedIn)]
struct CallbackAnswer {
    #[schema(value_type = String)]
    flow_id: FlowId,
    network: Network,
    /// The profile this sign-in reconnected, if it was a reconnection.
    #[schema(required = true)]
    reconnected: Option<ProfileDto>,
    /// What the signed-in account may connect; pick with `POST /api/connect/{flow_id}/profiles`.
    candidates: Vec<CandidateView>,
}

#[utoipa::path(post, path = "/api/connect/callback", operation_id = "finishSignIn", tag = "admin", summary = "Finish a sign-in: the network's callback, posted by the admin's page", description = "Admins only, and only the admin who started the sign-in. The state is spent on first use: a callback with an unknown, spent, expired or another admin's state is 422 and changes nothing. The code is exchanged for the network's token, which is asked what it may connect (Pages and their Instagram accounts; the X account; the LinkedIn organisations the member administers; the YouTube channel). A reconnection gives its profile the new token at once. 502 when the network cannot be reached.", security(("bearerAuth" = [])), request_body(content = CallbackBody, content_type = "application/json"), responses((status = 200, description = "Signed in.", body = CallbackAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 502, response = inbox_web::openapi::BadGateway), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn callback(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<CallbackBody>,
) -> ApiResult<axum::Json<CallbackAnswer>> {
    if body.state.len() > 300
        || body.error.as_ref().is_some_and(|e| e.len() > 300)
        || body.error_description.as_ref().is_some_and(|e| e.len() > 1000)
    {
        return Err(ApiError::BadRequest("state, error or error_description is too long".into()));
    }
    let cb = usecases::Callback { state: body.state, code: body.code, error: body.error, error_description: body.error_description };
    let done = usecases::finish_sign_in(&state.deps, &viewer, cb).await?;
    Ok(axum::Json(CallbackAnswer {
        flow_id: done.flow_id,
        network: done.network,
        reconnected: done.reconnected.as_ref().map(ProfileDto::from),
        candidates: done.candidates,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PresenceRef {
    network: Network,
    #[schema(min_length = 1, max_length = 200)]
    external_id: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ConnectPick)]
struct PickBody {
    /// The presences to connect, among the sign-in's candidates.
    #[schema(min_items = 1, max_items = 100)]
    presences: Vec<PresenceRef>,
}

/// The profiles a sign-in connected.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConnectedProfiles)]
struct PickAnswer {
    profiles: Vec<ProfileDto>,
    /// What connecting each did about its webhooks.
    subscriptions: Vec<SubscriptionOutcome>,
}

#[utoipa::path(post, path = "/api/connect/{flow_id}/profiles", operation_id = "connectPresences", tag = "admin", summary = "Connect the presences picked from a finished sign-in", description = "Admins only, and only the admin who signed in, within 15 minutes of signing in, once. Each presence becomes a profile with its own token (a Page's token for a Page and its Instagram account), sealed before it is stored; Facebook Pages are subscribed to the inbox's webhooks (and X accounts to Account Activity, where a webhook is configured). 422 for a presence that is not among the candidates or cannot be connected, or a sign-in that ended.", security(("bearerAuth" = [])), params(("flow_id" = String, Path, description = "The sign-in.", min_length = 1)), request_body(content = PickBody, content_type = "application/json"), responses((status = 201, description = "Connected.", body = PickAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn connect_presences(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(flow_id): Path<String>,
    Json(body): Json<PickBody>,
) -> ApiResult<(StatusCode, axum::Json<PickAnswer>)> {
    let flow = FlowId::parse(&flow_id).ok_or_else(|| ApiError::NotFound("sign-in".into()))?;
    let picks: Vec<(Network, String)> = body.presences.into_iter().map(|p| (p.network, p.external_id)).collect();
    let (profiles, subscriptions) = usecases::connect_presences(&state.deps, &viewer, &flow, &picks).await?;
    Ok((StatusCode::CREATED, axum::Json(PickAnswer { profiles: profiles.iter().map(ProfileDto::from).collect(), subscriptions })))
}
