//! Notification fan-out: turns one queued happening into in-app notifications and emails.

use inbox_domain::notify::NotifyEvent;
use inbox_domain::usecases::{self, Deps};

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the queued message is not a notify event: {0}")]
    BadMessage(String),
    #[error(transparent)]
    Domain(#[from] inbox_domain::DomainError),
}

/// Handles one queued message; returns how many people were notified.
#[tracing::instrument(skip_all)]
pub async fn handle_message(deps: &Deps, message: &[u8]) -> Result<usize, NotifyError> {
    let event: NotifyEvent = serde_json::from_slice(message).map_err(|e| NotifyError::BadMessage(e.to_string()))?;
    Ok(usecases::notify(deps, &event).await?)
}
