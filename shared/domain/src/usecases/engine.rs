//! The write engine: load, change and store a conversation under optimistic concurrency
//! (`mutate`), and send what a stored change sets in motion (its outbox).

use super::deps::{Deps, Viewer, visible_conversation};
use crate::error::{DomainError, DomainResult, PortError};
use crate::fanout::Fanout;
use crate::ids::*;
use crate::messages::*;
use crate::model::*;
use crate::ports::*;

/// How often a change that lost an optimistic-concurrency race is recomputed and retried.
/// Every lost race is another writer's success, so with N concurrent writers on one
/// conversation the unluckiest needs N attempts: this bounds N, not bad luck (at 8, ten
/// concurrent notes could answer 409 to a request that sent no version). After two lost races
/// each try waits a jittered, growing time first ([`Deps::after_lost_races`]), so that racing
/// writers spread out rather than retry in step.
pub(in crate::usecases) const MAX_ATTEMPTS: usize = 64;

/// One change to a conversation, computed from its current state.
#[derive(Debug, Default)]
pub(in crate::usecases) struct Mutation {
    pub items: Vec<Item>,
    pub notes: Vec<Note>,
    pub history: Vec<HistoryEntry>,
    pub jobs: Vec<OutboundJob>,
}

/// Loads, changes and stores a conversation under optimistic concurrency. With
/// `expected_version` from the client, a stale version is a conflict (409); without it, a
/// change that lost a race is recomputed on the new state and retried.
pub(in crate::usecases) async fn mutate<F>(
    deps: &Deps,
    viewer: &Viewer,
    id: &ConversationId,
    expected_version: Option<u64>,
    f: F,
) -> DomainResult<Conversation>
where
    F: Fn(&mut Conversation, Timestamp) -> DomainResult<Mutation>,
{
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let current = visible_conversation(deps, viewer, id).await?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(DomainError::Conflict);
        }
        let now = deps.clock.now();
        let mut next = current.clone();
        let m = f(&mut next, now)?;
        if next == current && m.items.is_empty() && m.notes.is_empty() && m.history.is_empty() {
            return Ok(current); // nothing to change
        }
        next.version = current.version + 1;
        let fanout = Fanout::of_change(&next, &m.history, &m.items, &m.notes);
        let mut write = ConversationWrite {
            outbox: outbox(&m.jobs, &fanout),
            conversation: next.clone(),
            expected_version: Some(current.version),
            items: m.items,
            notes: m.notes,
            history: m.history,
            // (A user's change never touches the summary: appends own it.)
            keeps_summary: Some(current.status),
        };
        let later = deferred_outbox(deps, &mut write);
        let items = if later.is_empty() { vec![] } else { write.items.clone() };
        match deps.conversations.write(write).await {
            Ok(()) => {}
            Err(PortError::Conflict) if expected_version.is_none() => continue,
            Err(PortError::Conflict) => return Err(DomainError::Conflict),
            Err(e) => return Err(e.into()),
        }
        send_outbox(deps, &next, &items, later).await?;
        return Ok(next);
    }
    Err(DomainError::Conflict)
}

/// What a change sets in motion, as queue messages that travel with it
/// ([`ConversationWrite::outbox`]): its outbound jobs, then its notifications and domain
/// events ([`Fanout`]).
pub(in crate::usecases) fn outbox(jobs: &[OutboundJob], fanout: &Fanout) -> Vec<(QueueName, Vec<u8>)> {
    let mut out: Vec<(QueueName, Vec<u8>)> =
        jobs.iter().map(|j| (QueueName::Actions, serde_json::to_vec(j).expect("serialisable"))).collect();
    out.extend(fanout.messages());
    out
}

/// The part of a write's outbox the use case must send itself after the write: none when the
/// store enqueues it in the write's transaction (SQLite); the outbound jobs when the store
/// derives the notifications and events from its own change stream (DynamoDB with its
/// stream, see [`ConversationStore::derives_fanout`]); all of it otherwise.
pub(in crate::usecases) fn deferred_outbox(deps: &Deps, write: &mut ConversationWrite) -> Vec<(QueueName, Vec<u8>)> {
    if deps.conversations.writes_outbox() {
        return Vec::new();
    }
    let all = std::mem::take(&mut write.outbox);
    if deps.conversations.derives_fanout() { all.into_iter().filter(|(q, _)| *q == QueueName::Actions).collect() } else { all }
}

/// Sends a stored change's outbox (stores that cannot hold it). An outbound job that cannot be
/// queued is never lost silently: its items are marked failed, with the reason, and the
/// request fails. Notifications and events that cannot be queued are logged.
pub(in crate::usecases) async fn send_outbox(
    deps: &Deps,
    conv: &Conversation,
    items: &[Item],
    outbox: Vec<(QueueName, Vec<u8>)>,
) -> DomainResult<()> {
    let mut by_queue: Vec<(QueueName, Vec<Vec<u8>>)> = Vec::new();
    for (q, body) in outbox {
        match by_queue.iter_mut().find(|(name, _)| *name == q) {
            Some((_, bodies)) => bodies.push(body),
            None => by_queue.push((q, vec![body])),
        }
    }
    for (queue, bodies) in by_queue {
        let Err(e) = deps.queue.send_batch(queue, bodies).await else { continue };
        tracing::error!(error = %e, conversation_id = %conv.id, queue = queue.as_str(), "could not queue what a change sets in motion");
        let pending: Vec<&Item> = items.iter().filter(|i| i.direction == Direction::Outbound && i.state == ItemState::Pending).collect();
        // Only a pending send fails the change: a post read (the only other Actions job) is
        // queued again when the conversation is opened, and failing here would keep the
        // events and notifications behind it from ever being sent (the redelivered event is a
        // duplicate by then).
        if queue == QueueName::Actions && !pending.is_empty() {
            for item in pending {
                let mut failed = item.clone();
                failed.state = ItemState::Failed;
                failed.failure = Some("could not be queued for sending; try again".into());
                let _ = set_item(deps, conv, failed).await;
            }
            return Err(e.into());
        }
    }
    Ok(())
}

/// Replaces one item of a conversation, retrying version races. Returns the conversation as
/// stored.
pub(in crate::usecases) async fn set_item(deps: &Deps, conv: &Conversation, item: Item) -> DomainResult<Conversation> {
    Ok(write_retrying(deps, conv, |next| Some(ConversationWrite::of(next, vec![item.clone()], vec![]).keeping_summary())).await?.0)
}

/// Writes a change to a conversation as it is stored now, retrying version races: `change` is
/// given the conversation's next version (the stored one, its version bumped) and answers the
/// write, or `None` when there is nothing to change. The write's outbox travels with it.
/// Returns the conversation as stored.
pub(in crate::usecases) async fn update_conversation(
    deps: &Deps,
    conv: &Conversation,
    change: impl FnMut(Conversation) -> Option<ConversationWrite>,
) -> DomainResult<Conversation> {
    let (stored, later) = write_retrying(deps, conv, change).await?;
    send_outbox(deps, &stored, &[], later).await?;
    Ok(stored)
}

/// [`update_conversation`] without sending what its store could not enqueue with the write:
/// that outbox is returned.
async fn write_retrying(
    deps: &Deps,
    conv: &Conversation,
    mut change: impl FnMut(Conversation) -> Option<ConversationWrite>,
) -> DomainResult<(Conversation, Vec<(QueueName, Vec<u8>)>)> {
    let mut c = conv.clone();
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let Some(mut write) = change(Conversation { version: c.version + 1, ..c.clone() }) else {
            return Ok((c, vec![]));
        };
        write.expected_version = Some(c.version);
        let stored = write.conversation.clone();
        let later = deferred_outbox(deps, &mut write);
        match deps.conversations.write(write).await {
            Ok(()) => return Ok((stored, later)),
            Err(PortError::Conflict) => {
                c = deps.conversations.get_conversation(&c.account_id, &c.id).await?.ok_or(DomainError::NotFound("conversation"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}
