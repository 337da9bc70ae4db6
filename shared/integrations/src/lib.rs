//! The integrations' outbound HTTP: what the domain's integration ports need, spoken to the
//! outside.
//!
//! - [`EgressPolicy`]: where the inbox may send requests for an account (public addresses, or
//!   an allow-list), checked when a target is saved and again, after DNS resolution, when a
//!   request is sent ([`egress`]). Implements `EgressGuard`.
//! - [`HttpWebhookSender`]: signed Standard Webhooks deliveries ([`signature`]). Implements
//!   `WebhookSender`.
//! - [`HttpSalesforceClient`]: Cases through Salesforce's REST API with the OAuth refresh-token
//!   flow. Implements `SalesforceClient`.
//! - [`NotConfiguredSalesforce`]: a `SalesforceClient` that refuses everything, for deployments
//!   without one.

pub mod egress;
mod salesforce;
pub mod signature;
mod webhook;

pub use egress::{Allowed, EgressPolicy};
pub use salesforce::{DEFAULT_TIMEOUT as SALESFORCE_TIMEOUT, HttpSalesforceClient};
pub use webhook::{DEFAULT_TIMEOUT as WEBHOOK_TIMEOUT, HttpWebhookSender};

use async_trait::async_trait;
use inbox_domain::SecretString;
use inbox_domain::ports::{CaseAttempt, CaseError, SalesforceClient};
use inbox_domain::salesforce::{CaseRequest, SalesforceConnection};

/// Percent-encodes everything but RFC 3986's unreserved characters (an id in a path).
pub(crate) fn encode(s: &str) -> String {
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

/// A `SalesforceClient` for deployments that reach no Salesforce.
pub struct NotConfiguredSalesforce;

#[async_trait]
impl SalesforceClient for NotConfiguredSalesforce {
    async fn refresh(&self, _: &SalesforceConnection) -> Result<SecretString, CaseError> {
        Err(CaseError::Unavailable("this deployment has no Salesforce client".into()))
    }
    async fn create_case(&self, _: &SalesforceConnection, _: &CaseRequest) -> CaseAttempt {
        CaseAttempt { result: Err(CaseError::Unavailable("this deployment has no Salesforce client".into())), refreshed_token: None }
    }
}
