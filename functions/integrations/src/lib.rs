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

/// Most deliveries one worker's round sends; a run goes round after round (see
/// [`run_deliveries`]).
pub const MAX_PER_RUN: usize = 50;

/// Workers of one run, each on its own share of the due deliveries (no two ever contend for a
/// lease): eight sends in flight at once.
pub const WORKERS: u32 = 8;

/// How long one run goes on taking rounds while deliveries are due (the scheduled function's
/// timeout is 120 s; a send takes at most the webhook timeout, so the last round ends in time).
pub const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// One scheduled run of the delivery worker: [`WORKERS`] workers, each on its share of the due
/// deliveries, taking round after round of [`MAX_PER_RUN`] until their share has nothing due or
/// [`RUN_BUDGET`] is spent. A run's rate grows with what is due: up to eight sends at a time for
/// a minute (thousands of deliveries a run, where it was 50), and the next run a minute later.
#[tracing::instrument(skip_all)]
pub async fn run_deliveries(deps: &Deps) -> Result<DeliveryRound, inbox_domain::DomainError> {
    let started = std::time::Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for part in 0..WORKERS {
        let deps = deps.clone();
        workers.spawn(async move {
            let share = integrations::Share { part, parts: WORKERS };
            let mut total = DeliveryRound::default();
            loop {
                let round = integrations::deliver_due_share(&deps, MAX_PER_RUN, share).await?;
                let done = round.attempted + round.leased_elsewhere == 0;
                add(&mut total, &round);
                if done || started.elapsed() >= RUN_BUDGET {
                    return Ok::<_, inbox_domain::DomainError>(total);
                }
            }
        });
    }
    let mut run = DeliveryRound::default();
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(round)) => add(&mut run, &round),
            Ok(Err(e)) => first_error = first_error.or(Some(e)),
            Err(e) => tracing::error!(error = %e, "a delivery worker stopped"),
        }
    }
    if run.attempted > 0 {
        tracing::info!(
            attempted = run.attempted,
            delivered = run.delivered,
            retrying = run.retrying,
            dead = run.dead,
            "webhook deliveries"
        );
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(run),
    }
}

fn add(total: &mut DeliveryRound, round: &DeliveryRound) {
    total.attempted += round.attempted;
    total.delivered += round.delivered;
    total.retrying += round.retrying;
    total.dead += round.dead;
    total.leased_elsewhere += round.leased_elsewhere;
}
