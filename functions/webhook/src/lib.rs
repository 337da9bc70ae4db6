//! Webhook receipt: checks the platform's signature over the raw bytes, answers the
//! subscription handshakes, durably queues the raw event and answers at once. Normalising and
//! storing happen behind the queue, in the ingest worker.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use inbox_domain::messages::QueueName;
use inbox_platforms::envelope::{IngestEnvelope, Source};
use inbox_platforms::signature;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::RawBody;
use inbox_web::{AppState, Secret, WebConfig};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use subtle::ConstantTimeEq;

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
    Router::new()
        .route("/webhooks/meta", get(meta_verify).post(|s, h, b| receive(&META, s, h, b)))
        .route("/webhooks/x", get(x_crc).post(|s, h, b| receive(&X, s, h, b)))
        .route("/webhooks/linkedin", get(linkedin_challenge).post(|s, h, b| receive(&LINKEDIN, s, h, b)))
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
async fn x_crc(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> ApiResult<axum::Json<serde_json::Value>> {
    let token = q.get("crc_token").ok_or_else(|| ApiError::BadRequest("expected a crc_token query parameter".into()))?;
    // The answer is the signature X would put on a POST whose body is the token: only a token
    // of the CRC's shape is answered, so that this never signs an event (`is_x_crc_token`).
    let answer = signature::x_crc_response_token(state.config.x_consumer_secret.expose().as_bytes(), token)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(axum::Json(serde_json::json!({ "response_token": answer })))
}

/// LinkedIn's validation: `{"challengeCode", "challengeResponse": hex HMAC of the code}`.
async fn linkedin_challenge(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let code = q.get("challengeCode").ok_or_else(|| ApiError::BadRequest("expected a challengeCode query parameter".into()))?;
    // A code starting with `hmacsha256=` would make the answer a valid `X-LI-Signature` of any
    // body: only a UUID, the shape LinkedIn sends, is answered (`is_linkedin_challenge_code`).
    let answer = signature::linkedin_challenge_response(state.config.linkedin_client_secret.expose().as_bytes(), code)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(axum::Json(serde_json::json!({ "challengeCode": code, "challengeResponse": answer })))
}

/// Queues a verified body. Answers 200 only once the queue holds it durably.
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
    let envelope = IngestEnvelope { source, received_at: state.deps.clock.now(), body };
    let bytes = serde_json::to_vec(&envelope).expect("serialisable");
    state.deps.queue.send(QueueName::Ingest, bytes).await?;
    Ok((StatusCode::OK, axum::Json(serde_json::json!({"status": "queued"}))).into_response())
}
