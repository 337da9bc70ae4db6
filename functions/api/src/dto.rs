//! Answer shapes the clients rely on (http-api.md "Shapes").

use inbox_domain::usecases::{ConversationDetail, ConversationView};
use inbox_domain::*;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Conversation)]
pub struct ConversationDto {
    /// Conversation id.
    pub id: ConversationId,
    pub network: Network,
    pub kind: Kind,
    /// The profile the conversation belongs to.
    pub profile_id: ProfileId,
    pub status: Status,
    #[schema(required = true)]
    pub assignee_id: Option<UserId>,
    /// Seen by the caller since the inbox received its newest inbound activity.
    pub seen: bool,
    pub sponsored: bool,
    /// The network's time of the newest inbound message (shown).
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub last_activity_at: Timestamp,
    /// When the inbox received the newest inbound activity: orders feeds, decides `seen`.
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub received_at: Timestamp,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
    pub author: Author,
    pub excerpt: String,
    pub available_actions: Vec<Action>,
    /// Messenger handover: the app id that owns the thread, when known.
    #[schema(required = true)]
    pub thread_owner: Option<String>,
    /// Send it back as `version` to refuse a change if someone else changed it meanwhile.
    pub version: u64,
    /// The Salesforce Case made from it (`id`, `url`, `created_at`), or null.
    #[schema(required = true)]
    pub salesforce_case: Option<CaseLink>,
    /// The network's id of the post it is under (comments, replies), or null; the post itself
    /// is at `/api/conversations/{id}/post`.
    #[schema(required = true)]
    pub post_id: Option<String>,
}

impl From<ConversationView> for ConversationDto {
    fn from(v: ConversationView) -> Self {
        let c = v.conversation;
        let received_at = c.activity_at();
        Self {
            id: c.id,
            network: c.network,
            kind: c.kind,
            profile_id: c.profile_id,
            status: c.status,
            assignee_id: c.assignee_id,
            seen: v.seen,
            sponsored: c.sponsored,
            last_activity_at: c.last_inbound_at,
            received_at,
            created_at: c.created_at,
            author: c.author,
            excerpt: c.excerpt,
            available_actions: v.available_actions,
            thread_owner: c.thread_owner,
            version: c.version,
            salesforce_case: c.salesforce_case,
            post_id: c.post_id,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Item)]
pub struct ItemDto {
    pub id: ItemId,
    pub direction: Direction,
    pub text: String,
    pub author: Author,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
    /// The network's id, once known.
    #[schema(required = true)]
    pub platform_id: Option<String>,
    pub state: ItemState,
    /// Why an outbound item failed, in words; while it is retried (`retry`), why the last try
    /// failed.
    #[schema(required = true)]
    pub failure: Option<String>,
    pub deleted: bool,
    pub edited: bool,
    /// Which action produced an outbound item.
    #[schema(required = true)]
    pub action: Option<Action>,
    /// An outbound item the network could not take yet: the tries that failed and when the
    /// next is due (`failure` says why the last one failed); null otherwise.
    #[schema(required = true)]
    pub retry: Option<Retry>,
}

impl From<Item> for ItemDto {
    fn from(i: Item) -> Self {
        Self {
            id: i.id,
            direction: i.direction,
            text: i.text,
            author: i.author,
            created_at: i.created_at,
            platform_id: i.platform_id,
            state: i.state,
            failure: i.failure,
            deleted: i.deleted,
            edited: i.edited,
            action: i.action,
            retry: i.retry,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Note)]
pub struct NoteDto {
    pub id: NoteId,
    pub author_id: UserId,
    pub text: String,
    /// Users the note mentions, in order of appearance.
    pub mentions: Vec<UserId>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
}

impl From<Note> for NoteDto {
    fn from(n: Note) -> Self {
        Self { id: n.id, author_id: n.author_id, text: n.text, mentions: n.mentions, created_at: n.created_at }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ConversationDetail)]
pub struct DetailDto {
    #[serde(flatten)]
    pub conversation: ConversationDto,
    pub items: Vec<ItemDto>,
    pub notes: Vec<NoteDto>,
}

impl From<ConversationDetail> for DetailDto {
    fn from(d: ConversationDetail) -> Self {
        Self {
            conversation: d.view.into(),
            items: d.items.into_iter().map(Into::into).collect(),
            notes: d.notes.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HistoryEntry)]
pub struct HistoryDto {
    pub id: HistoryId,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub at: Timestamp,
    /// A user id, or `system`.
    pub actor: Actor,
    pub action: HistoryAction,
    /// Action-specific details (item_id, assignee_id, ...).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<HistoryEntry> for HistoryDto {
    fn from(h: HistoryEntry) -> Self {
        Self { id: h.id, at: h.at, actor: h.actor, action: h.action, details: h.details }
    }
}

/// A profile without its credentials.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Profile)]
pub struct ProfileDto {
    pub id: ProfileId,
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    /// Whether the profile has an access token.
    pub connected: bool,
    /// When the access token expires, when known.
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub token_expires_at: Option<Timestamp>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub created_at: Timestamp,
}

impl From<&Profile> for ProfileDto {
    fn from(p: &Profile) -> Self {
        Self {
            id: p.id.clone(),
            network: p.network,
            external_id: p.external_id.clone(),
            name: p.name.clone(),
            handle: p.handle.clone(),
            connected: p.credentials.access_token.is_some(),
            token_expires_at: p.credentials.expires_at,
            created_at: p.created_at,
        }
    }
}

/// A conversation's original post (`GET /api/conversations/{id}/post`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Post)]
pub struct PostDto {
    pub id: String,
    pub network: Network,
    pub text: String,
    #[schema(required = true)]
    pub author_name: Option<String>,
    #[schema(required = true)]
    pub permalink: Option<String>,
    /// A picture of the post (its image or a video's thumbnail).
    #[schema(required = true)]
    pub media_url: Option<String>,
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>, required = true)]
    pub created_at: Option<Timestamp>,
    /// Whether the network says the post is sponsored; null when it does not say.
    #[schema(required = true)]
    pub sponsored: Option<bool>,
    #[schema(value_type = inbox_domain::openapi::TimestampSchema)]
    pub fetched_at: Timestamp,
    /// Why the post could not be fetched, when it could not.
    #[schema(required = true)]
    pub error: Option<String>,
}

impl From<Post> for PostDto {
    fn from(p: Post) -> Self {
        Self {
            id: p.id,
            network: p.network,
            text: p.text,
            author_name: p.author_name,
            permalink: p.permalink,
            media_url: p.media_url,
            created_at: p.created_at,
            sponsored: p.sponsored,
            fetched_at: p.fetched_at,
            error: p.error,
        }
    }
}
