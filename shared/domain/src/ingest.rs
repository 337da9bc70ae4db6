//! Normalised platform events and the pure rules that apply one to a conversation.
//!
//! Platform adapters turn webhook bodies and poll answers into [`InboundEvent`]s; the ingest
//! use case looks up what is already stored and asks [`plan`] what to change. Every rule of
//! product.md about creation, reopening, echoes, duplicates, edits and deletions lives here.

use crate::model::*;
use serde::{Deserialize, Serialize};

/// Where an event belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRef {
    /// The kind a conversation started by this event gets.
    pub kind: Kind,
    /// One conversation per (profile, thread key).
    pub thread_key: String,
    /// The platform id of the item this one answers, when the network says so. When that item
    /// is stored, the event joins its conversation whatever the thread key says.
    pub parent_platform_id: Option<String>,
}

/// What happened to one item on the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A new comment, reply, mention, tag or message. `direction` is outbound when the profile
    /// itself wrote it (an echo, our own tweet or comment).
    Posted {
        direction: Direction,
        text: String,
        author: Author,
        /// Our own item id when the network echoes metadata we sent (Messenger `metadata`).
        #[serde(default)]
        correlation: Option<String>,
    },
    /// The author edited the text.
    Edited { text: String },
    /// The item was removed on the network.
    Deleted,
}

/// One platform event, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub network: Network,
    /// The network's id of the profile the event was delivered for (Page id, X user id, ...).
    pub profile_external_id: String,
    /// The network's id of the item (comment id, tweet id, message id).
    pub platform_id: String,
    pub thread: ThreadRef,
    /// When it happened on the network (not when it was delivered).
    pub occurred_at: Timestamp,
    pub change: Change,
    /// Came from sponsored content (ads, boosted posts, promoted tweets).
    #[serde(default)]
    pub sponsored: bool,
}

/// What is stored already, as far as one event is concerned.
#[derive(Debug, Clone, Default)]
pub struct Existing<'a> {
    pub conversation: Option<&'a Conversation>,
    pub item: Option<&'a Item>,
    /// Our own pending/sent item named by the event's correlation id, if any.
    pub correlated: Option<&'a Item>,
    /// The network deleted this item before we saw it posted (events arrive out of order).
    pub tombstoned: bool,
}

/// The changes to make for one event. The use case applies them in one store transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing to store: a duplicate, an echo already known, or an event with no conversation.
    Ignore(&'static str),
    /// Create the conversation with its first item.
    Create { conversation: Conversation, item: Item, history: Vec<HistoryEntry> },
    /// Add an item to an existing conversation, updating the conversation.
    Append { conversation: Conversation, item: Item, history: Vec<HistoryEntry> },
    /// Update an item in place (edit, delete, an echo confirming our send).
    UpdateItem { conversation: Conversation, item: Item, history: Vec<HistoryEntry> },
    /// Remember that this platform id was deleted, so that a late "posted" stores nothing.
    Tombstone,
}

const EXCERPT_CHARS: usize = 140;
/// The excerpt of a conversation whose latest message was deleted on the network.
pub const DELETED_EXCERPT: &str = "(deleted on the network)";

/// A short excerpt of a text, cut at a character boundary.
pub fn excerpt(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// Decides what one event changes. Pure: ids and times come from the event and `now`.
pub fn plan(event: &InboundEvent, profile: &Profile, existing: Existing<'_>, now: Timestamp) -> Plan {
    match &event.change {
        Change::Posted { direction, text, author, .. } => {
            if existing.item.is_some() {
                return Plan::Ignore("duplicate delivery: item already stored");
            }
            if existing.tombstoned {
                return Plan::Ignore("posted after its deletion was seen: nothing to show");
            }
            if *direction == Direction::Outbound {
                // Our own message echoed back: confirm the item we stored when sending.
                if let (Some(conv), Some(ours)) = (existing.conversation, existing.correlated) {
                    let mut item = ours.clone();
                    item.platform_id = Some(event.platform_id.clone());
                    item.state = ItemState::Sent;
                    item.failure = None;
                    let mut c = conv.clone();
                    c.version += 1;
                    return Plan::UpdateItem { conversation: c, item, history: vec![] };
                }
                // Made outside the inbox: record it, never open or reopen anything.
                let Some(conv) = existing.conversation else {
                    return Plan::Ignore("our own message in a thread with no conversation");
                };
                let item = new_item(conv, event, Direction::Outbound, text, author, ItemState::Sent);
                let mut c = conv.clone();
                c.version += 1;
                return Plan::Append { conversation: c, item, history: vec![] };
            }
            match existing.conversation {
                None => {
                    let mut conversation = Conversation {
                        id: crate::ConversationId::generate(),
                        account_id: profile.account_id.clone(),
                        profile_id: profile.id.clone(),
                        network: event.network,
                        kind: event.thread.kind,
                        thread_key: event.thread.thread_key.clone(),
                        status: Status::Open,
                        assignee_id: None,
                        sponsored: event.sponsored,
                        last_inbound_at: event.occurred_at,
                        created_at: now,
                        author: author.clone(),
                        excerpt: excerpt(text),
                        thread_owner: None,
                        version: 1,
                    };
                    let item = new_item(&conversation, event, Direction::Inbound, text, author, ItemState::Received);
                    conversation.version = 1;
                    let history = vec![HistoryEntry::new(
                        &conversation.id,
                        now,
                        Actor::System,
                        HistoryAction::Created,
                        serde_json::json!({"platform_id": event.platform_id}),
                    )];
                    Plan::Create { conversation, item, history }
                }
                Some(conv) => {
                    let mut c = conv.clone();
                    c.version += 1;
                    c.sponsored |= event.sponsored;
                    if event.platform_id == c.thread_key {
                        // The thread's first message arrived after a reply to it (deliveries
                        // are unordered): the conversation is theirs.
                        c.author = author.clone();
                    }
                    if event.occurred_at >= c.last_inbound_at {
                        c.last_inbound_at = event.occurred_at;
                        c.excerpt = excerpt(text);
                    }
                    let item = new_item(&c, event, Direction::Inbound, text, author, ItemState::Received);
                    let mut history = vec![HistoryEntry::new(
                        &c.id,
                        now,
                        Actor::System,
                        HistoryAction::ItemReceived,
                        serde_json::json!({"item_id": item.id, "platform_id": event.platform_id}),
                    )];
                    if c.status == Status::Closed {
                        c.status = Status::Open;
                        history.push(HistoryEntry::new(
                            &c.id,
                            now,
                            Actor::System,
                            HistoryAction::Reopened,
                            serde_json::json!({"reason": "new inbound item"}),
                        ));
                    }
                    Plan::Append { conversation: c, item, history }
                }
            }
        }
        Change::Edited { text } => {
            let (Some(conv), Some(old)) = (existing.conversation, existing.item) else {
                return Plan::Ignore("edit of an item that is not stored");
            };
            if old.text == *text && old.edited {
                return Plan::Ignore("duplicate delivery: edit already applied");
            }
            let mut item = old.clone();
            item.text = text.clone();
            item.edited = true;
            let mut c = conv.clone();
            c.version += 1;
            if item.direction == Direction::Inbound && item.created_at >= c.last_inbound_at {
                c.excerpt = excerpt(text);
            }
            let history =
                vec![HistoryEntry::new(&c.id, now, Actor::System, HistoryAction::ItemEdited, serde_json::json!({"item_id": item.id}))];
            Plan::UpdateItem { conversation: c, item, history }
        }
        Change::Deleted => {
            let (Some(conv), Some(old)) = (existing.conversation, existing.item) else {
                return if existing.tombstoned { Plan::Ignore("duplicate delivery: deletion already seen") } else { Plan::Tombstone };
            };
            if old.deleted {
                return Plan::Ignore("duplicate delivery: deletion already applied");
            }
            let mut item = old.clone();
            item.deleted = true;
            let mut c = conv.clone();
            c.version += 1;
            if item.direction == Direction::Inbound && item.created_at >= c.last_inbound_at {
                c.excerpt = DELETED_EXCERPT.to_string();
            }
            let history =
                vec![HistoryEntry::new(&c.id, now, Actor::System, HistoryAction::ItemDeleted, serde_json::json!({"item_id": item.id}))];
            Plan::UpdateItem { conversation: c, item, history }
        }
    }
}

fn new_item(conv: &Conversation, event: &InboundEvent, direction: Direction, text: &str, author: &Author, state: ItemState) -> Item {
    Item {
        id: crate::ItemId::generate(),
        conversation_id: conv.id.clone(),
        direction,
        text: text.to_string(),
        author: author.clone(),
        created_at: event.occurred_at,
        platform_id: Some(event.platform_id.clone()),
        state,
        failure: None,
        deleted: false,
        edited: false,
        action: None,
    }
}
