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

pub mod egress;
mod salesforce;
pub mod signature;
mod webhook;

pub use egress::{Allowed, EgressPolicy};
pub use salesforce::{DEFAULT_TIMEOUT as SALESFORCE_TIMEOUT, HttpSalesforceClient};
pub use webhook::{DEFAULT_TIMEOUT as WEBHOOK_TIMEOUT, HttpWebhookSender};

/// The integrations' HTTP clients under one egress policy, with their default timeouts, and the
/// cipher of their secrets: what every deployment gives the use cases.
pub fn outbound(
    policy: EgressPolicy,
    cipher: std::sync::Arc<dyn inbox_domain::ports::SecretCipher>,
) -> Result<inbox_domain::usecases::Outbound, String> {
    let policy = std::sync::Arc::new(policy);
    Ok(inbox_domain::usecases::Outbound {
        webhook_sender: std::sync::Arc::new(HttpWebhookSender::new(policy.clone(), WEBHOOK_TIMEOUT)?),
        salesforce_client: std::sync::Arc::new(HttpSalesforceClient::new(policy.clone(), SALESFORCE_TIMEOUT)?),
        egress: policy,
        cipher,
    })
}
