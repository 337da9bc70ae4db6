//! Ingestion: one normalised platform event applied to the store, idempotently.

use super::deps::Deps;
use super::engine::*;
use super::posts::{post_is_fresh, post_job};
use crate::error::{DomainError, DomainResult, PortError};
use crate::fanout::Fanout;
use crate::ids::*;
use crate::ingest::{self, Change, Existing, InboundEvent, Plan};
use crate::model::*;
use crate::ports::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    Created(ConversationId),
    Appended(ConversationId),
    Updated(ConversationId),
    Ignored(&'static str),
    UnknownProfile,
}

/// Applies one normalised platform event received now (a poll's). Idempotent: the same event
/// applied twice, or two events racing for one new thread, leave one conversation and one item.
pub async fn ingest(deps: &Deps, event: &InboundEvent) -> DomainResult<IngestOutcome> {
    ingest_received(deps, event, None).await
}

/// [`ingest()`] of an event the inbox received at `received_at` (a webhook's arrival, before it
/// waited in the queue): what orders the feed and decides "seen" (see
/// [`Conversation::activity_at`]). Never later than now.
#[tracing::instrument(skip_all, fields(network = %event.network, profile = %event.profile_external_id, platform_id = %event.platform_id))]
pub async fn ingest_received(deps: &Deps, event: &InboundEvent, received_at: Option<Timestamp>) -> DomainResult<IngestOutcome> {
    let Some(profile) = deps.directory.find_profile(event.network, &event.profile_external_id).await? else {
        tracing::info!(network = %event.network, profile = %event.profile_external_id, "event for a profile this inbox does not know; dropped");
        return Ok(IngestOutcome::UnknownProfile);
    };
    let store = &deps.conversations;
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let PlatformIdState { item, tombstoned, early_edit, claimed_for } =
            store.platform_id_state(&profile.id, &event.platform_id).await?;
        let conversation = match &item {
            Some(i) => store.get_conversation(&profile.account_id, &i.conversation_id).await?,
            None => {
                let via_parent = match &event.thread.parent_platform_id {
                    Some(parent) => match store.find_item(&profile.id, parent).await? {
                        Some(p) => store.get_conversation(&profile.account_id, &p.conversation_id).await?,
                        None => None,
                    },
                    None => None,
                };
                match via_parent {
                    Some(c) => Some(c),
                    None => store.find_by_thread(&profile.id, &event.thread.thread_key).await?,
                }
            }
        };
        let correlated = match (&event.change, &conversation) {
            (Change::Posted { correlation: Some(corr), .. }, Some(c)) => match ItemId::parse(corr.trim_start_matches("inbox:")) {
                Some(iid) => store.get_item(&c.id, &iid).await?.filter(|i| i.direction == Direction::Outbound && i.platform_id.is_none()),
                None => None,
            },
            _ => None,
        };
        let early_edit = match (&event.change, &item) {
            (Change::Posted { .. }, None) => early_edit,
            _ => None,
        };
        // A conversation about to be made under a post: what the inbox knows of the post (read
        // for an earlier comment, or our own promoted tweet, which X marks while it never marks
        // the replies) says whether it is sponsored, and whether it still has to be read.
        let known_post = match (&event.change, &event.thread.post_id, &conversation) {
            (Change::Posted { direction: Direction::Inbound, .. }, Some(post), None) => {
                store.get_post(&profile.id, post).await?.filter(|p| !p.pending)
            }
            _ => None,
        };
        let post_sponsored = known_post.as_ref().is_some_and(|p| p.sponsored == Some(true));
        let now = deps.clock.now();
        let received = received_at.map_or(now, |r| r.min(now));
        let plan = ingest::plan(
            event,
            &profile,
            Existing {
                conversation: conversation.as_ref(),
                item: item.as_ref(),
                correlated: correlated.as_ref(),
                tombstoned,
                inbox_app_id: deps.settings.meta_app_id.as_deref(),
                early_edit: early_edit.as_deref(),
                post_sponsored,
                claimed_for: claimed_for.as_ref(),
            },
            received,
        );
        let (mut write, outcome) = match plan {
            Plan::Ignore(why) => {
                // A stored item delivered again: what the store derives from it beside the
                // conversation is made sure of (its first delivery may have stopped after
                // writing it).
                if let (Some(i), Some(c)) = (&item, &conversation)
                    && i.conversation_id == c.id
                {
                    store.stored_again(c, i).await?;
                }
                return Ok(IngestOutcome::Ignored(why));
            }
            Plan::Tombstone => {
                store.put_tombstone(&profile.id, &event.platform_id, event.occurred_at).await?;
                return Ok(IngestOutcome::Ignored("deletion of an item not seen yet: remembered"));
            }
            Plan::RememberEdit(text) => {
                store.put_early_edit(&profile.id, &event.platform_id, &text, event.occurred_at).await?;
                return Ok(IngestOutcome::Ignored("edit of an item not seen yet: remembered"));
            }
            Plan::RememberSponsoredPost(post) => {
                // (Replies that arrived before it are threaded on it: the plan appends it there.)
                // A copy read from the network already (a redelivery) is kept, marked sponsored.
                let post = match store.get_post(&profile.id, &post.id).await? {
                    Some(known) if !known.pending && known.error.is_none() => Post { sponsored: Some(true), ..known },
                    _ => post,
                };
                store.put_post(&profile.id, &post).await?;
                return Ok(IngestOutcome::Ignored("our own sponsored post: remembered, its replies are sponsored"));
            }
            Plan::Create { conversation, item, history } => {
                let id = conversation.id.clone();
                let mut items = vec![item];
                if conversation.kind == Kind::Dm {
                    // Our DMs to this person from public conversations join their answer.
                    for ours in store.outbound_dms_to(&profile.id, &conversation.thread_key).await? {
                        items.push(Item { id: ItemId::generate(), conversation_id: id.clone(), platform_id: None, ..ours });
                    }
                }
                (ConversationWrite::of(conversation, items, history), IngestOutcome::Created(id))
            }
            // A change of a stored conversation: written against the version it was planned on.
            Plan::Update { conversation, history } => {
                let id = conversation.id.clone();
                (on_stored(conversation, vec![], history), IngestOutcome::Updated(id))
            }
            Plan::Absorb { conversation: after, item, activity } => {
                if !store.appends_commutatively() {
                    let id = after.id.clone();
                    (on_stored(after, vec![], vec![]), IngestOutcome::Updated(id))
                } else {
                    let read = conversation.clone().ok_or(DomainError::Conflict)?;
                    let id = read.id.clone();
                    // Its history is stored with it; its event was not sent (the delivery
                    // stopped before): sent now.
                    let received = HistoryEntry::new(
                        &id,
                        now,
                        Actor::System,
                        HistoryAction::ItemReceived,
                        serde_json::json!({"item_id": item.id, "platform_id": event.platform_id}),
                    );
                    match append(deps, read, item, vec![received], activity, now, true).await {
                        Ok(()) => {}
                        Err(DomainError::Dependency(PortError::Conflict | PortError::AlreadyExists)) => continue,
                        Err(e) => return Err(e),
                    }
                    return Ok(IngestOutcome::Updated(id));
                }
            }
            Plan::Append { item, history, activity: Some(activity), .. } if store.appends_commutatively() => {
                let read = conversation.clone().ok_or(DomainError::Conflict)?;
                let id = read.id.clone();
                match append(deps, read, item, history, activity, now, false).await {
                    Ok(()) => {}
                    // Its platform id is stored already (a concurrent delivery), or the
                    // conversation is gone: look again.
                    Err(DomainError::Dependency(PortError::Conflict | PortError::AlreadyExists)) => continue,
                    Err(e) => return Err(e),
                }
                note_event(deps, &profile.id, event.occurred_at.min(now)).await;
                return Ok(IngestOutcome::Appended(id));
            }
            Plan::Append { conversation, item, history, .. } => {
                let id = conversation.id.clone();
                (on_stored(conversation, vec![item], history), IngestOutcome::Appended(id))
            }
            Plan::UpdateItem { conversation, item, history } => {
                let id = conversation.id.clone();
                (on_stored(conversation, vec![item], history), IngestOutcome::Updated(id))
            }
        };
        let conv = write.conversation.clone();
        let fanout = Fanout::of_change(&conv, &write.history, &write.items, &[]);
        // A new conversation under a post not read lately has the post read at once: it shows
        // when the conversation is opened, and says whether the post is sponsored when the
        // webhook did not (a Meta comment without `post`). YouTube's are read when opened:
        // each read spends a unit of the quota every channel shares.
        let read_lately = known_post.as_ref().is_some_and(|p| post_is_fresh(p, now));
        let jobs = match (&outcome, &conv.post_id) {
            (IngestOutcome::Created(_), Some(_)) if conv.network != Network::Youtube && !read_lately => vec![post_job(&conv)],
            _ => vec![],
        };
        write.outbox = outbox(&jobs, &fanout);
        let later = deferred_outbox(deps, &mut write);
        match store.write(write).await {
            Ok(()) => {
                note_event(deps, &profile.id, event.occurred_at.min(now)).await;
                send_outbox(deps, &conv, &[], later).await?;
                return Ok(outcome);
            }
            // Lost a race with a concurrent delivery: look again.
            Err(PortError::Conflict | PortError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

/// The write of a planned change to a stored conversation (the plan bumped its version): it
/// holds only if the conversation is still at the version the plan read.
fn on_stored(conversation: Conversation, items: Vec<Item>, history: Vec<HistoryEntry>) -> ConversationWrite {
    let expected = conversation.version - 1;
    ConversationWrite { expected_version: Some(expected), ..ConversationWrite::of(conversation, items, history) }
}

/// Notes the channel's latest event (at most once a minute per process, see [`super::deps::HealthMarks`]).
async fn note_event(deps: &Deps, profile: &ProfileId, at: Timestamp) {
    if deps.health_marks.should_record(profile, at)
        && let Err(e) = deps.health.record_event(profile, at).await
    {
        tracing::warn!(error = %e, "could not note the channel's last event");
    }
}

/// Appends an inbound item with the store's commutative append, then sends what it sets in
/// motion: its events and, when it reopened the conversation, the status change. (A store
/// that appends so does not hold the outbox: it is sent after the write.)
async fn append(
    deps: &Deps,
    read: Conversation,
    item: Item,
    history: Vec<HistoryEntry>,
    activity: Activity,
    now: Timestamp,
    item_stored: bool,
) -> DomainResult<()> {
    let reopened_entry = ingest::reopened_entry(&read.id, now);
    // Whether it reopens is the store's to say (it applies the item to the conversation as it
    // is then, not as read).
    let mut history: Vec<HistoryEntry> = history.into_iter().filter(|h| h.action != HistoryAction::Reopened).collect();
    let done = deps
        .conversations
        .append(Append {
            conversation: read,
            item: item.clone(),
            history: history.clone(),
            activity,
            reopened: reopened_entry.clone(),
            item_stored,
        })
        .await?;
    if done.reopened {
        history.push(reopened_entry);
    }
    let conv = done.conversation;
    if deps.conversations.derives_fanout() {
        // Sent by the store's change stream from the records just written.
        return Ok(());
    }
    let fanout = Fanout::of_change(&conv, &history, std::slice::from_ref(&item), &[]);
    send_outbox(deps, &conv, &[], outbox(&[], &fanout)).await
}
