//! Integration routes: webhook subscriptions, their deliveries and replays, API keys and the
//! Salesforce connection (admins, by JWT); Zapier REST hooks (by account API key).

use crate::params::QueryPairs;
use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::events::EventType;
use inbox_domain::salesforce::SalesforceConnection;
use inbox_domain::tabs::Filters;
use inbox_domain::usecases::integrations::{self, SalesforceInput, SubscriptionInput, SubscriptionPatch};
use inbox_domain::webhooks::{ApiKey, DeliveryState, SubscriptionKind, WebhookDelivery, WebhookSubscription};
use inbox_domain::*;
use inbox_web::AppState;
use inbox_web::auth::{ApiKeyCaller, Caller};
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_subscriptions, create_subscription))
        .routes(routes!(get_subscription, update_subscription, delete_subscription))
        .routes(routes!(rotate_secret))
        .routes(routes!(list_deliveries))
        .routes(routes!(replay_delivery))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(zapier_me))
        .routes(routes!(zapier_subscribe))
        .routes(routes!(zapier_unsubscribe))
        .routes(routes!(zapier_sample))
        .routes(routes!(get_salesforce, connect_salesforce, disconnect_salesforce))
}

fn subscription_id(id: &str) -> ApiResult<SubscriptionId> {
    SubscriptionId::parse(id).ok_or_else(|| ApiError::NotFound("webhook subscription".into()))
}

// ---------------------------------------------------------------------------------------
// Webhook subscriptions

/// A subscription as admins see it: never its secret (shown once, in `SubscriptionCreatedDto`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookSubscription)]
pub struct SubscriptionDto {
    /// Subscription id.
    pub id: SubscriptionId,
    /// `zapier` for REST hooks made by Zapier (their body is one flat object; a 410 answer
    /// deletes them).
    pub kind: SubscriptionKind,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: String,
    pub enabled: bool,
    /// Why the inbox turned it off (every delivery failing for a day).
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; null after a success.
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub failing_since: Option<Timestamp>,
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub last_success_at: Option<Timestamp>,
    #[schema(required = true)]
    pub last_failure: Option<String>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub updated_at: Timestamp,
}

impl From<WebhookSubscription> for SubscriptionDto {
    fn from(s: WebhookSubscription) -> Self {
        Self {
            id: s.id,
            kind: s.kind,
            url: s.url,
            events: s.events,
            description: s.description,
            enabled: s.enabled,
            disabled_reason: s.disabled_reason,
            failing_since: s.failing_since,
            last_success_at: s.last_success_at,
            last_failure: s.last_failure,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription with its signing secret: the answer to creating it or rotating its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookSubscriptionCreated)]
pub struct SubscriptionCreatedDto {
    #[serde(flatten)]
    pub subscription: SubscriptionDto,
    /// `whsec_` + base64 of the key: keep it to verify the `webhook-signature` header.
    #[schema(pattern = "^whsec_")]
    pub secret: String,
}

impl From<WebhookSubscription> for SubscriptionCreatedDto {
    fn from(s: WebhookSubscription) -> Self {
        let secret = s.secret.expose().to_string();
        Self { subscription: s.into(), secret }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = WebhookSubscriptionRequest)]
struct SubscriptionBody {
    /// http(s) URL; private, loopback, link-local and other non-public addresses are refused
    /// (422) unless the deployment allows them.
    url: String,
    #[schema(value_type = Vec<inbox_domain::events::EventType>, min_items = 1)]
    events: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    #[schema(nullable = false)]
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = WebhookSubscriptionPatch)]
struct SubscriptionPatchBody {
    #[serde(default)]
    #[schema(nullable = false)]
    url: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<inbox_domain::events::EventType>>, nullable = false, min_items = 1)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    /// `true` turns a subscription that the inbox turned off back on (its failures so far no
    /// longer count).
    #[serde(default)]
    #[schema(nullable = false)]
    enabled: Option<bool>,
}

/// `GET /api/webhook-subscriptions`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionsAnswer {
    pub subscriptions: Vec<SubscriptionDto>,
}

#[utoipa::path(get, path = "/api/webhook-subscriptions", operation_id = "listWebhookSubscriptions", tag = "integrations", summary = "The account's webhook and Zapier subscriptions", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), responses((status = 200, description = "Subscriptions.", body = crate::integrations::SubscriptionsAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list_subscriptions(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<SubscriptionsAnswer>> {
    let subscriptions = integrations::list_subscriptions(&state.deps, &viewer).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(SubscriptionsAnswer { subscriptions }))
}

#[utoipa::path(post, path = "/api/webhook-subscriptions", operation_id = "createWebhookSubscription", tag = "integrations", summary = "Subscribe a URL to event types", description = "Admins only (403 otherwise). Answers the signing secret, once. 422 for a target the inbox may not reach (private, loopback, link-local, ... addresses).", security(("bearerAuth" = [])), request_body(content = SubscriptionBody, content_type = "application/json"), responses((status = 201, description = "The subscription and its secret.", body = crate::integrations::SubscriptionCreatedDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn create_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<SubscriptionBody>,
) -> ApiResult<(StatusCode, axum::Json<SubscriptionCreatedDto>)> {
    let input = SubscriptionInput { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    let s = integrations::create_subscription(&state.deps, &viewer, input).await?;
    Ok((StatusCode::CREATED, axum::Json(s.into())))
}

#[utoipa::path(get, path = "/api/webhook-subscriptions/{id}", operation_id = "getWebhookSubscription", tag = "integrations", summary = "One subscription", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1)), responses((status = 200, description = "The subscription.", body = crate::integrations::SubscriptionDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn get_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionDto>> {
    Ok(axum::Json(integrations::get_subscription(&state.deps, &viewer, &subscription_id(&id)?).await?.into()))
}

#[utoipa::path(patch, path = "/api/webhook-subscriptions/{id}", operation_id = "updateWebhookSubscription", tag = "integrations", summary = "Change a subscription's URL, events, description, or turn it on or off", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1)), request_body(content = SubscriptionPatchBody, content_type = "application/json"), responses((status = 200, description = "The subscription after the change.", body = crate::integrations::SubscriptionDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn update_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<SubscriptionPatchBody>,
) -> ApiResult<axum::Json<SubscriptionDto>> {
    let patch = SubscriptionPatch { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    Ok(axum::Json(integrations::update_subscription(&state.deps, &viewer, &subscription_id(&id)?, patch).await?.into()))
}

#[utoipa::path(delete, path = "/api/webhook-subscriptions/{id}", operation_id = "deleteWebhookSubscription", tag = "integrations", summary = "Remove a subscription and its deliveries", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1)), responses((status = 204, description = "Removed."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn delete_subscription(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    integrations::delete_subscription(&state.deps, &viewer, &subscription_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/webhook-subscriptions/{id}/rotate-secret", operation_id = "rotateWebhookSecret", tag = "integrations", summary = "Give a subscription a new signing secret", description = "Admins only (403 otherwise). Deliveries from now on are signed with the new secret, answered once.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1)), responses((status = 200, description = "The subscription and its new secret.", body = crate::integrations::SubscriptionCreatedDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 409, response = inbox_web::openapi::Conflict), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn rotate_secret(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionCreatedDto>> {
    Ok(axum::Json(integrations::rotate_secret(&state.deps, &viewer, &subscription_id(&id)?).await?.into()))
}

/// One delivery of one event to one subscription.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Delivery)]
pub struct DeliveryDto {
    /// Delivery id.
    pub id: DeliveryId,
    pub subscription_id: SubscriptionId,
    /// Sent as `webhook-id`, the same on every attempt.
    pub event_id: EventId,
    pub event_type: EventType,
    pub conversation_id: ConversationId,
    pub seq: u64,
    /// `dead`: failed through the whole retry schedule (about a day); replay it.
    pub state: DeliveryState,
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries only).
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub next_attempt_at: Option<Timestamp>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub last_attempt_at: Option<Timestamp>,
    #[schema(required = true)]
    pub last_status: Option<u16>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub finished_at: Option<Timestamp>,
}

impl From<WebhookDelivery> for DeliveryDto {
    fn from(d: WebhookDelivery) -> Self {
        Self {
            next_attempt_at: (d.state == DeliveryState::Pending).then_some(d.next_at),
            id: d.id,
            subscription_id: d.subscription_id,
            event_id: d.event_id,
            event_type: d.event_type,
            conversation_id: d.conversation_id,
            seq: d.seq,
            state: d.state,
            attempts: d.attempts,
            created_at: d.created_at,
            last_attempt_at: d.last_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            finished_at: d.finished_at,
        }
    }
}

/// `GET /api/webhook-subscriptions/{id}/deliveries`: the newest first; `next_before` pages on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveriesAnswer {
    pub deliveries: Vec<DeliveryDto>,
    #[schema(required = true)]
    pub next_before: Option<DeliveryId>,
}

#[utoipa::path(get, path = "/api/webhook-subscriptions/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "integrations", summary = "A subscription's deliveries, newest first (`state=dead`: the dead letters)", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1), ("state" = Option<inbox_domain::webhooks::DeliveryState>, Query), ("before" = Option<String>, Query, description = "`next_before` of the previous page."), ("limit" = Option<u32>, Query, minimum = 1, maximum = 100)), responses((status = 200, description = "Deliveries.", body = crate::integrations::DeliveriesAnswer), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list_deliveries(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    q: QueryPairs,
) -> ApiResult<axum::Json<DeliveriesAnswer>> {
    let id = subscription_id(&id)?;
    let filter = match q.get("state") {
        None | Some("") => None,
        Some(s) => Some(DeliveryState::parse(s).ok_or_else(|| ApiError::BadRequest("state must be pending, delivered or dead".into()))?),
    };
    let before = match q.get("before") {
        None | Some("") => None,
        Some(b) => {
            Some(DeliveryId::parse(b).ok_or_else(|| ApiError::BadRequest("before must be a delivery id from a previous page".into()))?)
        }
    };
    let limit = q.limit(50)?;
    let list = integrations::list_deliveries(&state.deps, &viewer, &id, filter, before.as_ref(), limit).await?;
    let next_before = if list.len() == limit { list.last().map(|d| d.id.clone()) } else { None };
    let deliveries = list.into_iter().map(Into::into).collect();
    Ok(axum::Json(DeliveriesAnswer { deliveries, next_before }))
}

#[utoipa::path(post, path = "/api/webhook-subscriptions/{id}/deliveries/{delivery_id}/replay", operation_id = "replayWebhookDelivery", tag = "integrations", summary = "Send a dead (or delivered) delivery again", description = "Admins only (403 otherwise). 422 while the subscription is off or the delivery is still being tried.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Webhook subscription id.", min_length = 1), ("delivery_id" = String, Path, description = "Delivery id.", min_length = 1)), responses((status = 202, description = "The delivery, pending again with a fresh schedule.", body = crate::integrations::DeliveryDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn replay_delivery(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<(StatusCode, axum::Json<DeliveryDto>)> {
    let id = subscription_id(&id)?;
    let delivery = DeliveryId::parse(&delivery).ok_or_else(|| ApiError::NotFound("delivery".into()))?;
    let d = integrations::replay_delivery(&state.deps, &viewer, &id, &delivery).await?;
    // 202: the delivery worker sends it on its next round.
    Ok((StatusCode::ACCEPTED, axum::Json(d.into())))
}

// ---------------------------------------------------------------------------------------
// API keys

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ApiKey)]
pub struct ApiKeyDto {
    /// API key id.
    pub id: ApiKeyId,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_by: UserId,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
}

impl From<ApiKey> for ApiKeyDto {
    fn from(k: ApiKey) -> Self {
        Self { id: k.id, name: k.name, prefix: k.prefix, created_by: k.created_by, created_at: k.created_at }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ApiKeyCreated)]
pub struct ApiKeyCreatedDto {
    #[serde(flatten)]
    pub api_key: ApiKeyDto,
    /// The key itself: shown this once, stored only as a hash.
    #[schema(pattern = "^ink_")]
    pub key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = ApiKeyRequest)]
struct ApiKeyBody {
    #[schema(max_length = 100, pattern = r"\S")]
    name: String,
}

/// `GET /api/api-keys`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeysAnswer {
    pub api_keys: Vec<ApiKeyDto>,
}

#[utoipa::path(get, path = "/api/api-keys", operation_id = "listApiKeys", tag = "integrations", summary = "The account's API keys", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), responses((status = 200, description = "API keys.", body = crate::integrations::ApiKeysAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list_api_keys(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<ApiKeysAnswer>> {
    let api_keys = integrations::list_api_keys(&state.deps, &viewer).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(ApiKeysAnswer { api_keys }))
}

#[utoipa::path(post, path = "/api/api-keys", operation_id = "createApiKey", tag = "integrations", summary = "Make an API key (for Zapier)", description = "Admins only (403 otherwise). The key is answered once.", security(("bearerAuth" = [])), request_body(content = ApiKeyBody, content_type = "application/json"), responses((status = 201, description = "The key.", body = crate::integrations::ApiKeyCreatedDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn create_api_key(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<ApiKeyBody>,
) -> ApiResult<(StatusCode, axum::Json<ApiKeyCreatedDto>)> {
    let (k, secret) = integrations::create_api_key(&state.deps, &viewer, &body.name).await?;
    Ok((StatusCode::CREATED, axum::Json(ApiKeyCreatedDto { api_key: k.into(), key: secret.expose().to_string() })))
}

#[utoipa::path(delete, path = "/api/api-keys/{id}", operation_id = "revokeApiKey", tag = "integrations", summary = "Revoke an API key (and delete the Zapier hooks made with it)", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "API key id.", min_length = 1)), responses((status = 204, description = "Revoked."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn revoke_api_key(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = ApiKeyId::parse(&id).ok_or_else(|| ApiError::NotFound("API key".into()))?;
    integrations::revoke_api_key(&state.deps, &viewer, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Zapier REST hooks (by API key)

/// An API key's id and name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiKeyRef {
    pub id: ApiKeyId,
    pub name: String,
}

/// Zapier's authentication test (`GET /api/zapier/me`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ZapierMe)]
pub struct ZapierMeAnswer {
    pub account: crate::answers::AccountRef,
    pub api_key: ApiKeyRef,
}

/// Zapier's authentication test: which account and key these are.
#[utoipa::path(get, path = "/api/zapier/me", operation_id = "zapierMe", tag = "zapier", summary = "Zapier's authentication test", description = "By account API key (`X-API-Key`, or `Authorization: Bearer <key>`); a user's token is not a key (401).", security(("apiKeyAuth" = []), ("bearerAuth" = [])), responses((status = 200, description = "The key's account.", body = crate::integrations::ZapierMeAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn zapier_me(State(state): State<AppState>, ApiKeyCaller(key): ApiKeyCaller) -> ApiResult<axum::Json<ZapierMeAnswer>> {
    let account = state.deps.directory.get_account(&key.account_id).await?;
    Ok(axum::Json(ZapierMeAnswer {
        account: crate::answers::AccountRef { name: account.map(|a| a.name).unwrap_or_default(), id: key.account_id },
        api_key: ApiKeyRef { id: key.id, name: key.name },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = ZapierSubscribeRequest)]
struct ZapierSubscribeBody {
    /// Zapier's hook URL (`bundle.targetUrl`).
    #[serde(alias = "url", alias = "targetUrl")]
    target_url: String,
    #[schema(value_type = inbox_domain::events::EventType)]
    event: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ZapierSubscription)]
pub struct ZapierSubscriptionDto {
    /// Subscription id: unsubscribe with it.
    pub id: SubscriptionId,
    pub event: EventType,
    pub target_url: String,
    /// The same URL under the name Zapier's REST-hook examples use.
    pub url: String,
    /// Always null: these subscriptions do not expire, so Zapier never needs to renew them.
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub expiration_date: Option<Timestamp>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
}

#[utoipa::path(post, path = "/api/zapier/subscribe", operation_id = "zapierSubscribe", tag = "zapier", summary = "Subscribe a zap's hook URL to an event type (REST hook)", description = "By account API key (`X-API-Key`, or `Authorization: Bearer <key>`); a user's token is not a key (401). 422 for a target the inbox may not reach.", security(("apiKeyAuth" = []), ("bearerAuth" = [])), request_body(content = ZapierSubscribeBody, content_type = "application/json"), responses((status = 201, description = "The subscription.", body = crate::integrations::ZapierSubscriptionDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn zapier_subscribe(
    State(state): State<AppState>,
    ApiKeyCaller(key): ApiKeyCaller,
    Json(body): Json<ZapierSubscribeBody>,
) -> ApiResult<(StatusCode, axum::Json<ZapierSubscriptionDto>)> {
    let s = integrations::zapier_subscribe(&state.deps, &key, &body.target_url, &body.event).await?;
    let event = s.events.first().copied().unwrap_or(EventType::ConversationCreated);
    let dto =
        ZapierSubscriptionDto { id: s.id, event, target_url: s.url.clone(), url: s.url, expiration_date: None, created_at: s.created_at };
    Ok((StatusCode::CREATED, axum::Json(dto)))
}

#[utoipa::path(delete, path = "/api/zapier/subscribe/{id}", operation_id = "zapierUnsubscribe", tag = "zapier", summary = "Unsubscribe a zap", description = "By account API key (`X-API-Key`, or `Authorization: Bearer <key>`); a user's token is not a key (401).", security(("apiKeyAuth" = []), ("bearerAuth" = [])), params(("id" = String, Path, description = "Subscription id, from the subscribe answer.", min_length = 1)), responses((status = 204, description = "Unsubscribed."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn zapier_unsubscribe(
    State(state): State<AppState>,
    ApiKeyCaller(key): ApiKeyCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = SubscriptionId::parse(&id).ok_or_else(|| ApiError::NotFound("Zapier subscription".into()))?;
    integrations::zapier_unsubscribe(&state.deps, &key, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/zapier/sample/{event}", operation_id = "zapierSample", tag = "zapier", summary = "A sample of what a zap on this event type receives", description = "By account API key (`X-API-Key`, or `Authorization: Bearer <key>`); a user's token is not a key (401).", security(("apiKeyAuth" = []), ("bearerAuth" = [])), params(("event" = String, Path, description = "An event type (`conversation.created`, ...).", min_length = 1)), responses((status = 200, description = "A list of one sample.", body = Vec<inbox_domain::events::ZapierEvent>), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 404, response = inbox_web::openapi::NotFound)))]
async fn zapier_sample(
    ApiKeyCaller(key): ApiKeyCaller,
    Path(event): Path<String>,
) -> ApiResult<axum::Json<Vec<inbox_domain::events::ZapierEvent>>> {
    Ok(axum::Json(integrations::zapier_sample(&key, &event)?))
}

// ---------------------------------------------------------------------------------------
// Salesforce (admins)

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CaseRule)]
pub struct CaseRuleDto {
    pub tab_id: TabId,
    pub name: String,
    pub filters: Filters,
    pub query: String,
}

/// The connection without its secrets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SalesforceConnection)]
pub struct SalesforceDto {
    pub instance_url: String,
    pub token_url: String,
    pub client_id: String,
    /// A Case external id field holding the conversation id: Cases are upserted by it.
    #[schema(required = true)]
    pub external_id_field: Option<String>,
    #[schema(required = true)]
    pub rule: Option<CaseRuleDto>,
    pub connected_by: UserId,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub connected_at: Timestamp,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub updated_at: Timestamp,
}

impl From<SalesforceConnection> for SalesforceDto {
    fn from(c: SalesforceConnection) -> Self {
        Self {
            instance_url: c.instance_url,
            token_url: c.token_url,
            client_id: c.client_id,
            external_id_field: c.external_id_field,
            rule: c.rule.map(|r| CaseRuleDto { tab_id: r.tab_id, name: r.name, filters: r.filters, query: r.query }),
            connected_by: c.connected_by,
            connected_at: c.connected_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = SalesforceRequest)]
struct SalesforceBody {
    /// `https://<my domain>.my.salesforce.com`.
    instance_url: String,
    /// Default `https://login.salesforce.com/services/oauth2/token`.
    #[serde(default)]
    #[schema(nullable = false)]
    token_url: Option<String>,
    /// The connected app's consumer key.
    #[schema(max_length = 255, pattern = r"\S")]
    client_id: String,
    /// Required to connect; leave out to keep the stored one. Never shown again.
    #[serde(default)]
    #[schema(nullable = false)]
    client_secret: Option<String>,
    /// Required to connect; leave out to keep the stored one. Never shown again.
    #[serde(default)]
    #[schema(nullable = false)]
    refresh_token: Option<String>,
    #[serde(default)]
    external_id_field: Option<String>,
    /// One of your tabs: its search makes Cases automatically.
    #[serde(default)]
    rule_tab_id: Option<String>,
}

#[utoipa::path(get, path = "/api/integrations/salesforce", operation_id = "getSalesforceConnection", tag = "integrations", summary = "The account's Salesforce connection (never its secrets)", description = "Admins only (403 otherwise). 404 while Salesforce is not connected.", security(("bearerAuth" = [])), responses((status = 200, description = "The connection.", body = crate::integrations::SalesforceDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn get_salesforce(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<SalesforceDto>> {
    Ok(axum::Json(integrations::salesforce_connection(&state.deps, &viewer).await?.into()))
}

#[utoipa::path(put, path = "/api/integrations/salesforce", operation_id = "connectSalesforce", tag = "integrations", summary = "Connect (or reconnect) Salesforce", description = "Admins only (403 otherwise). The credentials are checked at once by exchanging the refresh token: 422 when Salesforce refuses them, 502 when it cannot be reached. Reconnecting may leave `client_secret` and `refresh_token` out to keep the stored ones, but only for the same `instance_url` and `token_url`: when either changes, both are required again (422 otherwise), so stored secrets are never sent to an address they were not given for.", security(("bearerAuth" = [])), request_body(content = SalesforceBody, content_type = "application/json"), responses((status = 200, description = "The connection.", body = crate::integrations::SalesforceDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 502, response = inbox_web::openapi::BadGateway), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn connect_salesforce(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<SalesforceBody>,
) -> ApiResult<axum::Json<SalesforceDto>> {
    let rule_tab_id = match body.rule_tab_id.as_deref() {
        None | Some("") => None,
        Some(t) => Some(TabId::parse(t).ok_or_else(|| ApiError::Unprocessable(format!("you have no tab {}", crate::params::truncate(t))))?),
    };
    let input = SalesforceInput {
        instance_url: body.instance_url,
        token_url: body.token_url,
        client_id: body.client_id,
        client_secret: body.client_secret,
        refresh_token: body.refresh_token,
        external_id_field: body.external_id_field,
        rule_tab_id,
    };
    Ok(axum::Json(integrations::connect_salesforce(&state.deps, &viewer, input).await?.into()))
}

#[utoipa::path(delete, path = "/api/integrations/salesforce", operation_id = "disconnectSalesforce", tag = "integrations", summary = "Disconnect Salesforce (Cases already made stay linked)", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), responses((status = 204, description = "Disconnected."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn disconnect_salesforce(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<StatusCode> {
    integrations::disconnect_salesforce(&state.deps, &viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}
