//! X (Twitter) Account Activity API webhook bodies (`{"for_user_id": ..., "<kind>_events": [...]}`)
//! normalised into [`InboundEvent`]s. Check the signature with [`crate::signature::verify_x`]
//! first; answer CRC checks with [`crate::signature::x_crc_response_token`].
//!
//! `for_user_id` is the profile's external id.
//! - `tweet_create_events[]`: a tweet answering another one (`in_reply_to_status_id_str`) is a
//!   reply threaded on the tweet it answers, and names it as its parent; any other tweet is a
//!   mention threaded on itself. Tweets by `for_user_id` (our own posts and replies) come out
//!   outbound. Retweets are skipped. The text is `extended_tweet.full_text` when present, with
//!   the v1.1 HTML escapes (`&amp;`, `&lt;`, `&gt;`) undone.
//! - `direct_message_events[]` of type `message_create`: direct messages threaded on the other
//!   participant; the ones `for_user_id` sent are outbound. Authors come from the top-level
//!   `users` map (or `apps.users`, as in X's own sample).
//! - Every other array (`favorite_events`, `follow_events`, `tweet_delete_events`, ...) is
//!   skipped: none of them is a conversation item.
//!
//! Sponsored is always false: a reply to a promoted tweet is an ordinary tweet in this payload,
//! with nothing telling it came from an ad.
//!
//! Polling: [`normalize_mentions_page`] reads one answer of `GET /2/users/:id/mentions` into the
//! same events the webhook gives for the same tweets (same platform id, thread, direction, time,
//! text and author), so a poll overlapping a webhook stores nothing twice. What a page can lack
//! is said there.

use crate::json::{id_of, millis, secs, shown, str_of, twitter_date};
use crate::{NormalizeError, Normalized};
use inbox_domain::Timestamp;
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Keys of the envelope that describe the delivery rather than carry events.
const ENVELOPE_KEYS: &[&str] = &["for_user_id", "user_has_blocked", "is_blocked_by", "users", "apps", "source"];

/// Normalises one Account Activity webhook body. Fails only when the body is not JSON or not an
/// object with a `for_user_id`; every unusable event goes to [`Normalized::skipped`] without
/// affecting the others.
pub fn normalize(body: &[u8]) -> Result<Normalized, NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("X webhook {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    let for_user = id_of(&root, "for_user_id").ok_or_else(|| envelope("has no `for_user_id`"))?;

    let mut out = Normalized::default();
    each(object, "tweet_create_events", &mut out, |tweet| tweet_create(&for_user, tweet));
    each(object, "direct_message_events", &mut out, |dm| direct_message(&for_user, object, dm));
    for (key, value) in object {
        let key = key.as_str();
        if ENVELOPE_KEYS.contains(&key) || matches!(key, "tweet_create_events" | "direct_message_events") {
            continue;
        }
        let reason = not_ingested(key);
        match value.as_array() {
            Some(events) => (0..events.len()).for_each(|i| out.skip(&format!("{key}[{i}]"), &reason)),
            None => out.skip(key, &reason),
        }
    }
    Ok(out)
}

/// Why events of this array never make a conversation item.
fn not_ingested(key: &str) -> String {
    match key {
        "favorite_events" => "likes never start a conversation".to_string(),
        "follow_events" => "follows never start a conversation".to_string(),
        "tweet_delete_events" => "tweet deletions are not ingested yet (the payload names no thread)".to_string(),
        "direct_message_indicate_typing_events" | "direct_message_mark_read_events" => {
            "typing and read receipts are not conversation items".to_string()
        }
        other => format!("{} is not ingested", shown(other)),
    }
}

fn each(object: &Map<String, Value>, key: &str, out: &mut Normalized, normalize: impl Fn(&Value) -> Result<InboundEvent, String>) {
    let Some(value) = object.get(key) else {
        return;
    };
    match value.as_array() {
        Some(events) => {
            for (i, event) in events.iter().enumerate() {
                out.push(&format!("{key}[{i}]"), normalize(event));
            }
        }
        None => out.skip(key, "not an array"),
    }
}

/// Undoes the HTML escaping of v1.1 tweet text (`&` last, so `&amp;lt;` stays `&lt;`).
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// The event of one tweet, from the webhook or a poll. A tweet answering another one is a reply
/// threaded on the tweet it answers; any other is a mention threaded on itself. Tweets by
/// `for_user` are outbound.
fn tweet_event(for_user: &str, id: String, author: Author, text: &str, occurred_at: Timestamp, replied_to: Option<String>) -> InboundEvent {
    let thread = match replied_to {
        // A reply's original post is the tweet it answers.
        Some(parent) => {
            ThreadRef { kind: Kind::Reply, thread_key: parent.clone(), parent_platform_id: Some(parent.clone()), post_id: Some(parent) }
        }
        None => ThreadRef { kind: Kind::Mention, thread_key: id.clone(), parent_platform_id: None, post_id: None },
    };
    let direction = if author.id == for_user { Direction::Outbound } else { Direction::Inbound };
    InboundEvent {
        network: Network::Twitter,
        profile_external_id: for_user.to_string(),
        platform_id: id,
        thread,
        occurred_at,
        change: Change::Posted { direction, text: unescape(text), author, correlation: None },
        sponsored: false,
    }
}

fn tweet_create(for_user: &str, tweet: &Value) -> Result<InboundEvent, String> {
    let id = id_of(tweet, "id_str").or_else(|| id_of(tweet, "id")).ok_or("tweet has no `id_str`")?;
    if tweet.get("retweeted_status").is_some_and(|r| !r.is_null()) {
        return Err(format!("tweet {id} is a retweet"));
    }
    let user = tweet.get("user").ok_or("tweet has no `user`")?;
    let author = Author {
        id: id_of(user, "id_str").or_else(|| id_of(user, "id")).ok_or("tweet has no `user.id_str`")?,
        name: str_of(user, "name").unwrap_or_default().to_string(),
        handle: str_of(user, "screen_name").unwrap_or_default().to_string(),
    };
    let text = tweet
        .get("extended_tweet")
        .and_then(|e| str_of(e, "full_text"))
        .or_else(|| str_of(tweet, "full_text"))
        .or_else(|| str_of(tweet, "text"))
        .unwrap_or_default();
    let occurred_at = millis(tweet.get("timestamp_ms"))
        .or_else(|| twitter_date(tweet.get("created_at")))
        .ok_or("tweet has neither `timestamp_ms` nor a readable `created_at`")?;
    // A promoted-only (nullcasted) tweet of ours may say so: `scopes.followers: false`.
    let promoted = author.id == for_user && tweet.get("scopes").and_then(|s| s.get("followers")).and_then(Value::as_bool) == Some(false);
    let mut event = tweet_event(for_user, id, author, text, occurred_at, id_of(tweet, "in_reply_to_status_id_str"));
    event.sponsored = promoted;
    Ok(event)
}

/// The author of a direct message, from `users` (or `apps.users`, as X's doc sample has it).
fn dm_author(envelope: &Map<String, Value>, id: &str) -> Author {
    let user =
        envelope.get("users").and_then(|u| u.get(id)).or_else(|| envelope.get("apps").and_then(|a| a.get("users")).and_then(|u| u.get(id)));
    let field = |key: &str| user.and_then(|u| str_of(u, key)).unwrap_or_default().to_string();
    Author { id: id.to_string(), name: field("name"), handle: field("screen_name") }
}

fn direct_message(for_user: &str, envelope: &Map<String, Value>, event: &Value) -> Result<InboundEvent, String> {
    match str_of(event, "type") {
        Some("message_create") => {}
        Some(other) => {
            return Err(format!("direct message event {} is not ingested", shown(other)));
        }
        None => return Err("direct message event has no `type`".to_string()),
    }
    let id = id_of(event, "id").ok_or("direct message has no `id`")?;
    let create = event.get("message_create").ok_or("direct message has no `message_create`")?;
    let sender = id_of(create, "sender_id").ok_or("direct message has no `sender_id`")?;
    let recipient = create.get("target").and_then(|t| id_of(t, "recipient_id")).ok_or("direct message has no `target.recipient_id`")?;
    let (direction, other) = if sender == for_user { (Direction::Outbound, recipient) } else { (Direction::Inbound, sender.clone()) };
    let data = create.get("message_data");
    let mut parts: Vec<String> = Vec::new();
    if let Some(text) = data.and_then(|d| str_of(d, "text")).filter(|t| !t.is_empty()) {
        parts.push(text.to_string());
    }
    if let Some(media) = data.and_then(|d| d.get("attachment")).and_then(|a| a.get("media")) {
        let kind = str_of(media, "type").unwrap_or("media");
        match str_of(media, "media_url_https").or_else(|| str_of(media, "media_url")) {
            Some(url) => parts.push(format!("[{kind}] {url}")),
            None => parts.push(format!("[{kind}]")),
        }
    }
    let occurred_at = millis(event.get("created_timestamp")).ok_or("direct message has no readable `created_timestamp`")?;
    Ok(InboundEvent {
        network: Network::Twitter,
        profile_external_id: for_user.to_string(),
        platform_id: id,
        thread: ThreadRef { kind: Kind::Dm, thread_key: other, parent_platform_id: None, post_id: None },
        occurred_at,
        change: Change::Posted { direction, text: parts.join("\n"), author: dm_author(envelope, &sender), correlation: None },
        sponsored: false,
    })
}

/// The `meta` of a mentions page that the poller needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct XMentionsMeta {
    /// The newest tweet id of this page. Keep the **first** page's as the next `since_id`.
    pub newest_id: Option<String>,
    /// Ask for the next (older) page with `pagination_token=<this>`; `None` on the last page.
    pub next_token: Option<String>,
}

/// Normalises one answer of `GET /2/users/:id/mentions` (the response body) for the user
/// `user_id` (the profile's external id, as `for_user_id` is for the webhook). Ask for
/// `tweet.fields=created_at,author_id,referenced_tweets` (and `note_tweet` for long posts),
/// `expansions=author_id` and `user.fields=username,name`.
///
/// Each `data[]` tweet gives exactly the event [`normalize`] gives for the same tweet: platform id
/// `id`; a reply (`referenced_tweets` of type `replied_to`) is kind reply threaded on, and
/// parented to, the tweet it answers; any other tweet (quotes included) is a mention threaded on
/// itself; outbound when `author_id` is `user_id`; `occurred_at` from `created_at`; the text is
/// `note_tweet.text` else `text`, HTML escapes undone; the author's name and username come from
/// `includes.users[]`. Retweets are skipped, as on the webhook.
///
/// What a page can lack, compared with the webhook: the author's name and handle when the author
/// is missing from `includes.users` (no expansion asked, or a suspended or protected account),
/// which then come out empty; and the whole text of a long post when `note_tweet` was not asked
/// for (`text` is then cut). Tweets without `author_id` or a readable `created_at` are skipped.
///
/// An empty page (`{"meta": {"result_count": 0}}`) gives no events. Fails when the body is not
/// JSON, not an object, has a `data` that is not an array, or carries `errors` and no `data`.
pub fn normalize_mentions_page(user_id: &str, body: &[u8]) -> Result<(Normalized, XMentionsMeta), NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("X mentions answer {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    let empty = Vec::new();
    let tweets = match object.get("data") {
        Some(data) => data.as_array().ok_or_else(|| envelope("has a `data` that is not an array"))?,
        None if object.contains_key("errors") => return Err(envelope("carries `errors` and no `data`")),
        None => &empty,
    };
    let meta = root.get("meta");
    let meta_id = |key: &str| meta.and_then(|m| id_of(m, key));
    let page_meta = XMentionsMeta { newest_id: meta_id("newest_id"), next_token: meta_id("next_token") };
    let users = root.get("includes").and_then(|i| i.get("users")).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let user_id = user_id.trim();

    let mut out = Normalized::default();
    for (i, tweet) in tweets.iter().enumerate() {
        out.push(&format!("data[{i}]"), mentioned_tweet(user_id, users, tweet));
    }
    Ok((out, page_meta))
}

/// One v2 tweet of a mentions page.
fn mentioned_tweet(user_id: &str, users: &[Value], tweet: &Value) -> Result<InboundEvent, String> {
    let id = id_of(tweet, "id").ok_or("tweet has no `id`")?;
    let referenced = tweet.get("referenced_tweets").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let referenced_id = |kind: &str| referenced.iter().find(|r| str_of(r, "type") == Some(kind)).and_then(|r| id_of(r, "id"));
    if referenced.iter().any(|r| str_of(r, "type") == Some("retweeted")) {
        return Err(format!("tweet {id} is a retweet"));
    }
    let author_id = id_of(tweet, "author_id").ok_or_else(|| format!("tweet {id} has no `author_id`"))?;
    let user = users.iter().find(|u| id_of(u, "id").as_deref() == Some(author_id.as_str()));
    let field = |key: &str| user.and_then(|u| str_of(u, key)).unwrap_or_default().to_string();
    let author = Author { name: field("name"), handle: field("username"), id: author_id };
    let text = tweet.get("note_tweet").and_then(|n| str_of(n, "text")).or_else(|| str_of(tweet, "text")).unwrap_or_default();
    let occurred_at = secs(tweet.get("created_at")).ok_or_else(|| format!("tweet {id} has no readable `created_at`"))?;
    let replied_to = referenced_id("replied_to");
    Ok(tweet_event(user_id, id, author, text, occurred_at, replied_to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tweet_text_escapes_are_undone() {
        assert_eq!(unescape("a &amp; b &lt;3 &gt; c"), "a & b <3 > c");
        assert_eq!(unescape("&amp;lt;"), "&lt;");
    }
}
