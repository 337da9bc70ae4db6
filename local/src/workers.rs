//! Queue workers: receive a batch, run the function's per-message handler on each message
//! concurrently, ack what succeeded, and leave the rest to be retried or dead-lettered.

use inbox_domain::messages::QueueName;
use inbox_domain::ports::PlatformClient;
use inbox_domain::usecases::Deps;
use inbox_sqlite::{Delivery, SqliteQueue};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tracing::Instrument;

/// A message not acked within this time is delivered again (the worker died or hung).
pub const VISIBILITY: Duration = Duration::from_secs(60);
const BATCH: usize = 64;

/// Runs the handler of `queue`'s function on one message; `last` when the queue will not
/// deliver it again. `Ok(Some(wait))`: hand the message back after `wait` (an outbound action
/// the network could not take yet).
pub async fn handle(
    queue: QueueName,
    deps: &Deps,
    client: &dyn PlatformClient,
    body: &[u8],
    last: bool,
) -> Result<Option<Duration>, String> {
    match queue {
        QueueName::Ingest => fn_ingest::handle_message(deps, body).await.map(|_| None).map_err(|e| e.to_string()),
        QueueName::Notify => fn_notifier::handle_message(deps, body).await.map(|_| None).map_err(|e| e.to_string()),
        QueueName::Actions => fn_actions::handle_delivery(deps, client, body, last).await.map_err(|e| e.to_string()),
        QueueName::Events => fn_integrations::handle_message(deps, body).await.map(|_| None).map_err(|e| e.to_string()),
    }
}

/// Batches handled at once: the next batch is received while the previous one finishes (its
/// slowest messages and its ack), so the queue's round trips overlap with the handling.
const BATCHES_IN_FLIGHT: usize = 2;

/// Processes `queue` until `shutdown` turns true, then finishes the batches it holds.
pub async fn run(queue: SqliteQueue, name: QueueName, deps: Deps, client: Arc<dyn PlatformClient>, mut shutdown: watch::Receiver<bool>) {
    let mut in_flight = tokio::task::JoinSet::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        if in_flight.len() >= BATCHES_IN_FLIGHT {
            in_flight.join_next().await;
            continue;
        }
        let batch = match queue.receive(name, BATCH, VISIBILITY).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(queue = name.as_str(), error = %e, "cannot receive from the queue");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = queue.wait(name, Duration::from_millis(200)) => {}
                _ = shutdown.changed() => {}
            }
            continue;
        }
        let (queue, deps, client) = (queue.clone(), deps.clone(), client.clone());
        in_flight.spawn(async move { process_batch(&queue, name, &deps, &client, batch).await });
    }
    while in_flight.join_next().await.is_some() {}
}

async fn process_batch(queue: &SqliteQueue, name: QueueName, deps: &Deps, client: &Arc<dyn PlatformClient>, batch: Vec<Delivery>) {
    let mut set = tokio::task::JoinSet::new();
    for d in batch {
        let (deps, client, last) = (deps.clone(), client.clone(), queue.is_last(&d));
        let span = tracing::info_span!("message", queue = name.as_str(), id = d.id, attempt = d.attempts);
        set.spawn(
            async move {
                let r = handle(name, &deps, client.as_ref(), &d.body, last).await;
                (d, r)
            }
            .instrument(span),
        );
    }
    let mut done = Vec::new();
    while let Some(joined) = set.join_next().await {
        let Ok((d, r)) = joined else { continue };
        match r {
            Ok(None) => done.push(d.id),
            Ok(Some(wait)) => {
                if let Err(e) = queue.retry_in(&d, wait).await {
                    tracing::error!(error = %e, "cannot schedule a retry; the message will be redelivered after its visibility timeout");
                }
            }
            Err(e) => {
                tracing::warn!(queue = name.as_str(), id = d.id, attempt = d.attempts, error = %e, "message failed");
                match queue.fail(&d, &e).await {
                    Ok(true) => tracing::error!(queue = name.as_str(), id = d.id, "message dead-lettered"),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "cannot record a failure; the message will be redelivered"),
                }
            }
        }
    }
    if !done.is_empty()
        && let Err(e) = queue.ack_many(done).await
    {
        tracing::error!(error = %e, "cannot ack; the messages will be redelivered (handlers are idempotent)");
    }
}

/// How often the local poller looks for due profiles (each profile has its own interval).
pub const POLL_TICK: Duration = Duration::from_secs(15);

/// Runs the poller function's handler on a timer, as the schedule does on AWS.
pub async fn run_poller(deps: Deps, poller: Arc<dyn inbox_domain::ports::PlatformPoller>, shutdown: watch::Receiver<bool>) {
    run_every(POLL_TICK, shutdown, || async {
        if let Err(e) = fn_poller::run(&deps, poller.as_ref()).await {
            tracing::error!(error = %e, "poll run failed");
        }
        false
    })
    .await
}

/// How often the runner looks for tokens to renew.
pub const RENEW_TICK: Duration = Duration::from_secs(30);

/// Renews the networks' tokens as they come due (the poller function's `renew` on AWS).
pub async fn run_renewals(deps: Deps, shutdown: watch::Receiver<bool>) {
    run_every(RENEW_TICK, shutdown, || async {
        match fn_poller::renew(&deps).await {
            Ok(round) => round.renewed + round.checked + round.refused + round.failed >= fn_poller::RENEWALS_PER_RUN,
            Err(e) => {
                tracing::error!(error = %e, "renewal run failed");
                false
            }
        }
    })
    .await
}

/// Runs `run` until shutdown: at once again when it answers that there is more to do, else
/// after `tick` (or at shutdown).
async fn run_every<F, Fut>(tick: Duration, mut shutdown: watch::Receiver<bool>, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    loop {
        if *shutdown.borrow() {
            return;
        }
        if run().await {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// How often an idle delivery worker looks for due deliveries.
pub const DELIVERY_TICK: Duration = Duration::from_secs(1);
/// Delivery runs side by side. One: a run has its own workers, each on its share of the due
/// deliveries (`fn_integrations::WORKERS`), so one slow receiver does not hold up the others.
pub const DELIVERY_LOOPS: usize = 1;

/// Runs the integrations function's delivery run on a timer, as the schedule does on AWS: at
/// once again while there is more to send, else every `DELIVERY_TICK`.
pub async fn run_deliveries(deps: Deps, shutdown: watch::Receiver<bool>) {
    run_every(DELIVERY_TICK, shutdown, || async {
        match fn_integrations::run_deliveries(&deps).await {
            Ok(round) => round.attempted + round.dead > 0,
            Err(e) => {
                tracing::error!(error = %e, "delivery run failed");
                false
            }
        }
    })
    .await
}
