//! The actions worker: performs a queued outbound job on its network and records the outcome.

use super::channel::token_failed;
use super::deps::Deps;
use super::engine::{outbox, set_item, update_conversation};
use super::health::{refund_youtube, spend_youtube};
use super::posts::fetch_post;
use super::renewal::{Renewed, renew_now};
use crate::error::{DomainError, DomainResult, PortError};
use crate::ingest;
use crate::messages::*;
use crate::model::*;
use crate::ports::*;

/// What became of one queued outbound job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done with it: sent, or failed for good and recorded.
    Done(ItemState),
    /// The network could not take it yet: the queue hands it back after this wait (the item
    /// shows the retry and why meanwhile).
    RetryIn(std::time::Duration),
}

/// The queue gives up on an outbound job (its last delivery failed: a dependency of the inbox,
/// not the network, kept failing): its item, if still pending, is failed with the reason so
/// that someone can send it again, never left pending. Other jobs have no item to show.
pub async fn abandon_outbound(deps: &Deps, job: &OutboundJob, why: &str) -> DomainResult<()> {
    let OutboundJob::Action(job) = job else { return Ok(()) };
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else { return Ok(()) };
    let Some(item) = deps.conversations.get_item(&conv.id, &job.item_id).await? else { return Ok(()) };
    if item.state != ItemState::Pending {
        return Ok(());
    }
    let reason = format!("the inbox could not send it ({}); send it again", why.chars().take(300).collect::<String>());
    finish(deps, &conv, item, Err(reason), None).await.map(|_| ())
}

/// Performs one queued outbound job. `Err` asks the queue to deliver it again later (a
/// dependency of the inbox failed, not the network).
pub async fn perform_outbound(deps: &Deps, client: &dyn PlatformClient, job: &OutboundJob) -> DomainResult<JobOutcome> {
    match job {
        OutboundJob::Action(a) => perform_action(deps, client, a).await,
        OutboundJob::Handover(h) => perform_handover(deps, client, h).await.map(JobOutcome::Done),
        OutboundJob::Post(p) => fetch_post(deps, client, p).await.map(JobOutcome::Done),
    }
}

/// Performs one queued action on its network. A network that cannot take it (down, 5xx, a rate
/// limit) gets it again on the schedule of [`Settings::action_retry`](super::deps::Settings::action_retry), not before the wait it
/// asked for; once the schedule is spent, the item is failed with the reason, never left
/// pending.
#[tracing::instrument(skip_all, fields(account_id = %job.account_id, conversation_id = %job.conversation_id))]
pub async fn perform_action(deps: &Deps, client: &dyn PlatformClient, job: &ActionJob) -> DomainResult<JobOutcome> {
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(JobOutcome::Done(ItemState::Failed));
    };
    let Some(item) = deps.conversations.get_item(&conv.id, &job.item_id).await? else {
        return Ok(JobOutcome::Done(ItemState::Failed));
    };
    if item.state != ItemState::Pending {
        return Ok(JobOutcome::Done(item.state)); // done already: a redelivery
    }
    let now = deps.clock.now();
    if let Some(due) = item.retry.as_ref().map(|r| r.next_at).filter(|at| *at > now) {
        // Handed back before its time (a restart, a queue's own redelivery): wait on.
        return Ok(JobOutcome::RetryIn((due - now).to_std().unwrap_or_default()));
    }
    let Some(profile) = deps.directory.get_profile(&conv.account_id, &conv.profile_id).await? else {
        return finish(deps, &conv, item, Err("the profile was disconnected".into()), None).await.map(JobOutcome::Done);
    };
    let youtube_units = if conv.network == Network::Youtube { crate::poll::YOUTUBE_WRITE_UNITS } else { 0 };
    if let Err(why) = spend_youtube(deps, youtube_units, "send it again").await? {
        return finish(deps, &conv, item, Err(why), None).await.map(JobOutcome::Done);
    }
    let items = deps.conversations.items(&conv.id).await?;
    // A refused token is renewed once (under the renewal lease) and the action tried again.
    let mut profile = profile;
    let mut renewed = false;
    let answer = loop {
        let answer = client.perform(&profile, &conv, &items, job).await;
        if matches!(answer, Err(ActionError::NeedsReconnect(_))) && !renewed {
            renewed = true;
            match renew_now(deps, &profile).await? {
                Renewed::New(p) => {
                    profile = *p;
                    continue;
                }
                Renewed::Later => break Err(ActionError::Transient("the channel's token is being renewed".into())),
                Renewed::Checked | Renewed::Refused => {}
            }
        }
        break answer;
    };
    match answer {
        Ok(done) => {
            let mut sent = item;
            sent.platform_id = done.platform_id;
            if done.dm_recipient.is_some() {
                sent.dm_recipient = done.dm_recipient;
            }
            // `reply.sent`, by whoever wrote it (the job says who; older jobs: the history).
            let replied_by = match (job.action, &job.actor) {
                (Action::Reply | Action::Dm, Some(a)) => Some(a.clone()),
                (Action::Reply | Action::Dm, None) => Some(
                    deps.conversations
                        .history(&conv.id)
                        .await?
                        .into_iter()
                        .find(|h| h.details["item_id"].as_str() == Some(sent.id.as_str()))
                        .map_or(Actor::System, |h| h.actor),
                ),
                _ => None,
            };
            finish(deps, &conv, sent, Ok(()), replied_by.as_ref()).await.map(JobOutcome::Done)
        }
        Err(ActionError::Transient(why)) => {
            refund_youtube(deps, youtube_units).await;
            retry_later(deps, &conv, item, why, None).await
        }
        Err(ActionError::RateLimited { reason, retry_after_secs }) => {
            refund_youtube(deps, youtube_units).await;
            retry_later(deps, &conv, item, reason, retry_after_secs.map(std::time::Duration::from_secs)).await
        }
        Err(ActionError::Rejected(why)) => finish(deps, &conv, item, Err(why), None).await.map(JobOutcome::Done),
        Err(ActionError::NeedsReconnect(why)) => {
            token_failed(deps, &profile, &why).await?;
            finish(deps, &conv, item, Err(format!("the {} profile needs reconnecting: {why}", profile.network)), None)
                .await
                .map(JobOutcome::Done)
        }
    }
}

/// Records a try the network could not take and when the next one is due, or, once the
/// schedule is spent, fails the item with the reason.
async fn retry_later(
    deps: &Deps,
    conv: &Conversation,
    mut item: Item,
    why: String,
    asked: Option<std::time::Duration>,
) -> DomainResult<JobOutcome> {
    let schedule = &deps.settings.action_retry;
    let failed = item.retry.as_ref().map_or(0, |r| r.attempts) + 1;
    let Some(wait) = schedule.next_wait(failed, asked) else {
        let reason = format!(
            "{} could not take it after {failed} tries over {}; the last answer: {why}",
            conv.network,
            crate::retry::in_words(schedule.span())
        );
        return finish(deps, conv, item, Err(reason), None).await.map(JobOutcome::Done);
    };
    let next_at = deps.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
    tracing::info!(item_id = %item.id, attempts = failed, wait_secs = wait.as_secs(), reason = %why, "the network could not take it; tried again later");
    item.retry = Some(Retry { attempts: failed, next_at });
    item.failure = Some(why);
    set_item(deps, conv, item).await?;
    Ok(JobOutcome::RetryIn(wait))
}

/// Takes or passes Messenger thread control, then records the new owner.
async fn perform_handover(deps: &Deps, client: &dyn PlatformClient, job: &HandoverJob) -> DomainResult<ItemState> {
    let Some(conv) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(ItemState::Failed);
    };
    let Some(profile) = deps.directory.get_profile(&conv.account_id, &conv.profile_id).await? else {
        return Ok(ItemState::Failed);
    };
    let owner = match job.op {
        HandoverOp::Take => Some(ingest::INBOX_OWNER.to_string()),
        HandoverOp::PassToBot => profile.bot_app_id.clone(),
    };
    if owner.is_none() {
        return Ok(ItemState::Sent); // no bot to give the thread back to: nothing to do
    }
    let outcome = client.handover(&profile, &conv, job.op).await;
    let (details, state) = match &outcome {
        Ok(()) => (serde_json::json!({"thread_owner": owner, "op": job.op}), ItemState::Sent),
        // Thread control is asked again by the queue's own retries (it has no item to show).
        Err(ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. }) => {
            return Err(DomainError::Dependency(PortError::Unavailable(why.clone())));
        }
        Err(ActionError::NeedsReconnect(why)) => {
            token_failed(deps, &profile, why).await?;
            (serde_json::json!({"op": job.op, "failed": why}), ItemState::Failed)
        }
        Err(ActionError::Rejected(why)) => (serde_json::json!({"op": job.op, "failed": why}), ItemState::Failed),
    };
    let now = deps.clock.now();
    update_conversation(deps, &conv, |mut next| {
        if state == ItemState::Sent {
            next.thread_owner = owner.clone();
        }
        let history = vec![HistoryEntry::new(&next.id, now, job.actor.clone(), HistoryAction::HandoverChanged, details.clone())];
        Some(ConversationWrite::of(next, vec![], history).keeping_summary())
    })
    .await?;
    Ok(state)
}

/// Records an outbound item as sent or failed (with why). A sent reply or DM says so to the
/// integrations (`reply.sent`, by `replied_by`) in the same write's outbox.
async fn finish(
    deps: &Deps,
    conv: &Conversation,
    mut item: Item,
    result: Result<(), String>,
    replied_by: Option<&Actor>,
) -> DomainResult<ItemState> {
    item.retry = None;
    match result {
        Ok(()) => {
            item.state = ItemState::Sent;
            item.failure = None;
        }
        Err(why) => {
            item.state = ItemState::Failed;
            item.failure = Some(why);
        }
    }
    let state = item.state;
    let now = deps.clock.now();
    update_conversation(deps, conv, |next| {
        let mut write = ConversationWrite::of(next, vec![item.clone()], vec![]).keeping_summary();
        if let (ItemState::Sent, Some(actor)) = (state, replied_by) {
            write.outbox = outbox(&[], &crate::fanout::Fanout::reply_sent(&write.conversation, &item, now, actor));
        }
        Some(write)
    })
    .await?;
    Ok(state)
}
