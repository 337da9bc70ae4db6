//! The integration use cases: outbound webhook subscriptions and their deliveries, Zapier REST
//! hooks and the API keys they authenticate with, Salesforce Cases. Rules are in
//! [`crate::webhooks`], [`crate::salesforce`] and [`crate::events`]; this is where they meet
//! the ports.
//!
//! The flow of an event: a use case stores a change and queues its [`DomainEvent`](crate::events::DomainEvent)s on
//! `events`; the events consumer ([`on_event`]) stores one delivery per matching subscription
//! and applies the Salesforce rule; the delivery worker ([`deliver_due`]) sends what is due,
//! signed, and reschedules or dead-letters what fails.

mod api_keys;
mod checks;
mod deliveries;
mod dispatch;
mod salesforce;
mod subscriptions;

pub use api_keys::*;
pub use deliveries::*;
pub use dispatch::*;
pub use salesforce::*;
pub use subscriptions::*;
