//! The conversations' store port: conversations, their items, notes, history, seen marks and
//! feeds, and the writes that change them.

use crate::error::{PortError, PortResult};
use crate::ids::*;
use crate::messages::QueueName;
use crate::model::*;
use crate::tabs::AssigneeSelector;
use async_trait::async_trait;

/// What is stored of one platform id (see [`ConversationStore::platform_id_state`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlatformIdState {
    pub item: Option<Item>,
    /// The network deleted it before it was seen posted.
    pub tombstoned: bool,
    /// The text of an edit that arrived before the item.
    pub early_edit: Option<String>,
    /// The conversation the platform id is claimed for while no item holds it (a write that
    /// claimed it and stopped before its item: a store without transactions).
    pub claimed_for: Option<ConversationId>,
}

/// One atomic change to a conversation and what hangs off it.
#[derive(Debug, Clone)]
pub struct ConversationWrite {
    pub conversation: Conversation,
    /// `None` creates the conversation (`AlreadyExists` when its thread key is taken);
    /// `Some(v)` replaces it only if the stored version is still `v` (else `Conflict`).
    pub expected_version: Option<u64>,
    /// Items to insert or replace (by id). Inserting an item whose platform id is already
    /// stored for the profile fails with `AlreadyExists`.
    pub items: Vec<Item>,
    pub notes: Vec<Note>,
    pub history: Vec<HistoryEntry>,
    /// Queue messages the change sets in motion (its outbound jobs, notifications and domain
    /// events). A store whose [`ConversationStore::writes_outbox`] is true enqueues them in the
    /// change's own transaction, so a process killed right after the write loses none; for
    /// the others the use cases send them after the write.
    pub outbox: Vec<(QueueName, Vec<u8>)>,
    /// `Some(the status as read)`: the change leaves the conversation's summary (its activity
    /// and network times, excerpt, sponsored) as it was read, a user's or a worker's change of
    /// anything else. A store whose appends commute ([`ConversationStore::appends_commutatively`])
    /// then lets it pass over appends made since the read, which move only the summary and may
    /// reopen the conversation: only a change of anything else since `expected_version`, or of
    /// the status (an append that reopened it), is a conflict, so a change to a thread taking
    /// hundreds of replies a second is not refused again and again, and never closes again what
    /// a reply reopened. `None` (the default) writes the summary as given, strictly at
    /// `expected_version`.
    pub keeps_summary: Option<Status>,
}

impl ConversationWrite {
    /// A change of `conversation` (its new version) with these items and history entries, no
    /// notes and no outbox; `expected_version` is the caller's to set.
    pub fn of(conversation: Conversation, items: Vec<Item>, history: Vec<HistoryEntry>) -> Self {
        ConversationWrite { conversation, expected_version: None, items, notes: vec![], history, outbox: vec![], keeps_summary: None }
    }

    /// The same change, leaving the summary and the status as they were read (see
    /// [`Self::keeps_summary`]).
    pub fn keeping_summary(self) -> Self {
        let read = self.conversation.status;
        ConversationWrite { keeps_summary: Some(read), ..self }
    }
}

/// A new inbound item on a stored conversation whose summary it changes only by
/// [`Conversation::absorb`] (see [`ConversationStore::append`]).
#[derive(Debug, Clone)]
pub struct Append {
    /// The conversation as read (its ids, and the summary the store starts from).
    pub conversation: Conversation,
    pub item: Item,
    /// Its history (`ItemReceived`), written with it.
    pub history: Vec<HistoryEntry>,
    pub activity: Activity,
    /// Written too when the item reopened the conversation (it was closed when applied).
    pub reopened: HistoryEntry,
    /// The item is stored already (an earlier delivery stopped before the summary): only its
    /// activity is applied.
    pub item_stored: bool,
}

/// What an [`Append`] did.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The conversation after it.
    pub conversation: Conversation,
    /// It was closed and is open now.
    pub reopened: bool,
}

/// Which conversations a feed request wants. Built by the domain from tab filters and the
/// caller's permissions; adapters translate it to their query language.
#[derive(Debug, Clone)]
pub struct FeedQuery {
    pub account_id: AccountId,
    pub viewer: UserId,
    /// Only these profiles (already narrowed to what the viewer may see).
    pub profiles: Vec<ProfileId>,
    pub status: Option<Status>,
    pub assignee: Option<AssigneeSelector>,
    pub networks: Vec<Network>,
    pub kinds: Vec<Kind>,
    pub sponsored: Option<bool>,
    /// Seen or unseen for `viewer`.
    pub seen: Option<bool>,
    pub search: crate::search::SearchQuery,
    /// The adapter's own position, from a previous page's `next`.
    pub after: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct FeedEntry {
    pub conversation: Conversation,
    /// When the viewer last marked it seen.
    pub seen_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct FeedPage {
    pub entries: Vec<FeedEntry>,
    /// The adapter's position after the last entry, when there may be more.
    pub next: Option<String>,
}

/// Conversations, their items, notes, history and per-user seen marks.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn get_conversation(&self, account: &AccountId, id: &ConversationId) -> PortResult<Option<Conversation>>;
    async fn find_by_thread(&self, profile: &ProfileId, thread_key: &str) -> PortResult<Option<Conversation>>;
    async fn find_item(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<Item>>;
    async fn get_item(&self, conversation: &ConversationId, id: &ItemId) -> PortResult<Option<Item>>;
    async fn write(&self, write: ConversationWrite) -> PortResult<()>;
    /// Whether `write` enqueues the change's `outbox` atomically with it (see
    /// [`ConversationWrite::outbox`]).
    fn writes_outbox(&self) -> bool {
        false
    }
    /// Whether the store itself sends the notifications and domain events of every change it
    /// commits, derived from the records the change stored ([`crate::fanout::Fanout`]) by its
    /// change stream: then the use cases send only a change's outbound jobs.
    fn derives_fanout(&self) -> bool {
        false
    }
    /// Whether [`Self::append`] applies an item's activity without the version check (a store
    /// where many writers may append to one conversation at once). Else the use case writes
    /// the conversation back against the version it read, as for any change.
    fn appends_commutatively(&self) -> bool {
        false
    }
    /// Stores a new inbound item and applies its [`Activity`] to whatever the conversation is
    /// by then (newest wins, never backwards), in any order and concurrently with other
    /// appends, without a lost race: `AlreadyExists` when the item's platform id is stored
    /// already, `Conflict` when the conversation is gone (the use case looks again).
    async fn append(&self, append: Append) -> PortResult<Appended> {
        let _ = append;
        Err(PortError::Unavailable("this store has no commutative append".into()))
    }
    /// An item found stored when its event came again, needing no change: a store that keeps
    /// something derived from its items beside the conversation (DynamoDB's search signature,
    /// written after the item) makes sure it has this one's, since the first delivery may
    /// have stopped in between. Costs nothing when it has.
    async fn stored_again(&self, conversation: &Conversation, item: &Item) -> PortResult<()> {
        let _ = (conversation, item);
        Ok(())
    }
    async fn items(&self, conversation: &ConversationId) -> PortResult<Vec<Item>>;
    async fn notes(&self, conversation: &ConversationId) -> PortResult<Vec<Note>>;
    async fn history(&self, conversation: &ConversationId) -> PortResult<Vec<HistoryEntry>>;
    /// What is stored of one platform id: the item holding it, a deletion or an edit seen
    /// before it. A store that keeps them together reads them at once (one read per ingested
    /// event instead of three).
    async fn platform_id_state(&self, profile: &ProfileId, platform_id: &str) -> PortResult<PlatformIdState> {
        Ok(PlatformIdState {
            item: self.find_item(profile, platform_id).await?,
            tombstoned: self.is_tombstoned(profile, platform_id).await?,
            early_edit: self.early_edit(profile, platform_id).await?,
            claimed_for: None,
        })
    }

    /// The cached copy of a post the profile's conversations are under.
    async fn get_post(&self, profile: &ProfileId, post_id: &str) -> PortResult<Option<Post>>;
    /// Caches a post (replacing the older copy).
    async fn put_post(&self, profile: &ProfileId, post: &Post) -> PortResult<()>;

    /// Records a platform id deleted before it was seen posted.
    async fn put_tombstone(&self, profile: &ProfileId, platform_id: &str, at: Timestamp) -> PortResult<()>;
    async fn is_tombstoned(&self, profile: &ProfileId, platform_id: &str) -> PortResult<bool>;
    /// Records the text of an edit that arrived before its item (the newest edit wins).
    async fn put_early_edit(&self, profile: &ProfileId, platform_id: &str, text: &str, at: Timestamp) -> PortResult<()>;
    async fn early_edit(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<String>>;
    /// Sets the user's seen mark (never moves it backwards).
    async fn mark_seen(&self, user: &UserId, conversation: &ConversationId, at: Timestamp) -> PortResult<()>;
    async fn seen_at(&self, user: &UserId, conversation: &ConversationId) -> PortResult<Option<Timestamp>>;
    async fn feed(&self, query: &FeedQuery) -> PortResult<FeedPage>;
    /// Outbound DMs of the profile addressed to `recipient` (`Item::dm_recipient`), sent from
    /// any conversation.
    async fn outbound_dms_to(&self, profile: &ProfileId, recipient: &str) -> PortResult<Vec<Item>>;
}
