//! The entities of the inbox and their wire names.

use crate::ids::*;
pub use crate::secrets::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub type Timestamp = DateTime<Utc>;

fn yes() -> bool {
    true
}

macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// A social network.
    Network { Twitter = "twitter", Facebook = "facebook", Instagram = "instagram", Linkedin = "linkedin", Youtube = "youtube" }
);
impl Network {
    /// The network as people name it.
    pub fn label(self) -> &'static str {
        match self {
            Network::Facebook => "Facebook",
            Network::Instagram => "Instagram",
            Network::Twitter => "X",
            Network::Linkedin => "LinkedIn",
            Network::Youtube => "YouTube",
        }
    }
}

wire_enum!(
    /// What started a conversation.
    Kind { Mention = "mention", Reply = "reply", Comment = "comment", Tag = "tag", Dm = "dm" }
);
wire_enum!(Status { Open = "open", Closed = "closed" });
wire_enum!(Direction { Inbound = "inbound", Outbound = "outbound" });
wire_enum!(Role { Admin = "admin", Member = "member" });
wire_enum!(
    /// An engagement action on a conversation.
    Action { Reply = "reply", Like = "like", Share = "share", Dm = "dm" }
);
wire_enum!(
    /// Delivery state of an item: inbound items are `received`; outbound ones go
    /// `pending` -> `sent` | `failed`.
    ItemState { Received = "received", Pending = "pending", Sent = "sent", Failed = "failed" }
);
wire_enum!(
    /// Whether a profile's credentials still work.
    TokenState { Valid = "valid", Expiring = "expiring", NeedsReconnection = "needs_reconnection" }
);
wire_enum!(
    /// What a presence is on its network (a channel one sign-in may connect).
    PresenceKind { Page = "page", InstagramAccount = "instagram_account", Organization = "organization", User = "user", Channel = "channel" }
);
wire_enum!(
    /// Why someone is notified; `webhook_disabled` tells admins that an outbound webhook
    /// subscription kept failing and was turned off.
    NotificationType {
        Assigned = "assigned",
        Reassigned = "reassigned",
        Note = "note",
        StatusChanged = "status_changed",
        Mentioned = "mentioned",
        WebhookDisabled = "webhook_disabled",
        ChannelNeedsReconnection = "channel_needs_reconnection",
        ChannelExpiring = "channel_expiring"
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub created_at: Timestamp,
}

/// An email address as the inbox keeps it: trimmed, lower-cased, of a plausible form (a local
/// part, one `@`, a domain of two or more non-empty labels, no spaces, at most 254 bytes). Made from what a person typed
/// with [`EmailAddress::parse`]; `From` and `Deserialize` are for a trusted one (read back from
/// a store, a constant) and check nothing: API bodies take a `String` and parse it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailAddress(String);

impl EmailAddress {
    /// The address `input` names, or why it is not one (in words, quoting it).
    pub fn parse(input: &str) -> Result<Self, String> {
        let e = input.trim().to_lowercase();
        let valid = e.len() <= 254
            && e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && d.split('.').all(|label| !label.is_empty()))
            && e.matches('@').count() == 1
            && !e.chars().any(char::is_whitespace);
        if valid { Ok(Self(e)) } else { Err(format!("\"{}\" is not an email address", input.trim())) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for EmailAddress {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for EmailAddress {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl PartialEq<&str> for EmailAddress {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub name: String,
    pub email: EmailAddress,
    pub role: Role,
    pub inbox_access: bool,
    /// Whether notifications are also sent by email (in-app ones always are).
    #[serde(default = "yes")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub email_notifications: bool,
    /// The profiles this user may see. Admins see every profile of the account.
    pub profile_ids: BTreeSet<ProfileId>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: ProfileId,
    pub account_id: AccountId,
    pub network: Network,
    /// The network's id of the page/account/channel.
    pub external_id: String,
    pub name: String,
    pub handle: String,
    #[serde(default)]
    pub credentials: Credentials,
    /// Messenger handover: the app id of the chatbot that is the Primary Receiver, if any.
    /// Closing a conversation passes thread control back to it.
    #[serde(default)]
    pub bot_app_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Author {
    /// The network's id of the person.
    pub id: String,
    pub name: String,
    pub handle: String,
}

/// Who did something: a user, or the system itself (ingestion, rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    System,
    User(UserId),
}

impl Actor {
    pub fn as_str(&self) -> &str {
        match self {
            Actor::System => "system",
            Actor::User(u) => u.as_str(),
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "system" { Actor::System } else { Actor::User(UserId::from(s)) }
    }
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Actor::System => None,
            Actor::User(u) => Some(u),
        }
    }
}

/// In the OpenAPI document: `system` or a user id, as it is serialised.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Actor {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("`system`, or the id of the user who acted."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Actor {}

impl Serialize for Actor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Actor::parse(&String::deserialize(d)?))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: ConversationId,
    pub account_id: AccountId,
    pub profile_id: ProfileId,
    pub network: Network,
    pub kind: Kind,
    /// One conversation per (profile, thread key); see product.md "What creates a conversation".
    pub thread_key: String,
    pub status: Status,
    pub assignee_id: Option<UserId>,
    pub sponsored: bool,
    /// The network's time of the newest inbound item (shown to people).
    pub last_inbound_at: Timestamp,
    /// When the inbox received the newest inbound activity (strictly later for each new item,
    /// see [`Conversation::received`]); `None` in records made before it was kept. Feeds are
    /// ordered, and "seen" decided, by [`Conversation::activity_at`], which reads it.
    #[serde(default)]
    pub last_received_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub author: Author,
    pub excerpt: String,
    /// Messenger handover: the app id that owns the thread, when known.
    pub thread_owner: Option<String>,
    /// Optimistic-concurrency version, bumped on every change.
    pub version: u64,
    /// The Salesforce Case made from this conversation, once there is one.
    #[serde(default)]
    pub salesforce_case: Option<CaseLink>,
    /// The network's id of the post (tweet, media, video) a comment or reply is under.
    #[serde(default)]
    pub post_id: Option<String>,
}

impl Conversation {
    /// What orders feeds and decides "seen": when the inbox received the newest inbound
    /// activity. A comment written an hour ago but delivered now (a network's retry, a poll)
    /// is new to the people working the inbox, so it goes to the top, unseen. Older records
    /// fall back to the network's time.
    pub fn activity_at(&self) -> Timestamp {
        self.last_received_at.unwrap_or(self.last_inbound_at)
    }

    /// Notes a new inbound item received at `now`: the activity time moves to `now`, and always
    /// forward (at least a microsecond past the previous one), so that a user's seen mark from
    /// before it never covers it, even within one clock tick.
    pub fn received(&mut self, now: Timestamp) {
        let floor = self.activity_at() + chrono::Duration::microseconds(1);
        self.last_received_at = Some(to_micros(now).max(floor));
    }

    /// What a new inbound item does to the conversation's summary (see [`Activity`]). The one
    /// rule every store applies, whichever order items arrive in.
    pub fn absorb(&mut self, a: &Activity) {
        self.version += 1;
        self.sponsored |= a.sponsored;
        if a.occurred_at >= self.last_inbound_at {
            self.last_inbound_at = a.occurred_at;
            self.excerpt = a.excerpt.clone();
        }
        self.received(a.received_at);
        if a.reopens && self.status == Status::Closed {
            self.status = Status::Open;
        }
    }
}

/// What one new inbound item changes of its conversation: the newest network time and its
/// excerpt (newest wins), the activity time (always forward), sponsored (once true, true) and,
/// for an item that reopens, the status. Each is a maximum or an "or", so items applied in any
/// order, concurrently, leave the same summary: a store may apply it with one conditional
/// update instead of reading the conversation and writing it back
/// ([`crate::ports::ConversationStore::append`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub occurred_at: Timestamp,
    pub received_at: Timestamp,
    pub excerpt: String,
    pub sponsored: bool,
    /// A closed conversation opens again (a new inbound message; not one the bot holds).
    pub reopens: bool,
}

/// `t` to the microsecond (what the stores keep of times they compare: a seen mark taken from
/// an activity time must compare equal to it once stored).
pub fn to_micros(t: Timestamp) -> Timestamp {
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The post a comment conversation is under, as its network showed it when last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The network's id of the post (Page post, Instagram media, tweet, LinkedIn URN, video).
    pub id: String,
    pub network: Network,
    pub text: String,
    pub author_name: Option<String>,
    pub permalink: Option<String>,
    /// A picture of the post (its image, or a video's thumbnail), when it has one.
    pub media_url: Option<String>,
    pub created_at: Option<Timestamp>,
    /// Whether the network says the post is sponsored (boosted, an ad, a dark post); `None`
    /// when it does not say.
    pub sponsored: Option<bool>,
    pub fetched_at: Timestamp,
    /// Why the post could not be fetched, in words, when it could not and nothing older is
    /// known.
    #[serde(default)]
    pub error: Option<String>,
    /// A placeholder: the read was asked for at `fetched_at` and has not answered yet.
    #[serde(default)]
    pub pending: bool,
    /// A refresh of this copy was refused: the network is not asked again before then.
    #[serde(default)]
    pub retry_after: Option<Timestamp>,
}

impl Post {
    /// Whether the cached copy is the only record of what it says, to be kept for as long as
    /// replies may come: our promoted tweet (X never marks the replies sponsored). Any other
    /// copy can be read again, and a store may let it expire.
    pub fn is_only_record(&self) -> bool {
        self.network == Network::Twitter && self.sponsored == Some(true)
    }

    /// A post with nothing known of it but its id (and why, when its read failed).
    pub fn unavailable(id: &str, network: Network, at: Timestamp, error: Option<String>) -> Self {
        Post {
            id: id.to_string(),
            network,
            text: String::new(),
            author_name: None,
            permalink: None,
            media_url: None,
            created_at: None,
            sponsored: None,
            fetched_at: at,
            error,
            pending: false,
            retry_after: None,
        }
    }
}

/// A Salesforce Case made from a conversation: its id and where to open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = SalesforceCase))]
pub struct CaseLink {
    /// The Case id.
    pub id: String,
    /// Where the Case opens in Salesforce.
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub conversation_id: ConversationId,
    pub direction: Direction,
    pub text: String,
    pub author: Author,
    pub created_at: Timestamp,
    /// The network's id; unique per profile once known.
    pub platform_id: Option<String>,
    pub state: ItemState,
    /// Why an outbound item failed, in words.
    pub failure: Option<String>,
    pub deleted: bool,
    pub edited: bool,
    /// Which action produced an outbound item.
    pub action: Option<Action>,
    /// The platform id an outbound action answers, likes or shares.
    #[serde(default)]
    pub target: Option<String>,
    /// For a DM we sent: the network's id of the person it went to (an X user id, a PSID), so
    /// that their answer's conversation can show it.
    #[serde(default)]
    pub dm_recipient: Option<String>,
    /// An outbound item the network could not take yet: the tries that failed and when the next
    /// one is due (`failure` says why the last one failed). It stays `pending` meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
}

/// The retries of an outbound item (see [`crate::retry`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retry {
    /// Tries that failed so far.
    pub attempts: u32,
    /// When the next try is due.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub next_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub conversation_id: ConversationId,
    pub author_id: UserId,
    pub text: String,
    pub mentions: Vec<UserId>,
    pub created_at: Timestamp,
}

wire_enum!(
    /// What a history entry records.
    HistoryAction {
        Created = "created",
        ItemReceived = "item_received",
        ItemEdited = "item_edited",
        ItemDeleted = "item_deleted",
        Reopened = "reopened",
        Closed = "closed",
        Assigned = "assigned",
        Unassigned = "unassigned",
        Replied = "replied",
        Liked = "liked",
        Shared = "shared",
        DmSent = "dm_sent",
        NoteAdded = "note_added",
        CaseCreated = "case_created",
        HandoverChanged = "handover_changed"
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: HistoryId,
    pub conversation_id: ConversationId,
    pub at: Timestamp,
    pub actor: Actor,
    pub action: HistoryAction,
    pub details: serde_json::Value,
}

impl HistoryEntry {
    pub fn new(conversation_id: &ConversationId, at: Timestamp, actor: Actor, action: HistoryAction, details: serde_json::Value) -> Self {
        Self { id: HistoryId::generate(), conversation_id: conversation_id.clone(), at, actor, action, details }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: NotificationId,
    pub account_id: AccountId,
    pub user_id: UserId,
    #[serde(rename = "type")]
    pub kind: NotificationType,
    /// The conversation it is about (none for a channel's sign-in).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub conversation_id: Option<ConversationId>,
    /// The channel it is about, for a channel's sign-in (renewal refused, expiring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<ProfileId>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor_id: Option<UserId>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub created_at: Timestamp,
    pub read: bool,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::EmailAddress;

    #[test]
    fn an_email_address_is_trimmed_lower_cased_and_of_a_plausible_form() {
        assert_eq!(EmailAddress::parse("  Ann@Example.COM ").unwrap(), "ann@example.com");
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@example",
            "ann@.example.com",
            "ann@example.com.",
            "a nn@example.com",
            "a@b@example.com",
            "ann@x..com",
        ] {
            let why = EmailAddress::parse(bad).unwrap_err();
            assert!(why.contains("is not an email address"), "{bad:?}: {why}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err(), "at most 254 bytes");
    }
}
