//! Platform adapters for the social inbox: webhook signature checks and the normalisation of
//! webhook bodies and poll answers into domain
//! [`InboundEvent`](inbox_domain::ingest::InboundEvent)s.
//!
//! - [`signature`]: HMAC checks over the raw request bytes (Meta `X-Hub-Signature-256`,
//!   X `x-twitter-webhooks-signature`, LinkedIn `X-LI-Signature`), the matching signers, and the
//!   answers to X's CRC and LinkedIn's validation challenge.
//! - [`meta`]: Meta webhooks (Facebook Page feed and mentions, Messenger with standby and
//!   handover, Instagram).
//! - [`x`]: X (Twitter) Account Activity API webhooks and `GET /2/users/:id/mentions` pages.
//! - [`linkedin`]: LinkedIn organization social action webhooks and comments pages.
//! - [`youtube`]: YouTube `commentThreads.list` pages (YouTube has no comment push).
//! - [`sealing`]: the stored network tokens, sealed (AES-256-GCM) and opened.
//! - [`envelope`]: what the webhook function queues for the ingest worker.
//!
//! Normalisers are pure: they never call the network and never drop a whole delivery because of
//! one bad event. What they cannot turn into an event is listed in [`Normalized::skipped`].

pub mod envelope;
mod json;
pub mod linkedin;
pub mod meta;
mod normalized;
pub mod owners;
pub mod posts;
pub mod sealing;
pub mod signature;
pub mod x;
pub mod youtube;

pub use linkedin::LinkedinPaging;
pub use normalized::{NormalizeError, Normalized};
pub use signature::SignatureError;
pub use x::XMentionsMeta;
