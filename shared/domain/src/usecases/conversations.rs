//! Reading and changing conversations as a user: the feed, one conversation, seen marks,
//! status, assignment, notes.

use super::deps::{Deps, Viewer, visible_conversation};
use super::engine::{Mutation, mutate};
use crate::access::{self, available_actions};
use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::ingest;
use crate::messages::*;
use crate::model::*;
use crate::ports::*;
use crate::search::SearchQuery;
use crate::tabs::Filters;
use serde::Serialize;

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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
pub async fn get_conversation(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<ConversationDetail> {
    let c = visible_conversation(deps, viewer, id).await?;
    let seen_at = deps.conversations.seen_at(&viewer.user.id, &c.id).await?;
    let items = deps.conversations.items(&c.id).await?;
    let notes = deps.conversations.notes(&c.id).await?;
    Ok(ConversationDetail { view: ConversationView::new(c, seen_at), items, notes })
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
pub async fn history(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<Vec<HistoryEntry>> {
    let c = visible_conversation(deps, viewer, id).await?;
    Ok(deps.conversations.history(&c.id).await?)
}

/// Marks a conversation seen for the caller, as of the inbound activity it has received: the
/// mark is the activity the caller saw, not the wall clock, so that anything the inbox receives
/// later (whenever the network says it was written: webhook lag, a retry, a poll) makes it
/// unseen.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
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

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
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
        }
        Ok(m)
    })
    .await
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
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

pub(in crate::usecases) fn apply_assignment(c: &mut Conversation, target: Option<UserId>, actor: &Actor, now: Timestamp, m: &mut Mutation) {
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
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
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
        m.notes.push(note);
        Ok(m)
    })
    .await?;
    let notes = deps.conversations.notes(&conv.id).await?;
    notes.into_iter().find(|n| n.id == note_id).ok_or(DomainError::NotFound("note"))
}
