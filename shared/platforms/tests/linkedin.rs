//! `linkedin::normalize_webhook` and `linkedin::normalize_comments_page` on the LinkedIn
//! fixtures, field by field, and on hand-made bodies for every action, bad notifications among
//! good ones, and a poll overlapping a webhook.

use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network, Timestamp};
use inbox_platforms::linkedin::{self, LinkedinPaging};
use inbox_platforms::{NormalizeError, Normalized};
use serde_json::{Value, json};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/", $name))
    };
}

const ORG: &str = "5515715";
const ORG_URN: &str = "urn:li:organization:5515715";
const SHARE: &str = "urn:li:share:7300000000000000001";
const JANE: &str = "urn:li:person:AbCdEf123";
const COMMENT: &str = "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000101)";
const REPLY: &str = "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000102)";

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn author(id: &str) -> Author {
    Author { id: id.into(), name: String::new(), handle: String::new() }
}

/// A thread; a comment's is under the post `SHARE` (the webhook's `sourcePost`, the post polled).
fn thread(kind: Kind, key: &str, parent: Option<&str>) -> ThreadRef {
    let post_id = (kind == Kind::Comment).then(|| SHARE.into());
    ThreadRef { kind, thread_key: key.into(), parent_platform_id: parent.map(Into::into), post_id }
}

fn posted(direction: Direction, text: &str, author: Author) -> Change {
    Change::Posted { direction, text: text.into(), author, correlation: None }
}

fn event(platform_id: &str, thread: ThreadRef, occurred_at: &str, change: Change) -> InboundEvent {
    InboundEvent {
        network: Network::Linkedin,
        profile_external_id: ORG.into(),
        platform_id: platform_id.into(),
        thread,
        occurred_at: at(occurred_at),
        change,
        sponsored: false,
    }
}

fn webhook(body: &[u8]) -> Normalized {
    linkedin::normalize_webhook(body).expect("a LinkedIn webhook envelope")
}

/// The `response.body` of an exchange fixture, as the bytes the API would answer.
fn response_body(exchange: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(exchange).unwrap();
    serde_json::to_vec(&v["response"]["body"]).unwrap()
}

#[test]
fn webhook_comment_fixture() {
    let n = webhook(fixture!("linkedin_org_social_action_webhook.json"));
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(
        n.events,
        vec![event(
            COMMENT,
            thread(Kind::Comment, COMMENT, None),
            // `lastModifiedAt`: the notification carries no creation time of the comment.
            "2026-01-01T01:13:20.500Z",
            posted(Direction::Inbound, "Will this webinar be recorded?", author(JANE)),
        )]
    );
}

fn notification(id: u64, action: &str, extra: Value) -> Value {
    let mut n = json!({
        "notificationId": id,
        "organizationalEntity": ORG_URN,
        "action": action,
        "sourcePost": SHARE,
        "lastModifiedAt": 1767230000500_i64,
        "subscriber": "urn:li:person:AdminPerson1",
    });
    for (k, v) in extra.as_object().unwrap() {
        n[k] = v.clone();
    }
    n
}

fn comment_decoration(urn: &str, text: Option<&str>, owner: &str, parent: Option<&str>) -> Value {
    let mut comment = json!({"owner": owner});
    if let Some(t) = text {
        comment["text"] = json!(t);
    }
    if let Some(p) = parent {
        comment["parentComment"] = json!(p);
    }
    json!({"generatedActivity": urn, "decoratedGeneratedActivity": {"comment": comment}})
}

#[test]
fn webhook_every_action() {
    let mention_share = "urn:li:share:7300000000000000055";
    let body = json!({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [
        // A reply, when the decoration names its parent.
        notification(1, "COMMENT", comment_decoration(REPLY, Some("Same question"), "urn:li:person:Bob", Some(COMMENT))),
        // A page admin's comment: outbound, authored by whoever the decoration names.
        notification(2, "ADMIN_COMMENT", comment_decoration(REPLY, Some("Yes - we'll email the recording."), "urn:li:person:AdminPerson1", Some(COMMENT))),
        // Without decoration: the organization is the author.
        notification(3, "ADMIN_COMMENT", json!({"generatedActivity": COMMENT})),
        // A COMMENT whose owner is the organization is ours too.
        notification(4, "COMMENT", comment_decoration(COMMENT, Some("Thanks!"), ORG_URN, None)),
        notification(5, "COMMENT_EDIT", comment_decoration(COMMENT, Some("Will this webinar be recorded? (EU time)"), JANE, None)),
        notification(6, "COMMENT_DELETE", json!({"generatedActivity": COMMENT})),
        notification(7, "SHARE_MENTION", json!({"generatedActivity": mention_share, "decoratedGeneratedActivity":
            {"share": {"owner": "urn:li:person:Carla", "text": "Great webinar by @My Org"}}})),
        // Mention with only the source post, and no text: produced with the text there is.
        notification(8, "SHARE_MENTION", json!({})),
        // A comment that references the activity only.
        notification(9, "COMMENT", json!({"generatedActivity": COMMENT})),
        // Text under `message.text`.
        notification(10, "COMMENT", json!({"generatedActivity": COMMENT,
            "decoratedGeneratedActivity": {"comment": {"actor": JANE, "message": {"text": "via message"}}}})),
    ]});
    let n = webhook(body.to_string().as_bytes());
    assert_eq!(n.skipped, Vec::<String>::new());
    let t = "2026-01-01T01:13:20.500Z";
    let reply_thread = thread(Kind::Comment, COMMENT, Some(COMMENT));
    let own_thread = thread(Kind::Comment, COMMENT, None);
    assert_eq!(
        n.events,
        vec![
            event(REPLY, reply_thread.clone(), t, posted(Direction::Inbound, "Same question", author("urn:li:person:Bob"))),
            event(
                REPLY,
                reply_thread,
                t,
                posted(Direction::Outbound, "Yes - we'll email the recording.", author("urn:li:person:AdminPerson1"))
            ),
            event(COMMENT, own_thread.clone(), t, posted(Direction::Outbound, "", author(ORG_URN))),
            event(COMMENT, own_thread.clone(), t, posted(Direction::Outbound, "Thanks!", author(ORG_URN))),
            event(COMMENT, own_thread.clone(), t, Change::Edited { text: "Will this webinar be recorded? (EU time)".into() }),
            event(COMMENT, own_thread.clone(), t, Change::Deleted),
            event(
                mention_share,
                thread(Kind::Mention, mention_share, None),
                t,
                posted(Direction::Inbound, "Great webinar by @My Org", author("urn:li:person:Carla"))
            ),
            event(SHARE, thread(Kind::Mention, SHARE, None), t, posted(Direction::Inbound, "", author(""))),
            event(COMMENT, own_thread.clone(), t, posted(Direction::Inbound, "", author(""))),
            event(COMMENT, own_thread, t, posted(Direction::Inbound, "via message", author(JANE))),
        ]
    );
}

#[test]
fn webhook_bad_notifications_never_drop_the_others() {
    let good = |id| notification(id, "COMMENT", comment_decoration(COMMENT, Some("ok"), JANE, None));
    let body = json!({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [
        good(1),
        notification(2, "LIKE", json!({"generatedActivity": "urn:li:like:1"})),
        notification(3, "SHARE", json!({"generatedActivity": "urn:li:share:2"})),
        notification(4, "COMMENT_EDIT", json!({"generatedActivity": COMMENT})),
        notification(5, "COMMENT", json!({})),
        notification(6, "REACTION_FUTURE", json!({})),
        notification(7, "COMMENT", json!({"generatedActivity": COMMENT, "organizationalEntity": "urn:li:person:X"})),
        notification(8, "COMMENT", json!({"generatedActivity": COMMENT, "lastModifiedAt": "soon"})),
        {"notificationId": 9},
        "not an object",
        notification(11, "SHARE_MENTION", json!({"sourcePost": null})),
        good(12),
    ]});
    let n = webhook(body.to_string().as_bytes());
    assert_eq!(n.events.len(), 2);
    assert!(n.events.iter().all(|e| e.platform_id == COMMENT));
    assert_eq!(
        n.skipped,
        [
            "notifications[1]: LIKE notifications never start a conversation",
            "notifications[2]: SHARE (repost) notifications are not conversation items",
            "notifications[3]: COMMENT_EDIT carries no comment text",
            "notifications[4]: COMMENT has no `generatedActivity` comment URN",
            "notifications[5]: action `REACTION_FUTURE` is not ingested",
            "notifications[6]: `organizationalEntity` `urn:li:person:X` is not an organization URN",
            "notifications[7]: notification has no readable `lastModifiedAt`",
            "notifications[8]: notification has no `action`",
            "notifications[9]: notification has no `action`",
            "notifications[10]: SHARE_MENTION has neither `generatedActivity` nor `sourcePost`",
        ]
    );
}

#[test]
fn webhook_other_types_and_malformed_bodies() {
    let n = webhook(br#"{"type": "ORGANIZATION_BRAND_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [{}]}"#);
    assert_eq!(n.events, vec![]);
    assert_eq!(n.skipped, ["type: type `ORGANIZATION_BRAND_SOCIAL_ACTION_NOTIFIC…` is not ingested"]);
    // No `type` at all: the notifications are still read.
    assert_eq!(webhook(br#"{"notifications": []}"#), Normalized::default());

    assert!(matches!(linkedin::normalize_webhook(b""), Err(NormalizeError::NotJson(_))));
    assert!(matches!(linkedin::normalize_webhook(b"{\"notifications\": ["), Err(NormalizeError::NotJson(_))));
    for body in [&b"[]"[..], b"{}", br#"{"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}"#, br#"{"notifications": {}}"#] {
        assert!(matches!(linkedin::normalize_webhook(body), Err(NormalizeError::Envelope(_))), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn comments_page_fixture() {
    let (n, paging) = linkedin::normalize_comments_page(ORG, SHARE, &response_body(fixture!("linkedin_comments_page.json"))).unwrap();
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(paging, LinkedinPaging { start: 0, count: 10, total: Some(2) });
    assert_eq!(paging.next_start(), None);
    assert_eq!(
        n.events,
        vec![
            event(
                COMMENT,
                thread(Kind::Comment, COMMENT, None),
                "2026-01-01T01:13:20Z",
                posted(Direction::Inbound, "Will this webinar be recorded?", author(JANE))
            ),
            // The organization's reply (an admin acting as the page): outbound, in its parent's thread.
            event(
                REPLY,
                thread(Kind::Comment, COMMENT, Some(COMMENT)),
                "2026-01-01T01:18:20Z",
                posted(Direction::Outbound, "Yes - we'll email the recording.", author(ORG_URN))
            ),
        ]
    );
    // The organization may be named by its URN as well.
    let (by_urn, _) = linkedin::normalize_comments_page(ORG_URN, SHARE, &response_body(fixture!("linkedin_comments_page.json"))).unwrap();
    assert_eq!(by_urn, n);
}

#[test]
fn a_poll_overlapping_the_webhook_gives_the_same_item() {
    // The same comment from both sources: one platform id, one thread, one author, one text, so
    // the ingest stores it once. Only the time differs: the webhook knows when LinkedIn processed
    // the action (`lastModifiedAt`), the API when the comment was created.
    let from_webhook = webhook(fixture!("linkedin_org_social_action_webhook.json")).events.remove(0);
    let (page, _) = linkedin::normalize_comments_page(ORG, SHARE, &response_body(fixture!("linkedin_comments_page.json"))).unwrap();
    let from_poll = page.events[0].clone();
    assert_eq!(InboundEvent { occurred_at: from_webhook.occurred_at, ..from_poll }, from_webhook);
}

#[test]
fn comments_page_edge_cases() {
    let element = |urn: Option<&str>, extra: Value| {
        let mut e = json!({
            "actor": JANE, "id": "1", "object": "urn:li:activity:7300000000000000009",
            "created": {"actor": JANE, "time": 1767230000000_i64},
            "lastModified": {"actor": JANE, "time": 1767230000000_i64},
            "message": {"attributes": [], "text": "hi"},
        });
        if let Some(u) = urn {
            e["commentUrn"] = json!(u);
        }
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        e
    };
    let c = |n: u32| format!("urn:li:comment:(urn:li:activity:7300000000000000009,{n})");
    let body = json!({"paging": {"start": 10, "count": 10, "total": 35}, "elements": [
        element(Some(&c(1)), json!({"content": [{"type": "IMAGE", "url": "https://media.example.invalid/1.jpg"}, {"type": "ARTICLE"}],
            "message": {"text": ""}})),
        // Edited since: posted with the current text, then an edit (applied if it was known).
        element(Some(&c(2)), json!({"lastModified": {"actor": JANE, "time": 1767239999000_i64}, "message": {"text": "edited"}})),
        element(None, json!({})),
        element(Some(&c(4)), json!({"actor": null})),
        element(Some(&c(5)), json!({"created": {}, "lastModified": {"time": 1767230300000_i64}})),
        element(Some(&c(6)), json!({"created": {}, "lastModified": {}})),
        // A reply naming itself as parent is its own thread.
        element(Some(&c(7)), json!({"parentComment": c(7)})),
        element(Some(&c(8)), json!({"message": null})),
    ]});
    let (n, paging) = linkedin::normalize_comments_page(ORG, SHARE, body.to_string().as_bytes()).unwrap();
    assert_eq!(paging, LinkedinPaging { start: 10, count: 10, total: Some(35) });
    assert_eq!(paging.next_start(), Some(20));
    let own = |n: u32| thread(Kind::Comment, &c(n), None);
    let t = "2026-01-01T01:13:20Z";
    assert_eq!(
        n.events,
        vec![
            event(&c(1), own(1), t, posted(Direction::Inbound, "[image] https://media.example.invalid/1.jpg", author(JANE))),
            event(&c(2), own(2), t, posted(Direction::Inbound, "edited", author(JANE))),
            // The edit at its own time (`lastModified`), so a poll that keeps only what is newer
            // than its watermark keeps the edit of an older comment.
            event(&c(2), own(2), "2026-01-01T03:59:59Z", Change::Edited { text: "edited".into() }),
            event(&c(5), own(5), "2026-01-01T01:18:20Z", posted(Direction::Inbound, "hi", author(JANE))),
            event(&c(7), own(7), t, posted(Direction::Inbound, "hi", author(JANE))),
            event(&c(8), own(8), t, posted(Direction::Inbound, "", author(JANE))),
        ]
    );
    assert_eq!(
        n.skipped,
        [
            "elements[2]: comment has no `commentUrn`",
            "elements[3]: comment has no `actor`",
            "elements[5]: comment has no readable `created.time`",
        ]
    );
}

#[test]
fn comments_page_without_paging_and_malformed_answers() {
    let (n, paging) = linkedin::normalize_comments_page(ORG, SHARE, br#"{"elements": []}"#).unwrap();
    assert_eq!(n, Normalized::default());
    assert_eq!(paging, LinkedinPaging { start: 0, count: 0, total: None });
    assert_eq!(paging.next_start(), None);

    assert!(matches!(linkedin::normalize_comments_page(ORG, SHARE, b"nope"), Err(NormalizeError::NotJson(_))));
    for body in [&b"[]"[..], b"{}", br#"{"paging": {"start": 0}}"#, br#"{"elements": {}}"#, br#"{"status": 404, "message": "Not Found"}"#] {
        assert!(
            matches!(linkedin::normalize_comments_page(ORG, SHARE, body), Err(NormalizeError::Envelope(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
