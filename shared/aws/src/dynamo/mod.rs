//! The store ports on one DynamoDB table. Keys, indexes and costs: `docs/aws.md`.
//!
//! Every record has a string partition key `pk` and sort key `sk`; domain objects are kept as
//! JSON in `doc`, beside the few attributes that keys, indexes and conditions need. Reads that
//! a decision depends on are strongly consistent; only the feed and due-poll indexes (GSIs) are
//! read eventually consistently, and what they return is checked against the record.

mod cache;
mod connect;
mod conversation_record;
mod conversations;
mod directory;
mod feed;
mod health_polls;
mod integrations;
pub(crate) mod keys;
pub mod meter;
mod saved_replies;
pub mod schema;
pub(crate) mod signature;
pub(crate) mod store;
pub mod stream;
mod tabs_notifications;

pub use meter::{CapacityMeter, Units};
pub use store::{DynamoDbStore, FeedBudget};
pub use stream::StreamRecord;
