//! Webhook receipt: checks the platform's signature over the raw bytes, answers the
//! subscription handshakes, durably queues the raw event and answers at once. Normalising and
//! storing happen behind the queue, in the ingest worker.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use inbox_domain::messages::QueueName;
use inbox_platforms::envelope::{IngestEnvelope, Source};
use inbox_platforms::signature;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::RawBody;
use inbox_web::{AppState, Secret, WebConfig};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Checks a signature header (if any) over a raw body with a secret.
type Verifier = fn(secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), signature::SignatureError>;

/// One network's signed webhook POST: the header its signature travels in, how it is
/// checked (HMAC-SHA256 over the raw bytes, with the secret this deployment holds for that
/// network), and the source the queued envelope names. The three networks differ only here;
/// [`receive`] is the one path every POST takes.
struct Receiver {
    source: Source,
    header: &'static str,
    verify: Verifier,
    secret: fn(&WebConfig) -> &Secret,
}

const META: Receiver = Receiver {
    source: Source::Meta,
    header: signature::META_SIGNATURE_HEADER,
    verify: signature::verify_meta,
    secret: |c| &c.meta_app_secret,
};

const X: Receiver =
    Receiver { source: Source::X, header: signature::X_SIGNATURE_HEADER, verify: signature::verify_x, secret: |c| &c.x_consumer_secret };

const LINKEDIN: Receiver = Receiver {
    source: Source::Linkedin,
    header: signature::LINKEDIN_SIGNATURE_HEADER,
    verify: signature::verify_linkedin,
    secret: |c| &c.linkedin_client_secret,
};

pub fn router() -> Router<AppState> {
    openapi_router().split_for_parts().0
}

/// The webhook routes with their OpenAPI operations (the API's document includes them).
pub fn openapi_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(meta_verify, meta_event))
        .routes(routes!(x_crc, x_event))
        .routes(routes!(linkedin_challenge, linkedin_event))
}

#[utoipa::path(post, path = "/webhooks/meta", operation_id = "metaEvent", tag = "webhooks", summary = "Facebook, Instagram and Messenger events", params(("X-Hub-Signature-256" = String, Header, description = "`sha256=<hex HMAC-SHA256 of the raw body with the App Secret>`; missing or wrong is a 401 and nothing is stored.")), request_body(content = Object, content_type = "application/json", description = "A Meta webhook delivery, as sent by Meta."), responses((status = 200, description = "Durably queued (also for a profile the inbox does not know).", body = Queued), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn meta_event(state: State<AppState>, headers: HeaderMap, body: RawBody) -> ApiResult<Response> {
    receive(&META, state, headers, body).await
}

#[utoipa::path(post, path = "/webhooks/x", operation_id = "xEvent", tag = "webhooks", summary = "X Account Activity events", params(("x-twitter-webhooks-signature" = String, Header, description = "`sha256=<base64 HMAC-SHA256 of the raw body with the consumer secret>`; missing or wrong is a 401 and nothing is stored.")), request_body(content = Object, content_type = "application/json", description = "An Account Activity delivery, as sent by X."), responses((status = 200, description = "Durably queued (also for a profile the inbox does not know).", body = Queued), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn x_event(state: State<AppState>, headers: HeaderMap, body: RawBody) -> ApiResult<Response> {
    receive(&X, state, headers, body).await
}

#[utoipa::path(post, path = "/webhooks/linkedin", operation_id = "linkedinEvent", tag = "webhooks", summary = "LinkedIn organisation social action notifications", params(("X-LI-Signature" = String, Header, description = "hex HMAC-SHA256 of `hmacsha256=` + the raw body with the client secret; missing or wrong is a 401 and nothing is stored.")), request_body(content = Object, content_type = "application/json", description = "A LinkedIn social action notification, as sent by LinkedIn."), responses((status = 200, description = "Durably queued (also for a profile the inbox does not know).", body = Queued), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn linkedin_event(state: State<AppState>, headers: HeaderMap, body: RawBody) -> ApiResult<Response> {
    receive(&LINKEDIN, state, headers, body).await
}

/// A webhook taken: durably queued.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub status: QueuedStatus,
}

/// Always `queued`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueuedStatus {
    Queued,
}

/// X's CRC answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CrcAnswer {
    /// `sha256=<base64 HMAC-SHA256 of crc_token with the consumer secret>`.
    #[schema(pattern = "^sha256=")]
    pub response_token: String,
}

/// LinkedIn's challenge answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeAnswer {
    /// The code, echoed.
    pub challenge_code: String,
    /// Hex HMAC-SHA256 of the code with the client secret.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub challenge_response: String,
}

/// A network's event: its signature checked over the raw bytes (401 otherwise), then queued.
async fn receive(network: &Receiver, State(state): State<AppState>, headers: HeaderMap, RawBody(body): RawBody) -> ApiResult<Response> {
    let sig = headers.get(network.header).and_then(|v| v.to_str().ok());
    (network.verify)((network.secret)(&state.config).expose().as_bytes(), &body, sig)
        .map_err(|e| ApiError::Unauthorized(format!("{}: {e}", network.header)))?;
    accept(&state, network.source, body).await
}

/// Meta's GET handshake: echo `hub.challenge` when `hub.verify_token` matches.
/// Some gateways turn the dots into underscores; both spellings are accepted.
#[utoipa::path(get, path = "/webhooks/meta", operation_id = "metaVerify", tag = "webhooks", summary = "Meta subscription verification", description = "Answers `hub.challenge` as text/plain when `hub.mode=subscribe` and `hub.verify_token` matches; 403 when the token does not match; 400 when a parameter is missing.", params(("hub.mode" = String, Query, description = "`subscribe` (also accepted as `hub_mode`)."), ("hub.challenge" = String, Query, description = "The string to echo (also accepted as `hub_challenge`)."), ("hub.verify_token" = String, Query, description = "The verify token set in Meta's dashboard (also accepted as `hub_verify_token`).")), responses((status = 200, description = "The verify token matches: `hub.challenge`, echoed.", body = String, content_type = "text/plain"), (status = 400, response = inbox_web::openapi::BadRequest), (status = 403, response = inbox_web::openapi::Forbidden)))]
async fn meta_verify(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).or_else(|| q.get(&k.replace('.', "_"))).map(String::as_str);
    let token_ok = get("hub.verify_token").is_some_and(|t| constant_eq(t.as_bytes(), state.config.meta_verify_token.expose().as_bytes()));
    match (get("hub.mode"), get("hub.challenge")) {
        // Only a challenge of Meta's shape is echoed (see `is_meta_challenge`): the endpoint
        // must not reflect text of the caller's choosing.
        (Some("subscribe"), Some(challenge)) if !signature::is_meta_challenge(challenge) => {
            ApiError::BadRequest("hub.challenge must be 1 to 64 letters, digits, - or _".into()).into_response()
        }
        (Some("subscribe"), Some(challenge)) if token_ok => {
            (StatusCode::OK, [("content-type", "text/plain")], challenge.to_string()).into_response()
        }
        (Some("subscribe"), Some(_)) => ApiError::Forbidden("hub.verify_token does not match".into()).into_response(),
        _ => ApiError::BadRequest("expected hub.mode=subscribe, hub.challenge and hub.verify_token".into()).into_response(),
    }
}

/// Compares in constant time (`subtle`), so that the answer's timing says nothing about how
/// much of the verify token a guess got right; over SHA-256 digests, so that it says nothing
/// of the token's length either (subtle answers at once for slices of different lengths).
fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    Sha256::digest(a).ct_eq(&Sha256::digest(b)).into()
}

/// X's CRC: `{"response_token": "sha256=<base64 HMAC of crc_token>"}`.
#[utoipa::path(get, path = "/webhooks/x", operation_id = "xCrc", tag = "webhooks", summary = "X challenge-response check", params(("crc_token" = String, Query, description = "The token to sign (1 to 1024 characters).", max_length = 1024, min_length = 1)), responses((status = 200, description = "The CRC answer.", body = CrcAnswer), (status = 400, response = inbox_web::openapi::BadRequest)))]
async fn x_crc(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> ApiResult<axum::Json<CrcAnswer>> {
    let token = q.get("crc_token").ok_or_else(|| ApiError::BadRequest("expected a crc_token query parameter".into()))?;
    // The answer is the signature X would put on a POST whose body is the token: only a token
    // of the CRC's shape is answered, so that this never signs an event (`is_x_crc_token`).
    let answer = signature::x_crc_response_token(state.config.x_consumer_secret.expose().as_bytes(), token)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(axum::Json(CrcAnswer { response_token: answer }))
}

/// LinkedIn's validation: `{"challengeCode", "challengeResponse": hex HMAC of the code}`.
#[utoipa::path(get, path = "/webhooks/linkedin", operation_id = "linkedinChallenge", tag = "webhooks", summary = "LinkedIn webhook validation", params(("challengeCode" = String, Query, description = "The code to sign (1 to 1024 characters).", max_length = 1024, min_length = 1)), responses((status = 200, description = "The validation answer.", body = ChallengeAnswer), (status = 400, response = inbox_web::openapi::BadRequest)))]
async fn linkedin_challenge(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<axum::Json<ChallengeAnswer>> {
    let code = q.get("challengeCode").ok_or_else(|| ApiError::BadRequest("expected a challengeCode query parameter".into()))?;
    // A code starting with `hmacsha256=` would make the answer a valid `X-LI-Signature` of any
    // body: only a UUID, the shape LinkedIn sends, is answered (`is_linkedin_challenge_code`).
    let answer = signature::linkedin_challenge_response(state.config.linkedin_client_secret.expose().as_bytes(), code)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(axum::Json(ChallengeAnswer { challenge_code: code.clone(), challenge_response: answer }))
}

/// Queues a verified body. Answers 200 only once the queue holds it durably (all of it: a
/// failure part way is a 503, and the network's redelivery is taken idempotently).
#[tracing::instrument(skip_all, fields(source = ?source, bytes = body.len()))]
async fn accept(state: &AppState, source: Source, body: axum::body::Bytes) -> ApiResult<Response> {
    // Every network sends a JSON object. Anything else is refused before it is queued, even
    // when signed: no challenge answer can be the signature of an object (see `signature`).
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !is_object || serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        return Err(ApiError::BadRequest("the webhook body is not a JSON object".into()));
    }
    // Valid JSON is valid UTF-8.
    let body = String::from_utf8(body.to_vec()).map_err(|_| ApiError::BadRequest("the webhook body is not UTF-8".into()))?;
    // A body batching many events is queued one event a message (`envelope::split`): the
    // ingest functions share them, none runs long.
    let received_at = state.deps.clock.now();
    let messages: Vec<Vec<u8>> = inbox_platforms::envelope::split(source, &body)
        .into_iter()
        .map(|body| serde_json::to_vec(&IngestEnvelope { source, received_at, body }).expect("serialisable"))
        .collect();
    match messages.len() {
        1 => state.deps.queue.send(QueueName::Ingest, messages.into_iter().next().expect("one")).await?,
        _ => state.deps.queue.send_batch(QueueName::Ingest, messages).await?,
    }
    Ok((StatusCode::OK, axum::Json(Queued { status: QueuedStatus::Queued })).into_response())
}
