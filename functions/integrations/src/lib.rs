//! The integrations function: the `events` queue's consumer and the delivery schedule.
//!
//! - [`handle_message`]: one domain event → one delivery per matching webhook or Zapier
//!   subscription, then the Salesforce rule (queue consumer, like the notifier).
//! - [`run_deliveries`]: sends the deliveries that are due, under leases, retrying on the
//!   schedule and dead-lettering (scheduled, like the poller; the local runner runs it in a
//!   loop, AWS on a schedule).

use inbox_domain::events::DomainEvent;
use inbox_domain::usecases::Deps;
use inbox_domain::usecases::integrations::{self, DeliveryRound, EventOutcome};

#[derive(Debug, thiserror::Error)]
pub enum IntegrationsError {
    #[error("the queued message is not a domain event: {0}")]
    BadMessage(String),
    #[error(transparent)]
    Domain(#[from] inbox_domain::DomainError),
}

/// Handles one message of the `events` queue. `Err` asks for a redelivery (idempotent: no
/// delivery is stored twice, no second Case is made).
#[tracing::instrument(skip_all)]
pub async fn handle_message(deps: &Deps, message: &[u8]) -> Result<EventOutcome, IntegrationsError> {
    let event: DomainEvent = serde_json::from_slice(message).map_err(|e| IntegrationsError::BadMessage(e.to_string()))?;
    let outcome = integrations::on_event(deps, &event).await?;
    if outcome.deliveries > 0 || outcome.case.is_some() {
        tracing::debug!(event_id = %event.id, event = %event.kind, deliveries = outcome.deliveries, case = outcome.case.is_some(), "event dispatched");
    }
    Ok(outcome)
}

/// Most deliveries one run sends (a Lambda invocation has a time limit; the rest wait for the
/// next run).
pub const MAX_PER_RUN: usize = 50;

/// One scheduled run of the delivery worker.
#[tracing::instrument(skip_all)]
pub async fn run_deliveries(deps: &Deps) -> Result<DeliveryRound, inbox_domain::DomainError> {
    let round = integrations::deliver_due(deps, MAX_PER_RUN).await?;
    if round.attempted > 0 {
        tracing::info!(
            attempted = round.attempted,
            delivered = round.delivered,
            retrying = round.retrying,
            dead = round.dead,
            "webhook deliveries"
        );
    }
    Ok(round)
}
