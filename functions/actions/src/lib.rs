//! Outbound actions: performs queued replies, likes, shares and DMs on the networks through a
//! `PlatformClient`, and records each item as sent (with its platform id) or failed (with why).

use inbox_domain::ItemState;
use inbox_domain::ports::{OutboundJob, PlatformClient};
use inbox_domain::usecases::{self, Deps};

#[derive(Debug, thiserror::Error)]
pub enum ActionsError {
    #[error("the queued message is not an action job: {0}")]
    BadMessage(String),
    #[error(transparent)]
    Domain(#[from] inbox_domain::DomainError),
}

/// Handles one queued action. `Err` means "retry later" (the network was unavailable).
#[tracing::instrument(skip_all)]
pub async fn handle_message(deps: &Deps, client: &dyn PlatformClient, message: &[u8]) -> Result<ItemState, ActionsError> {
    let job: OutboundJob = serde_json::from_slice(message).map_err(|e| ActionsError::BadMessage(e.to_string()))?;
    Ok(usecases::perform_outbound(deps, client, &job).await?)
}
