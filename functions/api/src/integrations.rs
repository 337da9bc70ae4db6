//! Integration routes: webhook subscriptions, their deliveries and replays, API keys and the
//! Salesforce connection (admins, by JWT); Zapier REST hooks (by account API key).

use crate::params::QueryPairs;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
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
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/webhook-subscriptions", get(list_subscriptions).post(create_subscription))
        .route("/api/webhook-subscriptions/{id}", get(get_subscription).patch(update_subscription).delete(delete_subscription))
        .route("/api/webhook-subscriptions/{id}/rotate-secret", post(rotate_secret))
        .route("/api/webhook-subscriptions/{id}/deliveries", get(list_deliveries))
        .route("/api/webhook-subscriptions/{id}/deliveries/{delivery_id}/replay", post(replay_delivery))
        .route("/api/api-keys", get(list_api_keys).post(create_api_key))
        .route("/api/api-keys/{id}", delete(revoke_api_key))
        .route("/api/zapier/me", get(zapier_me))
        .route("/api/zapier/subscribe", post(zapier_subscribe))
        .route("/api/zapier/subscribe/{id}", delete(zapier_unsubscribe))
        .route("/api/zapier/sample/{event}", get(zapier_sample))
        .route("/api/integrations/salesforce", get(get_salesforce).put(connect_salesforce).delete(disconnect_salesforce))
}

fn subscription_id(id: &str) -> ApiResult<SubscriptionId> {
    SubscriptionId::parse(id).ok_or_else(|| ApiError::NotFound("webhook subscription".into()))
}

// ---------------------------------------------------------------------------------------
// Webhook subscriptions

/// A subscription as admins see it: never its secret (shown once, in `SubscriptionCreatedDto`).
#[derive(Debug, Serialize)]
pub struct SubscriptionDto {
    pub id: SubscriptionId,
    pub kind: SubscriptionKind,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub last_failure: Option<String>,
    pub created_at: Timestamp,
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
#[derive(Debug, Serialize)]
pub struct SubscriptionCreatedDto {
    #[serde(flatten)]
    pub subscription: SubscriptionDto,
    /// `whsec_` + base64 of the key: keep it to verify the `webhook-signature` header.
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
struct SubscriptionBody {
    url: String,
    events: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionPatchBody {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// `GET /api/webhook-subscriptions`.
#[derive(Debug, Serialize)]
pub struct SubscriptionsAnswer {
    pub subscriptions: Vec<SubscriptionDto>,
}

async fn list_subscriptions(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<SubscriptionsAnswer>> {
    let subscriptions = integrations::list_subscriptions(&state.deps, &viewer).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(SubscriptionsAnswer { subscriptions }))
}

async fn create_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<SubscriptionBody>,
) -> ApiResult<(StatusCode, axum::Json<SubscriptionCreatedDto>)> {
    let input = SubscriptionInput { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    let s = integrations::create_subscription(&state.deps, &viewer, input).await?;
    Ok((StatusCode::CREATED, axum::Json(s.into())))
}

async fn get_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionDto>> {
    Ok(axum::Json(integrations::get_subscription(&state.deps, &viewer, &subscription_id(&id)?).await?.into()))
}

async fn update_subscription(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<SubscriptionPatchBody>,
) -> ApiResult<axum::Json<SubscriptionDto>> {
    let patch = SubscriptionPatch { url: body.url, events: body.events, description: body.description, enabled: body.enabled };
    Ok(axum::Json(integrations::update_subscription(&state.deps, &viewer, &subscription_id(&id)?, patch).await?.into()))
}

async fn delete_subscription(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    integrations::delete_subscription(&state.deps, &viewer, &subscription_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate_secret(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SubscriptionCreatedDto>> {
    Ok(axum::Json(integrations::rotate_secret(&state.deps, &viewer, &subscription_id(&id)?).await?.into()))
}

/// One delivery of one event to one subscription.
#[derive(Debug, Serialize)]
pub struct DeliveryDto {
    pub id: DeliveryId,
    pub subscription_id: SubscriptionId,
    pub event_id: EventId,
    pub event_type: EventType,
    pub conversation_id: ConversationId,
    pub seq: u64,
    pub state: DeliveryState,
    pub attempts: u32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
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
#[derive(Debug, Serialize)]
pub struct DeliveriesAnswer {
    pub deliveries: Vec<DeliveryDto>,
    pub next_before: Option<DeliveryId>,
}

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

#[derive(Debug, Serialize)]
pub struct ApiKeyDto {
    pub id: ApiKeyId,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

impl From<ApiKey> for ApiKeyDto {
    fn from(k: ApiKey) -> Self {
        Self { id: k.id, name: k.name, prefix: k.prefix, created_by: k.created_by, created_at: k.created_at }
    }
}

#[derive(Debug, Serialize)]
pub struct ApiKeyCreatedDto {
    #[serde(flatten)]
    pub api_key: ApiKeyDto,
    /// The key itself: shown this once, stored only as a hash.
    pub key: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiKeyBody {
    name: String,
}

/// `GET /api/api-keys`.
#[derive(Debug, Serialize)]
pub struct ApiKeysAnswer {
    pub api_keys: Vec<ApiKeyDto>,
}

async fn list_api_keys(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<ApiKeysAnswer>> {
    let api_keys = integrations::list_api_keys(&state.deps, &viewer).await?.into_iter().map(Into::into).collect();
    Ok(axum::Json(ApiKeysAnswer { api_keys }))
}

async fn create_api_key(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<ApiKeyBody>,
) -> ApiResult<(StatusCode, axum::Json<ApiKeyCreatedDto>)> {
    let (k, secret) = integrations::create_api_key(&state.deps, &viewer, &body.name).await?;
    Ok((StatusCode::CREATED, axum::Json(ApiKeyCreatedDto { api_key: k.into(), key: secret.expose().to_string() })))
}

async fn revoke_api_key(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = ApiKeyId::parse(&id).ok_or_else(|| ApiError::NotFound("API key".into()))?;
    integrations::revoke_api_key(&state.deps, &viewer, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Zapier REST hooks (by API key)

/// An API key's id and name.
#[derive(Debug, Serialize)]
pub struct ApiKeyRef {
    pub id: ApiKeyId,
    pub name: String,
}

/// Zapier's authentication test (`GET /api/zapier/me`).
#[derive(Debug, Serialize)]
pub struct ZapierMeAnswer {
    pub account: crate::answers::AccountRef,
    pub api_key: ApiKeyRef,
}

/// Zapier's authentication test: which account and key these are.
async fn zapier_me(State(state): State<AppState>, ApiKeyCaller(key): ApiKeyCaller) -> ApiResult<axum::Json<ZapierMeAnswer>> {
    let account = state.deps.directory.get_account(&key.account_id).await?;
    Ok(axum::Json(ZapierMeAnswer {
        account: crate::answers::AccountRef { name: account.map(|a| a.name).unwrap_or_default(), id: key.account_id },
        api_key: ApiKeyRef { id: key.id, name: key.name },
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZapierSubscribeBody {
    /// Zapier's hook URL (`bundle.targetUrl`).
    #[serde(alias = "url", alias = "targetUrl")]
    target_url: String,
    event: String,
}

#[derive(Debug, Serialize)]
pub struct ZapierSubscriptionDto {
    pub id: SubscriptionId,
    pub event: EventType,
    pub target_url: String,
    /// The same URL under the name Zapier's REST-hook examples use.
    pub url: String,
    /// Always null: these subscriptions do not expire, so Zapier never needs to renew them.
    pub expiration_date: Option<Timestamp>,
    pub created_at: Timestamp,
}

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

async fn zapier_unsubscribe(
    State(state): State<AppState>,
    ApiKeyCaller(key): ApiKeyCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = SubscriptionId::parse(&id).ok_or_else(|| ApiError::NotFound("Zapier subscription".into()))?;
    integrations::zapier_unsubscribe(&state.deps, &key, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn zapier_sample(ApiKeyCaller(key): ApiKeyCaller, Path(event): Path<String>) -> ApiResult<axum::Json<Vec<Value>>> {
    Ok(axum::Json(integrations::zapier_sample(&key, &event)?))
}

// ---------------------------------------------------------------------------------------
// Salesforce (admins)

#[derive(Debug, Serialize)]
pub struct CaseRuleDto {
    pub tab_id: TabId,
    pub name: String,
    pub filters: Filters,
    pub query: String,
}

/// The connection without its secrets.
#[derive(Debug, Serialize)]
pub struct SalesforceDto {
    pub instance_url: String,
    pub token_url: String,
    pub client_id: String,
    pub external_id_field: Option<String>,
    pub rule: Option<CaseRuleDto>,
    pub connected_by: UserId,
    pub connected_at: Timestamp,
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
struct SalesforceBody {
    instance_url: String,
    #[serde(default)]
    token_url: Option<String>,
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    external_id_field: Option<String>,
    #[serde(default)]
    rule_tab_id: Option<String>,
}

async fn get_salesforce(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<SalesforceDto>> {
    Ok(axum::Json(integrations::salesforce_connection(&state.deps, &viewer).await?.into()))
}

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

async fn disconnect_salesforce(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<StatusCode> {
    integrations::disconnect_salesforce(&state.deps, &viewer).await?;
    Ok(StatusCode::NO_CONTENT)
}
