//! The result of normalising one webhook body, shared by every platform adapter.

use inbox_domain::ingest::InboundEvent;
use serde::{Deserialize, Serialize};

/// What one webhook body turned into.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Normalized {
    /// The events to ingest, in the order they appear in the body.
    pub events: Vec<InboundEvent>,
    /// One line per part of the body that produced no event, as `"<where>: <why>"`
    /// (for example `entry[0].changes[2]: feed item `reaction` (verb `add`) is not ingested`).
    /// Meant for logs: it names fields and ids, never message text.
    pub skipped: Vec<String>,
}

impl Normalized {
    pub(crate) fn push(&mut self, location: &str, result: Result<InboundEvent, String>) {
        match result {
            Ok(event) => self.events.push(event),
            Err(reason) => self.skip(location, reason),
        }
    }

    /// Pushes `result`, and when the item was edited since it was posted (`edited_at`; a poll
    /// answer gives only its current state), an `Edited` event at the time of the edit too: a
    /// poll that first sees an item stores it posted with its current text; a poll that knew
    /// it already applies the edit (and one that keeps only what is newer than its watermark
    /// keeps the edit of an old comment).
    pub(crate) fn push_maybe_edited(
        &mut self,
        location: &str,
        result: Result<InboundEvent, String>,
        edited_at: Option<inbox_domain::Timestamp>,
    ) {
        let edit = match (&result, edited_at) {
            (Ok(e), Some(at)) if at > e.occurred_at => match &e.change {
                inbox_domain::ingest::Change::Posted { text, .. } => {
                    Some(InboundEvent { change: inbox_domain::ingest::Change::Edited { text: text.clone() }, occurred_at: at, ..e.clone() })
                }
                _ => None,
            },
            _ => None,
        };
        self.push(location, result);
        if let Some(edit) = edit {
            self.events.push(edit);
        }
    }

    pub(crate) fn skip(&mut self, location: &str, reason: impl std::fmt::Display) {
        self.skipped.push(format!("{location}: {reason}"));
    }
}

/// The body as a whole could not be read. Individual bad events never cause this: they go to
/// [`Normalized::skipped`].
#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    /// The body is not JSON. The message gives the line and column, not the content.
    #[error("webhook body is not valid JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    /// The body is JSON but not the envelope this platform sends.
    #[error("webhook body is not the expected envelope: {0}")]
    Envelope(String),
}
