//! Original posts: the post a comment conversation is under, fetched and cached.

use super::deps::{Deps, Viewer, visible_conversation};
use super::engine::update_conversation;
use super::health::{refund_youtube, spend_youtube};
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::messages::*;
use crate::model::*;
use crate::ports::*;

/// How long a fetched post is shown without asking its network again.
pub const POST_FRESH_SECS: i64 = 3600;
/// How long a failed fetch is remembered before the network is asked again.
pub const POST_RETRY_SECS: i64 = 600;
/// How long a read asked for by the API is waited for before it is asked for again.
pub const POST_PENDING_SECS: i64 = 60;

/// A conversation's original post, as far as the inbox knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalPost {
    /// The conversation is not under a post (a DM, a mention, a tag in a post).
    NotAPost,
    /// Asked for and not fetched yet: ask again in a moment.
    Fetching,
    /// The cached copy (possibly with `error`, when it could not be fetched). A copy older
    /// than [`POST_FRESH_SECS`] is shown while a fresh one is fetched.
    Ready(Post),
}

/// Whether a cached copy is recent enough not to ask the network again (a placeholder never is).
pub(in crate::usecases) fn post_is_fresh(post: &Post, now: Timestamp) -> bool {
    if let Some(at) = post.retry_after {
        return !post.pending && now < at;
    }
    let keep = if post.error.is_some() { POST_RETRY_SECS } else { POST_FRESH_SECS };
    !post.pending && now - post.fetched_at < chrono::Duration::seconds(keep)
}

pub(in crate::usecases) fn post_job(c: &Conversation) -> OutboundJob {
    OutboundJob::Post(PostJob { account_id: c.account_id.clone(), conversation_id: c.id.clone() })
}

/// The post a conversation is under, from the cache. A missing or old copy is fetched by the
/// actions worker (the API never waits on a network): the answer is then `Fetching`, or the
/// old copy.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
pub async fn original_post(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<OriginalPost> {
    let c = visible_conversation(deps, viewer, id).await?;
    let Some(post_id) = c.post_id.as_deref() else {
        return Ok(OriginalPost::NotAPost);
    };
    let now = deps.clock.now();
    let ask = || async { deps.queue.send(QueueName::Actions, serde_json::to_vec(&post_job(&c)).expect("serialisable")).await };
    match deps.conversations.get_post(&c.profile_id, post_id).await? {
        // Asked for already: however often the page asks meanwhile, one read is queued.
        Some(p) if p.pending && now - p.fetched_at < chrono::Duration::seconds(POST_PENDING_SECS) => Ok(OriginalPost::Fetching),
        Some(p) if !p.pending => {
            if !post_is_fresh(&p, now) {
                ask().await?;
            }
            Ok(OriginalPost::Ready(p))
        }
        // Never asked for, or asked for long ago without an answer: a placeholder, then the read.
        _ => {
            let placeholder = Post { pending: true, ..Post::unavailable(post_id, c.network, now, None) };
            deps.conversations.put_post(&c.profile_id, &placeholder).await?;
            ask().await?;
            Ok(OriginalPost::Fetching)
        }
    }
}

/// Fetches a conversation's original post into the cache (the actions worker). A sponsored
/// post marks the conversation sponsored. `Err` asks the queue to try again (the network did
/// not answer); a refusal is cached as the post's `error`, in words.
#[tracing::instrument(skip_all, fields(account_id = %job.account_id, conversation_id = %job.conversation_id))]
pub async fn fetch_post(deps: &Deps, client: &dyn PlatformClient, job: &PostJob) -> DomainResult<ItemState> {
    let Some(c) = deps.conversations.get_conversation(&job.account_id, &job.conversation_id).await? else {
        return Ok(ItemState::Failed);
    };
    let Some(post_id) = c.post_id.clone() else {
        return Ok(ItemState::Failed);
    };
    let now = deps.clock.now();
    // A placeholder is no copy.
    let cached = deps.conversations.get_post(&c.profile_id, &post_id).await?.filter(|p| !p.pending);
    if let Some(p) = cached.as_ref().filter(|p| post_is_fresh(p, now)) {
        // Read already (for another comment on the same post, or several asked at once); what
        // it says of sponsorship holds for this conversation too.
        if p.sponsored == Some(true) && !c.sponsored {
            mark_sponsored(deps, c).await?;
        }
        return Ok(ItemState::Sent);
    }
    let Some(profile) = deps.directory.get_profile(&c.account_id, &c.profile_id).await? else {
        return Ok(ItemState::Failed);
    };
    let youtube_units = if c.network == Network::Youtube { crate::poll::YOUTUBE_READ_UNITS } else { 0 };
    let fetched = match spend_youtube(deps, youtube_units, "the video is read").await? {
        Err(why) => Err(ActionError::Rejected(why)),
        Ok(()) => client.fetch_post(&profile, &c).await,
    };
    let failed = |why: String| match cached.clone() {
        // An older copy stays what is shown (with when it was read); the network is asked
        // again after the wait for a refusal.
        Some(old) if old.error.is_none() => Post { retry_after: Some(now + chrono::Duration::seconds(POST_RETRY_SECS)), ..old },
        _ => Post::unavailable(&post_id, c.network, now, Some(why)),
    };
    let post = match fetched {
        Ok(mut post) => {
            post.id = post_id.clone();
            post.fetched_at = now;
            post.error = None;
            post.retry_after = None;
            // What was learnt before (our own promoted tweet) stands when the network's answer
            // does not say.
            post.sponsored = post.sponsored.or(cached.as_ref().and_then(|p| p.sponsored));
            post
        }
        Err(ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. }) => {
            refund_youtube(deps, youtube_units).await;
            return Err(DomainError::Dependency(PortError::Unavailable(why)));
        }
        // Not recorded as the token's state: a read the token may not make (another Page's
        // post, a tier without tweet lookup) says nothing of the replies and polls it does make.
        Err(ActionError::NeedsReconnect(why)) => failed(format!("{} refused to read the post: {why}", profile.network)),
        Err(ActionError::Rejected(why)) => failed(why),
    };
    deps.conversations.put_post(&c.profile_id, &post).await?;
    if post.sponsored == Some(true) && !c.sponsored {
        mark_sponsored(deps, c).await?;
    }
    Ok(if post.error.is_none() { ItemState::Sent } else { ItemState::Failed })
}

/// Marks a conversation sponsored (its post turned out to be an ad or boosted).
async fn mark_sponsored(deps: &Deps, c: Conversation) -> DomainResult<()> {
    update_conversation(deps, &c, |next| {
        (!next.sponsored).then(|| ConversationWrite::of(Conversation { sponsored: true, ..next }, vec![], vec![]))
    })
    .await
    .map(|_| ())
}
