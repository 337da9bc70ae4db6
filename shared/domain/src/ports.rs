//! The ports: what the domain needs from the outside, named by role. Adapters are named by
//! their technology and role (`SqsQueue`, `SesMailer`, `OutboxMailer`); one store value per
//! backend serves every store port (`SqliteStore`, `DynamoDbStore`: see [`StorePorts`]).
//!
//! The use cases are all given one bundle of these ports ([`Deps`](crate::usecases::Deps)),
//! not each the few it calls. That is a choice: every deployment builds the same bundle over
//! one store adapter ([`Deps::on_store`](crate::usecases::Deps::on_store)), so a narrower
//! parameter list per use case would add a type per use case and narrow nothing at run time.
//! Where narrowing matters, it is done at deploy time: each Lambda function's IAM policy in
//! `template.yaml` grants only the table actions, queues and secrets that function's use cases
//! reach, so a port it was not meant to call fails there with `AccessDenied`.
//!
//! The messages that travel on the queues are in [`crate::messages`], not here.

use crate::error::PortResult;
use crate::ids::*;
use crate::messages::{ActionJob, HandoverOp, QueueName};
use crate::model::*;
use crate::tabs::Tab;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

mod conversations;
mod signin;
pub use conversations::*;
pub use signin::*;

/// A backend whose one store serves every store port (SQLite on one machine, DynamoDB on AWS).
pub trait StorePorts:
    DirectoryStore
    + ConversationStore
    + TabStore
    + NotificationStore
    + PollStore
    + HealthStore
    + SubscriptionStore
    + DeliveryStore
    + ApiKeyStore
    + SalesforceStore
    + ConnectStore
    + RenewalStore
    + SavedReplyStore
    + 'static
{
}

impl<T> StorePorts for T where
    T: DirectoryStore
        + ConversationStore
        + TabStore
        + NotificationStore
        + PollStore
        + HealthStore
        + SubscriptionStore
        + DeliveryStore
        + ApiKeyStore
        + SalesforceStore
        + ConnectStore
        + RenewalStore
        + SavedReplyStore
        + 'static
{
}

/// Accounts, users and profiles.
#[async_trait]
pub trait DirectoryStore: Send + Sync {
    async fn put_account(&self, account: &Account) -> PortResult<()>;
    async fn get_account(&self, id: &AccountId) -> PortResult<Option<Account>>;
    /// Creates or replaces a user. `AlreadyExists` when another user of the account has the email.
    async fn put_user(&self, user: &User) -> PortResult<()>;
    async fn get_user(&self, account: &AccountId, id: &UserId) -> PortResult<Option<User>>;
    async fn list_users(&self, account: &AccountId) -> PortResult<Vec<User>>;
    async fn delete_user(&self, account: &AccountId, id: &UserId) -> PortResult<bool>;
    /// Sets one user's notification emails on or off and nothing else, if the user exists
    /// (an unsubscribe never re-creates a removed user or undoes a role change).
    async fn set_email_notifications(&self, account: &AccountId, id: &UserId, on: bool) -> PortResult<Option<User>>;
    /// Creates or replaces a profile. `AlreadyExists` when another profile has the same
    /// `(network, external_id)`: one presence is connected to one account only.
    async fn put_profile(&self, profile: &Profile) -> PortResult<()>;
    /// Replaces a profile (same network and external id: new credentials, settings) only if it
    /// is still stored exactly as `expected`: false when it was deleted or changed meanwhile
    /// (a disconnected profile is never brought back by a reconnect that was under way).
    async fn update_profile(&self, expected: &Profile, profile: &Profile) -> PortResult<bool>;
    async fn get_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<Option<Profile>>;
    async fn find_profile(&self, network: Network, external_id: &str) -> PortResult<Option<Profile>>;
    async fn list_profiles(&self, account: &AccountId) -> PortResult<Vec<Profile>>;
    async fn delete_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<bool>;
}

/// A user's tabs by position, with the version of the whole set: every change of any of them
/// bumps it, so that a change computed from one reading (a new tab within the limit, new
/// positions) is written only if nothing changed since.
#[derive(Debug, Clone, PartialEq)]
pub struct TabSet {
    pub tabs: Vec<Tab>,
    pub version: u64,
}

/// Per-user tabs.
#[async_trait]
pub trait TabStore: Send + Sync {
    /// The user's tabs by position. The first call for a user stores `defaults` (atomically,
    /// once) and returns them; later calls never recreate them, even if all were removed.
    async fn tabs_or_init(&self, user: &UserId, defaults: &[Tab]) -> PortResult<TabSet>;
    /// Stores `put` (new or changed tabs of `user`) and removes `delete`, all at once, only if
    /// the user's set is still at version `expected` (`Conflict` otherwise, nothing written).
    async fn write_tabs(&self, user: &UserId, expected: u64, put: &[Tab], delete: &[TabId]) -> PortResult<()>;
}

/// An account's saved replies (`crate::saved_replies`).
#[async_trait]
pub trait SavedReplyStore: Send + Sync {
    /// The account's saved replies (in no particular order).
    async fn saved_replies(&self, account: &AccountId) -> PortResult<Vec<crate::saved_replies::SavedReply>>;
    async fn get_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<Option<crate::saved_replies::SavedReply>>;
    /// Stores a new reply unless its account holds `max_per_account` already (`LimitReached`,
    /// decided atomically with the write, however many creations race).
    async fn insert_saved_reply(&self, reply: &crate::saved_replies::SavedReply, max_per_account: usize) -> PortResult<()>;
    /// Replaces a reply only if it is still at `expected_version` (`Conflict` otherwise).
    async fn put_saved_reply(&self, reply: &crate::saved_replies::SavedReply, expected_version: u64) -> PortResult<()>;
    /// Removes a reply of the account; `false` when there was none.
    async fn delete_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<bool>;
}

/// In-app notifications.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Idempotent: a notification with an id already stored is left as it is. Returns
    /// whether it was new.
    async fn put_notification(&self, n: &Notification) -> PortResult<bool>;
    async fn list_notifications(&self, user: &UserId, limit: usize) -> PortResult<Vec<Notification>>;
    async fn mark_read(&self, user: &UserId, id: &NotificationId) -> PortResult<bool>;
}

/// Sending side of a queue: once `send` returns Ok, the message is durable.
#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, queue: QueueName, body: Vec<u8>) -> PortResult<()>;

    /// Several messages for one queue. Adapters send them in as few requests (SQS: one
    /// `SendMessageBatch` per ten) or transactions (SQLite: one) as they can. On an error some
    /// may have been sent: a caller that sends again may deliver those twice, which consumers
    /// take, as they take every redelivery.
    async fn send_batch(&self, queue: QueueName, bodies: Vec<Vec<u8>>) -> PortResult<()> {
        for body in bodies {
            self.send(queue, body).await?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// Idempotency key: the same id is delivered once.
    pub id: String,
    pub to: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (the same words, escaped): see [`crate::mail::Letter`].
    pub html: String,
    /// The one-click unsubscribe address (`List-Unsubscribe`, RFC 8058), if any.
    pub unsubscribe_url: Option<String>,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> PortResult<()>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// Waiting before a change that lost an optimistic-concurrency race is tried again
/// ([`crate::retry::after_lost_races`]). An adapter waits a random time up to `ceiling` (full
/// jitter) on its runtime's timer, so that writers racing on one record spread out instead of
/// trying again in step.
#[async_trait]
pub trait Pause: Send + Sync {
    async fn up_to(&self, ceiling: std::time::Duration);
}

/// Never waits: the use cases' unit tests and the simulations that keep their own time.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPause;

#[async_trait]
impl Pause for NoPause {
    async fn up_to(&self, _: std::time::Duration) {}
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// What a network answered to an action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionDone {
    /// The network's id of what was created (reply id, DM id), when there is one.
    pub platform_id: Option<String>,
    /// For a DM: the id of the person it reached, when the network tells it (a private reply's
    /// `recipient_id`).
    pub dm_recipient: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// Will not succeed on retry (bad request, policy, window closed).
    #[error("{0}")]
    Rejected(String),
    /// The profile's token expired or lost a permission: it needs reconnecting.
    #[error("{0}")]
    NeedsReconnect(String),
    /// Worth retrying (network down, 5xx).
    #[error("{0}")]
    Transient(String),
    /// The network said "slow down", and maybe for how long (`Retry-After`, X's reset time,
    /// Meta's usage headers): the next try waits at least that long.
    #[error("{reason}")]
    RateLimited { reason: String, retry_after_secs: Option<u64> },
}

/// Performs engagement actions and thread control on the networks.
#[async_trait]
pub trait PlatformClient: Send + Sync {
    /// Sends a reply, like, share or DM. `items` is the conversation's thread.
    async fn perform(
        &self,
        profile: &Profile,
        conversation: &Conversation,
        items: &[Item],
        job: &ActionJob,
    ) -> Result<ActionDone, ActionError>;

    /// Takes Messenger thread control, or passes it back to the profile's bot.
    async fn handover(&self, profile: &Profile, conversation: &Conversation, op: HandoverOp) -> Result<(), ActionError>;

    /// Reads the post a conversation is under (its `post_id`: a Page post, Instagram media, a
    /// tweet, a LinkedIn post, a YouTube video) as the network shows it to `profile`.
    /// `fetched_at` is the caller's to set.
    async fn fetch_post(&self, profile: &Profile, conversation: &Conversation) -> Result<Post, ActionError>;

    /// The ids of the presences `token` acts as on `network`, as the network says: a
    /// Page token's Page (Facebook) or its linked Instagram business account (Instagram), an
    /// X user token's user, the organisations a LinkedIn member administers, a Google user's
    /// YouTube channels. Connecting a profile checks that its `external_id` is among them.
    async fn token_owners(&self, network: Network, token: &SecretString) -> Result<Vec<String>, ActionError>;
}

/// One page of what a network's API says happened since a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PollPage {
    /// Normalised events, as a webhook would have produced them.
    pub events: Vec<crate::ingest::InboundEvent>,
    /// The cursor to save once these events are stored (`None`: keep the old one).
    pub cursor: Option<String>,
    /// Quota units this poll spent (YouTube: 1 per list call).
    pub units: u32,
    /// For networks that push by webhook: whether the profile's webhook subscription is in
    /// place (a Page can silently lose it after delivery failures), when the poll checked it.
    pub webhook_subscribed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// The network said "slow down"; `retry_after_secs` when it said for how long.
    #[error("rate limited")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("{0}")]
    NeedsReconnect(String),
    #[error("{0}")]
    Transient(String),
}

/// Reads a network's API for what webhooks do not deliver (or may have missed).
#[async_trait]
pub trait PlatformPoller: Send + Sync {
    /// Quota units one poll of `network` costs at most (for budgeting before the call).
    fn units_per_poll(&self, network: Network) -> u32;

    /// Fetches what happened on `profile` since `cursor` (or since `backfill_since` when there
    /// is no cursor yet: the first poll after connecting).
    async fn poll(&self, profile: &Profile, cursor: Option<&str>, backfill_since: Timestamp) -> Result<PollPage, PollError>;
}

/// Poll schedule and cursor of one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollState {
    pub profile_id: ProfileId,
    pub account_id: AccountId,
    pub network: Network,
    pub cursor: Option<String>,
    pub next_at: Timestamp,
    pub interval_secs: u64,
    pub last_ok_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub failures: u32,
}

/// Poll schedules, leases and the application's daily quotas.
#[async_trait]
pub trait PollStore: Send + Sync {
    /// Creates the schedule of a profile if it has none (first poll at `first_at`).
    async fn ensure_poll_state(&self, state: &PollState) -> PortResult<()>;
    /// Profiles whose next poll is due at `now` and that nobody holds a lease on.
    async fn due_polls(&self, now: Timestamp, limit: usize) -> PortResult<Vec<PollState>>;
    /// Takes the lease of a profile whose poll is due at `now` until `until`, unless another
    /// poller holds it (or polled it meanwhile: its next poll is later then).
    async fn lease_poll(&self, profile: &ProfileId, now: Timestamp, until: Timestamp) -> PortResult<bool>;
    /// Saves the outcome of a poll and releases the lease.
    async fn finish_poll(&self, state: &PollState) -> PortResult<()>;
    async fn poll_state(&self, profile: &ProfileId) -> PortResult<Option<PollState>>;
    /// Spends `units` of `network`'s budget for the UTC day of `now`, unless that would pass
    /// `budget`. Atomic: concurrent pollers never overspend.
    async fn spend_quota(&self, network: Network, now: Timestamp, units: u32, budget: u32) -> PortResult<bool>;
    async fn quota_spent(&self, network: Network, now: Timestamp) -> PortResult<u32>;
    /// Gives back units spent ahead of a poll that used fewer.
    async fn refund_quota(&self, network: Network, now: Timestamp, units: u32) -> PortResult<()>;
    /// How many profiles of `network` are polled (they share its budget).
    async fn count_polled(&self, network: Network) -> PortResult<u32>;
}

/// What is known of a profile's channel: the signals that show nothing is being missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelHealth {
    pub profile_id: ProfileId,
    pub last_event_at: Option<Timestamp>,
    /// The usual time between two events of this channel (a moving average), once known.
    pub typical_gap_secs: Option<u64>,
    pub token_state: TokenState,
    pub token_error: Option<String>,
    /// The last check of the webhook subscription, and its answer.
    pub webhook_subscribed: Option<bool>,
    pub webhook_checked_at: Option<Timestamp>,
}

#[async_trait]
pub trait HealthStore: Send + Sync {
    /// Notes that an event of the profile arrived at `at` (keeps the newest).
    async fn record_event(&self, profile: &ProfileId, at: Timestamp) -> PortResult<()>;
    async fn set_token_state(&self, profile: &ProfileId, state: TokenState, error: Option<String>) -> PortResult<()>;
    async fn set_webhook_state(&self, profile: &ProfileId, subscribed: bool, at: Timestamp) -> PortResult<()>;
    async fn channel_health(&self, profile: &ProfileId) -> PortResult<ChannelHealth>;
}

// ---------------------------------------------------------------------------------------
// Integrations: outbound webhooks, Zapier REST hooks, Salesforce Cases

use crate::salesforce::{CaseRequest, SalesforceConnection};
use crate::webhooks::{ApiKey, DeliveryState, WebhookDelivery, WebhookSubscription};

/// Webhook and Zapier subscriptions of the accounts.
#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// Creates a subscription unless its account has `max_per_account` already
    /// (`LimitReached`), the count and the write in one atomic step, so that concurrent
    /// creations never pass the limit; `AlreadyExists` when the id is taken.
    async fn insert_subscription(&self, subscription: &WebhookSubscription, max_per_account: usize) -> PortResult<()>;
    /// Replaces the stored subscription only if its version is still `expected_version` (else
    /// `Conflict`, also when it was deleted meanwhile).
    async fn put_subscription(&self, subscription: &WebhookSubscription, expected_version: u64) -> PortResult<()>;
    async fn get_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<Option<WebhookSubscription>>;
    /// Every subscription of the account, oldest first.
    async fn list_subscriptions(&self, account: &AccountId) -> PortResult<Vec<WebhookSubscription>>;
    /// Deletes a subscription and its deliveries.
    async fn delete_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<bool>;
}

/// Deliveries of events to subscriptions, with their own schedule and leases (like
/// [`PollStore`]).
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Stores a new delivery; `AlreadyExists` when its id is stored (the event was dispatched
    /// before: delivery ids derive from the event and the subscription).
    async fn insert_delivery(&self, delivery: &WebhookDelivery) -> PortResult<()>;
    async fn get_delivery(&self, account: &AccountId, id: &DeliveryId) -> PortResult<Option<WebhookDelivery>>;
    /// Pending deliveries due at `now` that nobody holds a lease on, soonest first.
    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> PortResult<Vec<WebhookDelivery>>;
    /// Takes a delivery's lease for `holder` until `until`, in one atomic check: only while it
    /// is pending, due (`next_at <= now`: a list read before another worker rescheduled it
    /// does not make it due again) and not leased by anyone. False otherwise.
    async fn lease_delivery(&self, id: &DeliveryId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool>;
    /// Replaces a delivery (an attempt's outcome, a replay) and releases its lease. With
    /// `holder`, only while that holder still has the lease (it ran out and another worker took
    /// it: false, nothing written); without, unconditionally (an admin's replay of a finished
    /// delivery).
    async fn save_delivery(&self, delivery: &WebhookDelivery, holder: Option<&str>) -> PortResult<bool>;
    /// A subscription's deliveries, newest first (by id), optionally in one state only, after
    /// `before` (the last id of the previous page).
    async fn list_deliveries(
        &self,
        account: &AccountId,
        subscription: &SubscriptionId,
        state: Option<DeliveryState>,
        before: Option<&DeliveryId>,
        limit: usize,
    ) -> PortResult<Vec<WebhookDelivery>>;
}

/// Account API keys (Zapier). Stores hashes, never keys.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key; `AlreadyExists` when its id or hash is taken.
    async fn put_api_key(&self, key: &ApiKey) -> PortResult<()>;
    /// The key with this hash ([`hash_api_key`](crate::webhooks::hash_api_key)), of any account.
    async fn find_api_key(&self, hash: &str) -> PortResult<Option<ApiKey>>;
    /// The account's keys, oldest first.
    async fn list_api_keys(&self, account: &AccountId) -> PortResult<Vec<ApiKey>>;
    async fn delete_api_key(&self, account: &AccountId, id: &ApiKeyId) -> PortResult<bool>;
}

/// Salesforce connections (one per account) and the claims that keep two requests from making
/// two Cases of one conversation.
#[async_trait]
pub trait SalesforceStore: Send + Sync {
    /// Creates or replaces the account's connection.
    async fn put_connection(&self, connection: &SalesforceConnection) -> PortResult<()>;
    async fn get_connection(&self, account: &AccountId) -> PortResult<Option<SalesforceConnection>>;
    async fn delete_connection(&self, account: &AccountId) -> PortResult<bool>;
    /// Keeps a refreshed access token, leaving the rest of the connection as it is (nothing
    /// when there is no connection).
    async fn set_access_token(&self, account: &AccountId, token: &SecretString) -> PortResult<()>;
    /// Takes the right to make the Case of `conversation` until `until`, unless someone holds
    /// it. Atomic.
    async fn claim_case(&self, conversation: &ConversationId, now: Timestamp, until: Timestamp) -> PortResult<bool>;
    async fn release_case(&self, conversation: &ConversationId) -> PortResult<()>;
}

/// Where the inbox may send requests on an account's behalf (webhook targets, Salesforce).
#[async_trait]
pub trait EgressGuard: Send + Sync {
    /// `Err` says in words why `url` may not be reached (a private, loopback or link-local
    /// address not allowed by the configuration, a host that does not resolve).
    async fn check_target(&self, url: &str) -> Result<(), String>;
}

/// One signed webhook request to send.
#[derive(Debug, Clone)]
pub struct OutboundHook {
    pub url: String,
    /// `webhook-id`: the event id, the same on every attempt.
    pub id: String,
    /// `webhook-timestamp`: the time of this attempt.
    pub timestamp: Timestamp,
    pub body: String,
    /// The subscription's `whsec_` secret.
    pub secret: SecretString,
}

/// What a webhook target answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutcome {
    /// A 2xx answer.
    Delivered { status: u16 },
    /// 410 Gone: the target says it will never want another delivery (Zapier: the zap is off).
    Gone { status: u16 },
    /// Anything else: another status, no answer in time, a refused address.
    Failed { status: Option<u16>, error: String },
}

/// Sends signed webhooks (Standard Webhooks headers).
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn send(&self, hook: &OutboundHook) -> HookOutcome;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The connection's credentials no longer work (refresh refused): an admin must reconnect.
    #[error("{0}")]
    Auth(String),
    /// Salesforce refused the Case (a validation rule, a field, a permission).
    #[error("{0}")]
    Rejected(String),
    /// Salesforce did not answer, or answered 5xx.
    #[error("{0}")]
    Unavailable(String),
}

/// The outcome of a Case creation, and a refreshed access token to keep whatever happened.
#[derive(Debug, Clone)]
pub struct CaseAttempt {
    /// The Case id.
    pub result: Result<String, CaseError>,
    pub refreshed_token: Option<SecretString>,
}

/// Salesforce's REST API.
#[async_trait]
pub trait SalesforceClient: Send + Sync {
    /// Exchanges the refresh token for an access token (connecting checks the credentials so).
    async fn refresh(&self, connection: &SalesforceConnection) -> Result<SecretString, CaseError>;
    /// Creates the Case (upserts it by the external id field when the connection has one),
    /// with the cached access token; a 401 refreshes the token once and retries once.
    async fn create_case(&self, connection: &SalesforceConnection, case: &CaseRequest) -> CaseAttempt;
}
