//! The events consumer: one delivery per matching subscription, and the Salesforce rule.

use super::super::deps::Deps;
use super::salesforce::apply_case_rule;
use crate::error::{DomainResult, PortError};
use crate::events::{self, DomainEvent};
use crate::model::*;
use crate::webhooks::*;

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
#[tracing::instrument(skip_all, fields(account_id = %event.account_id, conversation_id = %event.conversation_id))]
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

/// What of an account's domain events anything consumes: its subscriptions that are on (each
/// the kinds it asked for, as [`dispatch`] sends them) and the Salesforce rule (every kind but
/// `case.created`, as [`apply_case_rule`] takes them). A sender may leave out the events
/// nobody takes (the table's stream, `inbox_aws::dynamo::stream`): most accounts have no
/// integration, and their events would only be queued, received and dropped.
#[derive(Debug, Clone, Default)]
pub struct Listeners {
    subscriptions: Vec<WebhookSubscription>,
    case_rule: bool,
}

impl Listeners {
    pub async fn of(
        subscriptions: &dyn crate::ports::SubscriptionStore,
        salesforce: &dyn crate::ports::SalesforceStore,
        account: &crate::ids::AccountId,
    ) -> Result<Self, PortError> {
        let subscriptions = subscriptions.list_subscriptions(account).await?;
        let case_rule = salesforce.get_connection(account).await?.is_some_and(|c| c.rule.is_some());
        Ok(Listeners { subscriptions, case_rule })
    }

    /// Whether an event of `kind` is taken by anything.
    pub fn want(&self, kind: events::EventType) -> bool {
        (self.case_rule && kind != events::EventType::CaseCreated) || self.subscriptions.iter().any(|s| s.wants(kind))
    }
}
