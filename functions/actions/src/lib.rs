//! Outbound actions: performs queued replies, likes, shares and DMs on the networks through a
//! `PlatformClient`, and records each item as sent (with its platform id) or failed (with why).

use inbox_domain::ports::{OutboundJob, PlatformClient};
use inbox_domain::usecases::{self, Deps, JobOutcome};

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

/// The queue gives up on a message (its last delivery failed): the outbound item it carried is
/// failed with the reason, never left pending. A message that is not a job is left alone.
#[tracing::instrument(skip_all)]
pub async fn abandon_message(deps: &Deps, message: &[u8], why: &str) -> Result<(), ActionsError> {
    let job: OutboundJob = serde_json::from_slice(message).map_err(|e| ActionsError::BadMessage(e.to_string()))?;
    Ok(usecases::abandon_outbound(deps, &job, why).await?)
}
