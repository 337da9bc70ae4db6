//! The use cases: where rules meet ports. Every HTTP route, queue consumer and command calls
//! these, on AWS and on one machine alike.
//!
//! One module per capability, over two shared ones: [`deps`] (what every use case is given:
//! the ports, the settings, the caller) and [`engine`] (the optimistic write of a
//! conversation and the outbox it carries). A capability's module imports those two and the
//! rules below it (`crate::access`, `crate::ingest`, …), never another capability's internals;
//! this module only re-exports, so callers write `usecases::feed`.

pub mod deps;
pub mod engine;

pub mod actions;
pub mod admin;
pub mod conversations;
pub mod health;
pub mod ingest;
pub mod integrations;
pub mod notify;
pub mod outbound;
pub mod polling;
pub mod posts;
pub mod tabs;

pub use actions::*;
pub use admin::*;
pub use conversations::*;
pub use deps::*;
pub use health::*;
pub use ingest::*;
pub use notify::*;
pub use outbound::*;
pub use polling::*;
pub use posts::*;
pub use tabs::*;
