//! The use cases: where rules meet ports. Every HTTP route, queue consumer and command calls
//! these, on AWS and on one machine alike.
//!
//! One module per capability, over two shared ones: [`deps`] (what every use case is given:
//! the ports, the settings, the caller) and `engine` (the optimistic write of a conversation
//! and the outbox it carries). A capability imports those two, the rules below it
//! (`crate::access`, `crate::ingest`, …) and, by name, the few functions of a sibling it builds
//! on (a reply assigns: `conversations::apply_assignment`; ingest queues a post read:
//! `posts::post_job`; polls, post reads and outbound jobs spend the YouTube quota in `health`).
//! Helpers shared this way are `pub(in crate::usecases)`, so nothing below the use cases can
//! call them. This module only declares and re-exports, so callers write `usecases::feed`;
//! the integrations are reached as `usecases::integrations::…`.

pub mod deps;
mod engine;

pub mod actions;
pub mod admin;
mod channel;
pub mod connect;
pub mod conversations;
pub mod health;
pub mod ingest;
pub mod integrations;
pub mod notify;
pub mod outbound;
pub mod polling;
pub mod posts;
pub mod renewal;
pub mod saved_replies;
pub mod tabs;

pub use actions::*;
pub use admin::*;
pub use channel::next_renewal;
pub use connect::*;
pub use conversations::*;
pub use deps::*;
pub use health::*;
pub use ingest::*;
pub use notify::*;
pub use outbound::*;
pub use polling::*;
pub use posts::*;
pub use renewal::{RenewRound, renew_due};
pub use saved_replies::*;
pub use tabs::*;
