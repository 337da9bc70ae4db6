//! The use cases: where rules meet ports. Every HTTP route, queue consumer and command calls
//! these, on AWS and on one machine alike.

use crate::access::{self, available_actions};
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::ingest::{self, Change, Existing, InboundEvent, Plan};
use crate::model::*;
use crate::notify::{self, Happening, NotifyEvent};
use crate::ports::*;
use crate::search::SearchQuery;
use crate::tabs::{self, Filters, Tab};
use serde::Serialize;
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
        networks: Arc<dyn PlatformClient>,
    ) -> Self
    where
        S: StorePorts,
    {
        Deps {
            networks,
            settings: Arc::new(settings),
            health: store.clone(),
            polls: store.clone(),
            directory: store.clone(),
            conversations: store.clone(),
            tabs: store.clone(),
            notifications: store.clone(),
            subscriptions: store.clone(),
            deliveries: store.clone(),
            api_keys: store.clone(),
            salesforce: store,
            queue,
            mailer,
            clock,
            egress: outbound.egress,
            webhook_sender: outbound.webhook_sender,
            salesforce_client: outbound.salesforce_client,
            health_marks: Default::default(),
        }
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
    pub notifications: Arc<dyn NotificationStore>,
    pub queue: Arc<dyn Queue>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// Integrations (see [`crate::integrations`]): webhook and Zapier subscriptions, their
    /// deliveries, API keys, Salesforce connections; and the outbound HTTP they need.
    pub subscriptions: Arc<dyn SubscriptionStore>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub salesforce: Arc<dyn SalesforceStore>,
    pub egress: Arc<dyn EgressGuard>,
    pub webhook_sender: Arc<dyn WebhookSender>,
    pub salesforce_client: Arc<dyn SalesforceClient>,
    /// When this process last recorded each channel's latest event (see [`HealthMarks`]).
    pub health_marks: Arc<HealthMarks>,
    /// The networks' APIs, asked whom a token belongs to when a profile is connected.
    pub networks: Arc<dyn PlatformClient>,
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

/// How often a change that lost an optimistic-concurrency race is recomputed and retried.
/// Every lost race is another writer's success, so with N concurrent writers on one
/// conversation the unluckiest needs N attempts: this bounds N, not bad luck (at 8, ten
/// concurrent notes could answer 409 to a request that sent no version).
pub(crate) const MAX_ATTEMPTS: usize = 64;

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

/// A conversation as one user sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub seen: bool,
    pub available_actions: Vec<Action>,
}

impl ConversationView {
    pub fn new(conversation: Conversation, seen_at: Option<Timestamp>) -> Self {
        let seen = seen_at.is_some_and(|s| s >= conversation.activity_at());
        let available_actions = available_actions(conversation.network, conversation.kind);
        Self { conversation, seen, available_actions }
    }
}

/// A conversation with its thread and notes.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub view: ConversationView,
    pub items: Vec<Item>,
    pub notes: Vec<Note>,
}

pub(crate) async fn visible_conversation(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<Conversation> {
    match deps.conversations.get_conversation(viewer.account(), id).await? {
        Some(c) if viewer.profiles.contains(&c.profile_id) && c.account_id == *viewer.account() => Ok(c),
        // Another account's, or a profile the user may not see: it does not exist for them.
        _ => Err(DomainError::NotFound("conversation")),
    }
}

pub async fn get_conversation(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<ConversationDetail> {
    let c = visible_conversation(deps, viewer, id).await?;
    let seen_at = deps.conversations.seen_at(&viewer.user.id, &c.id).await?;
    let items = deps.conversations.items(&c.id).await?;
    let notes = deps.conversations.notes(&c.id).await?;
    Ok(ConversationDetail { view: ConversationView::new(c, seen_at), items, notes })
}

pub async fn history(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<Vec<HistoryEntry>> {
    let c = visible_conversation(deps, viewer, id).await?;
    Ok(deps.conversations.history(&c.id).await?)
}

/// Marks a conversation seen for the caller, as of the inbound activity it has received: the
/// mark is the activity the caller saw, not the wall clock, so that anything the inbox receives
/// later (whenever the network says it was written: webhook lag, a retry, a poll) makes it
/// unseen.
pub async fn mark_seen(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<ConversationView> {
    let c = visible_conversation(deps, viewer, id).await?;
    let at = c.activity_at();
    deps.conversations.mark_seen(&viewer.user.id, &c.id, at).await?;
    Ok(ConversationView::new(c, Some(at)))
}

/// A feed request: filters (a tab's, possibly overridden), a search, a position.
#[derive(Debug, Clone, Default)]
pub struct FeedRequest {
    pub filters: Filters,
    pub query: String,
    pub after: Option<String>,
    pub limit: usize,
}

pub async fn feed(deps: &Deps, viewer: &Viewer, req: FeedRequest) -> DomainResult<(Vec<ConversationView>, Option<String>)> {
    let f = &req.filters;
    let profiles: Vec<ProfileId> = if f.profiles.is_empty() {
        viewer.profiles.iter().cloned().collect()
    } else {
        f.profiles.iter().filter(|p| viewer.profiles.contains(*p)).cloned().collect()
    };
    let search = SearchQuery::parse(&req.query);
    // Nothing visible, or a search with nothing searchable in it (`...`, an emoji-free
    // symbol): no conversation, never all of them.
    if profiles.is_empty() || search.matches_nothing() {
        return Ok((vec![], None));
    }
    let query = FeedQuery {
        account_id: viewer.account().clone(),
        viewer: viewer.user.id.clone(),
        profiles,
        status: f.status.status(),
        assignee: f.assignee.as_ref().map(|a| a.resolve(&viewer.user.id)),
        networks: f.networks.clone(),
        kinds: f.kinds.clone(),
        sponsored: f.sponsored,
        seen: f.seen,
        search,
        after: req.after,
        limit: req.limit.clamp(1, 100),
    };
    let page = deps.conversations.feed(&query).await?;
    let views = page.entries.into_iter().map(|e| ConversationView::new(e.conversation, e.seen_at)).collect();
    Ok((views, page.next))
}

/// One change to a conversation, computed from its current state.
#[derive(Debug, Default)]
struct Mutation {
    items: Vec<Item>,
    notes: Vec<Note>,
    history: Vec<HistoryEntry>,
    happenings: Vec<Happening>,
    jobs: Vec<OutboundJob>,
}

/// Loads, changes and stores a conversation under optimistic concurrency. With
/// `expected_version` from the client, a stale version is a conflict (409); without it, a
/// change that lost a race is recomputed on the new state and retried.
async fn mutate<F>(deps: &Deps, viewer: &Viewer, id: &ConversationId, expected_version: Option<u64>, f: F) -> DomainResult<Conversation>
where
    F: Fn(&mut Conversation, Timestamp) -> DomainResult<Mutation>,
{
    for _ in 0..MAX_ATTEMPTS {
        let current = visible_conversation(deps, viewer, id).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(DomainError::Conflict);
        }
        let now = deps.clock.now();
        let mut next = current.clone();
        let m = f(&mut next, now)?;
        if next == current && m.items.is_empty() && m.notes.is_empty() && m.history.is_empty() {
            return Ok(current); // nothing to change
        }
        next.version = current.version + 1;
        let events = crate::events::from_change(&next, &m.history, &m.items, &m.notes);
        let mut write = ConversationWrite {
            outbox: outbox(&viewer.actor(), &next, now, m.happenings, m.jobs, &events),
            conversation: next.clone(),
            expected_version: Some(current.version),
            items: m.items,
            notes: m.notes,
            history: m.history,
        };
        let later = deferred_outbox(deps, &mut write);
        let items = if later.is_empty() { vec![] } else { write.items.clone() };
        match deps.conversations.write(write).await {
            Ok(()) => {}
            Err(PortError::Conflict) if expected_version.is_none() => continue,
            Err(PortError::Conflict) => return Err(DomainError::Conflict),
            Err(e) => return Err(e.into()),
        }
        send_outbox(deps, &next, &items, later).await?;
        return Ok(next);
    }
    Err(DomainError::Conflict)
}

/// What a change sets in motion, as queue messages that travel with it
/// ([`ConversationWrite::outbox`]): its outbound jobs, its notifications, its domain events.
pub(crate) fn outbox(
    actor: &Actor,
    conv: &Conversation,
    now: Timestamp,
    happenings: Vec<Happening>,
    jobs: Vec<OutboundJob>,
    events: &[crate::events::DomainEvent],
) -> Vec<(QueueName, Vec<u8>)> {
    fn body<T: Serialize>(v: &T) -> Vec<u8> {
        serde_json::to_vec(v).expect("serialisable")
    }
    let mut out: Vec<(QueueName, Vec<u8>)> = jobs.iter().map(|j| (QueueName::Actions, body(j))).collect();
    out.extend(happenings.into_iter().map(|happening| {
        let event = NotifyEvent {
            event_id: uuid::Uuid::now_v7().simple().to_string(),
            account_id: conv.account_id.clone(),
            conversation_id: conv.id.clone(),
            actor: actor.clone(),
            at: now,
            happening,
        };
        (QueueName::Notify, body(&event))
    }));
    out.extend(events.iter().map(|e| (QueueName::Events, body(e))));
    out
}

/// The part of a write's outbox the use case must send itself after the write: all of it
/// when the store cannot enqueue it in the write's transaction (DynamoDB), none otherwise.
pub(crate) fn deferred_outbox(deps: &Deps, write: &mut ConversationWrite) -> Vec<(QueueName, Vec<u8>)> {
    if deps.conversations.writes_outbox() { Vec::new() } else { std::mem::take(&mut write.outbox) }
}

/// Sends a stored change's outbox (stores that cannot hold it). An outbound job that cannot be
/// queued is never lost silently: its items are marked failed, with the reason, and the
/// request fails. Notifications and events that cannot be queued are logged.
pub(crate) async fn send_outbox(deps: &Deps, conv: &Conversation, items: &[Item], outbox: Vec<(QueueName, Vec<u8>)>) -> DomainResult<()> {
    let mut by_queue: Vec<(QueueName, Vec<Vec<u8>>)> = Vec::new();
    for (q, body) in outbox {
        match by_queue.iter_mut().find(|(name, _)| *name == q) {
            Some((_, bodies)) => bodies.push(body),
            None => by_queue.push((q, vec![body])),
        }
    }
    for (queue, bodies) in by_queue {
        let Err(e) = deps.queue.send_batch(queue, bodies).await else { continue };
        tracing::error!(error = %e, conversation_id = %conv.id, queue = queue.as_str(), "could not queue what a change sets in motion");
        let pending: Vec<&Item> = items.iter().filter(|i| i.direction == Direction::Outbound && i.state == ItemState::Pending).collect();
        // Only a pending send fails the change: a post read (the only other Actions job) is
        // queued again when the conversation is opened, and failing here would keep the
        // events and notifications behind it from ever being sent (the redelivered event is a
        // duplicate by then).
        if queue == QueueName::Actions && !pending.is_empty() {
            for item in pending {
                let mut failed = item.clone();
                failed.state = ItemState::Failed;
                failed.failure = Some("could not be queued for sending; try again".into());
                let _ = set_item(deps, conv, failed).await;
            }
            return Err(e.into());
        }
    }
    Ok(())
}

/// Replaces one item of a conversation, retrying version races. Returns the conversation as
/// stored.
async fn set_item(deps: &Deps, conv: &Conversation, item: Item) -> DomainResult<Conversation> {
    Ok(write_retrying(deps, conv, |next| Some(ConversationWrite::of(next, vec![item.clone()], vec![]))).await?.0)
}

/// Writes a change to a conversation as it is stored now, retrying version races: `change` is
/// given the conversation's next version (the stored one, its version bumped) and answers the
/// write, or `None` when there is nothing to change. The write's outbox travels with it.
/// Returns the conversation as stored.
async fn update_conversation(
    deps: &Deps,
    conv: &Conversation,
    change: impl FnMut(Conversation) -> Option<ConversationWrite>,
) -> DomainResult<Conversation> {
    let (stored, later) = write_retrying(deps, conv, change).await?;
    send_outbox(deps, &stored, &[], later).await?;
    Ok(stored)
}

/// [`update_conversation`] without sending what its store could not enqueue with the write:
/// that outbox is returned.
async fn write_retrying(
    deps: &Deps,
    conv: &Conversation,
    mut change: impl FnMut(Conversation) -> Option<ConversationWrite>,
) -> DomainResult<(Conversation, Vec<(QueueName, Vec<u8>)>)> {
    let mut c = conv.clone();
    for _ in 0..MAX_ATTEMPTS {
        let Some(mut write) = change(Conversation { version: c.version + 1, ..c.clone() }) else {
            return Ok((c, vec![]));
        };
        write.expected_version = Some(c.version);
        let stored = write.conversation.clone();
        let later = deferred_outbox(deps, &mut write);
        match deps.conversations.write(write).await {
            Ok(()) => return Ok((stored, later)),
            Err(PortError::Conflict) => {
                c = deps.conversations.get_conversation(&c.account_id, &c.id).await?.ok_or(DomainError::NotFound("conversation"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

pub async fn set_status(
    deps: &Deps,
    viewer: &Viewer,
    id: &ConversationId,
    status: Status,
    expected_version: Option<u64>,
) -> DomainResult<Conversation> {
    let actor = viewer.actor();
    mutate(deps, viewer, id, expected_version, |c, now| {
        let mut m = Mutation::default();
        if c.status != status {
            if status == Status::Closed && c.thread_owner.as_deref() == Some(ingest::INBOX_OWNER) {
                // Messenger handover: closing gives the thread back to the Page's bot.
                m.jobs.push(OutboundJob::Handover(HandoverJob {
                    account_id: c.account_id.clone(),
                    conversation_id: c.id.clone(),
                    op: HandoverOp::PassToBot,
                    actor: actor.clone(),
                }));
            }
            c.status = status;
            let action = if status == Status::Closed { HistoryAction::Closed } else { HistoryAction::Reopened };
            m.history.push(HistoryEntry::new(&c.id, now, actor.clone(), action, serde_json::json!({})));
            m.happenings.push(Happening::StatusChanged { status });
        }
        Ok(m)
    })
    .await
}

pub async fn assign(
    deps: &Deps,
    viewer: &Viewer,
    id: &ConversationId,
    target: Option<UserId>,
    expected_version: Option<u64>,
) -> DomainResult<Conversation> {
    // An unknown (or invisible) conversation is a 404 whatever the target is.
    visible_conversation(deps, viewer, id).await?;
    let target_user = match &target {
        None => None,
        Some(uid) => Some(
            deps.directory
                .get_user(viewer.account(), uid)
                .await?
                .ok_or_else(|| DomainError::Rule(format!("there is no user {uid} in this account")))?,
        ),
    };
    let actor = viewer.actor();
    mutate(deps, viewer, id, expected_version, |c, now| {
        if let Some(u) = &target_user
            && !access::can_be_assigned(u, c)
        {
            return Err(DomainError::Rule(format!(
                "{} cannot be assigned this conversation: they need inbox access and access to its profile",
                u.name
            )));
        }
        let mut m = Mutation::default();
        apply_assignment(c, target.clone(), &actor, now, &mut m);
        Ok(m)
    })
    .await
}

fn apply_assignment(c: &mut Conversation, target: Option<UserId>, actor: &Actor, now: Timestamp, m: &mut Mutation) {
    if c.assignee_id == target {
        return;
    }
    let previous = c.assignee_id.take();
    c.assignee_id = target.clone();
    let (action, details) = match &target {
        Some(t) => (HistoryAction::Assigned, serde_json::json!({"assignee_id": t, "previous_assignee_id": previous})),
        None => (HistoryAction::Unassigned, serde_json::json!({"previous_assignee_id": previous})),
    };
    m.history.push(HistoryEntry::new(&c.id, now, actor.clone(), action, details));
    m.happenings.push(Happening::Assignment { previous, new: target });
}

/// Checks an outbound text: present, not blank, within the network's limit.
pub fn validate_text(network: Network, action: Action, text: Option<&str>) -> DomainResult<String> {
    let t = text.unwrap_or("").trim();
    if t.is_empty() {
        return Err(DomainError::Invalid(format!("a {action} needs a non-empty \"text\"")));
    }
    let max = match (network, action) {
        (Network::Twitter, Action::Reply) => 280,
        (Network::Twitter, _) => 10_000,
        (Network::Facebook | Network::Instagram, Action::Dm) => 2_000,
        (Network::Instagram, _) => 2_200,
        (Network::Linkedin, _) => 1_250,
        _ => 8_000,
    };
    let n = t.chars().count();
    if n > max {
        return Err(DomainError::Rule(format!("{network} allows at most {max} characters in a {action}; this one has {n}")));
    }
    Ok(t.to_string())
}

/// Messenger and Instagram DMs may be answered for 7 days after the user's last message
/// (24 hours with a standard reply, 7 days with the human-agent tag).
pub const MESSAGING_WINDOW_DAYS: i64 = 7;

/// Private replies (a DM to the author of a comment) are possible once per comment, within
/// this many days of the comment.
pub const PRIVATE_REPLY_DAYS: i64 = 7;

/// Reply, like, share or DM: stores the outbound item as pending and queues it for sending.
/// Replying assigns the conversation to the replier.
pub async fn act(
    deps: &Deps,
    viewer: &Viewer,
    id: &ConversationId,
    action: Action,
    text: Option<String>,
) -> DomainResult<(Conversation, Item)> {
    let c = visible_conversation(deps, viewer, id).await?;
    if !available_actions(c.network, c.kind).contains(&action) {
        return Err(DomainError::Rule(format!("{} {} conversations do not allow {action}", c.network, c.kind)));
    }
    let text = match action {
        Action::Reply | Action::Dm => Some(validate_text(c.network, action, text.as_deref())?),
        Action::Like | Action::Share => None,
    };
    let now = deps.clock.now();
    if c.kind == Kind::Dm && matches!(c.network, Network::Facebook | Network::Instagram) {
        let closed = now - c.last_inbound_at > chrono::Duration::days(MESSAGING_WINDOW_DAYS);
        if closed {
            return Err(DomainError::Rule(format!(
                "the {} messaging window closed: the person last wrote more than {MESSAGING_WINDOW_DAYS} days ago",
                c.network
            )));
        }
    }
    let profile = deps.directory.get_profile(viewer.account(), &c.profile_id).await?.ok_or(DomainError::NotFound("profile"))?;
    let items = deps.conversations.items(id).await?;
    let target = access::action_target(&c, &items, action);
    if target.is_none() && access::action_needs_target(&c, action) {
        return Err(DomainError::Rule(format!("there is no message left to {action}: the person's messages were deleted")));
    }
    if action == Action::Dm && c.kind != Kind::Dm && matches!(c.network, Network::Facebook | Network::Instagram) {
        let comment = items.iter().find(|i| i.platform_id == target).ok_or(DomainError::NotFound("comment"))?;
        if now - comment.created_at > chrono::Duration::days(PRIVATE_REPLY_DAYS) {
            return Err(DomainError::Rule(format!(
                "a private reply is possible within {PRIVATE_REPLY_DAYS} days of the comment; this one is older"
            )));
        }
        if items.iter().any(|i| i.action == Some(Action::Dm) && i.target == target && i.state != ItemState::Failed) {
            return Err(DomainError::Rule(
                "this comment was already answered privately: the network allows one private reply per comment".into(),
            ));
        }
    }
    let dm_recipient = (action == Action::Dm && c.network == Network::Twitter).then(|| c.author.id.clone());
    let actor = viewer.actor();
    let item_id = ItemId::generate();
    let change = |c: &mut Conversation, now: Timestamp| {
        let mut m = Mutation::default();
        let item = Item {
            id: item_id.clone(),
            conversation_id: c.id.clone(),
            direction: Direction::Outbound,
            text: text.clone().unwrap_or_default(),
            author: Author { id: profile.external_id.clone(), name: profile.name.clone(), handle: profile.handle.clone() },
            created_at: now,
            platform_id: None,
            state: ItemState::Pending,
            failure: None,
            deleted: false,
            edited: false,
            action: Some(action),
            target: target.clone(),
            dm_recipient: dm_recipient.clone(),
            retry: None,
        };
        let h = match action {
            Action::Reply => HistoryAction::Replied,
            Action::Like => HistoryAction::Liked,
            Action::Share => HistoryAction::Shared,
            Action::Dm => HistoryAction::DmSent,
        };
        m.history.push(HistoryEntry::new(&c.id, now, actor.clone(), h, serde_json::json!({"item_id": item.id})));
        if action == Action::Reply {
            apply_assignment(c, Some(viewer.user.id.clone()), &actor, now, &mut m);
        }
        m.jobs.push(OutboundJob::Action(ActionJob {
            account_id: c.account_id.clone(),
            conversation_id: c.id.clone(),
            item_id: item.id.clone(),
            action,
            text: text.clone(),
            target: target.clone(),
            actor: Some(actor.clone()),
        }));
        m.items.push(item);
        Ok(m)
    };
    let conv = if matches!(action, Action::Like | Action::Share) {
        // Once per conversation: check and write against the same version, so two concurrent
        // likes cannot both pass the check.
        let mut attempt = 0;
        let mut checked = Some(items);
        loop {
            let current = visible_conversation(deps, viewer, id).await?;
            let items = match checked.take() {
                Some(i) if current.version == c.version => i,
                _ => deps.conversations.items(id).await?,
            };
            if items.iter().any(|i| i.action == Some(action) && i.state != ItemState::Failed) {
                return Err(DomainError::Rule(format!("this conversation was already given a {action}")));
            }
            match mutate(deps, viewer, id, Some(current.version), change).await {
                Err(DomainError::Conflict) if attempt < MAX_ATTEMPTS => attempt += 1,
                other => break other?,
            }
        }
    } else {
        mutate(deps, viewer, id, None, change).await?
    };
    let item = deps.conversations.get_item(&conv.id, &item_id).await?.ok_or(DomainError::NotFound("item"))?;
    Ok((conv, item))
}

pub async fn add_note(deps: &Deps, viewer: &Viewer, id: &ConversationId, text: &str) -> DomainResult<Note> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::Invalid("a note needs a non-empty \"text\"".into()));
    }
    if text.chars().count() > crate::notes::MAX_NOTE {
        return Err(DomainError::Invalid(format!("a note has at most {} characters", crate::notes::MAX_NOTE)));
    }
    let users = deps.directory.list_users(viewer.account()).await?;
    let mentions = crate::notes::mentions(text, &users);
    let note_id = NoteId::generate();
    let actor = viewer.actor();
    let conv = mutate(deps, viewer, id, None, |c, now| {
        let note = Note {
            id: note_id.clone(),
            conversation_id: c.id.clone(),
            author_id: viewer.user.id.clone(),
            text: text.to_string(),
            mentions: mentions.clone(),
            created_at: now,
        };
        let mut m = Mutation::default();
        m.history.push(HistoryEntry::new(
            &c.id,
            now,
            actor.clone(),
            HistoryAction::NoteAdded,
            serde_json::json!({"note_id": note.id, "mentions": mentions}),
        ));
        m.happenings.push(Happening::NoteAdded { note_id: note.id.clone(), mentions: mentions.clone() });
        m.notes.push(note);
        Ok(m)
    })
    .await?;
    let notes = deps.conversations.notes(&conv.id).await?;
    notes.into_iter().find(|n| n.id == note_id).ok_or(DomainError::NotFound("note"))
}

// ---------------------------------------------------------------------------------------
// Ingestion

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Created(ConversationId),
    Appended(ConversationId),
    Updated(ConversationId),
    Ignored(&'static str),
    UnknownProfile,
}

/// Applies one normalised platform event received now (a poll's). Idempotent: the same event
/// applied twice, or two events racing for one new thread, leave one conversation and one item.
pub async fn ingest(deps: &Deps, event: &InboundEvent) -> DomainResult<IngestOutcome> {
    ingest_received(deps, event, None).await
}

/// [`ingest`] of an event the inbox received at `received_at` (a webhook's arrival, before it
/// waited in the queue): what orders the feed and decides "seen" (see
/// [`Conversation::activity_at`]). Never later than now.
pub async fn ingest_received(deps: &Deps, event: &InboundEvent, received_at: Option<Timestamp>) -> DomainResult<IngestOutcome> {
    let Some(profile) = deps.directory.find_profile(event.network, &event.profile_external_id).await? else {
        tracing::info!(network = %event.network, profile = %event.profile_external_id, "event for a profile this inbox does not know; dropped");
        return Ok(IngestOutcome::UnknownProfile);
    };
    let store = &deps.conversations;
    for _ in 0..MAX_ATTEMPTS {
        let PlatformIdState { item, tombstoned, early_edit } = store.platform_id_state(&profile.id, &event.platform_id).await?;
        let conversation = match &item {
            Some(i) => store.get_conversation(&profile.account_id, &i.conversation_id).await?,
            None => {
                let via_parent = match &event.thread.parent_platform_id {
                    Some(parent) => match store.find_item(&profile.id, parent).await? {
                        Some(p) => store.get_conversation(&profile.account_id, &p.conversation_id).await?,
                        None => None,
                    },
                    None => None,
                };
                match via_parent {
                    Some(c) => Some(c),
                    None => store.find_by_thread(&profile.id, &event.thread.thread_key).await?,
                }
            }
        };
        let correlated = match (&event.change, &conversation) {
            (Change::Posted { correlation: Some(corr), .. }, Some(c)) => match ItemId::parse(corr.trim_start_matches("inbox:")) {
                Some(iid) => store.get_item(&c.id, &iid).await?.filter(|i| i.direction == Direction::Outbound && i.platform_id.is_none()),
                None => None,
            },
            _ => None,
        };
        let early_edit = match (&event.change, &item) {
            (Change::Posted { .. }, None) => early_edit,
            _ => None,
        };
        // A conversation about to be made under a post: what the inbox knows of the post (read
        // for an earlier comment, or our own promoted tweet, which X marks while it never marks
        // the replies) says whether it is sponsored, and whether it still has to be read.
        let known_post = match (&event.change, &event.thread.post_id, &conversation) {
            (Change::Posted { direction: Direction::Inbound, .. }, Some(post), None) => {
                store.get_post(&profile.id, post).await?.filter(|p| !p.pending)
            }
            _ => None,
        };
        let post_sponsored = known_post.as_ref().is_some_and(|p| p.sponsored == Some(true));
        let now = deps.clock.now();
        let received = received_at.map_or(now, |r| r.min(now));
        let plan = ingest::plan(
            event,
            &profile,
            Existing {
                conversation: conversation.as_ref(),
                item: item.as_ref(),
                correlated: correlated.as_ref(),
                tombstoned,
                inbox_app_id: deps.settings.meta_app_id.as_deref(),
                early_edit: early_edit.as_deref(),
                post_sponsored,
            },
            received,
        );
        let (mut write, outcome, reopened) = match plan {
            Plan::Ignore(why) => return Ok(IngestOutcome::Ignored(why)),
            Plan::Tombstone => {
                store.put_tombstone(&profile.id, &event.platform_id, event.occurred_at).await?;
                return Ok(IngestOutcome::Ignored("deletion of an item not seen yet: remembered"));
            }
            Plan::RememberEdit(text) => {
                store.put_early_edit(&profile.id, &event.platform_id, &text, event.occurred_at).await?;
                return Ok(IngestOutcome::Ignored("edit of an item not seen yet: remembered"));
            }
            Plan::RememberSponsoredPost(post) => {
                // (Replies that arrived before it are threaded on it: the plan appends it there.)
                // A copy read from the network already (a redelivery) is kept, marked sponsored.
                let post = match store.get_post(&profile.id, &post.id).await? {
                    Some(known) if !known.pending && known.error.is_none() => Post { sponsored: Some(true), ..known },
                    _ => post,
                };
                store.put_post(&profile.id, &post).await?;
                return Ok(IngestOutcome::Ignored("our own sponsored post: remembered, its replies are sponsored"));
            }
            Plan::Create { conversation, item, history } => {
                let id = conversation.id.clone();
                let mut items = vec![item];
                if conversation.kind == Kind::Dm {
                    // Our DMs to this person from public conversations join their answer.
                    for ours in store.outbound_dms_to(&profile.id, &conversation.thread_key).await? {
                        items.push(Item { id: ItemId::generate(), conversation_id: id.clone(), platform_id: None, ..ours });
                    }
                }
                (
                    ConversationWrite { conversation, expected_version: None, items, notes: vec![], history, outbox: vec![] },
                    IngestOutcome::Created(id),
                    false,
                )
            }
            Plan::Update { conversation, history } => {
                let id = conversation.id.clone();
                let reopened = history.iter().any(|h| h.action == HistoryAction::Reopened);
                let expected = conversation.version - 1;
                (
                    ConversationWrite {
                        conversation,
                        expected_version: Some(expected),
                        items: vec![],
                        notes: vec![],
                        history,
                        outbox: vec![],
                    },
                    IngestOutcome::Updated(id),
                    reopened,
                )
            }
            Plan::Append { conversation, item, history } => {
                let id = conversation.id.clone();
                let reopened = history.iter().any(|h| h.action == HistoryAction::Reopened);
                let expected = conversation.version - 1;
                (
                    ConversationWrite {
                        conversation,
                        expected_version: Some(expected),
                        items: vec![item],
                        notes: vec![],
                        history,
                        outbox: vec![],
                    },
                    IngestOutcome::Appended(id),
                    reopened,
                )
            }
            Plan::UpdateItem { conversation, item, history } => {
                let id = conversation.id.clone();
                let expected = conversation.version - 1;
                (
                    ConversationWrite {
                        conversation,
                        expected_version: Some(expected),
                        items: vec![item],
                        notes: vec![],
                        history,
                        outbox: vec![],
                    },
                    IngestOutcome::Updated(id),
                    false,
                )
            }
        };
        let conv = write.conversation.clone();
        let happenings = if reopened { vec![Happening::StatusChanged { status: Status::Open }] } else { vec![] };
        let events = crate::events::from_change(&conv, &write.history, &write.items, &[]);
        // A new conversation under a post not read lately has the post read at once: it shows
        // when the conversation is opened, and says whether the post is sponsored when the
        // webhook did not (a Meta comment without `post`). YouTube's are read when opened:
        // each read spends a unit of the quota every channel shares.
        let read_lately = known_post.as_ref().is_some_and(|p| post_is_fresh(p, now));
        let jobs = match (&outcome, &conv.post_id) {
            (IngestOutcome::Created(_), Some(_)) if conv.network != Network::Youtube && !read_lately => vec![post_job(&conv)],
            _ => vec![],
        };
        write.outbox = outbox(&Actor::System, &conv, now, happenings, jobs, &events);
        let later = deferred_outbox(deps, &mut write);
        match store.write(write).await {
            Ok(()) => {
                let at = event.occurred_at.min(now);
                if deps.health_marks.should_record(&profile.id, at)
                    && let Err(e) = deps.health.record_event(&profile.id, at).await
                {
                    tracing::warn!(error = %e, "could not note the channel's last event");
                }
                send_outbox(deps, &conv, &[], later).await?;
                return Ok(outcome);
            }
            // Lost a race with a concurrent delivery: look again.
            Err(PortError::Conflict | PortError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

// ---------------------------------------------------------------------------------------
// Outbound actions (the actions worker)

/// What became of one queued outbound job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done with it: sent, or failed for good and recorded.
    Done(ItemState),
    /// The network could not take it yet: the queue hands it back after this wait (the item
    /// shows the retry and why meanwhile).
    RetryIn(std::time::Duration),
}

/// The queue gives up on an outbound job (its last delivery failed: a dependency of the inbox,
/// not the network, kept failing): its item, if still pending, is failed with the reason so
/// that someone can send it again, never left pending. Other jobs have no item to show.
pub async fn abandon_outbound(deps: &Deps, job: &OutboundJob, why: &str) -> DomainResult<()> {
    let OutboundJob::Action(job) = job else { return Ok(()) };
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else { return Ok(()) };
    let Some(item) = deps.conversations.get_item(&conv.id, &job.item_id).await? else { return Ok(()) };
    if item.state != ItemState::Pending {
        return Ok(());
    }
    let reason = format!("the inbox could not send it ({}); send it again", why.chars().take(300).collect::<String>());
    finish(deps, &conv, item, Err(reason), None).await.map(|_| ())
}

/// Performs one queued outbound job. `Err` asks the queue to deliver it again later (a
/// dependency of the inbox failed, not the network).
pub async fn perform_outbound(deps: &Deps, client: &dyn PlatformClient, job: &OutboundJob) -> DomainResult<JobOutcome> {
    match job {
        OutboundJob::Action(a) => perform_action(deps, client, a).await,
        OutboundJob::Handover(h) => perform_handover(deps, client, h).await.map(JobOutcome::Done),
        OutboundJob::Post(p) => fetch_post(deps, client, p).await.map(JobOutcome::Done),
    }
}

/// Performs one queued action on its network. A network that cannot take it (down, 5xx, a rate
/// limit) gets it again on the schedule of [`Settings::action_retry`], not before the wait it
/// asked for; once the schedule is spent, the item is failed with the reason, never left
/// pending.
pub async fn perform_action(deps: &Deps, client: &dyn PlatformClient, job: &ActionJob) -> DomainResult<JobOutcome> {
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(JobOutcome::Done(ItemState::Failed));
    };
    let Some(item) = deps.conversations.get_item(&conv.id, &job.item_id).await? else {
        return Ok(JobOutcome::Done(ItemState::Failed));
    };
    if item.state != ItemState::Pending {
        return Ok(JobOutcome::Done(item.state)); // done already: a redelivery
    }
    let now = deps.clock.now();
    if let Some(due) = item.retry.as_ref().map(|r| r.next_at).filter(|at| *at > now) {
        // Handed back before its time (a restart, a queue's own redelivery): wait on.
        return Ok(JobOutcome::RetryIn((due - now).to_std().unwrap_or_default()));
    }
    let Some(profile) = deps.directory.get_profile(&conv.account_id, &conv.profile_id).await? else {
        return finish(deps, &conv, item, Err("the profile was disconnected".into()), None).await.map(JobOutcome::Done);
    };
    let youtube_units = if conv.network == Network::Youtube { crate::poll::YOUTUBE_WRITE_UNITS } else { 0 };
    if let Err(why) = spend_youtube(deps, youtube_units, "send it again").await? {
        return finish(deps, &conv, item, Err(why), None).await.map(JobOutcome::Done);
    }
    let items = deps.conversations.items(&conv.id).await?;
    match client.perform(&profile, &conv, &items, job).await {
        Ok(done) => {
            let mut sent = item;
            sent.platform_id = done.platform_id;
            if done.dm_recipient.is_some() {
                sent.dm_recipient = done.dm_recipient;
            }
            // `reply.sent`, by whoever wrote it (the job says who; older jobs: the history).
            let replied_by = match (job.action, &job.actor) {
                (Action::Reply | Action::Dm, Some(a)) => Some(a.clone()),
                (Action::Reply | Action::Dm, None) => Some(
                    deps.conversations
                        .history(&conv.id)
                        .await?
                        .into_iter()
                        .find(|h| h.details["item_id"].as_str() == Some(sent.id.as_str()))
                        .map_or(Actor::System, |h| h.actor),
                ),
                _ => None,
            };
            finish(deps, &conv, sent, Ok(()), replied_by.as_ref()).await.map(JobOutcome::Done)
        }
        Err(ActionError::Transient(why)) => {
            refund_youtube(deps, youtube_units).await;
            retry_later(deps, &conv, item, why, None).await
        }
        Err(ActionError::RateLimited { reason, retry_after_secs }) => {
            refund_youtube(deps, youtube_units).await;
            retry_later(deps, &conv, item, reason, retry_after_secs.map(std::time::Duration::from_secs)).await
        }
        Err(ActionError::Rejected(why)) => finish(deps, &conv, item, Err(why), None).await.map(JobOutcome::Done),
        Err(ActionError::NeedsReconnect(why)) => {
            token_failed(deps, &profile, &why).await?;
            finish(deps, &conv, item, Err(format!("the {} profile needs reconnecting: {why}", profile.network)), None)
                .await
                .map(JobOutcome::Done)
        }
    }
}

/// Records a try the network could not take and when the next one is due, or, once the
/// schedule is spent, fails the item with the reason.
async fn retry_later(
    deps: &Deps,
    conv: &Conversation,
    mut item: Item,
    why: String,
    asked: Option<std::time::Duration>,
) -> DomainResult<JobOutcome> {
    let schedule = &deps.settings.action_retry;
    let failed = item.retry.as_ref().map_or(0, |r| r.attempts) + 1;
    let Some(wait) = schedule.next_wait(failed, asked) else {
        let reason = format!(
            "{} could not take it after {failed} tries over {}; the last answer: {why}",
            conv.network,
            crate::retry::in_words(schedule.span())
        );
        return finish(deps, conv, item, Err(reason), None).await.map(JobOutcome::Done);
    };
    let next_at = deps.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
    tracing::info!(item_id = %item.id, attempts = failed, wait_secs = wait.as_secs(), reason = %why, "the network could not take it; tried again later");
    item.retry = Some(Retry { attempts: failed, next_at });
    item.failure = Some(why);
    set_item(deps, conv, item).await?;
    Ok(JobOutcome::RetryIn(wait))
}

/// Takes or passes Messenger thread control, then records the new owner.
async fn perform_handover(deps: &Deps, client: &dyn PlatformClient, job: &HandoverJob) -> DomainResult<ItemState> {
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(ItemState::Failed);
    };
    let Some(profile) = deps.directory.get_profile(&conv.account_id, &conv.profile_id).await? else {
        return Ok(ItemState::Failed);
    };
    let owner = match job.op {
        HandoverOp::Take => Some(ingest::INBOX_OWNER.to_string()),
        HandoverOp::PassToBot => profile.bot_app_id.clone(),
    };
    if owner.is_none() {
        return Ok(ItemState::Sent); // no bot to give the thread back to: nothing to do
    }
    let outcome = client.handover(&profile, &conv, job.op).await;
    let (details, state) = match &outcome {
        Ok(()) => (serde_json::json!({"thread_owner": owner, "op": job.op}), ItemState::Sent),
        // Thread control is asked again by the queue's own retries (it has no item to show).
        Err(ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. }) => {
            return Err(DomainError::Dependency(PortError::Unavailable(why.clone())));
        }
        Err(ActionError::NeedsReconnect(why)) => {
            token_failed(deps, &profile, why).await?;
            (serde_json::json!({"op": job.op, "failed": why}), ItemState::Failed)
        }
        Err(ActionError::Rejected(why)) => (serde_json::json!({"op": job.op, "failed": why}), ItemState::Failed),
    };
    let now = deps.clock.now();
    update_conversation(deps, &conv, |mut next| {
        if state == ItemState::Sent {
            next.thread_owner = owner.clone();
        }
        let history = vec![HistoryEntry::new(&next.id, now, job.actor.clone(), HistoryAction::HandoverChanged, details.clone())];
        Some(ConversationWrite::of(next, vec![], history))
    })
    .await?;
    Ok(state)
}

/// Spends `units` of YouTube's daily quota, which belongs to the application (every channel's
/// polls, replies and post reads count against it), or says in words that it is spent and
/// `what` happens after it resets. Sending anyway would fail every channel until it resets.
async fn spend_youtube(deps: &Deps, units: u32, what: &str) -> DomainResult<Result<(), String>> {
    let quota = crate::poll::YOUTUBE_DAILY_QUOTA;
    if units == 0 || deps.polls.spend_quota(Network::Youtube, deps.clock.now(), units, quota).await? {
        return Ok(Ok(()));
    }
    Ok(Err(format!(
        "YouTube's daily API quota ({quota} units for every connected channel) is spent; {what} after it resets at midnight Pacific time"
    )))
}

/// Gives back units spent on a call that never reached YouTube (it is retried, and spends
/// them again then).
async fn refund_youtube(deps: &Deps, units: u32) {
    if units > 0
        && let Err(e) = deps.polls.refund_quota(Network::Youtube, deps.clock.now(), units).await
    {
        tracing::warn!(error = %e, units, "could not give back YouTube quota units");
    }
}

/// Records that a profile's token no longer works, unless the profile was reconnected (a new
/// token) since `profile` was read: a call made with the old token says nothing of the new one.
async fn token_failed(deps: &Deps, profile: &Profile, why: &str) -> DomainResult<()> {
    let current = deps.directory.get_profile(&profile.account_id, &profile.id).await?;
    if current.is_some_and(|c| c.credentials.access_token == profile.credentials.access_token) {
        deps.health.set_token_state(&profile.id, TokenState::NeedsReconnection, Some(why.to_string())).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Original posts (the post a comment conversation is under)

/// How long a fetched post is shown without asking its network again.
pub const POST_FRESH_SECS: i64 = 3600;
/// How long a failed fetch is remembered before the network is asked again.
pub const POST_RETRY_SECS: i64 = 600;
/// How long a read asked for by the API is waited for before it is asked for again.
pub const POST_PENDING_SECS: i64 = 60;

/// A conversation's original post, as far as the inbox knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalPost {
    /// The conversation is not under a post (a DM, a mention, a tag in a post).
    NotAPost,
    /// Asked for and not fetched yet: ask again in a moment.
    Fetching,
    /// The cached copy (possibly with `error`, when it could not be fetched). A copy older
    /// than [`POST_FRESH_SECS`] is shown while a fresh one is fetched.
    Ready(Post),
}

/// Whether a cached copy is recent enough not to ask the network again (a placeholder never is).
fn post_is_fresh(post: &Post, now: Timestamp) -> bool {
    if let Some(at) = post.retry_after {
        return !post.pending && now < at;
    }
    let keep = if post.error.is_some() { POST_RETRY_SECS } else { POST_FRESH_SECS };
    !post.pending && now - post.fetched_at < chrono::Duration::seconds(keep)
}

fn post_job(c: &Conversation) -> OutboundJob {
    OutboundJob::Post(PostJob { account_id: c.account_id.clone(), conversation_id: c.id.clone() })
}

/// The post a conversation is under, from the cache. A missing or old copy is fetched by the
/// actions worker (the API never waits on a network): the answer is then `Fetching`, or the
/// old copy.
pub async fn original_post(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<OriginalPost> {
    let c = visible_conversation(deps, viewer, id).await?;
    let Some(post_id) = c.post_id.as_deref() else {
        return Ok(OriginalPost::NotAPost);
    };
    let now = deps.clock.now();
    let ask = || async { deps.queue.send(QueueName::Actions, serde_json::to_vec(&post_job(&c)).expect("serialisable")).await };
    match deps.conversations.get_post(&c.profile_id, post_id).await? {
        // Asked for already: however often the page asks meanwhile, one read is queued.
        Some(p) if p.pending && now - p.fetched_at < chrono::Duration::seconds(POST_PENDING_SECS) => Ok(OriginalPost::Fetching),
        Some(p) if !p.pending => {
            if !post_is_fresh(&p, now) {
                ask().await?;
            }
            Ok(OriginalPost::Ready(p))
        }
        // Never asked for, or asked for long ago without an answer: a placeholder, then the read.
        _ => {
            let placeholder = Post { pending: true, ..Post::unavailable(post_id, c.network, now, None) };
            deps.conversations.put_post(&c.profile_id, &placeholder).await?;
            ask().await?;
            Ok(OriginalPost::Fetching)
        }
    }
}

/// Fetches a conversation's original post into the cache (the actions worker). A sponsored
/// post marks the conversation sponsored. `Err` asks the queue to try again (the network did
/// not answer); a refusal is cached as the post's `error`, in words.
pub async fn fetch_post(deps: &Deps, client: &dyn PlatformClient, job: &PostJob) -> DomainResult<ItemState> {
    let Some(c) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(ItemState::Failed);
    };
    let Some(post_id) = c.post_id.clone() else {
        return Ok(ItemState::Failed);
    };
    let now = deps.clock.now();
    // A placeholder is no copy.
    let cached = deps.conversations.get_post(&c.profile_id, &post_id).await?.filter(|p| !p.pending);
    if let Some(p) = cached.as_ref().filter(|p| post_is_fresh(p, now)) {
        // Read already (for another comment on the same post, or several asked at once); what
        // it says of sponsorship holds for this conversation too.
        if p.sponsored == Some(true) && !c.sponsored {
            mark_sponsored(deps, c).await?;
        }
        return Ok(ItemState::Sent);
    }
    let Some(profile) = deps.directory.get_profile(&c.account_id, &c.profile_id).await? else {
        return Ok(ItemState::Failed);
    };
    let youtube_units = if c.network == Network::Youtube { crate::poll::YOUTUBE_READ_UNITS } else { 0 };
    let fetched = match spend_youtube(deps, youtube_units, "the video is read").await? {
        Err(why) => Err(ActionError::Rejected(why)),
        Ok(()) => client.fetch_post(&profile, &c).await,
    };
    let failed = |why: String| match cached.clone() {
        // An older copy stays what is shown (with when it was read); the network is asked
        // again after the wait for a refusal.
        Some(old) if old.error.is_none() => Post { retry_after: Some(now + chrono::Duration::seconds(POST_RETRY_SECS)), ..old },
        _ => Post::unavailable(&post_id, c.network, now, Some(why)),
    };
    let post = match fetched {
        Ok(mut post) => {
            post.id = post_id.clone();
            post.fetched_at = now;
            post.error = None;
            post.retry_after = None;
            // What was learnt before (our own promoted tweet) stands when the network's answer
            // does not say.
            post.sponsored = post.sponsored.or(cached.as_ref().and_then(|p| p.sponsored));
            post
        }
        Err(ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. }) => {
            refund_youtube(deps, youtube_units).await;
            return Err(DomainError::Dependency(PortError::Unavailable(why)));
        }
        // Not recorded as the token's state: a read the token may not make (another Page's
        // post, a tier without tweet lookup) says nothing of the replies and polls it does make.
        Err(ActionError::NeedsReconnect(why)) => failed(format!("{} refused to read the post: {why}", profile.network)),
        Err(ActionError::Rejected(why)) => failed(why),
    };
    deps.conversations.put_post(&c.profile_id, &post).await?;
    if post.sponsored == Some(true) && !c.sponsored {
        mark_sponsored(deps, c).await?;
    }
    Ok(if post.error.is_none() { ItemState::Sent } else { ItemState::Failed })
}

/// Marks a conversation sponsored (its post turned out to be an ad or boosted).
async fn mark_sponsored(deps: &Deps, c: Conversation) -> DomainResult<()> {
    update_conversation(deps, &c, |next| {
        (!next.sponsored).then(|| ConversationWrite::of(Conversation { sponsored: true, ..next }, vec![], vec![]))
    })
    .await
    .map(|_| ())
}

/// Asks for Messenger thread control (`take`) or gives it back to the bot (`release`).
pub async fn handover(deps: &Deps, viewer: &Viewer, id: &ConversationId, op: HandoverOp) -> DomainResult<Conversation> {
    let c = visible_conversation(deps, viewer, id).await?;
    if !(c.network == Network::Facebook && c.kind == Kind::Dm) {
        return Err(DomainError::Rule("thread control (handover) applies to Messenger conversations only".into()));
    }
    if op == HandoverOp::PassToBot {
        let profile = deps.directory.get_profile(viewer.account(), &c.profile_id).await?.ok_or(DomainError::NotFound("profile"))?;
        if profile.bot_app_id.is_none() {
            return Err(DomainError::Rule("this Page has no chatbot to give the conversation back to".into()));
        }
    }
    let job =
        OutboundJob::Handover(HandoverJob { account_id: c.account_id.clone(), conversation_id: c.id.clone(), op, actor: viewer.actor() });
    deps.queue.send(QueueName::Actions, serde_json::to_vec(&job).expect("serialisable")).await?;
    Ok(c)
}

/// Records an outbound item as sent or failed (with why). A sent reply or DM says so to the
/// integrations (`reply.sent`, by `replied_by`) in the same write's outbox.
async fn finish(
    deps: &Deps,
    conv: &Conversation,
    mut item: Item,
    result: Result<(), String>,
    replied_by: Option<&Actor>,
) -> DomainResult<ItemState> {
    item.retry = None;
    match result {
        Ok(()) => {
            item.state = ItemState::Sent;
            item.failure = None;
        }
        Err(why) => {
            item.state = ItemState::Failed;
            item.failure = Some(why);
        }
    }
    let state = item.state;
    let now = deps.clock.now();
    update_conversation(deps, conv, |next| {
        let mut write = ConversationWrite::of(next, vec![item.clone()], vec![]);
        if let (ItemState::Sent, Some(actor)) = (state, replied_by) {
            let events = [crate::events::reply_sent(&write.conversation, &item, now, actor)];
            write.outbox = outbox(actor, &write.conversation, now, vec![], vec![], &events);
        }
        Some(write)
    })
    .await?;
    Ok(state)
}

// ---------------------------------------------------------------------------------------
// Notifications (the notifier)

/// Turns one happening into in-app notifications and emails. Idempotent per event.
pub async fn notify(deps: &Deps, event: &NotifyEvent) -> DomainResult<usize> {
    let Some(conv) = deps.conversations.get_conversation(&event.account_id, &event.conversation_id).await? else {
        return Ok(0);
    };
    let users = deps.directory.list_users(&event.account_id).await?;
    let intents = match &event.happening {
        // Integrations are the admins' business: every admin hears of a turned-off webhook.
        Happening::WebhookDisabled { .. } => users
            .iter()
            .filter(|u| u.role == Role::Admin)
            .map(|u| notify::Intent { user_id: u.id.clone(), kind: NotificationType::WebhookDisabled })
            .collect(),
        _ => notify::decide(&event.actor, &conv, &event.happening, |uid| users.iter().any(|u| &u.id == uid && access::can_see(u, &conv))),
    };
    let actor_name = match &event.actor {
        Actor::System => "The inbox".to_string(),
        Actor::User(uid) => users.iter().find(|u| &u.id == uid).map(|u| u.name.clone()).unwrap_or_else(|| "Someone".into()),
    };
    for intent in &intents {
        let Some(user) = users.iter().find(|u| u.id == intent.user_id) else { continue };
        let id = notify::notification_id(&event.event_id, &user.id);
        let text = notify::describe(intent.kind, &event.happening, &actor_name, &conv);
        // Email first: a crash between the two repeats an email (the mailer drops repeats by
        // id where it can) rather than losing one. Users who turned emails off get none.
        if user.email_notifications {
            let body = match &event.happening {
                Happening::WebhookDisabled { subscription_id, .. } => format!(
                    "{text}.\n\nIts undelivered events are kept as dead deliveries. Once the receiver works again, turn the \
                     subscription back on (PATCH /api/webhook-subscriptions/{subscription_id} with {{\"enabled\": true}}) and \
                     replay them (POST /api/webhook-subscriptions/{subscription_id}/deliveries/<id>/replay).\n\nLast failed \
                     delivery: conversation {}\n",
                    conv.id
                ),
                _ => format!("{text}.\n\n\"{}\"\n\nConversation {}\n", conv.excerpt, conv.id),
            };
            deps.mailer.send(&Email { id: id.to_string(), to: user.email.clone(), subject: text.clone(), text: body }).await?;
        }
        deps.notifications
            .put_notification(&Notification {
                id,
                account_id: conv.account_id.clone(),
                user_id: user.id.clone(),
                kind: intent.kind,
                conversation_id: conv.id.clone(),
                actor_id: event.actor.user().cloned(),
                created_at: event.at,
                read: false,
                text,
            })
            .await?;
    }
    Ok(intents.len())
}

pub async fn list_notifications(deps: &Deps, viewer: &Viewer, limit: usize) -> DomainResult<Vec<Notification>> {
    Ok(deps.notifications.list_notifications(&viewer.user.id, limit.clamp(1, 200)).await?)
}

pub async fn read_notification(deps: &Deps, viewer: &Viewer, id: &NotificationId) -> DomainResult<()> {
    if deps.notifications.mark_read(&viewer.user.id, id).await? { Ok(()) } else { Err(DomainError::NotFound("notification")) }
}

// ---------------------------------------------------------------------------------------
// Tabs

pub async fn list_tabs(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<Tab>> {
    Ok(tab_set(deps, viewer).await?.tabs)
}

async fn tab_set(deps: &Deps, viewer: &Viewer) -> DomainResult<TabSet> {
    Ok(deps.tabs.tabs_or_init(&viewer.user.id, &tabs::default_tabs(&viewer.user.id)).await?)
}

pub async fn get_tab(deps: &Deps, viewer: &Viewer, id: &TabId) -> DomainResult<Tab> {
    list_tabs(deps, viewer).await?.into_iter().find(|t| &t.id == id).ok_or(DomainError::NotFound("tab"))
}

/// Checks a tab's filters against what the caller can name.
fn validate_filters(viewer: &Viewer, filters: &Filters) -> DomainResult<()> {
    if let Some(p) = filters.profiles.iter().find(|p| !viewer.profiles.contains(*p)) {
        return Err(DomainError::Rule(format!("unknown profile {p}")));
    }
    Ok(())
}

/// Changes the caller's tabs as one: `change` gets the set as stored and answers the tabs it
/// should hold (positions included) and what to give back, or refuses. Written only if the set
/// is still the one read, else recomputed on the new one: a limit or a position decided from a
/// reading holds however many requests race.
async fn change_tabs<T>(deps: &Deps, viewer: &Viewer, mut change: impl FnMut(Vec<Tab>) -> DomainResult<(Vec<Tab>, T)>) -> DomainResult<T> {
    for _ in 0..MAX_ATTEMPTS {
        let set = tab_set(deps, viewer).await?;
        let (after, answer) = change(set.tabs.clone())?;
        let put: Vec<Tab> = after.iter().filter(|t| !set.tabs.contains(t)).cloned().collect();
        let delete: Vec<TabId> = set.tabs.iter().filter(|b| !after.iter().any(|t| t.id == b.id)).map(|t| t.id.clone()).collect();
        if put.is_empty() && delete.is_empty() {
            return Ok(answer);
        }
        match deps.tabs.write_tabs(&viewer.user.id, set.version, &put, &delete).await {
            Ok(()) => return Ok(answer),
            Err(PortError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

pub async fn create_tab(
    deps: &Deps,
    viewer: &Viewer,
    name: &str,
    filters: Filters,
    query: &str,
    position: Option<u32>,
) -> DomainResult<Tab> {
    let name = tabs::validate_name(name).map_err(DomainError::Invalid)?;
    let query = tabs::validate_query(query).map_err(DomainError::Invalid)?;
    validate_filters(viewer, &filters)?;
    let id = TabId::generate();
    change_tabs(deps, viewer, |mut all| {
        if all.len() >= tabs::MAX_TABS {
            return Err(DomainError::Rule(format!("a user has at most {} tabs", tabs::MAX_TABS)));
        }
        let tab = Tab {
            id: id.clone(),
            user_id: viewer.user.id.clone(),
            name: name.clone(),
            position: all.len() as u32,
            filters: filters.clone(),
            query: query.clone(),
        };
        all.push(tab);
        if let Some(p) = position {
            tabs::reorder(&mut all, &id, p);
        }
        let made = all.iter().find(|t| t.id == id).cloned().ok_or(DomainError::NotFound("tab"))?;
        Ok((all, made))
    })
    .await
}

#[derive(Debug, Clone, Default)]
pub struct TabPatch {
    pub name: Option<String>,
    pub position: Option<u32>,
    pub filters: Option<Filters>,
    pub query: Option<String>,
}

pub async fn update_tab(deps: &Deps, viewer: &Viewer, id: &TabId, patch: TabPatch) -> DomainResult<Tab> {
    let name = patch.name.as_deref().map(tabs::validate_name).transpose().map_err(DomainError::Invalid)?;
    let query = patch.query.as_deref().map(tabs::validate_query).transpose().map_err(DomainError::Invalid)?;
    if let Some(f) = &patch.filters {
        validate_filters(viewer, f)?;
    }
    change_tabs(deps, viewer, |mut all| {
        let tab = all.iter_mut().find(|t| &t.id == id).ok_or(DomainError::NotFound("tab"))?;
        if let Some(n) = &name {
            tab.name = n.clone();
        }
        if let Some(f) = &patch.filters {
            tab.filters = f.clone();
        }
        if let Some(q) = &query {
            tab.query = q.clone();
        }
        if let Some(p) = patch.position {
            tabs::reorder(&mut all, id, p);
        }
        let edited = all.iter().find(|t| &t.id == id).cloned().ok_or(DomainError::NotFound("tab"))?;
        Ok((all, edited))
    })
    .await
}

pub async fn delete_tab(deps: &Deps, viewer: &Viewer, id: &TabId) -> DomainResult<()> {
    change_tabs(deps, viewer, |mut all| {
        if !all.iter().any(|t| &t.id == id) {
            return Err(DomainError::NotFound("tab"));
        }
        all.retain(|t| &t.id != id);
        for (i, t) in all.iter_mut().enumerate() {
            t.position = i as u32;
        }
        Ok((all, ()))
    })
    .await
}

// ---------------------------------------------------------------------------------------
// Administration: users and profiles

/// Admins only: "only admins manage `what`" otherwise.
pub(crate) fn require_admin(viewer: &Viewer, what: &str) -> DomainResult<()> {
    if viewer.is_admin() { Ok(()) } else { Err(DomainError::Forbidden(format!("only admins manage {what}"))) }
}

/// The fields of a user an admin sets.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub inbox_access: bool,
    pub email_notifications: bool,
    pub profile_ids: BTreeSet<ProfileId>,
}

fn validate_user(input: &UserInput, profiles: &[Profile]) -> DomainResult<()> {
    if input.name.trim().is_empty() || input.name.chars().count() > 100 {
        return Err(DomainError::Invalid("a user needs a name of 1 to 100 characters".into()));
    }
    let e = input.email.trim();
    let valid_email = e.len() <= 254
        && e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.'))
        && !e.chars().any(char::is_whitespace);
    if !valid_email {
        return Err(DomainError::Invalid(format!("\"{e}\" is not an email address")));
    }
    if let Some(p) = input.profile_ids.iter().find(|p| !profiles.iter().any(|q| &q.id == *p)) {
        return Err(DomainError::Rule(format!("unknown profile {p}")));
    }
    Ok(())
}

pub async fn list_users(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<User>> {
    require_admin(viewer, "users and profiles")?;
    Ok(deps.directory.list_users(viewer.account()).await?)
}

/// The caller's team, for any signed-in user: who can be mentioned in a note or picked as an
/// assignee. Sorted by name. Callers show only names and emails (roles and profiles stay
/// admin-only, in `list_users`).
pub async fn list_team(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<User>> {
    let mut users = deps.directory.list_users(viewer.account()).await?;
    users.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.id.cmp(&b.id)));
    Ok(users)
}

pub async fn get_user(deps: &Deps, viewer: &Viewer, id: &UserId) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    deps.directory.get_user(viewer.account(), id).await?.ok_or(DomainError::NotFound("user"))
}

pub async fn create_user(deps: &Deps, viewer: &Viewer, input: UserInput) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    let profiles = deps.directory.list_profiles(viewer.account()).await?;
    validate_user(&input, &profiles)?;
    let user = User {
        id: UserId::generate(),
        account_id: viewer.account().clone(),
        name: input.name.trim().to_string(),
        email: input.email.trim().to_lowercase(),
        role: input.role,
        inbox_access: input.inbox_access,
        email_notifications: input.email_notifications,
        profile_ids: input.profile_ids,
        created_at: deps.clock.now(),
    };
    deps.directory.put_user(&user).await.map_err(|e| match e {
        PortError::AlreadyExists => DomainError::Rule(format!("a user with email {} exists already", user.email)),
        e => e.into(),
    })?;
    Ok(user)
}

pub async fn update_user(deps: &Deps, viewer: &Viewer, id: &UserId, input: UserInput) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    let old = deps.directory.get_user(viewer.account(), id).await?.ok_or(DomainError::NotFound("user"))?;
    let profiles = deps.directory.list_profiles(viewer.account()).await?;
    validate_user(&input, &profiles)?;
    if old.id == viewer.user.id && input.role != Role::Admin {
        return Err(DomainError::Rule("admins cannot remove their own admin role".into()));
    }
    let user = User {
        name: input.name.trim().to_string(),
        email: input.email.trim().to_lowercase(),
        role: input.role,
        inbox_access: input.inbox_access,
        email_notifications: input.email_notifications,
        profile_ids: input.profile_ids,
        ..old
    };
    deps.directory.put_user(&user).await.map_err(|e| match e {
        PortError::AlreadyExists => DomainError::Rule(format!("a user with email {} exists already", user.email)),
        e => e.into(),
    })?;
    Ok(user)
}

pub async fn delete_user(deps: &Deps, viewer: &Viewer, id: &UserId) -> DomainResult<()> {
    require_admin(viewer, "users and profiles")?;
    if id == &viewer.user.id {
        return Err(DomainError::Rule("admins cannot delete themselves".into()));
    }
    if deps.directory.delete_user(viewer.account(), id).await? { Ok(()) } else { Err(DomainError::NotFound("user")) }
}

#[derive(Debug, Clone)]
pub struct ProfileInput {
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    pub credentials: Credentials,
    pub bot_app_id: Option<String>,
}

pub async fn list_profiles(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<Profile>> {
    require_admin(viewer, "users and profiles")?;
    Ok(deps.directory.list_profiles(viewer.account()).await?)
}

pub async fn create_profile(deps: &Deps, viewer: &Viewer, input: ProfileInput) -> DomainResult<Profile> {
    require_admin(viewer, "users and profiles")?;
    let ext = input.external_id.trim();
    if ext.is_empty() || ext.len() > 200 || ext.chars().any(char::is_whitespace) {
        return Err(DomainError::Invalid("external_id must be the network's id of the page, account or channel".into()));
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        return Err(DomainError::Invalid("a profile needs a name of 1 to 200 characters".into()));
    }
    // The token must be the presence's own before anything is stored: whoever connects an id
    // receives its events. Checked before uniqueness, so that a caller without the token learns
    // nothing of whether the id is connected elsewhere.
    prove_owner(deps, input.network, ext, &input.credentials).await?;
    let profile = Profile {
        id: ProfileId::generate(),
        account_id: viewer.account().clone(),
        network: input.network,
        external_id: ext.to_string(),
        name: input.name.trim().to_string(),
        handle: input.handle.trim().to_string(),
        credentials: input.credentials,
        bot_app_id: input.bot_app_id,
        created_at: deps.clock.now(),
    };
    deps.directory.put_profile(&profile).await.map_err(|e| match e {
        PortError::AlreadyExists => DomainError::Rule(format!("this {} presence is connected already", profile.network)),
        e => e.into(),
    })?;
    schedule_polls(deps, &profile).await?;
    Ok(profile)
}

/// Reconnects a profile: new credentials (a fresh token, its expiry) replace the old ones, and
/// its channel shows a valid token again until a call says otherwise.
pub async fn reconnect_profile(deps: &Deps, viewer: &Viewer, id: &ProfileId, credentials: Credentials) -> DomainResult<Profile> {
    require_admin(viewer, "users and profiles")?;
    let mut profile = deps.directory.get_profile(viewer.account(), id).await?.ok_or(DomainError::NotFound("profile"))?;
    if credentials.access_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(DomainError::Invalid("reconnecting needs the new access_token".into()));
    }
    prove_owner(deps, profile.network, &profile.external_id, &credentials).await?;
    let before = profile.clone();
    profile.credentials = credentials;
    // Only the profile as it was read: one disconnected (or reconnected) while the network was
    // asked is left as it is now.
    if !deps.directory.update_profile(&before, &profile).await? {
        return Err(DomainError::Rule("the profile was disconnected or changed while its token was checked; look at it again".into()));
    }
    deps.health.set_token_state(&profile.id, TokenState::Valid, None).await?;
    Ok(profile)
}

/// Whether two ids name the same presence of `network` (LinkedIn organisations are named bare
/// or as `urn:li:organization:<id>`).
pub fn same_presence(network: Network, a: &str, b: &str) -> bool {
    let bare = |id: &str| {
        let id = id.trim();
        match network {
            Network::Linkedin => id.strip_prefix("urn:li:organization:").unwrap_or(id).to_string(),
            _ => id.to_string(),
        }
    };
    bare(a) == bare(b)
}

/// Asks `network` whom `credentials` belong to, and refuses them (422, in words) unless
/// `external_id` is among the presences they act as.
async fn prove_owner(deps: &Deps, network: Network, external_id: &str, credentials: &Credentials) -> DomainResult<()> {
    if credentials.access_token.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(DomainError::Rule(format!(
            "connecting a {network} profile needs its access_token: the inbox asks {network} whom the token belongs to before the profile receives anything"
        )));
    }
    // YouTube's `channels.list` costs a unit of the quota every channel shares.
    let units = if network == Network::Youtube { 1 } else { 0 };
    spend_youtube(deps, units, "connect the channel").await?.map_err(DomainError::Rule)?;
    let owners = deps.networks.token_owners(network, credentials).await;
    if owners.is_err() {
        // A refused or failed check is not billed by Google: nobody may burn the quota every
        // channel shares by connecting junk tokens.
        refund_youtube(deps, units).await;
    }
    let owners = owners.map_err(|e| match e {
        ActionError::NeedsReconnect(why) | ActionError::Rejected(why) => {
            DomainError::Rule(format!("{network} did not accept this access token: {why}"))
        }
        ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. } => {
            DomainError::Upstream(format!("could not ask {network} whom this access token belongs to ({why}); try again"))
        }
    })?;
    if owners.iter().any(|o| same_presence(network, o, external_id)) {
        return Ok(());
    }
    let shown: Vec<&str> = owners.iter().take(5).map(String::as_str).collect();
    Err(DomainError::Rule(match shown.as_slice() {
        [] => {
            format!("this access token does not belong to {network} {external_id}: {network} says it acts for no page, account or channel")
        }
        _ => format!(
            "this access token does not belong to {network} {external_id}: {network} says it acts for {}; connect each profile with its own token",
            shown.join(", ")
        ),
    }))
}

pub async fn delete_profile(deps: &Deps, viewer: &Viewer, id: &ProfileId) -> DomainResult<()> {
    require_admin(viewer, "users and profiles")?;
    if deps.directory.delete_profile(viewer.account(), id).await? { Ok(()) } else { Err(DomainError::NotFound("profile")) }
}

// ---------------------------------------------------------------------------------------
// Polling (the poller function)

/// Starts polling a profile of a polled network (LinkedIn, YouTube, X reconciliation): its first
/// poll, a backfill, is due now. Does nothing for networks without polling or when scheduled.
pub async fn schedule_polls(deps: &Deps, profile: &Profile) -> DomainResult<()> {
    let Some(policy) = deps.settings.poll_policy(profile.network) else {
        return Ok(());
    };
    let state = PollState {
        profile_id: profile.id.clone(),
        account_id: profile.account_id.clone(),
        network: profile.network,
        cursor: None,
        next_at: deps.clock.now(),
        interval_secs: policy.min_interval.as_secs(),
        last_ok_at: None,
        last_error: None,
        failures: 0,
    };
    Ok(deps.polls.ensure_poll_state(&state).await?)
}

/// What one round of polling did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollRound {
    pub polled: usize,
    pub events: usize,
    pub stored: usize,
    pub failed: usize,
    pub deferred_for_quota: usize,
    pub leased_elsewhere: usize,
}

/// How long a poller holds a profile's lease: longer than any one poll takes.
pub const POLL_LEASE_SECS: i64 = 300;

/// Polls every profile that is due, each under a lease so that two pollers never work one
/// profile at once, within each network's daily budget. Events go through `ingest`, so a poll
/// overlapping a webhook stores nothing twice.
pub async fn poll_due(deps: &Deps, poller: &dyn PlatformPoller, limit: usize) -> DomainResult<PollRound> {
    let now = deps.clock.now();
    let mut round = PollRound::default();
    for state in deps.polls.due_polls(now, limit).await? {
        if !deps.polls.lease_poll(&state.profile_id, now, now + chrono::Duration::seconds(POLL_LEASE_SECS)).await? {
            round.leased_elsewhere += 1;
            continue;
        }
        poll_one(deps, poller, state, &mut round).await?;
    }
    Ok(round)
}

async fn poll_one(deps: &Deps, poller: &dyn PlatformPoller, mut state: PollState, round: &mut PollRound) -> DomainResult<()> {
    let now = deps.clock.now();
    let Some(policy) = deps.settings.poll_policy(state.network) else {
        state.next_at = now + chrono::Duration::days(1);
        return Ok(deps.polls.finish_poll(&state).await?);
    };
    let Some(profile) = deps.directory.get_profile(&state.account_id, &state.profile_id).await? else {
        // Disconnected: stop polling it (far in the future; a reconnect schedules it again).
        state.next_at = now + chrono::Duration::days(3650);
        state.last_error = Some("the profile was disconnected".into());
        return Ok(deps.polls.finish_poll(&state).await?);
    };
    let units = poller.units_per_poll(state.network);
    if let Some(budget) = policy.daily_budget
        && units > 0
        && !deps.polls.spend_quota(state.network, now, units, budget).await?
    {
        // The day's budget is spent: try again when the quota day turns (`poll::quota_day`).
        state.next_at = crate::poll::next_quota_day(now);
        state.last_error = Some(format!("the daily {} quota for polling ({budget} units) is spent", state.network));
        round.deferred_for_quota += 1;
        return Ok(deps.polls.finish_poll(&state).await?);
    }
    round.polled += 1;
    let backfill_since = now - chrono::Duration::from_std(policy.backfill).unwrap_or_default();
    match poller.poll(&profile, state.cursor.as_deref(), backfill_since).await {
        Ok(page) => {
            if policy.daily_budget.is_some() && page.units < units {
                // Spent ahead for the most this poll could cost; give back what it did not use.
                deps.polls.refund_quota(state.network, now, units - page.units).await?;
            }
            if let Some(subscribed) = page.webhook_subscribed {
                deps.health.set_webhook_state(&profile.id, subscribed, now).await?;
            }
            round.events += page.events.len();
            let mut stored = 0;
            for event in &page.events {
                match ingest(deps, event).await {
                    Ok(IngestOutcome::Created(_) | IngestOutcome::Appended(_) | IngestOutcome::Updated(_)) => stored += 1,
                    Ok(_) => {}
                    Err(e) => {
                        // Keep the old cursor: the next poll reads these events again.
                        state.failures += 1;
                        state.last_error = Some(format!("storing polled events failed: {e}"));
                        state.next_at = now + chrono::Duration::from_std(crate::poll::backoff(state.failures, None)).unwrap_or_default();
                        round.failed += 1;
                        deps.polls.finish_poll(&state).await?;
                        return Err(e);
                    }
                }
            }
            round.stored += stored;
            if page.cursor.is_some() {
                state.cursor = page.cursor;
            }
            let floor = crate::poll::budget_floor(units, network_profiles(deps, &state).await?, policy.daily_budget);
            let interval = crate::poll::next_interval(std::time::Duration::from_secs(state.interval_secs), stored > 0, &policy, floor);
            state.interval_secs = interval.as_secs();
            state.next_at = now + chrono::Duration::from_std(interval).unwrap_or_default();
            state.last_ok_at = Some(now);
            state.last_error = None;
            state.failures = 0;
        }
        Err(e) => {
            round.failed += 1;
            state.failures += 1;
            let retry_after = match &e {
                PollError::RateLimited { retry_after_secs } => retry_after_secs.map(std::time::Duration::from_secs),
                _ => None,
            };
            if let PollError::NeedsReconnect(why) = &e {
                token_failed(deps, &profile, why).await?;
            }
            state.last_error = Some(e.to_string());
            state.next_at = now + chrono::Duration::from_std(crate::poll::backoff(state.failures, retry_after)).unwrap_or_default();
        }
    }
    Ok(deps.polls.finish_poll(&state).await?)
}

/// How many profiles share the network's budget (the polled profiles of that network).
async fn network_profiles(deps: &Deps, state: &PollState) -> DomainResult<u32> {
    Ok(deps.polls.count_polled(state.network).await?.max(1))
}

/// A profile's channel health as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelView {
    pub profile_id: ProfileId,
    pub network: Network,
    pub name: String,
    pub handle: String,
    pub last_event_at: Option<Timestamp>,
    pub quiet: bool,
    pub token_state: TokenState,
    pub token_error: Option<String>,
    pub polled: bool,
    pub last_poll_ok_at: Option<Timestamp>,
    pub next_poll_at: Option<Timestamp>,
    pub last_poll_error: Option<String>,
    /// Whether the webhook subscription was in place at the last check (Meta).
    pub webhook_subscribed: Option<bool>,
    pub webhook_checked_at: Option<Timestamp>,
}

/// The health of every channel the caller can see: when each last heard something, whether it
/// has gone quiet, its token, and its polling.
pub async fn channels(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<ChannelView>> {
    let now = deps.clock.now();
    let mut out = Vec::new();
    for p in deps.directory.list_profiles(viewer.account()).await? {
        if !viewer.profiles.contains(&p.id) {
            continue;
        }
        let h = deps.health.channel_health(&p.id).await?;
        let poll = deps.polls.poll_state(&p.id).await?;
        let since = h.last_event_at.and_then(|t| (now - t).to_std().ok());
        let token_state = crate::poll::token_state(h.token_state, p.credentials.expires_at, now);
        let token_error = match (&h.token_error, p.credentials.expires_at) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(at)) if token_state != TokenState::Valid => Some(format!(
                "the access token {} {}; reconnect the profile",
                if at <= now { "expired" } else { "expires" },
                at.format("%Y-%m-%d %H:%M UTC")
            )),
            _ => None,
        };
        out.push(ChannelView {
            quiet: crate::poll::is_quiet(since, h.typical_gap_secs.map(std::time::Duration::from_secs)),
            profile_id: p.id,
            network: p.network,
            name: p.name,
            handle: p.handle,
            last_event_at: h.last_event_at,
            token_state,
            token_error,
            webhook_subscribed: h.webhook_subscribed,
            webhook_checked_at: h.webhook_checked_at,
            polled: poll.is_some(),
            last_poll_ok_at: poll.as_ref().and_then(|s| s.last_ok_at),
            next_poll_at: poll.as_ref().map(|s| s.next_at),
            last_poll_error: poll.and_then(|s| s.last_error),
        });
    }
    Ok(out)
}
