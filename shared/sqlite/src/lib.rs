//! The embedded default: every port on one SQLite file (WAL mode), plus `.eml` files for email.
//!
//! All writes go through one writer thread that group-commits whatever is waiting into one
//! transaction (each write in its own savepoint, so one failing write never spoils the
//! others); reads use a small pool of connections. Durable local queues live in the same
//! database, with at-least-once delivery, a visibility timeout and dead-lettering.

mod codec;
mod connect;
mod conversations;
mod db;
mod directory;
mod health_polls;
mod integrations;
mod mailer;
mod queue;
mod saved_replies;
mod schema;
mod search_index;
mod store;
mod tabs_notifications;

pub use db::{Db, DbConfig, Durability};
pub use mailer::OutboxMailer;
pub use queue::{DeadLetter, Delivery, SqliteQueue};
pub use rusqlite;
pub use schema::migrate_to;

pub use store::SqliteStore;
