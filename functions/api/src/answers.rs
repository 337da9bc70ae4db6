//! The envelopes the conversation, account and admin routes answer with, one type each
//! (http-api.md "Shapes"); the integrations' envelopes sit beside their DTOs in
//! `integrations.rs`. No handler answers a `json!` literal: every answer's shape is declared in
//! Rust, where the compiler holds it. (The OpenAPI document is still written by hand and checked
//! against the answers by schemathesis; generating it from these types is what is left of #11.)

use crate::dto::*;
use inbox_domain::tabs::Tab;
use inbox_domain::usecases::ChannelView;
use inbox_domain::*;
use serde::Serialize;

/// A page of a feed (`GET /api/conversations`).
#[derive(Debug, Serialize)]
pub struct FeedPageAnswer {
    pub conversations: Vec<ConversationDto>,
    /// Send it back as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

/// `GET /api/conversations/{id}/history`.
#[derive(Debug, Serialize)]
pub struct HistoryAnswer {
    pub history: Vec<HistoryDto>,
}

/// `GET /api/conversations/{id}/post`: `ready` (with `post`), `fetching` (ask again shortly),
/// `unavailable` (`post.error` says why) or `none` (not under a post).
#[derive(Debug, Serialize)]
pub struct OriginalPostAnswer {
    pub status: PostStatus,
    pub post: Option<PostDto>,
}

/// Where a conversation's original post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PostStatus {
    Ready,
    Fetching,
    Unavailable,
    None,
}

/// A reply, like, share or DM stored as pending (202).
#[derive(Debug, Serialize)]
pub struct ActionAnswer {
    pub item: ItemDto,
    pub conversation: ConversationDto,
}

/// `POST /api/conversations/{id}/salesforce-case`.
#[derive(Debug, Serialize)]
pub struct CaseAnswer {
    pub case: Option<CaseLink>,
    pub created: bool,
    pub conversation: ConversationDto,
}

/// `GET /api/users` (admins): every user with role and profiles.
#[derive(Debug, Serialize)]
pub struct UsersAnswer {
    pub users: Vec<User>,
}

/// `GET /api/profiles`.
#[derive(Debug, Serialize)]
pub struct ProfilesAnswer {
    pub profiles: Vec<ProfileDto>,
}

/// `GET /api/tabs`.
#[derive(Debug, Serialize)]
pub struct TabsAnswer {
    pub tabs: Vec<Tab>,
}

/// `GET /api/notifications`: the newest first, and how many are unread.
#[derive(Debug, Serialize)]
pub struct NotificationsAnswer {
    pub notifications: Vec<Notification>,
    pub unread: usize,
}

/// `POST /api/notifications/{id}/read`.
#[derive(Debug, Serialize)]
pub struct ReadAnswer {
    pub id: NotificationId,
    pub read: bool,
}

/// `GET /api/channels`.
#[derive(Debug, Serialize)]
pub struct ChannelsAnswer {
    pub channels: Vec<ChannelView>,
}

/// One teammate as every signed-in user sees them (mentions, the assignee picker).
#[derive(Debug, Serialize)]
pub struct TeammateDto {
    pub id: UserId,
    pub name: String,
    pub email: EmailAddress,
}

/// `GET /api/team`.
#[derive(Debug, Serialize)]
pub struct TeamAnswer {
    pub users: Vec<TeammateDto>,
}

/// An account's id and name.
#[derive(Debug, Serialize)]
pub struct AccountRef {
    pub id: AccountId,
    pub name: String,
}

/// What the signed-in user may do.
#[derive(Debug, Serialize)]
pub struct Permissions {
    pub admin: bool,
    pub inbox_access: bool,
}

/// Which integrations the account has connected (what the page offers).
#[derive(Debug, Serialize)]
pub struct IntegrationFlags {
    pub salesforce: bool,
}

/// `GET /api/me`.
#[derive(Debug, Serialize)]
pub struct MeAnswer {
    pub user: User,
    pub account: Option<AccountRef>,
    pub profiles: Vec<ProfileDto>,
    pub permissions: Permissions,
    pub integrations: IntegrationFlags,
}
