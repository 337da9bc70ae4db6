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

/// How long a message whose event was refused for throughput (a DynamoDB partition over its
/// rate, [`inbox_domain::error::PortError::Busy`]) waits before it comes back: handed back at
/// once instead of waiting inside the function, it frees its place in the batch for the events
/// behind it. The wait doubles with each receive from 2 s (jittered by up to half, so that a
/// throttled thread's messages do not come back together) up to a minute: the queue's 20
/// receives then span about a quarter of an hour of throttling before the dead-letter queue.
/// `None` for any other failure (the queue's own visibility timeout, then the dead-letter queue).
pub fn busy_wait(error: &IngestError, receives: u32) -> Option<std::time::Duration> {
    let IngestError::Domain(inbox_domain::DomainError::Dependency(e)) = error else { return None };
    if !e.is_busy() {
        return None;
    }
    let full = (2u64 << receives.saturating_sub(1).min(5)).min(60) as f64;
    Some(std::time::Duration::from_secs_f64(full * (0.5 + fastrand::f64() / 2.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use inbox_domain::error::PortError;

    #[test]
    fn a_busy_store_hands_the_message_back_with_a_wait_that_grows() {
        let busy = || {
            IngestError::Domain(inbox_domain::DomainError::Dependency(PortError::Busy { words: "throttled".into(), source: "x".into() }))
        };
        let waits: Vec<f64> = (1..=8).map(|r| busy_wait(&busy(), r).unwrap().as_secs_f64()).collect();
        for (r, w) in waits.iter().enumerate() {
            let full = [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0][r];
            assert!(*w >= full / 2.0 && *w <= full, "receive {}: {w} s", r + 1);
        }
        let total_max: f64 = (1..=20).map(|r| busy_wait(&busy(), r).unwrap().as_secs_f64()).sum();
        assert!(total_max > 5.0 * 60.0, "20 receives span minutes of throttling: {total_max} s");
        let failed = IngestError::Domain(inbox_domain::DomainError::Dependency(PortError::Unavailable("down".into())));
        assert_eq!(busy_wait(&failed, 1), None, "other failures wait for the queue's own timeout");
        assert_eq!(busy_wait(&IngestError::BadMessage("x".into()), 1), None);
    }
}
