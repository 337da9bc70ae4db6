//! The social inbox domain: every product rule, free of AWS, HTTP and storage crates.
//!
//! Adapters (SQLite, DynamoDB, SQS, SES, HTTP) implement the [`ports`]; the use cases in
//! [`usecases`] are the only place where rules and ports meet.

pub mod access;
pub mod error;
pub mod events;
pub mod ids;
pub mod ingest;
pub mod integrations;
pub mod model;
pub mod notes;
pub mod notify;
pub mod poll;
pub mod ports;
pub mod salesforce;
pub mod search;
pub mod tabs;
pub mod usecases;
pub mod webhooks;

pub use error::DomainError;
pub use ids::*;
pub use model::*;
