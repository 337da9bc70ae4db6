//! Meta webhooks (`POST` bodies with `{"object": ..., "entry": [...]}`) normalised into
//! [`InboundEvent`]s. Check the signature with [`crate::signature::verify_meta`] first.
//!
//! `object: "page"` (network Facebook):
//! - `changes[]` field `feed`, item `comment`: verbs `add` / `edited` / `remove` become
//!   posted / edited / deleted comments. The thread is the top-level comment; a reply names
//!   its parent comment. The Page's own comments come out outbound. Comments on boosted posts and
//!   ads (`post.promotion_status` `active` or `ineligible`, or `post.is_published: false`) are
//!   sponsored. Other feed items (posts, reactions, shares, ...) and verbs (`hide`, ...) are
//!   skipped.
//! - `changes[]` field `mention`: a tag of the Page in a post or comment (kind tag), threaded on
//!   the comment if there is one, else the post.
//! - `messaging[]` `message` events: Messenger direct messages threaded on the PSID. Echoes of the
//!   Page's own sends are outbound and carry the Send API `metadata` as their correlation.
//!   Attachments become lines like `[image] https://...`.
//! - `messaging[]` handover events (the handover protocol): `pass_thread_control` (sent to the app
//!   that receives the thread) and `take_thread_control` (sent to the app that loses it) become
//!   [`Change::ThreadControl`] with `new_owner_app_id` as the owner, on the DM thread of the PSID
//!   (the participant that is not the Page). They carry no id of their own, so their platform id
//!   is the synthetic `handover:<psid>:<timestamp ms>:<new owner app id>` (stable across retries).
//!   `request_thread_control` and `app_roles` change no owner and are skipped; so are the other
//!   messaging events (deliveries, reads, postbacks, reactions, policy enforcement).
//! - `standby[]` (our app is not the thread owner, a chatbot is): messages become
//!   [`Change::Standby`], recorded without opening the conversation; echoes are outbound
//!   [`Change::Posted`] exactly as on `messaging[]`; unsent messages are deletions; handover events
//!   are read as on `messaging[]`; reads, deliveries and postbacks (which carry no payload in
//!   standby) are skipped.
//!
//! `object: "instagram"` (network Instagram), in both the `changes[]` shape and the flat
//! Instagram-Login shape (`field` / `value` on the entry):
//! - `comments` / `live_comments`: comments threaded on the top-level comment; ad comments
//!   (`media.ad_id`, or `media_product_type: "AD"`) are sponsored. These values carry no time of
//!   their own, so `occurred_at` is the entry's `time`.
//! - `mentions`: kind mention, threaded on the comment, else the media. The payload holds ids
//!   only, so the text is empty until someone fetches it.
//! - `messaging[]`: Instagram direct messages, read like Messenger ones (an unsent message,
//!   `is_deleted: true`, becomes a deletion).
//!
//! Any other `object` gives no events and one skip line. When an event carries no time of its
//! own, the entry's `time` is used (seconds for the feed, milliseconds for Messenger).

use crate::json::{id_of, id_value, millis, seconds_or_millis, secs, shown, str_of};
use crate::{NormalizeError, Normalized};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network, Timestamp};
use serde_json::Value;

/// The name given to a Facebook author the payload does not name.
pub const UNKNOWN_FACEBOOK_USER: &str = "Facebook user";
/// The name given to an Instagram author the payload does not name.
pub const UNKNOWN_INSTAGRAM_USER: &str = "Instagram user";

/// Normalises one Meta webhook body. Fails only when the body is not JSON or not the
/// `{"object", "entry": [...]}` envelope; every unusable entry, change or message goes to
/// [`Normalized::skipped`] without affecting the others.
pub fn normalize(body: &[u8]) -> Result<Normalized, NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("Meta webhook {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    let kind = object.get("object").and_then(Value::as_str).ok_or_else(|| envelope("has no `object` string"))?;
    let entries = object.get("entry").and_then(Value::as_array).ok_or_else(|| envelope("has no `entry` array"))?;

    let mut out = Normalized::default();
    let network = match kind {
        "page" => Network::Facebook,
        "instagram" => Network::Instagram,
        other => {
            out.skip("object", format!("object {} is not ingested", shown(other)));
            return Ok(out);
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        normalize_entry(network, i, entry, &mut out);
    }
    Ok(out)
}

/// What every event of one entry shares.
struct Entry {
    network: Network,
    /// The Page or Instagram account id: the profile's external id.
    id: String,
    /// When Meta sent the entry; the fallback when an event has no time of its own.
    time: Option<Timestamp>,
}

impl Entry {
    fn event(
        &self,
        platform_id: String,
        thread: ThreadRef,
        occurred_at: Option<Timestamp>,
        change: Change,
        sponsored: bool,
    ) -> Result<InboundEvent, String> {
        let occurred_at = occurred_at.or(self.time).ok_or("no event time and no entry `time`")?;
        Ok(InboundEvent {
            network: self.network,
            profile_external_id: self.id.clone(),
            platform_id,
            thread,
            occurred_at,
            change,
            sponsored,
        })
    }

    fn direction_of(&self, author: &Author) -> Direction {
        if !author.id.is_empty() && author.id == self.id { Direction::Outbound } else { Direction::Inbound }
    }
}

fn normalize_entry(network: Network, i: usize, entry: &Value, out: &mut Normalized) {
    let here = format!("entry[{i}]");
    let Some(id) = id_of(entry, "id") else {
        out.skip(&here, "entry has no `id`");
        return;
    };
    let entry_ctx = Entry { network, id, time: seconds_or_millis(entry.get("time")) };
    let mut seen = false;

    if let Some(changes) = entry.get("changes") {
        seen = true;
        match changes.as_array() {
            Some(changes) => {
                for (j, change) in changes.iter().enumerate() {
                    let here = format!("{here}.changes[{j}]");
                    out.push(&here, field_change(&entry_ctx, change));
                }
            }
            None => out.skip(&here, "`changes` is not an array"),
        }
    }
    // Instagram Login: `field` and `value` directly on the entry.
    if entry.get("field").is_some() {
        seen = true;
        out.push(&here, field_change(&entry_ctx, entry));
    }
    for channel in [Channel::Messaging, Channel::Standby] {
        let Some(events) = entry.get(channel.key()) else {
            continue;
        };
        seen = true;
        match events.as_array() {
            Some(events) => {
                for (j, event) in events.iter().enumerate() {
                    let here = format!("{here}.{}[{j}]", channel.key());
                    out.push(&here, messaging_event(&entry_ctx, channel, event));
                }
            }
            None => out.skip(&here, format!("`{}` is not an array", channel.key())),
        }
    }
    if !seen {
        if entry.get("changed_fields").is_some() {
            out.skip(&here, "`changed_fields` without values (turn on Include Values)");
        } else {
            out.skip(&here, "entry has no `changes`, `messaging` or `standby`");
        }
    }
}

/// One `{field, value}` pair.
fn field_change(entry: &Entry, change: &Value) -> Result<InboundEvent, String> {
    let field = str_of(change, "field").ok_or("change has no `field`")?;
    let value = change.get("value").filter(|v| v.is_object()).ok_or_else(|| format!("field {} has no `value` object", shown(field)))?;
    match (entry.network, field) {
        (Network::Facebook, "feed") => facebook_feed(entry, value),
        (Network::Facebook, "mention") => facebook_mention(entry, value),
        (Network::Instagram, "comments" | "live_comments") => instagram_comment(entry, value),
        (Network::Instagram, "mentions") => instagram_mention(entry, value),
        (_, other) => Err(format!("field {} is not ingested", shown(other))),
    }
}

/// `from{id,name}`, else the legacy `sender_id`/`sender_name`; unnamed authors get a
/// placeholder name.
fn facebook_author(value: &Value) -> Author {
    let from = value.get("from");
    let id = from.and_then(|f| id_of(f, "id")).or_else(|| id_of(value, "sender_id")).unwrap_or_default();
    let name = from
        .and_then(|f| str_of(f, "name"))
        .or_else(|| str_of(value, "sender_name"))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(UNKNOWN_FACEBOOK_USER);
    Author { id, name: name.to_string(), handle: String::new() }
}

/// Boosted post or ad (dark post), as far as the `post` object tells.
fn facebook_sponsored(value: &Value) -> bool {
    value.get("post").and_then(facebook_post_sponsored) == Some(true)
}

/// Whether a Page post (a webhook's `post` object, or the post read from the Graph API) is
/// sponsored: boosted (`promotion_status: active`), a dark post or ad creative (`ineligible`),
/// or unpublished (`is_published: false`, as dark posts are); organic when `inactive`; `None`
/// when it does not say.
pub(crate) fn facebook_post_sponsored(post: &Value) -> Option<bool> {
    if post.get("is_published").and_then(Value::as_bool) == Some(false) {
        return Some(true);
    }
    match str_of(post, "promotion_status") {
        Some("active" | "ineligible") => Some(true),
        Some("inactive") => Some(false),
        _ => None,
    }
}

/// The text of a feed item: its message, then a line per attached photo or video.
fn feed_text(value: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(message) = str_of(value, "message").filter(|m| !m.is_empty()) {
        parts.push(message.to_string());
    }
    for kind in ["photo", "video"] {
        if let Some(url) = str_of(value, kind).filter(|u| !u.is_empty()) {
            parts.push(format!("[{kind}] {url}"));
        }
    }
    parts.join("\n")
}

/// The change a verb stands for, or why it is not ingested. `Posted` is completed by the caller.
enum Verb {
    Add,
    Edit(String),
    Remove,
}

fn verb(value: &Value, what: &str) -> Result<Verb, String> {
    match str_of(value, "verb") {
        Some("add") => Ok(Verb::Add),
        Some("edited" | "edit") => {
            str_of(value, "message").map(|m| Verb::Edit(m.to_string())).ok_or_else(|| format!("edited {what} has no `message`"))
        }
        Some("remove" | "delete") => Ok(Verb::Remove),
        Some(other) => Err(format!("{what} verb {} is not ingested", shown(other))),
        None => Err(format!("{what} has no `verb`")),
    }
}

fn posted_or(verb: Verb, entry: &Entry, author: Author, text: String) -> Change {
    match verb {
        Verb::Add => Change::Posted { direction: entry.direction_of(&author), text, author, correlation: None },
        Verb::Edit(text) => Change::Edited { text },
        Verb::Remove => Change::Deleted,
    }
}

/// `feed` changes: only comments (and replies) make conversations.
fn facebook_feed(entry: &Entry, value: &Value) -> Result<InboundEvent, String> {
    let item = str_of(value, "item").unwrap_or("");
    if item != "comment" {
        let verb = str_of(value, "verb").unwrap_or("");
        return Err(format!("feed item {} (verb {}) is not ingested", shown(item), shown(verb)));
    }
    let comment_id = id_of(value, "comment_id").ok_or("comment has no `comment_id`")?;
    let post_id = id_of(value, "post_id");
    // A top-level comment's parent is the post; a reply's is the comment it answers.
    let parent = id_of(value, "parent_id").filter(|p| Some(p) != post_id.as_ref());
    let thread = ThreadRef {
        kind: Kind::Comment,
        thread_key: parent.clone().unwrap_or_else(|| comment_id.clone()),
        parent_platform_id: parent,
        post_id: post_id.clone(),
    };
    let verb = verb(value, "comment")?;
    let occurred_at = match verb {
        Verb::Edit(_) => secs(value.get("edited_time")).or(secs(value.get("created_time"))),
        _ => secs(value.get("created_time")),
    };
    let change = posted_or(verb, entry, facebook_author(value), feed_text(value));
    entry.event(comment_id, thread, occurred_at, change, facebook_sponsored(value))
}

/// `mention` changes: the Page was tagged in a post or a comment.
fn facebook_mention(entry: &Entry, value: &Value) -> Result<InboundEvent, String> {
    let key = id_of(value, "comment_id").or_else(|| id_of(value, "post_id")).ok_or("mention has neither `comment_id` nor `post_id`")?;
    // A tag in a comment is under its post; a tag in a post is the post itself.
    let post = id_of(value, "comment_id").and(id_of(value, "post_id"));
    let thread = ThreadRef { kind: Kind::Tag, thread_key: key.clone(), parent_platform_id: None, post_id: post };
    let verb = verb(value, "mention")?;
    let change = posted_or(verb, entry, facebook_author(value), feed_text(value));
    entry.event(key, thread, secs(value.get("created_time")), change, facebook_sponsored(value))
}

fn instagram_author(value: &Value) -> Author {
    let from = value.get("from");
    let username = from.and_then(|f| str_of(f, "username")).map(str::trim).filter(|u| !u.is_empty());
    Author {
        id: from.and_then(|f| id_of(f, "id")).unwrap_or_default(),
        name: username.unwrap_or(UNKNOWN_INSTAGRAM_USER).to_string(),
        handle: username.unwrap_or_default().to_string(),
    }
}

/// `comments` / `live_comments`: new comments only (Instagram sends no edits or deletions).
fn instagram_comment(entry: &Entry, value: &Value) -> Result<InboundEvent, String> {
    let comment_id = id_of(value, "id").or_else(|| id_of(value, "comment_id")).ok_or("comment has neither `id` nor `comment_id`")?;
    let parent = id_of(value, "parent_id").filter(|p| *p != comment_id);
    let thread = ThreadRef {
        kind: Kind::Comment,
        thread_key: parent.clone().unwrap_or_else(|| comment_id.clone()),
        parent_platform_id: parent,
        post_id: value.get("media").and_then(|m| id_of(m, "id")),
    };
    let sponsored =
        value.get("media").is_some_and(|media| id_of(media, "ad_id").is_some() || str_of(media, "media_product_type") == Some("AD"));
    let author = instagram_author(value);
    let change = Change::Posted {
        direction: entry.direction_of(&author),
        text: str_of(value, "text").unwrap_or_default().to_string(),
        author,
        correlation: None,
    };
    let occurred_at = secs(value.get("created_time")).or(secs(value.get("timestamp")));
    entry.event(comment_id, thread, occurred_at, change, sponsored)
}

/// `mentions`: ids only (`comment_id` and/or `media_id`); the text has to be fetched.
fn instagram_mention(entry: &Entry, value: &Value) -> Result<InboundEvent, String> {
    let key = id_of(value, "comment_id").or_else(|| id_of(value, "media_id")).ok_or("mention has neither `comment_id` nor `media_id`")?;
    // The media is the original post whether the mention is in its caption or in a comment:
    // the webhook carries ids only, and the media's caption is what there is to read.
    let thread = ThreadRef { kind: Kind::Mention, thread_key: key.clone(), parent_platform_id: None, post_id: id_of(value, "media_id") };
    let change = Change::Posted { direction: Direction::Inbound, text: String::new(), author: instagram_author(value), correlation: None };
    entry.event(key, thread, None, change, false)
}

/// The readable text of a Messenger message: its text, then one `[type] url` line per
/// attachment.
fn message_text(message: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(text) = str_of(message, "text").filter(|t| !t.is_empty()) {
        parts.push(text.to_string());
    }
    for attachment in message.get("attachments").and_then(Value::as_array).into_iter().flatten() {
        let kind = str_of(attachment, "type").unwrap_or("attachment");
        let url = attachment.get("payload").and_then(|p| str_of(p, "url")).filter(|u| !u.is_empty());
        parts.push(match url {
            Some(url) => format!("[{kind}] {url}"),
            None => format!("[{kind}]"),
        });
    }
    parts.join("\n")
}

/// Which array of the entry a Messenger event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    /// `messaging[]`: our app owns the thread (or nobody uses the handover protocol).
    Messaging,
    /// `standby[]`: another app (a chatbot) owns the thread; we only listen.
    Standby,
}

impl Channel {
    fn key(self) -> &'static str {
        match self {
            Channel::Messaging => "messaging",
            Channel::Standby => "standby",
        }
    }
}

/// One `messaging[]` or `standby[]` event: messages (and their echoes) and thread control.
fn messaging_event(entry: &Entry, channel: Channel, event: &Value) -> Result<InboundEvent, String> {
    if let Some(message) = event.get("message").filter(|m| m.is_object()) {
        return message_event(entry, channel, event, message);
    }
    for name in ["pass_thread_control", "take_thread_control"] {
        if let Some(control) = event.get(name).filter(|c| c.is_object()) {
            return thread_control(entry, event, name, control);
        }
    }
    if event.get("request_thread_control").is_some() {
        return Err("`request_thread_control` is not ingested: a request changes no thread owner".to_string());
    }
    if event.get("app_roles").is_some() {
        return Err("`app_roles` is not ingested: a change of receiver roles names no thread".to_string());
    }
    let name = event
        .as_object()
        .and_then(|o| o.keys().find(|k| !matches!(k.as_str(), "sender" | "recipient" | "timestamp")))
        .map(|k| shown(k))
        .unwrap_or_else(|| "empty".to_string());
    Err(match channel {
        Channel::Messaging => format!("messaging event {name} is not ingested yet"),
        Channel::Standby => format!("standby event {name} is not ingested (only messages and echoes are)"),
    })
}

/// The id of `sender` or `recipient`.
fn participant(event: &Value, side: &str) -> Option<String> {
    event.get(side).and_then(|s| s.get("id")).and_then(id_value)
}

/// A message or its echo. In standby, a customer's message is [`Change::Standby`].
fn message_event(entry: &Entry, channel: Channel, event: &Value, message: &Value) -> Result<InboundEvent, String> {
    let mid = id_of(message, "mid").ok_or("message has no `mid`")?;
    let is_echo = message.get("is_echo").and_then(Value::as_bool) == Some(true);
    let (psid, author_id, correlation) = if is_echo {
        let psid = participant(event, "recipient").ok_or("echo has no `recipient.id`")?;
        let page = participant(event, "sender").unwrap_or_else(|| entry.id.clone());
        let correlation = message.get("metadata").and_then(Value::as_str).map(str::to_string);
        (psid, page, correlation)
    } else {
        let psid = participant(event, "sender").ok_or("message has no `sender.id`")?;
        (psid.clone(), psid, None)
    };
    let thread = ThreadRef { kind: Kind::Dm, thread_key: psid, parent_platform_id: None, post_id: None };
    let author = Author { id: author_id, name: String::new(), handle: String::new() };
    let text = message_text(message);
    let change = if message.get("is_deleted").and_then(Value::as_bool) == Some(true) {
        Change::Deleted
    } else if is_echo {
        Change::Posted { direction: Direction::Outbound, text, author, correlation }
    } else if channel == Channel::Standby {
        Change::Standby { text, author }
    } else {
        Change::Posted { direction: Direction::Inbound, text, author, correlation }
    };
    entry.event(mid, thread, millis(event.get("timestamp")), change, false)
}

/// `pass_thread_control` / `take_thread_control`: the thread of the PSID now belongs to
/// `new_owner_app_id`.
fn thread_control(entry: &Entry, event: &Value, name: &str, control: &Value) -> Result<InboundEvent, String> {
    let owner = control.get("new_owner_app_id").and_then(id_value).ok_or_else(|| format!("`{name}` has no `new_owner_app_id`"))?;
    // The customer is whichever participant is not the Page (the docs' samples disagree on sides).
    let psid = [participant(event, "sender"), participant(event, "recipient")]
        .into_iter()
        .flatten()
        .find(|id| *id != entry.id)
        .ok_or_else(|| format!("`{name}` names no participant other than the Page"))?;
    let at = millis(event.get("timestamp")).ok_or_else(|| format!("`{name}` has no `timestamp`"))?;
    let platform_id = format!("handover:{psid}:{}:{owner}", at.timestamp_millis());
    let thread = ThreadRef { kind: Kind::Dm, thread_key: psid, parent_platform_id: None, post_id: None };
    entry.event(platform_id, thread, Some(at), Change::ThreadControl { owner_app_id: Some(owner) }, false)
}
