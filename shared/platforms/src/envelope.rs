//! What the webhook function queues for the ingest worker: the raw body, untouched, and which
//! platform sent it. Normalising happens behind the queue.

use crate::{NormalizeError, Normalized};
use inbox_domain::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Facebook, Messenger and Instagram webhooks.
    Meta,
    /// X Account Activity webhooks.
    X,
    /// LinkedIn `ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS` webhooks.
    Linkedin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestEnvelope {
    pub source: Source,
    pub received_at: Timestamp,
    /// The request body exactly as received (verified, valid JSON, so valid UTF-8).
    pub body: String,
}

impl IngestEnvelope {
    pub fn normalize(&self) -> Result<Normalized, NormalizeError> {
        match self.source {
            Source::Meta => crate::meta::normalize(self.body.as_bytes()),
            Source::X => crate::x::normalize(self.body.as_bytes()),
            Source::Linkedin => crate::linkedin::normalize_webhook(self.body.as_bytes()),
        }
    }
}
