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
    /// The network's id of the post (tweet, media, video) the item is under, for comments and
    /// replies: what the conversation shows as its original post.
    #[serde(default)]
    pub post_id: Option<String>,
}

impl ThreadRef {
    /// The same place, under the post `post_id` (when there is one).
    pub fn on_post(mut self, post_id: Option<String>) -> Self {
        self.post_id = post_id.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
        self
    }
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
    /// A Messenger message delivered on the standby channel: a chatbot owns the thread. It is
    /// recorded without opening the conversation.
    Standby { text: String, author: Author },
    /// Messenger thread control moved to `owner_app_id` (a `pass_thread_control` to us, or a
    /// `take_thread_control` by another app).
    ThreadControl { owner_app_id: Option<String> },
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
    /// This inbox's Meta app id, to recognise thread control passed to us.
    pub inbox_app_id: Option<&'a str>,
    /// The text of an edit that arrived before the item itself.
    pub early_edit: Option<&'a str>,
    /// The post a conversation about to be made is under is known to be sponsored (read for
    /// an earlier comment, or our own promoted-only tweet), though the event does not say so.
    pub post_sponsored: bool,
    /// The conversation an earlier delivery of this event claimed its platform id for without
    /// storing its item (a store without transactions, stopped in between).
    pub claimed_for: Option<&'a crate::ConversationId>,
}

/// Whether comments on a network's sponsored content (ads, boosted and dark posts) are
/// ingested (product.md): yes for Facebook, Instagram and X; not for LinkedIn ads.
pub fn sponsored_content_ingested(network: Network) -> bool {
    network != Network::Linkedin
}

/// `thread_owner` when the inbox holds a Messenger thread.
pub const INBOX_OWNER: &str = "inbox";

/// The changes to make for one event. The use case applies them in one store transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Nothing to store: a duplicate, an echo already known, or an event with no conversation.
    Ignore(&'static str),
    /// Create the conversation with its first item.
    Create { conversation: Conversation, item: Item, history: Vec<HistoryEntry> },
    /// Add an item to an existing conversation, updating the conversation. With `activity`,
    /// the conversation changed only by [`Conversation::absorb`] of it: a store may apply it
    /// commutatively instead of against the version read
    /// ([`crate::ports::ConversationStore::append`]).
    Append { conversation: Conversation, item: Item, history: Vec<HistoryEntry>, activity: Option<Activity> },
    /// Update an item in place (edit, delete, an echo confirming our send).
    UpdateItem { conversation: Conversation, item: Item, history: Vec<HistoryEntry> },
    /// Remember that this platform id was deleted, so that a late "posted" stores nothing.
    Tombstone,
    /// Remember an edit of an item not seen yet, so that the late "posted" shows the new text.
    RememberEdit(String),
    /// Apply a stored item's activity to its conversation, which does not show it yet (see
    /// [`redelivered`]): the conversation changed by [`Conversation::absorb`] only.
    Absorb { conversation: Conversation, item: Item, activity: Activity },
    /// Change the conversation only (thread control).
    Update { conversation: Conversation, history: Vec<HistoryEntry> },
    /// Remember our own sponsored post (a promoted-only tweet), so that the replies to it are
    /// sponsored: X's webhook says it of our tweet, never of the replies.
    RememberSponsoredPost(Post),
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
            if let Some(item) = existing.item {
                return redelivered(event, item, existing.conversation, *direction == Direction::Inbound, now);
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
                    if event.sponsored {
                        return Plan::RememberSponsoredPost(Post {
                            text: text.clone(),
                            author_name: Some(author.name.clone()).filter(|n| !n.is_empty()),
                            created_at: Some(event.occurred_at),
                            sponsored: Some(true),
                            ..Post::unavailable(&event.platform_id, event.network, now, None)
                        });
                    }
                    return Plan::Ignore("our own message in a thread with no conversation");
                };
                let item = new_item(conv, event, Direction::Outbound, text, author, ItemState::Sent);
                let mut c = conv.clone();
                c.version += 1;
                // Our promoted tweet, arriving after replies threaded on it.
                c.sponsored |= event.sponsored;
                return Plan::Append { conversation: c, item, history: vec![], activity: None };
            }
            // An edit that overtook its comment: show the edited text.
            let early = existing.early_edit.map(String::from);
            let (text, edited) = match &early {
                Some(t) => (t, true),
                None => (text, false),
            };
            match existing.conversation {
                None => {
                    let mut conversation = new_conversation(event, profile, author, text, now);
                    conversation.sponsored |= existing.post_sponsored;
                    let mut item = new_item(&conversation, event, Direction::Inbound, text, author, ItemState::Received);
                    item.edited = edited;
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
                    let activity = Activity {
                        occurred_at: event.occurred_at,
                        received_at: now,
                        excerpt: excerpt(text),
                        sponsored: event.sponsored,
                        reopens: true,
                    };
                    c.absorb(&activity);
                    // Beyond the summary, rarely: the first comment under a post names it;
                    // the thread's first message arrived after a reply to it (deliveries are
                    // unordered), so the conversation is theirs. Those are written against
                    // the version read.
                    let mut summary_only = true;
                    if c.post_id.is_none() && event.thread.post_id.is_some() {
                        c.post_id = event.thread.post_id.clone();
                        summary_only = false;
                    }
                    if event.platform_id == c.thread_key && c.author != *author {
                        c.author = author.clone();
                        summary_only = false;
                    }
                    let mut item = new_item(&c, event, Direction::Inbound, text, author, ItemState::Received);
                    item.edited = edited;
                    let (action, details) = if made_by_this_event(conv, profile, event, &existing, &activity.excerpt, author) {
                        (HistoryAction::Created, serde_json::json!({"platform_id": event.platform_id}))
                    } else {
                        (HistoryAction::ItemReceived, serde_json::json!({"item_id": item.id, "platform_id": event.platform_id}))
                    };
                    let mut history = vec![HistoryEntry::new(&c.id, now, Actor::System, action, details)];
                    if conv.status == Status::Closed {
                        history.push(reopened_entry(&c.id, now));
                    }
                    Plan::Append { conversation: c, item, history, activity: summary_only.then_some(activity) }
                }
            }
        }
        Change::Standby { text, author } => {
            if let Some(item) = existing.item {
                return redelivered(event, item, existing.conversation, false, now);
            }
            match existing.conversation {
                None => {
                    // The bot holds the thread: keep the message, but out of the open feeds.
                    let mut conversation = new_conversation(event, profile, author, text, now);
                    conversation.status = Status::Closed;
                    conversation.thread_owner = profile.bot_app_id.clone();
                    let item = new_item(&conversation, event, Direction::Inbound, text, author, ItemState::Received);
                    let history = vec![HistoryEntry::new(
                        &conversation.id,
                        now,
                        Actor::System,
                        HistoryAction::Created,
                        serde_json::json!({"platform_id": event.platform_id, "standby": true}),
                    )];
                    Plan::Create { conversation, item, history }
                }
                Some(conv) => {
                    let mut c = conv.clone();
                    let activity = Activity {
                        occurred_at: event.occurred_at,
                        received_at: now,
                        excerpt: excerpt(text),
                        sponsored: false,
                        reopens: false,
                    };
                    c.absorb(&activity);
                    let item = new_item(&c, event, Direction::Inbound, text, author, ItemState::Received);
                    let (action, details) = if made_by_this_event(conv, profile, event, &existing, &activity.excerpt, author) {
                        (HistoryAction::Created, serde_json::json!({"platform_id": event.platform_id, "standby": true}))
                    } else {
                        (
                            HistoryAction::ItemReceived,
                            serde_json::json!({"item_id": item.id, "platform_id": event.platform_id, "standby": true}),
                        )
                    };
                    let history = vec![HistoryEntry::new(&c.id, now, Actor::System, action, details)];
                    Plan::Append { conversation: c, item, history, activity: Some(activity) }
                }
            }
        }
        Change::ThreadControl { owner_app_id } => {
            let Some(conv) = existing.conversation else {
                return Plan::Ignore("thread control for a thread with no conversation");
            };
            let ours = owner_app_id.is_some() && owner_app_id.as_deref() == existing.inbox_app_id;
            let owner = if ours { Some(INBOX_OWNER.to_string()) } else { owner_app_id.clone() };
            if conv.thread_owner == owner {
                return Plan::Ignore("thread control unchanged");
            }
            let mut c = conv.clone();
            c.version += 1;
            c.thread_owner = owner.clone();
            let mut history = vec![HistoryEntry::new(
                &c.id,
                now,
                Actor::System,
                HistoryAction::HandoverChanged,
                serde_json::json!({"thread_owner": owner}),
            )];
            if ours && c.status == Status::Closed {
                c.status = Status::Open;
                history.push(HistoryEntry::new(
                    &c.id,
                    now,
                    Actor::System,
                    HistoryAction::Reopened,
                    serde_json::json!({"reason": "thread control passed to the inbox"}),
                ));
            }
            Plan::Update { conversation: c, history }
        }
        Change::Edited { text } => {
            let (Some(conv), Some(old)) = (existing.conversation, existing.item) else {
                return Plan::RememberEdit(text.clone());
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

/// A new item delivered again, stored already: nothing to do, unless the conversation does not
/// show it (a store that writes an item, then its conversation's summary, stopped between the
/// two: the delivery came back because it failed). Then its activity is applied now. A store
/// that writes both at once never shows that.
fn redelivered(event: &InboundEvent, item: &Item, conversation: Option<&Conversation>, reopens: bool, now: Timestamp) -> Plan {
    match conversation {
        Some(c) if item.direction == Direction::Inbound && !item.deleted && item.created_at > c.last_inbound_at => {
            let activity = Activity {
                occurred_at: item.created_at,
                received_at: now,
                excerpt: excerpt(&item.text),
                sponsored: event.sponsored,
                reopens,
            };
            let mut after = c.clone();
            after.absorb(&activity);
            Plan::Absorb { conversation: after, item: item.clone(), activity }
        }
        _ => Plan::Ignore("duplicate delivery: item already stored"),
    }
}

/// The history entry of a conversation reopened by a new inbound item.
pub fn reopened_entry(id: &crate::ConversationId, now: Timestamp) -> HistoryEntry {
    HistoryEntry::new(id, now, Actor::System, HistoryAction::Reopened, serde_json::json!({"reason": "new inbound item"}))
}

/// Whether `conv` is the conversation this very event made, left without its item: its claim
/// names it (`Existing::claimed_for`), at its first version, from this event's summary. A
/// store that makes a conversation and then its item (DynamoDB, no transaction) was stopped in
/// between; the item is then written with the creation's history, so the creation is recorded
/// and told, once.
fn made_by_this_event(
    conv: &Conversation,
    profile: &Profile,
    event: &InboundEvent,
    existing: &Existing<'_>,
    excerpt: &str,
    author: &Author,
) -> bool {
    conv.version == 1
        && existing.claimed_for == Some(&conv.id)
        && conv.id.is_for_thread(&profile.id, &event.thread.thread_key)
        && (conv.last_inbound_at, conv.excerpt.as_str(), &conv.author) == (event.occurred_at, excerpt, author)
}

fn new_conversation(event: &InboundEvent, profile: &Profile, author: &Author, text: &str, now: Timestamp) -> Conversation {
    Conversation {
        id: crate::ConversationId::for_thread(&profile.id, &event.thread.thread_key),
        account_id: profile.account_id.clone(),
        profile_id: profile.id.clone(),
        network: event.network,
        kind: event.thread.kind,
        thread_key: event.thread.thread_key.clone(),
        status: Status::Open,
        assignee_id: None,
        sponsored: event.sponsored,
        last_inbound_at: event.occurred_at,
        last_received_at: Some(crate::model::to_micros(now)),
        created_at: now,
        author: author.clone(),
        excerpt: excerpt(text),
        thread_owner: None,
        version: 1,
        salesforce_case: None,
        post_id: event.thread.post_id.clone(),
    }
}

fn new_item(conv: &Conversation, event: &InboundEvent, direction: Direction, text: &str, author: &Author, state: ItemState) -> Item {
    Item {
        id: crate::ItemId::for_platform(&conv.profile_id, &event.platform_id),
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
        target: None,
        dm_recipient: None,
        retry: None,
    }
}

#[cfg(test)]
mod tests;
