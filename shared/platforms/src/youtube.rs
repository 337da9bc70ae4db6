//! YouTube Data API v3 `commentThreads.list` answers normalised into [`InboundEvent`]s. YouTube
//! has no push for comments: the poller lists
//! `commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=<channel>&order=time`
//! page by page and hands each answer to [`normalize_comment_threads`].
//!
//! The profile's external id is the channel id (`UC...`). Every comment is a
//! [`Change::Posted`] of kind comment, threaded on its comment thread (the thread id, which is
//! also the top-level comment's id); replies name the top-level comment as their parent. Comments
//! whose author is the channel itself are outbound.
//!
//! Limitations, all from what the API gives:
//! - An edited comment (`updatedAt` after `publishedAt`) comes out as posted with its current
//!   text, followed by an edit at `updatedAt`: the ingest stores the first and applies the
//!   second to a comment it stored before.
//! - Deleted comments just disappear from the answers; no deletion event is produced.
//! - `replies.comments[]` holds only some of a thread's replies; the others need
//!   `comments.list?parentId=<thread id>`, whose items are the same comment resources.
//! - Nothing is ever sponsored (the API says nothing about ads).

use crate::json::{id_of, secs, shown, str_of};
use crate::{NormalizeError, Normalized};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network};
use serde_json::Value;

const LIST_KIND: &str = "youtube#commentThreadListResponse";

/// Normalises one `commentThreads.list` answer (the response body) for the channel
/// `channel_id`, and returns its `nextPageToken` (absent or empty on the last page).
///
/// For each thread of `items[]`: its `snippet.topLevelComment`, then each of
/// `replies.comments[]`. Each comment gives `platform_id` = the comment id, thread key = the
/// thread id, `occurred_at` = `publishedAt`, text = `textOriginal` (else `textDisplay`), author
/// id = `authorChannelId.value`, name = `authorDisplayName`, handle = the `@handle` of
/// `authorChannelUrl` without the `@` (empty when the URL has none). A reply's parent is the
/// top-level comment's id (else its `parentId`).
///
/// Fails when the body is not JSON, is an API error (`{"error": ...}`), or has no `items` array
/// (an answer of kind `youtube#commentThreadListResponse` without `items` is an empty page).
/// A bad comment is skipped without affecting the rest of its thread.
pub fn normalize_comment_threads(channel_id: &str, body: &[u8]) -> Result<(Normalized, Option<String>), NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("YouTube commentThreads answer {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    if let Some(error) = object.get("error") {
        let code = error.get("code").and_then(Value::as_i64).map(|c| c.to_string()).unwrap_or_else(|| "?".to_string());
        return Err(envelope(&format!("is an API error (code {code})")));
    }
    let empty = Vec::new();
    let items = match object.get("items") {
        Some(items) => items.as_array().ok_or_else(|| envelope("has an `items` that is not an array"))?,
        None if str_of(&root, "kind") == Some(LIST_KIND) => &empty,
        None => return Err(envelope("has no `items` array")),
    };
    let next_page = str_of(&root, "nextPageToken").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let channel_id = channel_id.trim();

    let mut out = Normalized::default();
    for (i, item) in items.iter().enumerate() {
        let here = format!("items[{i}]");
        let top = item.get("snippet").and_then(|s| s.get("topLevelComment"));
        let top_id = top.and_then(|c| id_of(c, "id"));
        let video = item.get("snippet").and_then(|s| id_of(s, "videoId"));
        let Some(thread_id) = id_of(item, "id").or_else(|| top_id.clone()) else {
            out.skip(&here, "thread has no `id`");
            continue;
        };
        match top {
            Some(top) => out.push_maybe_edited(&here, comment(channel_id, &thread_id, None, top, video.clone()), updated_at(top)),
            None => out.skip(&here, format!("thread {} has no `snippet.topLevelComment`", shown(&thread_id))),
        }
        let Some(replies) = item.get("replies").and_then(|r| r.get("comments")) else {
            continue;
        };
        let Some(replies) = replies.as_array() else {
            out.skip(&format!("{here}.replies.comments"), "not an array");
            continue;
        };
        for (j, reply) in replies.iter().enumerate() {
            let parent =
                top_id.clone().or_else(|| reply.get("snippet").and_then(|s| id_of(s, "parentId"))).unwrap_or_else(|| thread_id.clone());
            out.push_maybe_edited(
                &format!("{here}.replies.comments[{j}]"),
                comment(channel_id, &thread_id, Some(parent), reply, video.clone()),
                updated_at(reply),
            );
        }
    }
    Ok((out, next_page))
}

/// Whether a comment was edited after it was published.
/// When a comment was last changed (`updatedAt`; later than `publishedAt` when edited).
fn updated_at(c: &Value) -> Option<inbox_domain::Timestamp> {
    secs(c.get("snippet").and_then(|s| s.get("updatedAt")))
}

/// The handle in a channel URL such as `http://www.youtube.com/@janecustomer`.
fn handle_of(url: &str) -> &str {
    url.rsplit_once("/@").map(|(_, h)| h.trim_end_matches('/')).filter(|h| !h.is_empty() && !h.contains('/')).unwrap_or("")
}

/// One comment resource.
fn comment(channel_id: &str, thread_id: &str, parent: Option<String>, c: &Value, video: Option<String>) -> Result<InboundEvent, String> {
    let id = id_of(c, "id").ok_or("comment has no `id`")?;
    let snippet = c.get("snippet").filter(|s| s.is_object()).ok_or_else(|| format!("comment {} has no `snippet`", shown(&id)))?;
    let occurred_at = secs(snippet.get("publishedAt")).ok_or_else(|| format!("comment {} has no readable `publishedAt`", shown(&id)))?;
    let author = Author {
        id: snippet.get("authorChannelId").and_then(|a| id_of(a, "value")).unwrap_or_default(),
        name: str_of(snippet, "authorDisplayName").unwrap_or_default().to_string(),
        handle: str_of(snippet, "authorChannelUrl").map(handle_of).unwrap_or_default().to_string(),
    };
    let text = str_of(snippet, "textOriginal").or_else(|| str_of(snippet, "textDisplay")).unwrap_or_default().to_string();
    let direction = if !author.id.is_empty() && author.id == channel_id { Direction::Outbound } else { Direction::Inbound };
    Ok(InboundEvent {
        network: Network::Youtube,
        profile_external_id: channel_id.to_string(),
        platform_id: id,
        thread: ThreadRef { kind: Kind::Comment, thread_key: thread_id.to_string(), parent_platform_id: parent, post_id: video },
        occurred_at,
        change: Change::Posted { direction, text, author, correlation: None },
        sponsored: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_from_channel_urls() {
        assert_eq!(handle_of("http://www.youtube.com/@janecustomer"), "janecustomer");
        assert_eq!(handle_of("https://www.youtube.com/@jane.customer/"), "jane.customer");
        assert_eq!(handle_of("http://www.youtube.com/channel/UCbCdEfGhIjKlMnOp4AaABAg"), "");
        assert_eq!(handle_of("http://www.youtube.com/@"), "");
    }
}
