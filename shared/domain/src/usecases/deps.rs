//! The bundle every use case is given: the ports ([`Deps`]), the deployment's [`Settings`],
//! and the caller ([`Viewer`]).

use crate::access;
use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::model::*;
use crate::ports::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Settings the rules need from the deployment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// This inbox's Meta app id (thread control passed to it opens a Messenger conversation).
    pub meta_app_id: Option<String>,
    /// Daily polling budgets (quota units) replacing the defaults, per network.
    pub poll_budgets: Vec<(Network, u32)>,
    /// How an outbound action the network could not take is tried again.
    pub action_retry: crate::retry::RetrySchedule,
    /// Where the web inbox is (`https://inbox.example.com`): sign-in callbacks come back to it,
    /// emails link to it. Set once (the local runner sets it when it knows its address).
    pub public_url: Arc<std::sync::OnceLock<String>>,
    /// Signs the one-click unsubscribe links of notification emails (and verifies them); none:
    /// emails carry no `List-Unsubscribe`, and a link to the settings only.
    pub unsubscribe_key: Option<SecretString>,
}

impl Settings {
    /// The web inbox's address, without a trailing slash (`http://localhost` until one is set).
    pub fn public_url(&self) -> &str {
        self.public_url.get().map(|u| u.trim_end_matches('/')).unwrap_or("http://localhost")
    }
}

impl Settings {
    /// How `network` is polled: the default policy with this deployment's budget.
    pub fn poll_policy(&self, network: Network) -> Option<crate::poll::PollPolicy> {
        let mut p = crate::poll::PollPolicy::default_for(network)?;
        if let Some((_, budget)) = self.poll_budgets.iter().find(|(n, _)| *n == network) {
            p.daily_budget = Some(*budget);
        }
        Some(p)
    }
}

/// The integrations' outbound side: where they may send and the clients that send.
#[derive(Clone)]
pub struct Outbound {
    pub egress: Arc<dyn EgressGuard>,
    pub webhook_sender: Arc<dyn WebhookSender>,
    pub salesforce_client: Arc<dyn SalesforceClient>,
    /// Seals the secrets integrations keep (signing secrets, Salesforce credentials); on AWS
    /// apart from the networks' tokens, so that a function may open one kind only.
    pub cipher: Arc<dyn SecretCipher>,
}

/// The networks' side: their client, and the key their tokens are sealed with.
#[derive(Clone)]
pub struct NetworkPorts {
    pub client: Arc<dyn PlatformClient>,
    pub cipher: Arc<dyn SecretCipher>,
    pub signin: Arc<dyn SignIn>,
}

impl Deps {
    /// The use cases on a backend whose one store serves every store port (SQLite on one
    /// machine, DynamoDB on AWS; see [`StorePorts`]): the one place that wires them.
    pub fn on_store<S>(
        store: Arc<S>,
        queue: Arc<dyn Queue>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        outbound: Outbound,
        networks: NetworkPorts,
    ) -> Self
    where
        S: StorePorts,
    {
        Deps {
            networks: networks.client,
            cipher: networks.cipher,
            settings: Arc::new(settings),
            health: store.clone(),
            polls: store.clone(),
            directory: store.clone(),
            conversations: store.clone(),
            tabs: store.clone(),
            saved_replies: store.clone(),
            notifications: store.clone(),
            subscriptions: store.clone(),
            deliveries: store.clone(),
            api_keys: store.clone(),
            salesforce: store.clone(),
            flows: store.clone(),
            renewals: store,
            signin: networks.signin,
            queue,
            mailer,
            clock,
            egress: outbound.egress,
            webhook_sender: outbound.webhook_sender,
            salesforce_client: outbound.salesforce_client,
            integration_cipher: outbound.cipher,
            health_marks: Default::default(),
            pause: Arc::new(NoPause),
        }
    }

    /// The same use cases waiting with `pause` between tries of a change that lost a race
    /// (`Deps::on_store` never waits: what tests want; the runtimes set their timer's).
    pub fn pausing(mut self, pause: Arc<dyn Pause>) -> Self {
        self.pause = pause;
        self
    }

    /// Waits before the next try of a change that lost `lost` races so far
    /// ([`crate::retry::after_lost_races`]).
    pub(crate) async fn after_lost_races(&self, lost: usize) {
        wait_after_lost_races(&*self.pause, lost).await
    }
}

/// Everything the use cases may call. Each deployment wires the adapters it has
/// (usually through [`Deps::on_store`]).
#[derive(Clone)]
pub struct Deps {
    pub settings: Arc<Settings>,
    pub health: Arc<dyn HealthStore>,
    pub polls: Arc<dyn PollStore>,
    pub directory: Arc<dyn DirectoryStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub tabs: Arc<dyn TabStore>,
    pub saved_replies: Arc<dyn SavedReplyStore>,
    pub notifications: Arc<dyn NotificationStore>,
    pub queue: Arc<dyn Queue>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// Integrations (see [`crate::usecases::integrations`]): webhook and Zapier subscriptions, their
    /// deliveries, API keys, Salesforce connections; and the outbound HTTP they need.
    pub subscriptions: Arc<dyn SubscriptionStore>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub salesforce: Arc<dyn SalesforceStore>,
    pub egress: Arc<dyn EgressGuard>,
    pub webhook_sender: Arc<dyn WebhookSender>,
    pub salesforce_client: Arc<dyn SalesforceClient>,
    /// Seals and opens the integrations' secrets (see [`Outbound::cipher`]).
    pub integration_cipher: Arc<dyn SecretCipher>,
    /// When this process last recorded each channel's latest event (see [`HealthMarks`]).
    pub health_marks: Arc<HealthMarks>,
    /// Waits between tries of a change that lost an optimistic-concurrency race.
    pub pause: Arc<dyn Pause>,
    /// The networks' APIs, asked whom a token belongs to when a profile is connected.
    pub networks: Arc<dyn PlatformClient>,
    /// Seals network tokens before they are stored (and opens them for the calls that need them).
    pub cipher: Arc<dyn SecretCipher>,
    /// The networks' sign-in (connecting channels) and token renewal.
    pub signin: Arc<dyn SignIn>,
    pub flows: Arc<dyn ConnectStore>,
    pub renewals: Arc<dyn RenewalStore>,
}

/// Channel health wants a channel's latest event to the minute (a channel is "quiet" after
/// hours), not every event: each process records a profile's event at most once a minute, so
/// a busy channel costs one health write a minute per ingest process instead of one per event
/// (on DynamoDB a read and a write unit each: about a tenth of an event's cost).
#[derive(Debug, Default)]
pub struct HealthMarks(std::sync::Mutex<std::collections::HashMap<ProfileId, Timestamp>>);

impl HealthMarks {
    pub const EVERY_SECS: i64 = 60;

    /// Whether an event at `at` is worth recording; if so, remembers it as recorded.
    pub fn should_record(&self, profile: &ProfileId, at: Timestamp) -> bool {
        let mut marks = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match marks.get(profile) {
            Some(last) if at < *last + chrono::Duration::seconds(Self::EVERY_SECS) => false,
            _ => {
                marks.insert(profile.clone(), at);
                true
            }
        }
    }
}

async fn wait_after_lost_races(pause: &dyn Pause, lost: usize) {
    if let Some(ceiling) = crate::retry::after_lost_races(lost) {
        pause.up_to(ceiling).await;
    }
}

#[cfg(test)]
mod pause_tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[derive(Default)]
    struct Recorded(Mutex<Vec<Duration>>);

    #[async_trait::async_trait]
    impl Pause for Recorded {
        async fn up_to(&self, ceiling: Duration) {
            self.0.lock().unwrap().push(ceiling);
        }
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_races_waits_longer_each_time() {
        let recorded = Recorded::default();
        for lost in 0..6 {
            wait_after_lost_races(&recorded, lost).await;
        }
        let ms: Vec<u128> = recorded.0.lock().unwrap().iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [5, 10, 20], "none for the first two lost races, then growing");
    }
}

#[cfg(test)]
mod health_marks_tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_channels_event_is_recorded_at_most_once_a_minute_and_late_ones_never() {
        let marks = HealthMarks::default();
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 6, 0, 0).unwrap();
        let (a, b): (ProfileId, ProfileId) = ("prf_a".into(), "prf_b".into());
        assert!(marks.should_record(&a, t0), "the first event");
        assert!(!marks.should_record(&a, t0 + chrono::Duration::seconds(59)));
        assert!(marks.should_record(&b, t0 + chrono::Duration::seconds(1)), "each channel apart");
        assert!(!marks.should_record(&a, t0 - chrono::Duration::seconds(300)), "late");
        assert!(marks.should_record(&a, t0 + chrono::Duration::seconds(60)));
        assert!(!marks.should_record(&a, t0 + chrono::Duration::seconds(61)));
    }
}

/// The caller of a user-facing use case, with what they may see.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub profiles: BTreeSet<ProfileId>,
}

impl Viewer {
    pub fn account(&self) -> &AccountId {
        &self.user.account_id
    }
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.id.clone())
    }
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// Loads the caller named by a token. `None` when the user no longer exists.
pub async fn load_viewer(deps: &Deps, account: &AccountId, user: &UserId) -> DomainResult<Option<Viewer>> {
    let Some(user) = deps.directory.get_user(account, user).await? else {
        return Ok(None);
    };
    let profiles = deps.directory.list_profiles(account).await?;
    let visible = access::visible_profiles(&user, &profiles);
    Ok(Some(Viewer { user, profiles: visible }))
}

/// Admins only: "only admins manage `what`" otherwise.
pub(in crate::usecases) fn require_admin(viewer: &Viewer, what: &str) -> DomainResult<()> {
    if viewer.is_admin() { Ok(()) } else { Err(DomainError::Forbidden(format!("only admins manage {what}"))) }
}

pub(in crate::usecases) async fn visible_conversation(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<Conversation> {
    match deps.conversations.get_conversation(viewer.account(), id).await? {
        Some(c) if viewer.profiles.contains(&c.profile_id) && c.account_id == *viewer.account() => Ok(c),
        // Another account's, or a profile the user may not see: it does not exist for them.
        _ => Err(DomainError::NotFound("conversation")),
    }
}
