//! Platform adapters for the social inbox: webhook signature checks and the normalisation of
//! webhook bodies into domain [`InboundEvent`](inbox_domain::ingest::InboundEvent)s.
//!
//! - [`signature`]: HMAC checks over the raw request bytes (Meta `X-Hub-Signature-256`,
//!   X `x-twitter-webhooks-signature`, X CRC answers) and the matching signers.
//! - [`meta`]: Meta webhooks (Facebook Page feed and mentions, Messenger, Instagram).
//! - [`x`]: X (Twitter) Account Activity API webhooks.
//!
//! Normalisers are pure: they never call the network and never drop a whole delivery because of
//! one bad event. What they cannot turn into an event is listed in [`Normalized::skipped`].

pub mod envelope;
mod json;
pub mod meta;
mod normalized;
pub mod signature;
pub mod x;

pub use normalized::{NormalizeError, Normalized};
pub use signature::SignatureError;
