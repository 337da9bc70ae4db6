//! The social inbox domain: every product rule, free of AWS, HTTP and storage crates.
//!
//! Adapters (SQLite, DynamoDB, SQS, SES, HTTP) implement the [`ports`]; the use cases in
//! [`usecases`] are the only place where rules and ports meet.

pub mod access;
pub mod connect;
pub mod error;
pub mod events;
pub mod fanout;
pub mod ids;
pub mod ingest;
pub mod mail;
pub mod messages;
pub mod model;
pub mod notes;
pub mod notify;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod poll;
pub mod ports;
pub mod retry;
pub mod salesforce;
pub mod saved_replies;
pub mod search;
pub mod secrets;
pub mod tabs;
pub mod usecases;
pub mod webhooks;

pub use error::DomainError;

/// Percent-encodes everything but RFC 3986's unreserved characters: an id or URN placed in a
/// URL path or query (`urn:li:organization:1` → `urn%3Ali%3Aorganization%3A1`). The networks'
/// and the integrations' clients both use it.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
pub use connect::presence_context;
/// `s`, or its first `max - 1` characters and `…` when it is longer than `max` characters.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub use ids::*;
pub use model::*;
