//! The ingest worker: one queued webhook body (or poll result) at a time, normalised into
//! events and applied through the domain. Applying is idempotent, so a redelivered message
//! stores nothing twice.

use inbox_domain::usecases::{self, Deps, IngestOutcome};
use inbox_platforms::envelope::IngestEnvelope;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the queued message is not an ingest envelope: {0}")]
    BadMessage(String),
    #[error("the webhook body cannot be read: {0}")]
    BadBody(#[from] inbox_platforms::NormalizeError),
    #[error(transparent)]
    Domain(#[from] inbox_domain::DomainError),
}

/// What one message did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub created: usize,
    pub appended: usize,
    pub updated: usize,
    pub ignored: usize,
    pub unknown_profile: usize,
    pub skipped: usize,
}

/// Handles one queued message. An `Err` leaves the message to be retried (and dead-lettered
/// after the queue's limit); events applied before the error are not applied twice.
#[tracing::instrument(skip_all, fields(bytes = message.len()))]
pub async fn handle_message(deps: &Deps, message: &[u8]) -> Result<Report, IngestError> {
    let envelope: IngestEnvelope = serde_json::from_slice(message).map_err(|e| IngestError::BadMessage(e.to_string()))?;
    let normalized = envelope.normalize()?;
    let mut report = Report { skipped: normalized.skipped.len(), ..Report::default() };
    for why in &normalized.skipped {
        tracing::info!(source = ?envelope.source, skipped = %why, "part of a webhook not ingested");
    }
    for event in &normalized.events {
        match usecases::ingest_received(deps, event, Some(envelope.received_at)).await? {
            IngestOutcome::Created(_) => report.created += 1,
            IngestOutcome::Appended(_) => report.appended += 1,
            IngestOutcome::Updated(_) => report.updated += 1,
            IngestOutcome::Ignored(why) => {
                tracing::debug!(platform_id = %event.platform_id, why, "event ignored");
                report.ignored += 1
            }
            IngestOutcome::UnknownProfile => report.unknown_profile += 1,
        }
    }
    Ok(report)
}
