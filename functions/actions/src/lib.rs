//! Outbound actions: performs queued replies, likes, shares and DMs on the networks through a
//! `PlatformClient`, and records each item as sent (with its platform id) or failed (with why).

use inbox_domain::messages::OutboundJob;
use inbox_domain::ports::PlatformClient;
use inbox_domain::usecases::{self, Deps, JobOutcome};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ActionsError {
    #[error("the queued message is not an action job: {0}")]
    BadMessage(String),
    #[error(transparent)]
    Domain(#[from] inbox_domain::DomainError),
}

/// Handles one queued action. `Ok(RetryIn(wait))`: the network could not take it yet, hand the
/// message back after `wait`; `Err`: a dependency of the inbox failed, the queue retries.
#[tracing::instrument(skip_all)]
pub async fn handle_message(deps: &Deps, client: &dyn PlatformClient, message: &[u8]) -> Result<JobOutcome, ActionsError> {
    let job: OutboundJob = serde_json::from_slice(message).map_err(|e| ActionsError::BadMessage(e.to_string()))?;
    Ok(usecases::perform_outbound(deps, client, &job).await?)
}

/// Why an item is failed when the last delivery of its job could only have been retried.
const DELIVERIES_RAN_OUT: &str = "the queue's deliveries of it ran out before the network took it";

/// One delivery of a queued action, as both runners hand it over (the Lambda's SQS batches and
/// the local worker). `last`: the queue will not deliver the message again (SQS: its receive
/// count reached the redrive policy's `maxReceiveCount`; locally: the queue's `max_attempts`).
/// `Ok(Some(wait))`: hand the message back after `wait`; `Err`: a dependency of the inbox
/// failed, the queue retries or dead-letters it.
///
/// On the last delivery nothing is left pending behind a dead letter: a try the network asked
/// to retry fails its item in words instead, and an error of the inbox fails its item too (the
/// error is still returned, so the message is dead-lettered where it can be replayed).
pub async fn handle_delivery(
    deps: &Deps,
    client: &dyn PlatformClient,
    message: &[u8],
    last: bool,
) -> Result<Option<Duration>, ActionsError> {
    match handle_message(deps, client, message).await {
        Ok(JobOutcome::Done(_)) => Ok(None),
        Ok(JobOutcome::RetryIn(_)) if last => {
            abandon_message(deps, message, DELIVERIES_RAN_OUT).await?;
            Ok(None)
        }
        Ok(JobOutcome::RetryIn(wait)) => Ok(Some(wait)),
        Err(e) => {
            if last && let Err(why) = abandon_message(deps, message, &e.to_string()).await {
                tracing::error!(error = %why, "cannot mark the abandoned action's item failed");
            }
            Err(e)
        }
    }
}

/// The queue gives up on a message (its last delivery failed): the outbound item it carried is
/// failed with the reason, never left pending. A message that is not a job is left alone.
#[tracing::instrument(skip_all)]
pub async fn abandon_message(deps: &Deps, message: &[u8], why: &str) -> Result<(), ActionsError> {
    let job: OutboundJob = serde_json::from_slice(message).map_err(|e| ActionsError::BadMessage(e.to_string()))?;
    Ok(usecases::abandon_outbound(deps, &job, why).await?)
}
