//! Outbound webhook subscriptions (admins): create, change, rotate, delete, their deliveries
//! listed and replayed.

use super::super::deps::{Deps, Viewer};
use super::super::engine::MAX_ATTEMPTS;
use super::checks::{checked_url, require_admin};
use crate::error::{DomainError, DomainResult, PortError};
use crate::events::EventType;
use crate::ids::*;
use crate::webhooks::*;

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
pub(super) async fn insert_within_limit(deps: &Deps, s: &WebhookSubscription) -> DomainResult<()> {
    // Stored with its signing secret sealed; the caller answers the secret once, in the clear.
    let sealed =
        WebhookSubscription { secret: super::checks::seal(deps, &crate::webhooks::secret_context(&s.id), &s.secret).await?, ..s.clone() };
    deps.subscriptions.insert_subscription(&sealed, MAX_SUBSCRIPTIONS).await.map_err(|e| match e {
        PortError::LimitReached => DomainError::Rule(format!("an account has at most {MAX_SUBSCRIPTIONS} webhook subscriptions")),
        e => e.into(),
    })
}

/// Creates a subscription. The answer carries its secret, which is never shown again.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
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
pub(super) fn new_subscription(
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_subscriptions(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<WebhookSubscription>> {
    require_admin(viewer)?;
    Ok(deps.subscriptions.list_subscriptions(viewer.account()).await?)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn get_subscription(deps: &Deps, viewer: &Viewer, id: &SubscriptionId) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    deps.subscriptions.get_subscription(viewer.account(), id).await?.ok_or(DomainError::NotFound("webhook subscription"))
}

/// Changes a subscription under optimistic concurrency, recomputing on a lost race. `None` when
/// it does not exist (any more).
pub(super) async fn change_subscription<F>(
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
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
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
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn rotate_secret(deps: &Deps, viewer: &Viewer, id: &SubscriptionId) -> DomainResult<WebhookSubscription> {
    require_admin(viewer)?;
    let secret = new_secret();
    let sealed = super::checks::seal(deps, &crate::webhooks::secret_context(id), &secret).await?;
    let now = deps.clock.now();
    let changed = change_subscription(deps, viewer.account(), id, None, |s| {
        s.secret = sealed.clone();
        s.updated_at = now;
        Ok(())
    })
    .await?;
    // The new secret is answered once, in the clear; the store keeps it sealed.
    changed.map(|(_, s)| WebhookSubscription { secret, ..s }).ok_or(DomainError::NotFound("webhook subscription"))
}

/// A subscription's deliveries, newest first; `state` narrows them (`dead`: the ones to replay).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
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
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
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
