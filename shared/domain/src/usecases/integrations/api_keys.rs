//! API keys (admins) and Zapier REST hooks (by API key).

use super::super::deps::{Deps, Viewer};
use super::checks::{checked_url, require_admin};
use super::subscriptions::{insert_within_limit, new_subscription};
use crate::error::{DomainError, DomainResult};
use crate::events::{self, EventType};
use crate::ids::*;
use crate::model::*;
use crate::webhooks::*;

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_api_keys(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<ApiKey>> {
    require_admin(viewer)?;
    Ok(deps.api_keys.list_api_keys(viewer.account()).await?)
}

/// Revokes a key, and deletes the Zapier hooks made with it (nobody could unsubscribe them).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
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
#[tracing::instrument(skip_all, fields(account_id = %key.account_id))]
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
#[tracing::instrument(skip_all, fields(id = %id, account_id = %key.account_id))]
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
pub fn zapier_sample(key: &ApiKey, event: &str) -> DomainResult<Vec<events::ZapierEvent>> {
    let kind = EventType::parse(event).ok_or(DomainError::NotFound("event type"))?;
    Ok(vec![events::ZapierEvent::of(&events::sample_event(kind, &key.account_id))])
}

fn cut(s: &str) -> String {
    s.chars().take(40).collect()
}
