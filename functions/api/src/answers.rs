//! The envelopes the conversation, account and admin routes answer with, one type each
//! (http-api.md "Shapes"); the integrations' envelopes sit beside their DTOs in
//! `integrations.rs`. No handler answers a `json!` literal: every answer's shape is declared in
//! Rust, where the compiler holds it, and the OpenAPI document's schemas are derived from it
//! (`utoipa::ToSchema`).

use crate::dto::*;
use inbox_domain::tabs::Tab;
use inbox_domain::usecases::ChannelView;
use inbox_domain::*;
use serde::Serialize;

/// A page of a feed (`GET /api/conversations`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedPageAnswer {
    pub conversations: Vec<ConversationDto>,
    /// Send it back as `cursor` for the next page; null on the last one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /api/conversations/{id}/history`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryAnswer {
    pub history: Vec<HistoryDto>,
}

/// `GET /api/conversations/{id}/post`: `ready` (with `post`), `fetching` (ask again shortly),
/// `unavailable` (`post.error` says why) or `none` (not under a post).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OriginalPostAnswer {
    pub status: PostStatus,
    #[schema(required = true)]
    pub post: Option<PostDto>,
}

/// Where a conversation's original post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[derive(utoipa::ToSchema)]
pub enum PostStatus {
    Ready,
    Fetching,
    Unavailable,
    None,
}

/// A reply, like, share or DM stored as pending (202).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ActionAccepted)]
pub struct ActionAnswer {
    pub item: ItemDto,
    pub conversation: ConversationDto,
}

/// `POST /api/conversations/{id}/salesforce-case`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = CaseCreated)]
pub struct CaseAnswer {
    #[schema(required = true)]
    pub case: Option<CaseLink>,
    /// False when the conversation had its Case already (nothing was made twice).
    pub created: bool,
    pub conversation: ConversationDto,
}

/// `GET /api/users` (admins): every user with role and profiles.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UsersAnswer {
    pub users: Vec<User>,
}

/// `GET /api/profiles`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfilesAnswer {
    pub profiles: Vec<ProfileDto>,
}

/// `GET /api/tabs`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TabsAnswer {
    pub tabs: Vec<Tab>,
}

/// `GET /api/notifications`: the newest first, and how many are unread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationsAnswer {
    pub notifications: Vec<Notification>,
    pub unread: usize,
}

/// `POST /api/notifications/{id}/read`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadAnswer {
    pub id: NotificationId,
    pub read: bool,
}

/// `GET /api/channels`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelsAnswer {
    pub channels: Vec<ChannelView>,
}

/// One teammate as every signed-in user sees them (mentions, the assignee picker).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = TeamMember)]
pub struct TeammateDto {
    pub id: UserId,
    pub name: String,
    pub email: EmailAddress,
}

/// `GET /api/team`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TeamAnswer {
    pub users: Vec<TeammateDto>,
}

/// An account's id and name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

/// What the signed-in user may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Permissions {
    pub admin: bool,
    pub inbox_access: bool,
}

/// Which integrations the account has connected (what the page offers).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationFlags {
    pub salesforce: bool,
}

/// `GET /api/me`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Me)]
pub struct MeAnswer {
    pub user: User,
    #[schema(required = true)]
    pub account: Option<AccountRef>,
    /// The profiles the caller may see.
    pub profiles: Vec<ProfileDto>,
    pub permissions: Permissions,
    pub integrations: IntegrationFlags,
}
