//! The `PlatformClient` the local runner uses until network clients are configured.

use async_trait::async_trait;
use inbox_domain::messages::{ActionJob, HandoverOp};
use inbox_domain::ports::{ActionDone, ActionError, PlatformClient};
use inbox_domain::{Conversation, Item, Post, Profile};

/// Refuses every action with a clear reason: this runner has no client for the networks
/// configured, so nothing can be sent. The outbound item is marked failed with that reason,
/// where the user sees it, instead of staying pending forever.
pub struct NotConnectedClient;

#[async_trait]
impl PlatformClient for NotConnectedClient {
    async fn perform(&self, profile: &Profile, _: &Conversation, _: &[Item], job: &ActionJob) -> Result<ActionDone, ActionError> {
        Err(ActionError::Rejected(format!(
            "no {} client is configured on this server, so the {} was not sent",
            profile.network, job.action
        )))
    }

    async fn handover(&self, profile: &Profile, _: &Conversation, _: HandoverOp) -> Result<(), ActionError> {
        Err(ActionError::Rejected(format!("no {} client is configured on this server, so thread control was not changed", profile.network)))
    }

    async fn fetch_post(&self, profile: &Profile, _: &Conversation) -> Result<Post, ActionError> {
        Err(ActionError::Rejected(format!("no {} client is configured on this server, so the post cannot be read", profile.network)))
    }

    async fn token_owners(&self, network: inbox_domain::Network, _: &inbox_domain::SecretString) -> Result<Vec<String>, ActionError> {
        Err(ActionError::Rejected(format!("no {network} client is configured on this server, so the token cannot be checked")))
    }
}

/// Polls nothing: this runner has no network clients configured. Each due profile's poll fails
/// with that reason, visible in its channel health, and is retried with backoff.
pub struct NotConnectedPoller;

#[async_trait]
impl inbox_domain::ports::PlatformPoller for NotConnectedPoller {
    fn units_per_poll(&self, _: inbox_domain::Network) -> u32 {
        0
    }

    async fn poll(
        &self,
        profile: &Profile,
        _: Option<&str>,
        _: inbox_domain::Timestamp,
    ) -> Result<inbox_domain::ports::PollPage, inbox_domain::ports::PollError> {
        Err(inbox_domain::ports::PollError::Transient(format!("no {} client is configured on this server", profile.network)))
    }
}
