//! The integration use cases: outbound webhook subscriptions and their deliveries, Zapier REST
//! hooks and the API keys they authenticate with, Salesforce Cases. Rules are in
//! [`crate::webhooks`], [`crate::salesforce`] and [`crate::events`]; this is where they meet
//! the ports.
//!
//! The flow of an event: a use case stores a change and queues its [`DomainEvent`]s on
//! `events`; the events consumer ([`on_event`]) stores one delivery per matching subscription
//! and applies the Salesforce rule; the delivery worker ([`deliver_due`]) sends what is due,
//! signed, and reschedules or dead-letters what fails.

use crate::error::{DomainError, DomainResult, PortError};
use crate::events::{self, DomainEvent, EventType};
use crate::ids::*;
use crate::model::*;
use crate::notify::{Happening, NotifyEvent};
use crate::ports::*;
use crate::salesforce::{self, CaseRule, SalesforceConnection};
use crate::usecases::{self, Deps, MAX_ATTEMPTS, Viewer};
use crate::webhooks::*;
use serde_json::Value;

fn require_admin(viewer: &Viewer) -> DomainResult<()> {
    crate::usecases::require_admin(viewer, "integrations")
}

/// A target URL of the right form that the inbox may reach (400 for the form, 422 for a
/// refused address).
async fn checked_url(deps: &Deps, url: &str) -> DomainResult<String> {
    let u = validate_url(url).map_err(DomainError::Invalid)?;
    deps.egress.check_target(&u).await.map_err(|why| DomainError::Rule(format!("the inbox may not send requests to {u}: {why}")))?;
    Ok(u)
}

// ---------------------------------------------------------------------------------------
// Webhook subscriptions (admins)

/// What an admin sends to create a subscription.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionInput {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// A change to a subscription; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

fn description(d: Option<&str>) -> DomainResult<String> {
    let d = d.unwrap_or("").trim();
    if d.chars().count() > MAX_DESCRIPTION {
        return Err(DomainError::Invalid(format!("a description has at most {MAX_DESCRIPTION} characters")));
    }
    Ok(d.to_string())
}

/// Stores a new subscription within the account's limit (counted atomically with the write).
async fn insert_within_limit(deps: &Deps, s: &WebhookSubscription) -> DomainResult<()> {
    deps.subscriptions.insert_subscription(s, MAX_SUBSCRIPTIONS).await.map_err(|e| match e {
        PortError::LimitReached => DomainError::Rule(format!("an account has at most {MAX_SUBSCRIPTIONS} webhook subscriptions")),
        e => e.into(),
    })
}

/// Creates a subscription. The answer carries its secret, which is never shown again.
pub async fn create_subscription(deps: &Deps, viewer: &Viewer, input: SubscriptionInput) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    let events = validate_events(&input.events).map_err(DomainError::Invalid)?;
    let description = description(input.description.as_deref())?;
    let url = checked_url(deps, &input.url).await?;
    let s = WebhookSubscription {
        enabled: input.enabled.unwrap_or(true),
        ..new_subscription(deps, viewer.account(), SubscriptionKind::Webhook, url, events, description)
    };
    insert_within_limit(deps, &s).await?;
    Ok(s)
}

/// A new, enabled subscription with a fresh secret and no history.
fn new_subscription(
    deps: &Deps,
    account: &AccountId,
    kind: SubscriptionKind,
    url: String,
    events: Vec<EventType>,
    description: String,
) -> WebhookSubscription {
    let now = deps.clock.now();
    WebhookSubscription {
        id: SubscriptionId::generate(),
        account_id: account.clone(),
        kind,
        url,
        events,
        description,
        secret: new_secret(),
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        last_success_at: None,
        last_failure: None,
        api_key_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

pub async fn list_subscriptions(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<WebhookSubscription>> {
    require_admin(viewer)?;
    Ok(deps.subscriptions.list_subscriptions(viewer.account()).await?)
}

pub async fn get_subscription(deps: &Deps, viewer: &Viewer, id: &SubscriptionId) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    deps.subscriptions.get_subscription(viewer.account(), id).await?.ok_or(DomainError::NotFound("webhook subscription"))
}

/// Changes a subscription under optimistic concurrency, recomputing on a lost race. `None` when
/// it does not exist (any more).
async fn change_subscription<F>(
    deps: &Deps,
    account: &AccountId,
    id: &SubscriptionId,
    read: Option<WebhookSubscription>,
    f: F,
) -> DomainResult<Option<(WebhookSubscription, WebhookSubscription)>>
where
    F: Fn(&mut WebhookSubscription) -> DomainResult<()>,
{
    // `read`: the subscription as the caller just read it, tried first (a lost version race
    // reads it again).
    let mut read = read;
    for _ in 0..MAX_ATTEMPTS {
        let before = match read.take() {
            Some(s) => s,
            None => match deps.subscriptions.get_subscription(account, id).await? {
                Some(s) => s,
                None => return Ok(None),
            },
        };
        let mut after = before.clone();
        f(&mut after)?;
        if after == before {
            return Ok(Some((before, after)));
        }
        after.version = before.version + 1;
        match deps.subscriptions.put_subscription(&after, before.version).await {
            Ok(()) => return Ok(Some((before, after))),
            Err(PortError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

pub async fn update_subscription(
    deps: &Deps,
    viewer: &Viewer,
    id: &SubscriptionId,
    patch: SubscriptionPatch,
) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    let url = match &patch.url {
        Some(u) => Some(checked_url(deps, u).await?),
        None => None,
    };
    let events = patch.events.as_deref().map(validate_events).transpose().map_err(DomainError::Invalid)?;
    let desc = patch.description.as_deref().map(|d| description(Some(d))).transpose()?;
    let now = deps.clock.now();
    let changed = change_subscription(deps, viewer.account(), id, None, |s| {
        if let Some(u) = &url {
            s.url = u.clone();
        }
        if let Some(e) = &events {
            s.events = e.clone();
        }
        if let Some(d) = &desc {
            s.description = d.clone();
        }
        if let Some(on) = patch.enabled {
            if on && !s.enabled {
                // Back on: its failures so far no longer count.
                s.disabled_reason = None;
                s.failing_since = None;
            }
            s.enabled = on;
        }
        s.updated_at = now;
        Ok(())
    })
    .await?;
    changed.map(|(_, s)| s).ok_or(DomainError::NotFound("webhook subscription"))
}

pub async fn delete_subscription(deps: &Deps, viewer: &Viewer, id: &SubscriptionId) -> DomainResult<()> {
    require_admin(viewer)?;
    if deps.subscriptions.delete_subscription(viewer.account(), id).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("webhook subscription"))
    }
}

/// Gives a subscription a new secret (shown in the answer, once). Deliveries from now on are
/// signed with it.
pub async fn rotate_secret(deps: &Deps, viewer: &Viewer, id: &SubscriptionId) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    let secret = new_secret();
    let now = deps.clock.now();
    let changed = change_subscription(deps, viewer.account(), id, None, |s| {
        s.secret = secret.clone();
        s.updated_at = now;
        Ok(())
    })
    .await?;
    changed.map(|(_, s)| s).ok_or(DomainError::NotFound("webhook subscription"))
}

/// A subscription's deliveries, newest first; `state` narrows them (`dead`: the ones to replay).
pub async fn list_deliveries(
    deps: &Deps,
    viewer: &Viewer,
    id: &SubscriptionId,
    state: Option<DeliveryState>,
    before: Option<&DeliveryId>,
    limit: usize,
) -> DomainResult<Vec<WebhookDelivery>> {
    get_subscription(deps, viewer, id).await?;
    Ok(deps.deliveries.list_deliveries(viewer.account(), id, state, before, limit.clamp(1, 100)).await?)
}

/// Sends a finished (dead, or delivered) delivery again, as soon as the worker comes by, with
/// a fresh schedule.
pub async fn replay_delivery(deps: &Deps, viewer: &Viewer, id: &SubscriptionId, delivery: &DeliveryId) -> DomainResult<WebhookDelivery> {
    let s = get_subscription(deps, viewer, id).await?;
    let mut d = deps
        .deliveries
        .get_delivery(viewer.account(), delivery)
        .await?
        .filter(|d| &d.subscription_id == id)
        .ok_or(DomainError::NotFound("delivery"))?;
    if !s.enabled {
        return Err(DomainError::Rule("this subscription is turned off; turn it on (\"enabled\": true) before replaying".into()));
    }
    if d.state == DeliveryState::Pending {
        return Err(DomainError::Rule("this delivery is still being tried; it needs no replay".into()));
    }
    d.state = DeliveryState::Pending;
    d.attempts = 0;
    d.next_at = deps.clock.now();
    d.last_error = None;
    d.finished_at = None;
    deps.deliveries.save_delivery(&d, None).await?;
    Ok(d)
}

// ---------------------------------------------------------------------------------------
// The events consumer

/// What the events consumer did with one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventOutcome {
    pub deliveries: usize,
    pub case: Option<CaseLink>,
}

/// Handles one domain event: its deliveries, then the Salesforce rule. Idempotent: a redelivered
/// event stores no delivery twice and makes no second Case.
pub async fn on_event(deps: &Deps, event: &DomainEvent) -> DomainResult<EventOutcome> {
    let deliveries = dispatch(deps, event).await?;
    let case = apply_case_rule(deps, event).await?;
    Ok(EventOutcome { deliveries, case })
}

/// Stores one delivery of `event` per enabled subscription of its account that wants it.
pub async fn dispatch(deps: &Deps, event: &DomainEvent) -> DomainResult<usize> {
    let now = deps.clock.now();
    let mut created = 0;
    for s in deps.subscriptions.list_subscriptions(&event.account_id).await? {
        if !s.wants(event.kind) {
            continue;
        }
        let body = match s.kind {
            SubscriptionKind::Webhook => events::webhook_body(event),
            SubscriptionKind::Zapier => serde_json::to_string(&events::zapier_payload(event)).expect("serialisable"),
        };
        let d = WebhookDelivery {
            id: delivery_id(&event.id, &s.id),
            account_id: event.account_id.clone(),
            subscription_id: s.id.clone(),
            event_id: event.id.clone(),
            event_type: event.kind,
            conversation_id: event.conversation_id.clone(),
            seq: event.seq,
            body,
            state: DeliveryState::Pending,
            attempts: 0,
            next_at: now,
            created_at: now,
            last_attempt_at: None,
            last_status: None,
            last_error: None,
            finished_at: None,
        };
        match deps.deliveries.insert_delivery(&d).await {
            Ok(()) => created += 1,
            Err(PortError::AlreadyExists) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(created)
}

// ---------------------------------------------------------------------------------------
// The delivery worker

/// What one round of deliveries did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    pub attempted: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub dead: usize,
    pub leased_elsewhere: usize,
}

/// How long a worker holds a delivery's lease: longer than one request may take.
pub const DELIVERY_LEASE_SECS: i64 = 120;

/// Sends every delivery that is due, each under a lease so that two workers never send one
/// delivery at once.
pub async fn deliver_due(deps: &Deps, limit: usize) -> DomainResult<DeliveryRound> {
    let now = deps.clock.now();
    let mut round = DeliveryRound::default();
    for d in deps.deliveries.due_deliveries(now, limit).await? {
        // Each lease has its own holder: the outcome is saved only while this worker still
        // holds it, so a worker whose lease ran out never overwrites another's attempt. The
        // time is read again for each lease: the sends before it may have taken minutes.
        let holder = uuid::Uuid::new_v4().simple().to_string();
        let at = deps.clock.now();
        if !deps.deliveries.lease_delivery(&d.id, &holder, at, at + chrono::Duration::seconds(DELIVERY_LEASE_SECS)).await? {
            round.leased_elsewhere += 1;
            continue;
        }
        deliver_one(deps, d, &holder, &mut round).await?;
    }
    Ok(round)
}

/// Saves an attempt's outcome while `holder` still holds the lease; says so in the log when it
/// does not (its lease ran out and another worker has the delivery: that one's outcome counts).
async fn save_leased(deps: &Deps, d: &WebhookDelivery, holder: &str) -> DomainResult<bool> {
    let saved = deps.deliveries.save_delivery(d, Some(holder)).await?;
    if !saved {
        tracing::warn!(delivery_id = %d.id, "the delivery's lease ran out before its outcome was saved; another worker has it");
    }
    Ok(saved)
}

async fn deliver_one(deps: &Deps, mut d: WebhookDelivery, holder: &str, round: &mut DeliveryRound) -> DomainResult<()> {
    let now = deps.clock.now();
    let sub = deps.subscriptions.get_subscription(&d.account_id, &d.subscription_id).await?;
    let sub = match sub {
        Some(s) if s.enabled => s,
        other => {
            d.state = DeliveryState::Dead;
            d.finished_at = Some(now);
            d.last_error = Some(match other {
                None => "the subscription was deleted".into(),
                Some(_) => "the subscription is turned off; turn it on and replay this delivery".into(),
            });
            round.dead += 1;
            save_leased(deps, &d, holder).await?;
            return Ok(());
        }
    };
    let hook =
        OutboundHook { url: sub.url.clone(), id: d.event_id.to_string(), timestamp: now, body: d.body.clone(), secret: sub.secret.clone() };
    let outcome = deps.webhook_sender.send(&hook).await;
    d.attempts += 1;
    d.last_attempt_at = Some(now);
    round.attempted += 1;
    let failure = match outcome {
        HookOutcome::Delivered { status } => {
            d.state = DeliveryState::Delivered;
            d.last_status = Some(status);
            d.last_error = None;
            d.finished_at = Some(now);
            round.delivered += 1;
            if !save_leased(deps, &d, holder).await? {
                return Ok(());
            }
            let quiet = sub.failing_since.is_none() && sub.last_success_at.is_some_and(|t| now - t < chrono::Duration::minutes(1));
            if !quiet {
                change_subscription(deps, &sub.account_id, &sub.id, Some(sub.clone()), |s| {
                    s.failing_since = None;
                    s.last_success_at = Some(now);
                    Ok(())
                })
                .await?;
            }
            return Ok(());
        }
        HookOutcome::Gone { status } if sub.kind == SubscriptionKind::Zapier => {
            // Zapier's way of unsubscribing a zap that was turned off or deleted.
            d.state = DeliveryState::Dead;
            d.last_status = Some(status);
            d.last_error = Some(format!("Zapier answered {status} Gone: the zap is off, so its subscription was deleted"));
            d.finished_at = Some(now);
            round.dead += 1;
            save_leased(deps, &d, holder).await?;
            deps.subscriptions.delete_subscription(&sub.account_id, &sub.id).await?;
            tracing::info!(subscription_id = %sub.id, "Zapier answered 410: subscription deleted");
            return Ok(());
        }
        HookOutcome::Gone { status } => (Some(status), format!("the receiver answered {status} Gone")),
        HookOutcome::Failed { status, error } => (status, error),
    };
    let (status, error) = failure;
    d.last_status = status;
    d.last_error = Some(error.chars().take(500).collect());
    match retry_delay(d.attempts) {
        Some(wait) => {
            d.next_at = now + wait;
            round.retrying += 1;
        }
        None => {
            d.state = DeliveryState::Dead;
            d.finished_at = Some(now);
            round.dead += 1;
        }
    }
    if !save_leased(deps, &d, holder).await? {
        return Ok(());
    }
    let died = d.state == DeliveryState::Dead;
    let reason =
        format!("every delivery has failed for more than {DISABLE_AFTER_HOURS} hours (the last one, {} times: {error})", d.attempts);
    let changed = change_subscription(deps, &sub.account_id, &sub.id, Some(sub.clone()), |s| {
        s.failing_since.get_or_insert(now);
        s.last_failure = d.last_error.clone();
        if died && should_disable(s, now) {
            s.enabled = false;
            s.disabled_reason = Some(reason.clone());
        }
        Ok(())
    })
    .await?;
    if let Some((before, after)) = changed
        && before.enabled
        && !after.enabled
    {
        tracing::warn!(subscription_id = %after.id, host = %crate::webhooks::url_host(&after.url), "webhook subscription turned off after failing for a day");
        let event = NotifyEvent {
            event_id: format!("whoff_{}_{}", after.id.as_str().trim_start_matches("whs_"), after.version),
            account_id: after.account_id.clone(),
            conversation_id: d.conversation_id.clone(),
            actor: Actor::System,
            at: now,
            happening: Happening::WebhookDisabled { subscription_id: after.id.clone(), url: after.url.clone(), reason },
        };
        deps.queue.send(QueueName::Notify, serde_json::to_vec(&event).expect("serialisable")).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// API keys (admins) and Zapier REST hooks (by API key)

pub async fn create_api_key(deps: &Deps, viewer: &Viewer, name: &str) -> DomainResult<(ApiKey, SecretString)> {
    require_admin(viewer)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(DomainError::Invalid("an API key needs a name of 1 to 100 characters".into()));
    }
    let (secret, hash) = new_api_key();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        account_id: viewer.account().clone(),
        name: name.to_string(),
        prefix: secret.expose().chars().take(API_KEY_PREFIX.len() + 6).collect(),
        hash,
        created_by: viewer.user.id.clone(),
        created_at: deps.clock.now(),
    };
    deps.api_keys.put_api_key(&key).await?;
    Ok((key, secret))
}

pub async fn list_api_keys(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<ApiKey>> {
    require_admin(viewer)?;
    Ok(deps.api_keys.list_api_keys(viewer.account()).await?)
}

/// Revokes a key, and deletes the Zapier hooks made with it (nobody could unsubscribe them).
pub async fn revoke_api_key(deps: &Deps, viewer: &Viewer, id: &ApiKeyId) -> DomainResult<()> {
    require_admin(viewer)?;
    if !deps.api_keys.delete_api_key(viewer.account(), id).await? {
        return Err(DomainError::NotFound("API key"));
    }
    for s in deps.subscriptions.list_subscriptions(viewer.account()).await? {
        if s.api_key_id.as_ref() == Some(id) {
            deps.subscriptions.delete_subscription(viewer.account(), &s.id).await?;
        }
    }
    Ok(())
}

/// The key a caller presented, if it is one of ours and not revoked.
pub async fn authenticate_api_key(deps: &Deps, presented: &str) -> DomainResult<Option<ApiKey>> {
    let k = presented.trim();
    if !k.starts_with(API_KEY_PREFIX) || k.len() > 200 {
        return Ok(None);
    }
    Ok(deps.api_keys.find_api_key(&hash_api_key(k)).await?)
}

/// Zapier subscribes a zap to one event type: its hook URL gets a delivery of each.
pub async fn zapier_subscribe(deps: &Deps, key: &ApiKey, target_url: &str, event: &str) -> DomainResult<WebhookSubscription> {
    let event = EventType::parse(event.trim()).ok_or_else(|| DomainError::Invalid(format!("\"{}\" is not an event type", cut(event))))?;
    let url = checked_url(deps, target_url).await?;
    let description = format!("Zapier (API key {})", key.name);
    let s = WebhookSubscription {
        api_key_id: Some(key.id.clone()),
        ..new_subscription(deps, &key.account_id, SubscriptionKind::Zapier, url, vec![event], description)
    };
    insert_within_limit(deps, &s).await?;
    Ok(s)
}

/// Zapier unsubscribes a zap (the zap was turned off or deleted).
pub async fn zapier_unsubscribe(deps: &Deps, key: &ApiKey, id: &SubscriptionId) -> DomainResult<()> {
    match deps.subscriptions.get_subscription(&key.account_id, id).await? {
        Some(s) if s.kind == SubscriptionKind::Zapier => {
            deps.subscriptions.delete_subscription(&key.account_id, id).await?;
            Ok(())
        }
        _ => Err(DomainError::NotFound("Zapier subscription")),
    }
}

/// What a zap on `event` receives, for Zapier to build the zap against.
pub fn zapier_sample(key: &ApiKey, event: &str) -> DomainResult<Vec<Value>> {
    let kind = EventType::parse(event).ok_or(DomainError::NotFound("event type"))?;
    Ok(vec![events::zapier_payload(&events::sample_event(kind, &key.account_id))])
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}

// ---------------------------------------------------------------------------------------
// Salesforce

/// What an admin sends to connect Salesforce. Secrets may be left out when a connection exists
/// (the stored ones are kept).
#[derive(Debug, Clone, Default)]
pub struct SalesforceInput {
    pub instance_url: String,
    pub token_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub external_id_field: Option<String>,
    /// A tab of the admin's whose search makes Cases automatically.
    pub rule_tab_id: Option<TabId>,
}

/// Connects (or reconnects) the account to Salesforce. The credentials are checked at once by
/// exchanging the refresh token.
pub async fn connect_salesforce(deps: &Deps, viewer: &Viewer, input: SalesforceInput) -> DomainResult<SalesforceConnection> {
    require_admin(viewer)?;
    let existing = deps.salesforce.get_connection(viewer.account()).await?;
    let instance_url = checked_url(deps, &input.instance_url).await?.trim_end_matches('/').to_string();
    let token_url = checked_url(deps, input.token_url.as_deref().unwrap_or(salesforce::DEFAULT_TOKEN_URL)).await?;
    let client_id = input.client_id.trim().to_string();
    if client_id.is_empty() || client_id.len() > 255 {
        return Err(DomainError::Invalid("client_id must be the connected app's consumer key".into()));
    }
    // The stored secrets are kept only for the addresses they were given for: connecting checks
    // them at once by posting them to the token URL, so keeping them for a new address would send
    // them wherever the caller points it.
    let moved = existing.as_ref().is_some_and(|c| c.instance_url != instance_url || c.token_url != token_url);
    let secret = |given: &Option<String>, kept: Option<&SecretString>, name: &str| -> DomainResult<SecretString> {
        match given.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() && s.len() <= 1000 => Ok(SecretString::new(s)),
            Some(_) => Err(DomainError::Invalid(format!("{name} must not be empty"))),
            None if moved => Err(DomainError::Rule(format!(
                "{name} is required again: instance_url or token_url changed, and the stored secrets are only sent where they were given for"
            ))),
            None => kept.cloned().ok_or_else(|| DomainError::Invalid(format!("{name} is required to connect Salesforce"))),
        }
    };
    let client_secret = secret(&input.client_secret, existing.as_ref().map(|c| &c.client_secret), "client_secret")?;
    let refresh_token = secret(&input.refresh_token, existing.as_ref().map(|c| &c.refresh_token), "refresh_token")?;
    let external_id_field = input
        .external_id_field
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(salesforce::validate_field_name)
        .transpose()
        .map_err(DomainError::Invalid)?;
    let rule = match &input.rule_tab_id {
        None => None,
        Some(tab) => {
            let t = usecases::get_tab(deps, viewer, tab).await.map_err(|e| match e {
                DomainError::NotFound(_) => DomainError::Rule(format!("you have no tab {tab} to make the rule of")),
                e => e,
            })?;
            Some(CaseRule { tab_id: t.id, name: t.name, filters: t.filters, query: t.query, owner: viewer.user.id.clone() })
        }
    };
    let now = deps.clock.now();
    let mut connection = SalesforceConnection {
        account_id: viewer.account().clone(),
        instance_url,
        token_url,
        client_id,
        client_secret,
        refresh_token,
        access_token: None,
        external_id_field,
        rule,
        connected_by: viewer.user.id.clone(),
        connected_at: existing.as_ref().map_or(now, |c| c.connected_at),
        updated_at: now,
    };
    let token = deps.salesforce_client.refresh(&connection).await.map_err(|e| match e {
        CaseError::Auth(m) | CaseError::Rejected(m) => DomainError::Rule(format!("Salesforce refused these credentials: {m}")),
        CaseError::Unavailable(m) => DomainError::Upstream(format!("could not reach Salesforce to check the connection: {m}")),
    })?;
    connection.access_token = Some(token);
    deps.salesforce.put_connection(&connection).await?;
    Ok(connection)
}

pub async fn salesforce_connection(deps: &Deps, viewer: &Viewer) -> DomainResult<SalesforceConnection> {
    require_admin(viewer)?;
    deps.salesforce.get_connection(viewer.account()).await?.ok_or(DomainError::NotFound("Salesforce connection"))
}

pub async fn disconnect_salesforce(deps: &Deps, viewer: &Viewer) -> DomainResult<()> {
    require_admin(viewer)?;
    if deps.salesforce.delete_connection(viewer.account()).await? { Ok(()) } else { Err(DomainError::NotFound("Salesforce connection")) }
}

/// How long one request may hold the right to make a conversation's Case.
pub const CASE_CLAIM_SECS: i64 = 120;

/// Makes the Salesforce Case of a conversation the caller can see. Answers the conversation
/// and whether a Case was made now (`false`: it had one already, and that one is answered).
pub async fn create_case(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<(Conversation, bool)> {
    let c = usecases::visible_conversation(deps, viewer, id).await?;
    case_for(deps, &viewer.actor(), c).await
}

async fn case_for(deps: &Deps, actor: &Actor, conv: Conversation) -> DomainResult<(Conversation, bool)> {
    if conv.salesforce_case.is_some() {
        return Ok((conv, false));
    }
    let Some(connection) = deps.salesforce.get_connection(&conv.account_id).await? else {
        return Err(DomainError::Rule("Salesforce is not connected for this account; an admin must connect it first".into()));
    };
    let now = deps.clock.now();
    if !deps.salesforce.claim_case(&conv.id, now, now + chrono::Duration::seconds(CASE_CLAIM_SECS)).await? {
        let c = deps.conversations.get_conversation(&conv.account_id, &conv.id).await?.ok_or(DomainError::NotFound("conversation"))?;
        if c.salesforce_case.is_some() {
            return Ok((c, false));
        }
        return Err(DomainError::InProgress(
            "a Salesforce Case is being made for this conversation right now; try again in a few seconds".into(),
        ));
    }
    let made = make_case(deps, actor, &conv, &connection).await;
    if let Err(e) = deps.salesforce.release_case(&conv.id).await {
        tracing::warn!(error = %e, conversation_id = %conv.id, "could not release the Case claim; it expires by itself");
    }
    made
}

async fn make_case(
    deps: &Deps,
    actor: &Actor,
    conv: &Conversation,
    connection: &SalesforceConnection,
) -> DomainResult<(Conversation, bool)> {
    // Another request may have finished between our first look and the claim.
    let c = deps.conversations.get_conversation(&conv.account_id, &conv.id).await?.ok_or(DomainError::NotFound("conversation"))?;
    if c.salesforce_case.is_some() {
        return Ok((c, false));
    }
    let items = deps.conversations.items(&c.id).await?;
    let profile = deps.directory.get_profile(&c.account_id, &c.profile_id).await?;
    let request = salesforce::case_request(&c, &items, profile.as_ref());
    let attempt = deps.salesforce_client.create_case(connection, &request).await;
    if let Some(token) = &attempt.refreshed_token
        && let Err(e) = deps.salesforce.set_access_token(&c.account_id, token).await
    {
        tracing::warn!(error = %e, "could not keep the refreshed Salesforce token; the next Case refreshes again");
    }
    let case_id = attempt.result.map_err(|e| match e {
        CaseError::Auth(m) => {
            DomainError::Rule(format!("Salesforce refused the connection's credentials ({m}); an admin must connect Salesforce again"))
        }
        CaseError::Rejected(m) => DomainError::Upstream(format!("Salesforce refused the Case: {m}")),
        CaseError::Unavailable(m) => DomainError::Upstream(format!("Salesforce did not take the Case ({m}); try again shortly")),
    })?;
    let link =
        CaseLink { id: case_id.clone(), url: salesforce::case_url(&connection.instance_url, &case_id), created_at: deps.clock.now() };
    record_case(deps, actor, &c, link).await.map(|c| (c, true))
}

/// Keeps a Case on its conversation, with its history entry and `case.created` event.
async fn record_case(deps: &Deps, actor: &Actor, conv: &Conversation, link: CaseLink) -> DomainResult<Conversation> {
    let mut c = conv.clone();
    for _ in 0..MAX_ATTEMPTS {
        let now = deps.clock.now();
        let mut next = c.clone();
        next.version = c.version + 1;
        next.salesforce_case = Some(link.clone());
        let history = vec![HistoryEntry::new(
            &c.id,
            now,
            actor.clone(),
            HistoryAction::CaseCreated,
            serde_json::json!({"case_id": link.id, "url": link.url}),
        )];
        let events = events::from_change(&next, &history, &[], &[]);
        let mut write = crate::ports::ConversationWrite {
            outbox: crate::usecases::outbox(actor, &next, now, vec![], vec![], &events),
            conversation: next.clone(),
            expected_version: Some(c.version),
            items: vec![],
            notes: vec![],
            history,
        };
        let later = crate::usecases::deferred_outbox(deps, &mut write);
        match deps.conversations.write(write).await {
            Ok(()) => {
                crate::usecases::send_outbox(deps, &next, &[], later).await?;
                return Ok(next);
            }
            Err(PortError::Conflict) => {
                c = deps.conversations.get_conversation(&c.account_id, &c.id).await?.ok_or(DomainError::NotFound("conversation"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

/// The Salesforce rule: makes the Case of the event's conversation when it matches the rule's
/// saved search and has none yet. Credentials an admin must fix are logged, not retried;
/// Salesforce being down is an error, so that the event is retried.
pub async fn apply_case_rule(deps: &Deps, event: &DomainEvent) -> DomainResult<Option<CaseLink>> {
    if event.kind == EventType::CaseCreated {
        return Ok(None);
    }
    let Some(connection) = deps.salesforce.get_connection(&event.account_id).await? else {
        return Ok(None);
    };
    let Some(rule) = &connection.rule else {
        return Ok(None);
    };
    let Some(conv) = deps.conversations.get_conversation(&event.account_id, &event.conversation_id).await? else {
        return Ok(None);
    };
    if conv.salesforce_case.is_some() {
        return Ok(None);
    }
    let items = deps.conversations.items(&conv.id).await?;
    if !salesforce::rule_matches(rule, &conv, &items) {
        return Ok(None);
    }
    match case_for(deps, &Actor::System, conv).await {
        Ok((c, _)) => Ok(c.salesforce_case),
        Err(DomainError::Rule(why)) => {
            tracing::warn!(conversation_id = %event.conversation_id, why, "the Salesforce rule could not make a Case");
            Ok(None)
        }
        Err(DomainError::InProgress(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
