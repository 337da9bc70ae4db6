//! `meta::normalize` on every Meta webhook fixture, field by field, and on hand-made bodies
//! for the edge cases (bad changes among good ones, legacy authors, the Page's own comments).

use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network, Timestamp};
use inbox_platforms::{NormalizeError, Normalized, meta};
use serde_json::json;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/", $name))
    };
}

const PAGE: &str = "104857600000001";
const IG: &str = "17841400000000001";
const POST: &str = "104857600000001_122100000000000001";
const JANE_COMMENT: &str = "122100000000000001_1900000000000001";
const PSID: &str = "7312345678901234";

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn author(id: &str, name: &str, handle: &str) -> Author {
    Author { id: id.into(), name: name.into(), handle: handle.into() }
}

fn thread(kind: Kind, key: &str, parent: Option<&str>) -> ThreadRef {
    ThreadRef { kind, thread_key: key.into(), parent_platform_id: parent.map(Into::into), post_id: None }
}

fn posted(direction: Direction, text: &str, author: Author) -> Change {
    Change::Posted { direction, text: text.into(), author, correlation: None }
}

fn normalize(body: &[u8]) -> Normalized {
    meta::normalize(body).expect("a Meta envelope")
}

fn jane() -> Author {
    author("26100000000000001", "Jane Customer", "")
}

/// Exactly one event and nothing skipped.
fn single(body: &[u8]) -> InboundEvent {
    let n = normalize(body);
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(n.events.len(), 1, "{:?}", n.events);
    n.events.into_iter().next().unwrap()
}

#[test]
fn feed_comment_add() {
    assert_eq!(
        single(fixture!("meta_feed_comment_add.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: JANE_COMMENT.into(),
            thread: thread(Kind::Comment, JANE_COMMENT, None).on_post(Some(POST.into())),
            occurred_at: at("2025-12-31T23:59:58Z"),
            change: posted(Direction::Inbound, "Hi, is this still available in size M?", jane()),
            sponsored: false,
        }
    );
}

#[test]
fn feed_comment_reply_add() {
    assert_eq!(
        single(fixture!("meta_feed_comment_reply_add.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: "122100000000000001_1900000000000002".into(),
            thread: thread(Kind::Comment, JANE_COMMENT, Some(JANE_COMMENT)).on_post(Some(POST.into())),
            occurred_at: at("2026-01-01T00:05:00Z"),
            change: posted(Direction::Inbound, "@Jane Customer I asked the same thing!", author("26100000000000002", "Bob Other", "")),
            sponsored: false,
        }
    );
}

#[test]
fn feed_comment_edited() {
    assert_eq!(
        single(fixture!("meta_feed_comment_edited.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: JANE_COMMENT.into(),
            thread: thread(Kind::Comment, JANE_COMMENT, None).on_post(Some(POST.into())),
            occurred_at: at("2025-12-31T23:59:58Z"),
            change: Change::Edited { text: "Hi, is this still available in size M or L?".into() },
            sponsored: false,
        }
    );
}

#[test]
fn feed_comment_remove() {
    assert_eq!(
        single(fixture!("meta_feed_comment_remove.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: JANE_COMMENT.into(),
            thread: thread(Kind::Comment, JANE_COMMENT, None).on_post(Some(POST.into())),
            occurred_at: at("2026-01-01T00:15:00Z"),
            change: Change::Deleted,
            sponsored: false,
        }
    );
}

#[test]
fn feed_comment_on_ad_is_sponsored() {
    let comment = "122100000000000777_1900000000000099";
    assert_eq!(
        single(fixture!("meta_feed_comment_on_ad.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: comment.into(),
            thread: thread(Kind::Comment, comment, None).on_post(Some("104857600000001_122100000000000777".into())),
            occurred_at: at("2026-01-02T09:00:00Z"),
            change: posted(Direction::Inbound, "How much is shipping to Lyon?", author("26100000000000003", "Ad Viewer", "")),
            sponsored: true,
        }
    );
}

#[test]
fn sponsored_from_either_post_signal() {
    let body = |post: serde_json::Value| {
        json!({"object": "page", "entry": [{"id": PAGE, "time": 1767225600, "changes": [{"field": "feed", "value": {
            "from": {"id": "1", "name": "A"}, "post": post, "message": "hi", "post_id": POST,
            "comment_id": JANE_COMMENT, "created_time": 1767225598, "item": "comment", "parent_id": POST, "verb": "add"
        }}]}]})
        .to_string()
    };
    let sponsored = |post| single(body(post).as_bytes()).sponsored;
    assert!(sponsored(json!({"promotion_status": "active", "is_published": true})));
    assert!(sponsored(json!({"promotion_status": "ineligible"})));
    assert!(sponsored(json!({"promotion_status": "inactive", "is_published": false})));
    assert!(!sponsored(json!({"promotion_status": "inactive", "is_published": true})));
    assert!(!sponsored(json!({})));
}

#[test]
fn feed_batched_multi_item_by_item() {
    let n = normalize(fixture!("meta_feed_batched_multi.json"));
    assert_eq!(
        n.events,
        vec![
            InboundEvent {
                network: Network::Facebook,
                profile_external_id: PAGE.into(),
                platform_id: "122100000000000001_1900000000000004".into(),
                thread: thread(Kind::Comment, "122100000000000001_1900000000000004", None).on_post(Some(POST.into())),
                occurred_at: at("2026-01-01T00:01:30Z"),
                change: posted(Direction::Inbound, "Love it", author("26100000000000004", "Carla", "")),
                sponsored: false,
            },
            // The retry duplicate comes out as is: deduplication is the ingest's job.
            InboundEvent {
                network: Network::Facebook,
                profile_external_id: PAGE.into(),
                platform_id: JANE_COMMENT.into(),
                thread: thread(Kind::Comment, JANE_COMMENT, None).on_post(Some(POST.into())),
                occurred_at: at("2025-12-31T23:59:58Z"),
                change: posted(Direction::Inbound, "Hi, is this still available in size M?", jane()),
                sponsored: false,
            },
            // A mention delivered for the second Page; no time of its own, so the entry's.
            InboundEvent {
                network: Network::Facebook,
                profile_external_id: "104857600000002".into(),
                platform_id: "555000000000001_666000000000001".into(),
                thread: thread(Kind::Tag, "555000000000001_666000000000001", None),
                occurred_at: at("2026-01-01T00:01:40Z"),
                change: posted(Direction::Inbound, "", author("26100000000000006", "Some Person", "")),
                sponsored: false,
            },
        ]
    );
    assert_eq!(n.skipped, vec!["entry[0].changes[2]: feed item `reaction` (verb `add`) is not ingested".to_string()]);
}

#[test]
fn one_bad_change_never_drops_the_others() {
    let comment = |id: &str| {
        json!({"field": "feed", "value": {"from": {"id": "1", "name": "A"}, "message": id, "post_id": POST,
            "comment_id": id, "created_time": 1767225598, "item": "comment", "parent_id": POST, "verb": "add"}})
    };
    let body = json!({"object": "page", "entry": [
        {"id": PAGE, "time": 1767225600, "changes": [
            comment("c1"),
            {"field": "feed"},
            {"field": "feed", "value": "not an object"},
            {"field": "feed", "value": {"item": "comment", "verb": "add", "post_id": POST}},
            {"field": "feed", "value": {"item": "comment", "verb": "hide", "comment_id": "c9", "post_id": POST}},
            {"field": "feed", "value": {"item": "comment", "verb": "edited", "comment_id": "c9", "post_id": POST}},
            {"field": "feed", "value": {"item": "post", "verb": "add", "post_id": POST}},
            {"field": "ratings", "value": {}},
            {"value": {}},
            comment("c2"),
        ]},
        {"time": 1767225600, "changes": [comment("c3")]},
        {"id": PAGE, "changes": "oops"},
        {"id": PAGE, "time": 1767225600},
        {"id": PAGE, "time": 1767225600, "changed_fields": ["feed"]},
        {"id": PAGE, "changes": [comment("c4")]},
    ]});
    let n = normalize(body.to_string().as_bytes());
    let ids: Vec<_> = n.events.iter().map(|e| e.platform_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2", "c4"]);
    assert_eq!(
        n.skipped,
        [
            "entry[0].changes[1]: field `feed` has no `value` object",
            "entry[0].changes[2]: field `feed` has no `value` object",
            "entry[0].changes[3]: comment has no `comment_id`",
            "entry[0].changes[4]: comment verb `hide` is not ingested",
            "entry[0].changes[5]: edited comment has no `message`",
            "entry[0].changes[6]: feed item `post` (verb `add`) is not ingested",
            "entry[0].changes[7]: field `ratings` is not ingested",
            "entry[0].changes[8]: change has no `field`",
            "entry[1]: entry has no `id`",
            "entry[2]: `changes` is not an array",
            "entry[3]: entry has no `changes`, `messaging` or `standby`",
            "entry[4]: `changed_fields` without values (turn on Include Values)",
        ]
    );
}

#[test]
fn feed_authors_legacy_missing_and_the_page_itself() {
    let body = |value: serde_json::Value| {
        let mut value = value;
        for (k, v) in json!({"message": "m", "post_id": POST, "comment_id": "c", "created_time": 1767225598,
            "item": "comment", "parent_id": POST, "verb": "add"})
        .as_object()
        .unwrap()
        {
            value[k] = v.clone();
        }
        json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "changes": [{"field": "feed", "value": value}]}]}).to_string()
    };
    let change = |value| single(body(value).as_bytes()).change;
    assert_eq!(
        change(json!({"sender_id": "26100000000000009", "sender_name": "Old Style"})),
        posted(Direction::Inbound, "m", author("26100000000000009", "Old Style", ""))
    );
    assert_eq!(change(json!({})), posted(Direction::Inbound, "m", author("", "Facebook user", "")));
    assert_eq!(
        change(json!({"from": {"id": "26100000000000009"}})),
        posted(Direction::Inbound, "m", author("26100000000000009", "Facebook user", ""))
    );
    // The Page's own comment: outbound, never a new conversation.
    assert_eq!(change(json!({"from": {"id": PAGE, "name": "My Shop"}})), posted(Direction::Outbound, "m", author(PAGE, "My Shop", "")));
    // A photo comment without text still reads as something.
    assert_eq!(
        change(json!({"from": {"id": "2", "name": "B"}, "photo": "https://example.invalid/p.jpg"})),
        posted(Direction::Inbound, "m\n[photo] https://example.invalid/p.jpg", author("2", "B", ""))
    );
}

#[test]
fn mention_in_a_post() {
    let post = "555000000000001_666000000000001";
    assert_eq!(
        single(fixture!("meta_mention_post.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: post.into(),
            thread: thread(Kind::Tag, post, None),
            occurred_at: at("2026-01-01T20:39:58Z"),
            change: posted(Direction::Inbound, "Great service from My Shop today", author("26100000000000006", "Some Person", "")),
            sponsored: false,
        }
    );
}

#[test]
fn mention_in_a_comment() {
    let comment = "666000000000001_777000000000001";
    assert_eq!(
        single(fixture!("meta_mention_comment.json")),
        InboundEvent {
            network: Network::Facebook,
            profile_external_id: PAGE.into(),
            platform_id: comment.into(),
            thread: thread(Kind::Tag, comment, None).on_post(Some("555000000000001_666000000000001".into())),
            // No created_time: the entry's time.
            occurred_at: at("2026-01-01T20:41:40Z"),
            change: posted(Direction::Inbound, "My Shop can you help?", author("", "Facebook user", "")),
            sponsored: false,
        }
    );
}

fn dm(mid: &str, at_: &str, direction: Direction, text: &str, author: Author, correlation: Option<&str>) -> InboundEvent {
    InboundEvent {
        network: Network::Facebook,
        profile_external_id: PAGE.into(),
        platform_id: mid.into(),
        thread: thread(Kind::Dm, PSID, None),
        occurred_at: at(at_),
        change: Change::Posted { direction, text: text.into(), author, correlation: correlation.map(Into::into) },
        sponsored: false,
    }
}

#[test]
fn messenger_messages() {
    let n = normalize(fixture!("meta_messages.json"));
    assert_eq!(n.skipped, Vec::<String>::new());
    let customer = author(PSID, "", "");
    assert_eq!(
        n.events,
        vec![
            dm(
                "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
                "2026-01-01T00:00:00.001Z",
                Direction::Inbound,
                "Hello, my order #1234 has not arrived",
                customer.clone(),
                None
            ),
            dm(
                "m_BbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
                "2026-01-01T00:00:05.002Z",
                Direction::Inbound,
                "Any update?",
                customer.clone(),
                None
            ),
            dm(
                "m_CbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
                "2026-01-01T00:00:06.003Z",
                Direction::Inbound,
                "[image] https://scontent.example.invalid/img.jpg",
                customer,
                None
            ),
        ]
    );
}

#[test]
fn messenger_text_and_several_attachments() {
    let body = json!({"object": "page", "entry": [{"id": PAGE, "time": 1767225600123_i64, "messaging": [{
        "sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1767225600001_i64,
        "message": {"mid": "m_1", "text": "look", "attachments": [
            {"type": "image", "payload": {"url": "https://a.invalid/1.jpg"}},
            {"type": "video", "payload": {"url": "https://a.invalid/2.mp4"}},
            {"type": "fallback", "payload": {"title": "no url"}}
        ]}
    }]}]});
    let event = single(body.to_string().as_bytes());
    assert_eq!(
        event.change,
        posted(
            Direction::Inbound,
            "look\n[image] https://a.invalid/1.jpg\n[video] https://a.invalid/2.mp4\n[fallback]",
            author(PSID, "", "")
        )
    );
}

#[test]
fn messenger_echoes_are_outbound_with_correlation() {
    let n = normalize(fixture!("meta_message_echoes.json"));
    assert_eq!(n.skipped, Vec::<String>::new());
    let page = author(PAGE, "", "");
    assert_eq!(
        n.events,
        vec![
            dm(
                "m_EchoFromPageInbox0000000000000001",
                "2026-01-01T00:01:40.001Z",
                Direction::Outbound,
                "Hi Jane, a human here - looking into it.",
                page.clone(),
                None
            ),
            dm(
                "m_EchoFromOurApp00000000000000000001",
                "2026-01-01T00:01:41.002Z",
                Direction::Outbound,
                "Thanks, ticket created.",
                page,
                Some("inbox:msg:42")
            ),
        ]
    );
}

#[test]
fn other_messaging_events_are_skipped() {
    for (body, reason) in [
        (
            &fixture!("meta_handover_request.json")[..],
            "entry[0].messaging[0]: `request_thread_control` is not ingested: a request changes no thread owner",
        ),
        (
            &fixture!("meta_handover_app_roles.json")[..],
            "entry[0].messaging[0]: `app_roles` is not ingested: a change of receiver roles names no thread",
        ),
        (&fixture!("meta_policy_enforcement.json")[..], "entry[0].messaging[0]: messaging event `policy_enforcement` is not ingested yet"),
    ] {
        let n = normalize(body);
        assert_eq!(n.events, vec![]);
        assert_eq!(n.skipped, vec![reason.to_string()]);
    }
    let body = json!({"object": "page", "entry": [{"id": PAGE, "time": 1767225600123_i64, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "delivery": {"mids": ["m_1"]}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "read": {"watermark": 1}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "postback": {"payload": "X"}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "reaction": {"mid": "m_1"}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "message": {"text": "no mid"}},
        {"recipient": {"id": PAGE}, "timestamp": 1, "message": {"mid": "m_2", "text": "no sender"}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1767225600001_i64, "message": {"mid": "m_3", "text": "ok"}},
    ]}]});
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(n.events.iter().map(|e| e.platform_id.as_str()).collect::<Vec<_>>(), ["m_3"]);
    assert_eq!(
        n.skipped,
        [
            "entry[0].messaging[0]: messaging event `delivery` is not ingested yet",
            "entry[0].messaging[1]: messaging event `read` is not ingested yet",
            "entry[0].messaging[2]: messaging event `postback` is not ingested yet",
            "entry[0].messaging[3]: messaging event `reaction` is not ingested yet",
            "entry[0].messaging[4]: message has no `mid`",
            "entry[0].messaging[5]: message has no `sender.id`",
        ]
    );
}

const PAGE_INBOX_APP: &str = "263902037430900";
const BOT_APP: &str = "987654321098765";

fn thread_control(platform_id: &str, at_: &str, owner: &str) -> InboundEvent {
    InboundEvent {
        network: Network::Facebook,
        profile_external_id: PAGE.into(),
        platform_id: platform_id.into(),
        thread: thread(Kind::Dm, PSID, None),
        occurred_at: at(at_),
        change: Change::ThreadControl { owner_app_id: Some(owner.into()) },
        sponsored: false,
    }
}

#[test]
fn handover_pass_thread_control() {
    // Sent to the app receiving the thread: the new owner.
    assert_eq!(
        single(fixture!("meta_handover_pass.json")),
        thread_control("handover:7312345678901234:1767225800001:987654321098765", "2026-01-01T00:03:20.001Z", BOT_APP)
    );
}

#[test]
fn handover_take_thread_control() {
    // Sent to the app losing the thread: the owner is the app that took it.
    assert_eq!(
        single(fixture!("meta_handover_take.json")),
        thread_control("handover:7312345678901234:1767225900001:263902037430900", "2026-01-01T00:05:00.001Z", PAGE_INBOX_APP)
    );
}

#[test]
fn handover_variants_and_bad_ones() {
    let event = |sender: Option<&str>, recipient: Option<&str>, extra: serde_json::Value| {
        let mut e = json!({"timestamp": 1767225800001_i64});
        if let Some(s) = sender {
            e["sender"] = json!({"id": s});
        }
        if let Some(r) = recipient {
            e["recipient"] = json!({"id": r});
        }
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        e
    };
    let body = json!({"object": "page", "entry": [{"id": PAGE, "time": 1767225600123_i64, "messaging": [
        // A numeric app id.
        event(Some(PSID), Some(PAGE), json!({"pass_thread_control": {"new_owner_app_id": 263902037430900_i64}})),
        // The sides the other way round: the PSID is still the thread.
        event(Some(PAGE), Some(PSID), json!({"take_thread_control": {"previous_owner_app_id": null, "new_owner_app_id": BOT_APP}})),
        event(Some(PSID), Some(PAGE), json!({"pass_thread_control": {"previous_owner_app_id": BOT_APP}})),
        event(Some(PAGE), Some(PAGE), json!({"pass_thread_control": {"new_owner_app_id": BOT_APP}})),
        event(None, None, json!({"take_thread_control": {"new_owner_app_id": BOT_APP}})),
        {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "take_thread_control": {"new_owner_app_id": BOT_APP}},
        event(Some(PSID), Some(PAGE), json!({"pass_thread_control": "not an object"})),
    ]}]});
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(
        n.events,
        vec![
            thread_control("handover:7312345678901234:1767225800001:263902037430900", "2026-01-01T00:03:20.001Z", PAGE_INBOX_APP),
            thread_control("handover:7312345678901234:1767225800001:987654321098765", "2026-01-01T00:03:20.001Z", BOT_APP),
        ]
    );
    assert_eq!(
        n.skipped,
        [
            "entry[0].messaging[2]: `pass_thread_control` has no `new_owner_app_id`",
            "entry[0].messaging[3]: `pass_thread_control` names no participant other than the Page",
            "entry[0].messaging[4]: `take_thread_control` names no participant other than the Page",
            "entry[0].messaging[5]: `take_thread_control` has no `timestamp`",
            "entry[0].messaging[6]: messaging event `pass_thread_control` is not ingested yet",
        ]
    );
}

#[test]
fn standby_messages_and_echoes() {
    let n = normalize(fixture!("meta_standby.json"));
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(
        n.events,
        vec![
            // The customer's message while a bot holds the thread: recorded, not opened.
            InboundEvent {
                network: Network::Facebook,
                profile_external_id: PAGE.into(),
                platform_id: "m_StandbyWhileInboxOwns000000000001".into(),
                thread: thread(Kind::Dm, PSID, None),
                occurred_at: at("2026-01-01T00:10:00.001Z"),
                change: Change::Standby { text: "Still waiting...".into(), author: author(PSID, "", "") },
                sponsored: false,
            },
            // An echo in standby is an echo: outbound, as on `messaging[]`.
            dm(
                "m_StandbyEchoOfAgentReply0000000001",
                "2026-01-01T00:10:05.001Z",
                Direction::Outbound,
                "Sorry for the wait!",
                author(PAGE, "", ""),
                None
            ),
        ]
    );
}

#[test]
fn standby_reads_deliveries_and_postbacks_are_skipped() {
    let body = json!({"object": "page", "entry": [
        {"id": PAGE, "time": 1767225600123_i64, "standby": [
            {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "read": {"watermark": 1}},
            {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "delivery": {"mids": ["m_1"]}},
            {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1, "postback": {"title": "Get started"}},
            {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1767225600001_i64,
                "message": {"mid": "m_4", "text": "", "attachments": [{"type": "image", "payload": {"url": "https://a.invalid/1.jpg"}}]}},
            {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1767225600002_i64, "message": {"mid": "m_5", "is_deleted": true}},
            {"recipient": {"id": PAGE}, "timestamp": 1, "message": {"mid": "m_6", "text": "no sender"}},
        ]},
        {"id": PAGE, "time": 1767225600123_i64, "standby": {"not": "an array"}},
    ]});
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(
        n.events.iter().map(|e| (e.platform_id.as_str(), e.change.clone())).collect::<Vec<_>>(),
        vec![
            ("m_4", Change::Standby { text: "[image] https://a.invalid/1.jpg".into(), author: author(PSID, "", "") }),
            ("m_5", Change::Deleted),
        ]
    );
    assert_eq!(
        n.skipped,
        [
            "entry[0].standby[0]: standby event `read` is not ingested (only messages and echoes are)",
            "entry[0].standby[1]: standby event `delivery` is not ingested (only messages and echoes are)",
            "entry[0].standby[2]: standby event `postback` is not ingested (only messages and echoes are)",
            "entry[0].standby[5]: message has no `sender.id`",
            "entry[1]: `standby` is not an array",
        ]
    );
}

#[test]
fn instagram_standby_and_handover() {
    let body = json!({"object": "instagram", "entry": [{"id": IG, "time": 1767227600001_i64,
        "standby": [{"sender": {"id": "980000000000001"}, "recipient": {"id": IG}, "timestamp": 1767227600001_i64,
            "message": {"mid": "aWdfZAG1faXRlbTo1", "text": "hello?"}}],
        "messaging": [{"sender": {"id": "980000000000001"}, "recipient": {"id": IG}, "timestamp": 1767227700001_i64,
            "pass_thread_control": {"previous_owner_app_id": BOT_APP, "new_owner_app_id": "1217981644879628"}}]
    }]});
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(n.skipped, Vec::<String>::new());
    let ig_user = "980000000000001";
    assert_eq!(
        n.events,
        vec![
            InboundEvent {
                network: Network::Instagram,
                profile_external_id: IG.into(),
                platform_id: "handover:980000000000001:1767227700001:1217981644879628".into(),
                thread: thread(Kind::Dm, ig_user, None),
                occurred_at: at("2026-01-01T00:35:00.001Z"),
                change: Change::ThreadControl { owner_app_id: Some("1217981644879628".into()) },
                sponsored: false,
            },
            InboundEvent {
                network: Network::Instagram,
                profile_external_id: IG.into(),
                platform_id: "aWdfZAG1faXRlbTo1".into(),
                thread: thread(Kind::Dm, ig_user, None),
                occurred_at: at("2026-01-01T00:33:20.001Z"),
                change: Change::Standby { text: "hello?".into(), author: author(ig_user, "", "") },
                sponsored: false,
            },
        ]
    );
}

#[test]
fn instagram_comment() {
    assert_eq!(
        single(fixture!("ig_comment.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "18100000000000001".into(),
            thread: thread(Kind::Comment, "18100000000000001", None).on_post(Some("18000000000000001".into())),
            occurred_at: at("2026-01-01T00:23:20Z"),
            change: posted(Direction::Inbound, "Do you ship to Canada?", author("17841400000009999", "jane.customer", "jane.customer")),
            sponsored: false,
        }
    );
}

#[test]
fn instagram_comment_reply() {
    assert_eq!(
        single(fixture!("ig_comment_reply.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "18100000000000002".into(),
            thread: thread(Kind::Comment, "18100000000000001", Some("18100000000000001")).on_post(Some("18000000000000001".into())),
            occurred_at: at("2026-01-01T00:25:00Z"),
            change: posted(Direction::Inbound, "@jane.customer yes they do", author("17841400000008888", "bob.other", "bob.other")),
            sponsored: false,
        }
    );
}

#[test]
fn instagram_comment_on_ad_is_sponsored() {
    assert_eq!(
        single(fixture!("ig_comment_on_ad.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "18100000000000003".into(),
            thread: thread(Kind::Comment, "18100000000000003", None).on_post(Some("18000000000000555".into())),
            // No time of its own: the entry's.
            occurred_at: at("2026-01-01T00:26:40Z"),
            change: posted(Direction::Inbound, "Is the discount still on?", author("17841400000007777", "ad.viewer", "ad.viewer")),
            sponsored: true,
        }
    );
}

#[test]
fn instagram_login_flat_entry() {
    assert_eq!(
        single(fixture!("ig_comment_flat_instagram_login.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "18100000000000004".into(),
            thread: thread(Kind::Comment, "18100000000000004", None).on_post(Some("18000000000000002".into())),
            occurred_at: at("2026-01-01T00:28:20Z"),
            change: posted(Direction::Inbound, "Love this reel", author("980000000000001", "jane.customer", "jane.customer")),
            sponsored: false,
        }
    );
}

/// Mentions come in the flat Instagram-Login shape too (`field`/`value` on the entry): the same
/// event as from `changes[]`.
#[test]
fn instagram_mentions_in_the_flat_shape_are_the_same_event() {
    let nested: serde_json::Value = serde_json::from_slice(fixture!("ig_mention_media.json")).unwrap();
    let change = &nested["entry"][0]["changes"][0];
    let flat = json!({"object": "instagram", "entry": [{"id": IG, "time": nested["entry"][0]["time"], "field": change["field"], "value": change["value"]}]});
    assert_eq!(single(flat.to_string().as_bytes()), single(fixture!("ig_mention_media.json")));
}

#[test]
fn instagram_mentions_carry_ids_only() {
    let unknown = author("", "Instagram user", "");
    let in_comment = single(fixture!("ig_mention_comment.json"));
    assert_eq!(
        in_comment,
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "17894227972186120".into(),
            thread: thread(Kind::Mention, "17894227972186120", None).on_post(Some("17918195224117851".into())),
            occurred_at: at("2026-01-01T00:30:00Z"),
            change: posted(Direction::Inbound, "", unknown.clone()),
            sponsored: false,
        }
    );
    assert_eq!(
        single(fixture!("ig_mention_media.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "17918195224117852".into(),
            thread: thread(Kind::Mention, "17918195224117852", None).on_post(Some("17918195224117852".into())),
            occurred_at: at("2026-01-01T00:31:40Z"),
            change: posted(Direction::Inbound, "", unknown),
            sponsored: false,
        }
    );
}

#[test]
fn instagram_direct_message() {
    assert_eq!(
        single(fixture!("ig_messages.json")),
        InboundEvent {
            network: Network::Instagram,
            profile_external_id: IG.into(),
            platform_id: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAx".into(),
            thread: thread(Kind::Dm, "980000000000001", None),
            occurred_at: at("2026-01-01T00:33:20.001Z"),
            change: posted(Direction::Inbound, "Hi! Question about my order", author("980000000000001", "", "")),
            sponsored: false,
        }
    );
}

#[test]
fn other_objects_are_skipped_whole() {
    let n = normalize(br#"{"object": "user", "entry": [{"id": "1", "changes": []}]}"#);
    assert_eq!(n.events, vec![]);
    assert_eq!(n.skipped, ["object: object `user` is not ingested"]);
}

#[test]
fn malformed_bodies_are_errors() {
    assert!(matches!(meta::normalize(b"{\"object\": \"page\", "), Err(NormalizeError::NotJson(_))));
    assert!(matches!(meta::normalize(b""), Err(NormalizeError::NotJson(_))));
    assert!(matches!(meta::normalize(b"not json"), Err(NormalizeError::NotJson(_))));
    for body in [&b"[]"[..], br#"{"entry": []}"#, br#"{"object": "page"}"#, br#"{"object": "page", "entry": {}}"#] {
        assert!(matches!(meta::normalize(body), Err(NormalizeError::Envelope(_))), "{}", String::from_utf8_lossy(body));
    }
    // The error names where, never what the body said.
    let err = meta::normalize(b"{\"object\": \"page\", \"entry\": [\"secret text").unwrap_err();
    assert!(!err.to_string().contains("secret text"), "{err}");
}
