//! The delivery worker: sends what is due, signed; reschedules or dead-letters what fails.

use super::super::deps::Deps;
use super::subscriptions::change_subscription;
use crate::error::DomainResult;
use crate::messages::*;
use crate::model::*;
use crate::notify::{Happening, NotifyEvent};
use crate::ports::*;
use crate::webhooks::*;

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

pub use crate::ids::Share;

/// Sends every delivery that is due, each under a lease so that two workers never send one
/// delivery at once.
pub async fn deliver_due(deps: &Deps, limit: usize) -> DomainResult<DeliveryRound> {
    deliver_due_share(deps, limit, Share::WHOLE).await
}

/// [`deliver_due`] for one share: at most `limit` of the share's due deliveries (from the
/// `limit × parts` earliest due).
pub async fn deliver_due_share(deps: &Deps, limit: usize, share: Share) -> DomainResult<DeliveryRound> {
    let now = deps.clock.now();
    let mut round = DeliveryRound::default();
    let due = deps.deliveries.due_deliveries(now, limit.saturating_mul(share.parts.max(1) as usize)).await?;
    for d in due.into_iter().filter(|d| share.holds(d.id.as_str())).take(limit) {
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
    let secret = super::checks::open(deps, &crate::webhooks::secret_context(&sub.id), &sub.secret).await?;
    let hook = OutboundHook { url: sub.url.clone(), id: d.event_id.to_string(), timestamp: now, body: d.body.clone(), secret };
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
            conversation_id: Some(d.conversation_id.clone()),
            profile_id: None,
            actor: Actor::System,
            at: now,
            happening: Happening::WebhookDisabled { subscription_id: after.id.clone(), url: after.url.clone(), reason },
        };
        deps.queue.send(QueueName::Notify, serde_json::to_vec(&event).expect("serialisable")).await?;
    }
    Ok(())
}
