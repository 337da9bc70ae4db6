//! LinkedIn (Community Management API) bodies normalised into [`InboundEvent`]s: the
//! `ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS` webhook ([`normalize_webhook`]; check the signature
//! with [`crate::signature::verify_linkedin`] first) and the answers of
//! `GET /rest/socialActions/{urn}/comments` ([`normalize_comments_page`]) used to poll and to
//! reconcile.
//!
//! The profile's external id is the organization's number: `5515715` for
//! `urn:li:organization:5515715`. Items are keyed by their comment URN
//! (`urn:li:comment:(urn:li:activity:<id>,<comment id>)`), the same from the webhook and from the
//! comments API, so a poll overlapping a webhook stores nothing twice. The webhook's
//! `notificationId` (LinkedIn's documented dedupe key) is not used: a `COMMENT` and a later
//! `COMMENT_EDIT` of one comment are two notifications about one item. Authors are identified by
//! their URN (`urn:li:person:...` or `urn:li:organization:...`); LinkedIn sends no names, so
//! names and handles are empty.
//!
//! Webhook actions:
//! - `COMMENT`: a new comment, inbound (outbound when its owner is the organization itself),
//!   kind comment, threaded on the top-level comment. The notification does not reliably say
//!   whether a comment answers another one: when `decoratedGeneratedActivity.comment.parentComment`
//!   is given the comment joins its parent's thread, otherwise it is threaded on itself (a reply
//!   then starts its own conversation, until a comments poll would have given its parent).
//! - `ADMIN_COMMENT`: a comment by the organization (an admin acting as the page): outbound.
//! - `COMMENT_EDIT`: an edit, with the new text from the decoration; an edit without text is
//!   skipped rather than blanking the stored text.
//! - `COMMENT_DELETE`: a deletion.
//! - `SHARE_MENTION`: the organization mentioned in a post: kind mention, threaded on the post
//!   (`generatedActivity`, else `sourcePost`).
//! - `LIKE` and `SHARE` are skipped: neither is a conversation item.
//!
//! Text comes from `decoratedGeneratedActivity.comment.text` (or `.share.text`). The payload is
//! documented loosely: when the notification references the activity only and carries no text,
//! the event is produced with an empty text, and `occurred_at` is always `lastModifiedAt`
//! (when LinkedIn processed the action, not when the comment was written).
//!
//! LinkedIn ads (sponsored and dark posts) are not ingested and the webhook fires for PUBLIC
//! posts only, so nothing here is ever sponsored.

use crate::json::{id_of, millis, shown, str_of};
use crate::{NormalizeError, Normalized};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `type` of the organization social action webhook.
pub const ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS: &str = "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS";

const ORGANIZATION_URN: &str = "urn:li:organization:";
const ORGANIZATION_BRAND_URN: &str = "urn:li:organizationBrand:";

/// The organization number of an organization URN (`urn:li:organization:5515715` → `5515715`).
fn organization_id(urn: &str) -> Option<&str> {
    let urn = urn.trim();
    urn.strip_prefix(ORGANIZATION_URN).or_else(|| urn.strip_prefix(ORGANIZATION_BRAND_URN)).filter(|id| !id.is_empty())
}

/// Normalises one `ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS` webhook body. Fails only when the
/// body is not JSON or not an object with a `notifications` array; every unusable notification
/// goes to [`Normalized::skipped`] without affecting the others. Another `type` gives no events
/// and one skip line.
pub fn normalize_webhook(body: &[u8]) -> Result<Normalized, NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("LinkedIn webhook {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    let notifications = object.get("notifications").and_then(Value::as_array).ok_or_else(|| envelope("has no `notifications` array"))?;

    let mut out = Normalized::default();
    if let Some(kind) = object.get("type").and_then(Value::as_str).filter(|t| *t != ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS) {
        out.skip("type", format!("type {} is not ingested", shown(kind)));
        return Ok(out);
    }
    for (i, n) in notifications.iter().enumerate() {
        out.push(&format!("notifications[{i}]"), notification(n));
    }
    Ok(out)
}

/// The author of a decorated comment or share: its `owner`, else its `actor`, else `fallback`.
fn decorated_author(decoration: Option<&Value>, fallback: &str) -> Author {
    let id = decoration.and_then(|d| id_of(d, "owner").or_else(|| id_of(d, "actor"))).unwrap_or_else(|| fallback.to_string());
    Author { id, name: String::new(), handle: String::new() }
}

/// The text of a decorated comment or share: `text`, else `message.text`.
fn decorated_text(decoration: Option<&Value>) -> Option<String> {
    let d = decoration?;
    str_of(d, "text").or_else(|| d.get("message").and_then(|m| str_of(m, "text"))).map(str::to_string)
}

fn notification(n: &Value) -> Result<InboundEvent, String> {
    let action = str_of(n, "action").ok_or("notification has no `action`")?;
    let org_urn = str_of(n, "organizationalEntity").map(str::trim).ok_or("notification has no `organizationalEntity`")?;
    let org_id = organization_id(org_urn).ok_or_else(|| format!("`organizationalEntity` {} is not an organization URN", shown(org_urn)))?;
    let decorated = n.get("decoratedGeneratedActivity");
    let (platform_id, thread, change) = match action {
        "COMMENT" | "ADMIN_COMMENT" | "COMMENT_EDIT" | "COMMENT_DELETE" => {
            let comment = decorated.and_then(|d| d.get("comment"));
            let urn = id_of(n, "generatedActivity")
                .or_else(|| comment.and_then(|c| id_of(c, "entity")))
                .ok_or_else(|| format!("{action} has no `generatedActivity` comment URN"))?;
            let parent = comment.and_then(|c| id_of(c, "parentComment")).filter(|p| *p != urn);
            let post = id_of(n, "sourcePost").or_else(|| comment.and_then(|c| id_of(c, "object"))).or_else(|| comment_root(&urn));
            let thread = ThreadRef {
                kind: Kind::Comment,
                thread_key: parent.clone().unwrap_or_else(|| urn.clone()),
                parent_platform_id: parent,
                post_id: post,
            };
            let change = match action {
                "COMMENT_EDIT" => Change::Edited { text: decorated_text(comment).ok_or("COMMENT_EDIT carries no comment text")? },
                "COMMENT_DELETE" => Change::Deleted,
                _ => {
                    let admin = action == "ADMIN_COMMENT";
                    let author = decorated_author(comment, if admin { org_urn } else { "" });
                    let direction = if admin || author.id == org_urn { Direction::Outbound } else { Direction::Inbound };
                    Change::Posted { direction, text: decorated_text(comment).unwrap_or_default(), author, correlation: None }
                }
            };
            (urn, thread, change)
        }
        "SHARE_MENTION" => {
            let share = decorated.and_then(|d| d.get("share"));
            let urn = id_of(n, "generatedActivity")
                .or_else(|| id_of(n, "sourcePost"))
                .ok_or("SHARE_MENTION has neither `generatedActivity` nor `sourcePost`")?;
            let thread = ThreadRef { kind: Kind::Mention, thread_key: urn.clone(), parent_platform_id: None, post_id: None };
            let author = decorated_author(share, "");
            let direction = if author.id == org_urn { Direction::Outbound } else { Direction::Inbound };
            let change = Change::Posted { direction, text: decorated_text(share).unwrap_or_default(), author, correlation: None };
            (urn, thread, change)
        }
        "LIKE" => return Err("LIKE notifications never start a conversation".to_string()),
        "SHARE" => return Err("SHARE (repost) notifications are not conversation items".to_string()),
        other => return Err(format!("action {} is not ingested", shown(other))),
    };
    let occurred_at = millis(n.get("lastModifiedAt")).ok_or("notification has no readable `lastModifiedAt`")?;
    Ok(InboundEvent {
        network: Network::Linkedin,
        profile_external_id: org_id.to_string(),
        platform_id,
        thread,
        occurred_at,
        change,
        sponsored: false,
    })
}

/// The `paging` of a LinkedIn collection answer. Page on with `start = next_start()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedinPaging {
    /// The index of this page's first element.
    pub start: u64,
    /// The page size asked for (not the number of elements returned).
    pub count: u64,
    /// How many elements the whole collection holds, when LinkedIn says.
    pub total: Option<u64>,
}

impl LinkedinPaging {
    /// The `start` of the next page: `start + count` while that is below `total`. `None` at
    /// the end, and also when the total is unknown or the count is 0 (so a poll never loops).
    pub fn next_start(&self) -> Option<u64> {
        let next = self.start.checked_add(self.count).filter(|_| self.count > 0)?;
        (next < self.total?).then_some(next)
    }
}

/// Normalises one answer of `GET /rest/socialActions/{urn}/comments` (the response body, with
/// `paging` and `elements`) for the organization `org_id` (its number, or its full
/// `urn:li:organization:` URN). Every element is a [`Change::Posted`] of kind comment:
/// - `platform_id`: its `commentUrn` (elements without one are skipped: a URN rebuilt from
///   `object` and `id` might not be the one the webhook gave);
/// - thread: `parentComment` when set (LinkedIn nests one level only, so the parent is the
///   top-level comment), else the comment itself; `parent_platform_id` is `parentComment`;
/// - author: `actor` (a person or the organization URN), with no name; outbound when the actor is
///   the organization (a page admin's comment, `agent` naming the admin);
/// - `occurred_at`: `created.time` (else `lastModified.time`);
/// - text: `message.text`, then one `[type] url` line per `content[]` entry with a `url`;
/// - post: `post`, the post URN whose comments were asked for.
///
/// An edited comment (`lastModified.time` after `created.time`) comes out as posted with its
/// current text, followed by an edit at `lastModified.time`: the ingest stores the first and
/// applies the second to a comment it stored before. Deleted comments are simply absent from
/// the answer.
///
/// Fails only when the body is not JSON or has no `elements` array. The paging defaults to
/// `start` 0 and `count` the number of elements when LinkedIn omits it.
pub fn normalize_comments_page(org_id: &str, post: &str, body: &[u8]) -> Result<(Normalized, LinkedinPaging), NormalizeError> {
    let root: Value = serde_json::from_slice(body)?;
    let envelope = |what: &str| NormalizeError::Envelope(format!("LinkedIn comments answer {what}"));
    let object = root.as_object().ok_or_else(|| envelope("is not a JSON object"))?;
    let elements = object.get("elements").and_then(Value::as_array).ok_or_else(|| envelope("has no `elements` array"))?;
    let org_id = organization_id(org_id).unwrap_or(org_id.trim());
    let org_urn = format!("{ORGANIZATION_URN}{org_id}");

    let paging = object.get("paging");
    let number = |key: &str| paging.and_then(|p| p.get(key)).and_then(Value::as_u64);
    let paging = LinkedinPaging {
        start: number("start").unwrap_or(0),
        count: number("count").unwrap_or(elements.len() as u64),
        total: number("total"),
    };

    let mut out = Normalized::default();
    for (i, element) in elements.iter().enumerate() {
        let modified = millis(element.get("lastModified").and_then(|t| t.get("time")));
        out.push_maybe_edited(&format!("elements[{i}]"), comment_element(org_id, &org_urn, post, element), modified);
    }
    Ok((out, paging))
}

/// The URN of the post (or activity) a LinkedIn comment URN belongs to:
/// `urn:li:comment:(urn:li:activity:1,2)` → `urn:li:activity:1`. `None` for anything that is not
/// a comment URN (a post URN is its own root).
pub fn comment_root(urn: &str) -> Option<String> {
    let inner = urn.trim().strip_prefix("urn:li:comment:(")?.strip_suffix(')')?;
    let (root, id) = inner.rsplit_once(',')?;
    (root.starts_with("urn:li:") && !id.trim().is_empty()).then(|| root.trim().to_string())
}

fn comment_element(org_id: &str, org_urn: &str, post: &str, element: &Value) -> Result<InboundEvent, String> {
    let urn = id_of(element, "commentUrn").ok_or("comment has no `commentUrn`")?;
    let parent = id_of(element, "parentComment").filter(|p| *p != urn);
    let actor = id_of(element, "actor").ok_or("comment has no `actor`")?;
    let time = |key: &str| millis(element.get(key).and_then(|t| t.get("time")));
    let occurred_at = time("created").or_else(|| time("lastModified")).ok_or("comment has no readable `created.time`")?;

    let mut parts: Vec<String> = Vec::new();
    if let Some(text) = element.get("message").and_then(|m| str_of(m, "text")).filter(|t| !t.is_empty()) {
        parts.push(text.to_string());
    }
    for content in element.get("content").and_then(Value::as_array).into_iter().flatten() {
        if let Some(url) = str_of(content, "url").filter(|u| !u.is_empty()) {
            let kind = str_of(content, "type").unwrap_or("content").to_lowercase();
            parts.push(format!("[{kind}] {url}"));
        }
    }

    let direction = if actor == org_urn { Direction::Outbound } else { Direction::Inbound };
    Ok(InboundEvent {
        network: Network::Linkedin,
        profile_external_id: org_id.to_string(),
        platform_id: urn.clone(),
        thread: ThreadRef {
            kind: Kind::Comment,
            thread_key: parent.clone().unwrap_or(urn.clone()),
            parent_platform_id: parent,
            // The post polled, as the webhook's `sourcePost` names it (a comment's `object` may
            // be the post's activity URN instead).
            post_id: Some(post.trim().to_string()).filter(|p| !p.is_empty()),
        },
        occurred_at,
        change: Change::Posted {
            direction,
            text: parts.join("\n"),
            author: Author { id: actor, name: String::new(), handle: String::new() },
            correlation: None,
        },
        sponsored: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_ids() {
        assert_eq!(organization_id("urn:li:organization:5515715"), Some("5515715"));
        assert_eq!(organization_id(" urn:li:organizationBrand:42 "), Some("42"));
        assert_eq!(organization_id("urn:li:organization:"), None);
        assert_eq!(organization_id("urn:li:person:AbC"), None);
    }

    #[test]
    fn paging_stops_at_the_total_and_when_unknown() {
        let p = |start, count, total| LinkedinPaging { start, count, total };
        assert_eq!(p(0, 10, Some(25)).next_start(), Some(10));
        assert_eq!(p(20, 10, Some(25)).next_start(), None);
        assert_eq!(p(0, 10, Some(10)).next_start(), None);
        assert_eq!(p(0, 10, None).next_start(), None);
        assert_eq!(p(0, 0, Some(25)).next_start(), None);
        assert_eq!(p(u64::MAX, 1, Some(u64::MAX)).next_start(), None);
    }
}
