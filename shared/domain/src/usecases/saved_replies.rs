//! An account's saved replies (`crate::saved_replies`): listed and found by anyone of the
//! account, filled in for a conversation they can see; written by anyone with inbox access,
//! changed or removed by their author or an admin.

use super::deps::{Deps, Viewer, visible_conversation};
use super::engine::MAX_ATTEMPTS;
use crate::access;
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::model::Action;
use crate::saved_replies::{self, Fill, SavedReply};

/// A saved reply as the reply box shows it: filled in for one conversation, and whether it
/// fits what the network takes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filled {
    /// The text with its placeholders filled for the conversation and the caller.
    pub text: String,
    /// Its length in characters, and the most the network takes in the action.
    pub chars: usize,
    pub limit: usize,
    pub fits: bool,
    /// Placeholders that had nothing to fill them with for this author (no name, no handle):
    /// the text reads oddly where they were.
    pub empty: Vec<String>,
}

/// The account's saved replies that `query` finds (the search language over title and text),
/// by title; each filled in for `conversation` (one the caller can see) when one is given.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_saved_replies(
    deps: &Deps,
    viewer: &Viewer,
    query: &str,
    conversation: Option<(&ConversationId, Action)>,
) -> DomainResult<Vec<(SavedReply, Option<Filled>)>> {
    let fill_for = match conversation {
        Some((id, action)) => {
            let c = visible_conversation(deps, viewer, id).await?;
            let profile_name = deps.directory.get_profile(viewer.account(), &c.profile_id).await?.map(|p| p.name).unwrap_or_default();
            Some((c, profile_name, action))
        }
        None => None,
    };
    let mut replies: Vec<SavedReply> =
        deps.saved_replies.saved_replies(viewer.account()).await?.into_iter().filter(|r| saved_replies::found_by(r, query)).collect();
    replies.sort_by_key(|r| (r.title.to_lowercase(), r.id.clone()));
    Ok(replies
        .into_iter()
        .map(|r| {
            let filled = fill_for.as_ref().map(|(c, profile_name, action)| {
                let fill = Fill { author: &c.author, agent_name: &viewer.user.name, profile_name };
                let (text, empty) = saved_replies::render(&r.text, &fill);
                let (chars, limit) = (text.trim().chars().count(), access::text_limit(c.network, *action));
                Filled { text, chars, limit, fits: chars <= limit, empty }
            });
            (r, filled)
        })
        .collect())
}

/// Saves a new reply in the caller's account (422 past [`saved_replies::MAX_PER_ACCOUNT`]).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn create_saved_reply(deps: &Deps, viewer: &Viewer, title: &str, text: &str) -> DomainResult<SavedReply> {
    if !viewer.user.inbox_access && !viewer.is_admin() {
        return Err(DomainError::Forbidden("saving replies needs inbox access".into()));
    }
    let (title, text) = saved_replies::validate(title, text)?;
    let now = deps.clock.now();
    let reply = SavedReply {
        id: SavedReplyId::generate(),
        account_id: viewer.account().clone(),
        title,
        text,
        created_by: viewer.user.id.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    match deps.saved_replies.insert_saved_reply(&reply, saved_replies::MAX_PER_ACCOUNT).await {
        Ok(()) => Ok(reply),
        Err(PortError::LimitReached) => {
            Err(DomainError::Rule(format!("an account keeps at most {} saved replies; remove one first", saved_replies::MAX_PER_ACCOUNT)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The reply as its author or an admin may change it; 404 for one of another account.
async fn own_reply(deps: &Deps, viewer: &Viewer, id: &SavedReplyId) -> DomainResult<SavedReply> {
    let reply = deps.saved_replies.get_saved_reply(viewer.account(), id).await?.ok_or(DomainError::NotFound("saved reply"))?;
    if reply.created_by != viewer.user.id && !viewer.is_admin() {
        return Err(DomainError::Forbidden("only its author or an admin changes or removes a saved reply".into()));
    }
    Ok(reply)
}

/// Changes a reply's title or text. With `expected_version`, a reply changed since is a
/// conflict (409); without, the change is made on the reply as it is.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, saved_reply_id = %id))]
pub async fn update_saved_reply(
    deps: &Deps,
    viewer: &Viewer,
    id: &SavedReplyId,
    title: Option<&str>,
    text: Option<&str>,
    expected_version: Option<u64>,
) -> DomainResult<SavedReply> {
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let before = own_reply(deps, viewer, id).await?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(DomainError::Changed("saved reply"));
        }
        let (title, text) = saved_replies::validate(title.unwrap_or(&before.title), text.unwrap_or(&before.text))?;
        if title == before.title && text == before.text {
            return Ok(before); // nothing to change
        }
        let after = SavedReply { title, text, updated_at: deps.clock.now(), version: before.version + 1, ..before.clone() };
        match deps.saved_replies.put_saved_reply(&after, before.version).await {
            Ok(()) => return Ok(after),
            Err(PortError::Conflict) if expected_version.is_none() => continue,
            Err(PortError::Conflict) => return Err(DomainError::Changed("saved reply")),
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Changed("saved reply"))
}

/// Removes a reply (its author or an admin).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, saved_reply_id = %id))]
pub async fn delete_saved_reply(deps: &Deps, viewer: &Viewer, id: &SavedReplyId) -> DomainResult<()> {
    own_reply(deps, viewer, id).await?;
    match deps.saved_replies.delete_saved_reply(viewer.account(), id).await? {
        true => Ok(()),
        false => Err(DomainError::NotFound("saved reply")),
    }
}
