//! Outbound actions asked for by a user (reply, like, share, DM) and Messenger thread
//! control. The rules that decide whether an action may be taken are pure, in
//! [`crate::access`] beside the action matrix.

use super::conversations::apply_assignment;
use super::deps::{Deps, Viewer, visible_conversation};
use super::engine::MAX_ATTEMPTS;
use super::engine::{Mutation, mutate};
use crate::access::{self, validate_text};
use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::messages::*;
use crate::model::*;

/// Reply, like, share or DM: stores the outbound item as pending and queues it for sending.
/// Replying assigns the conversation to the replier.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
pub async fn act(
    deps: &Deps,
    viewer: &Viewer,
    id: &ConversationId,
    action: Action,
    text: Option<String>,
) -> DomainResult<(Conversation, Item)> {
    let c = visible_conversation(deps, viewer, id).await?;
    // The action rules of `access`, in the order the caller hears of them: what the matrix
    // offers, then the text, then the network's window, then the thread's rules.
    access::check_allowed(&c, action)?;
    let text = match action {
        Action::Reply | Action::Dm => Some(validate_text(c.network, action, text.as_deref())?),
        Action::Like | Action::Share => None,
    };
    let now = deps.clock.now();
    access::check_window(&c, now)?;
    let profile = deps.directory.get_profile(viewer.account(), &c.profile_id).await?.ok_or(DomainError::NotFound("profile"))?;
    let items = deps.conversations.items(id).await?;
    let target = access::check_target(&c, &items, action, now)?;
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
            deps.after_lost_races(attempt).await;
            let current = visible_conversation(deps, viewer, id).await?;
            let items = match checked.take() {
                Some(i) if current.version == c.version => i,
                _ => deps.conversations.items(id).await?,
            };
            access::check_once_per_conversation(&items, action)?;
            match mutate(deps, viewer, id, Some(current.version), change).await {
                Err(DomainError::Conflict) if attempt + 1 < MAX_ATTEMPTS => attempt += 1,
                other => break other?,
            }
        }
    } else {
        mutate(deps, viewer, id, None, change).await?
    };
    let item = deps.conversations.get_item(&conv.id, &item_id).await?.ok_or(DomainError::NotFound("item"))?;
    Ok((conv, item))
}

/// Asks for Messenger thread control (`take`) or gives it back to the bot (`release`).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
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
