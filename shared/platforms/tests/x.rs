//! `x::normalize` on every Account Activity fixture, field by field, and on hand-made bodies
//! for our own tweets and DMs, retweets, long tweets and bad events among good ones.

use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network, Timestamp};
use inbox_platforms::{NormalizeError, Normalized, XMentionsMeta, x};
use serde_json::{Value, json};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/", $name))
    };
}

const BRAND: &str = "2244994945";
const JANE: &str = "1500000000000000001";

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn author(id: &str, name: &str, handle: &str) -> Author {
    Author { id: id.into(), name: name.into(), handle: handle.into() }
}

fn jane() -> Author {
    author(JANE, "Jane Customer", "janecustomer")
}

fn brand() -> Author {
    author(BRAND, "My Brand", "MyBrand")
}

fn thread(kind: Kind, key: &str, parent: Option<&str>) -> ThreadRef {
    ThreadRef { kind, thread_key: key.into(), parent_platform_id: parent.map(Into::into), post_id: parent.map(Into::into) }
}

fn posted(direction: Direction, text: &str, author: Author) -> Change {
    Change::Posted { direction, text: text.into(), author, correlation: None }
}

fn normalize(body: &[u8]) -> Normalized {
    x::normalize(body).expect("an Account Activity envelope")
}

fn single(body: &[u8]) -> InboundEvent {
    let n = normalize(body);
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(n.events.len(), 1, "{:?}", n.events);
    n.events.into_iter().next().unwrap()
}

#[test]
fn tweet_create_mention() {
    assert_eq!(
        single(fixture!("x_tweet_create_mention.json")),
        InboundEvent {
            network: Network::Twitter,
            profile_external_id: BRAND.into(),
            platform_id: "1875000000000000001".into(),
            thread: thread(Kind::Mention, "1875000000000000001", None),
            occurred_at: at("2026-01-01T01:00:00Z"),
            change: posted(Direction::Inbound, "@MyBrand my package never arrived, order 1234", jane()),
            sponsored: false,
        }
    );
}

#[test]
fn tweet_create_reply() {
    assert_eq!(
        single(fixture!("x_tweet_create_reply.json")),
        InboundEvent {
            network: Network::Twitter,
            profile_external_id: BRAND.into(),
            platform_id: "1875000000000000002".into(),
            thread: thread(Kind::Reply, "1874999999999999999", Some("1874999999999999999")),
            occurred_at: at("2026-01-01T01:00:00Z"),
            change: posted(Direction::Inbound, "@MyBrand is this available in blue?", jane()),
            sponsored: false,
        }
    );
}

#[test]
fn dm_event() {
    assert_eq!(
        single(fixture!("x_dm_event.json")),
        InboundEvent {
            network: Network::Twitter,
            profile_external_id: BRAND.into(),
            platform_id: "1875000000000000100".into(),
            thread: thread(Kind::Dm, JANE, None),
            occurred_at: at("2026-01-01T01:01:40Z"),
            change: posted(Direction::Inbound, "Hi, can you check order 1234?", jane()),
            sponsored: false,
        }
    );
}

#[test]
fn favorite_event_is_never_a_conversation() {
    let n = normalize(fixture!("x_favorite_event.json"));
    assert_eq!(n.events, vec![]);
    assert_eq!(n.skipped, ["favorite_events[0]: likes never start a conversation"]);
}

fn tweet(id: &str, user: (&str, &str, &str), extra: Value) -> Value {
    let mut t = json!({
        "id_str": id, "text": "short text", "timestamp_ms": "1767229200000",
        "in_reply_to_status_id_str": null,
        "user": {"id_str": user.0, "name": user.1, "screen_name": user.2},
    });
    for (k, v) in extra.as_object().unwrap() {
        t[k] = v.clone();
    }
    t
}

#[test]
fn our_own_tweets_are_outbound() {
    let body = json!({"for_user_id": BRAND, "tweet_create_events": [
        tweet("t1", (BRAND, "My Brand", "MyBrand"), json!({"in_reply_to_status_id_str": "1875000000000000001", "text": "@janecustomer sorry!"})),
        tweet("t2", (BRAND, "My Brand", "MyBrand"), json!({"text": "New collection"})),
    ]});
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(
        n.events,
        vec![
            InboundEvent {
                network: Network::Twitter,
                profile_external_id: BRAND.into(),
                platform_id: "t1".into(),
                thread: thread(Kind::Reply, "1875000000000000001", Some("1875000000000000001")),
                occurred_at: at("2026-01-01T01:00:00Z"),
                change: posted(Direction::Outbound, "@janecustomer sorry!", brand()),
                sponsored: false,
            },
            InboundEvent {
                network: Network::Twitter,
                profile_external_id: BRAND.into(),
                platform_id: "t2".into(),
                thread: thread(Kind::Mention, "t2", None),
                occurred_at: at("2026-01-01T01:00:00Z"),
                change: posted(Direction::Outbound, "New collection", brand()),
                sponsored: false,
            },
        ]
    );
}

/// A promoted-only (nullcasted) tweet of ours says so with `scopes.followers: false`; the
/// same scope on someone else's tweet, or `true`, says nothing.
#[test]
fn our_promoted_only_tweets_are_sponsored() {
    let body = json!({"for_user_id": BRAND, "tweet_create_events": [
        tweet("t1", (BRAND, "My Brand", "MyBrand"), json!({"text": "Winter sale", "scopes": {"followers": false}})),
        tweet("t2", (BRAND, "My Brand", "MyBrand"), json!({"text": "Organic", "scopes": {"followers": true}})),
        tweet("t3", (JANE, "Jane", "janecustomer"), json!({"text": "@MyBrand hi", "scopes": {"followers": false}})),
    ]});
    let sponsored: Vec<_> = normalize(body.to_string().as_bytes()).events.iter().map(|e| (e.platform_id.clone(), e.sponsored)).collect();
    assert_eq!(sponsored, [("t1".to_string(), true), ("t2".to_string(), false), ("t3".to_string(), false)]);
}

#[test]
fn long_tweets_created_at_escapes_retweets_and_bad_tweets() {
    let j = (JANE, "Jane Customer", "janecustomer");
    let body = json!({"for_user_id": BRAND, "tweet_create_events": [
        tweet("long", j, json!({"truncated": true, "text": "cut…", "extended_tweet": {"full_text": "the whole long text"}})),
        tweet("dated", j, json!({"timestamp_ms": null, "created_at": "Thu Jan 01 02:00:00 +0000 2026"})),
        tweet("escaped", j, json!({"text": "R&amp;D &lt;3 &gt;"})),
        tweet("rt", j, json!({"retweeted_status": {"id_str": "1"}})),
        tweet("nouser", j, json!({"user": null})),
        tweet("notime", j, json!({"timestamp_ms": null})),
        {"text": "no id"},
        tweet("last", j, json!({})),
    ]});
    let n = normalize(body.to_string().as_bytes());
    let got: Vec<_> = n.events.iter().map(|e| (e.platform_id.as_str(), e.occurred_at, e.change.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("long", at("2026-01-01T01:00:00Z"), posted(Direction::Inbound, "the whole long text", jane())),
            ("dated", at("2026-01-01T02:00:00Z"), posted(Direction::Inbound, "short text", jane())),
            ("escaped", at("2026-01-01T01:00:00Z"), posted(Direction::Inbound, "R&D <3 >", jane())),
            ("last", at("2026-01-01T01:00:00Z"), posted(Direction::Inbound, "short text", jane())),
        ]
    );
    assert_eq!(
        n.skipped,
        [
            "tweet_create_events[3]: tweet rt is a retweet",
            "tweet_create_events[4]: tweet has no `user.id_str`",
            "tweet_create_events[5]: tweet has neither `timestamp_ms` nor a readable `created_at`",
            "tweet_create_events[6]: tweet has no `id_str`",
        ]
    );
}

fn dm(id: &str, sender: &str, recipient: &str, message_data: Value) -> Value {
    json!({"type": "message_create", "id": id, "created_timestamp": "1767229300000", "message_create": {
        "target": {"recipient_id": recipient}, "sender_id": sender, "message_data": message_data}})
}

#[test]
fn our_own_dms_are_outbound_on_the_other_participant() {
    let body = json!({
        "for_user_id": BRAND,
        "direct_message_events": [dm("d1", BRAND, JANE, json!({"text": "Hi Jane"}))],
        "users": {
            JANE: {"id": JANE, "name": "Jane Customer", "screen_name": "janecustomer"},
            BRAND: {"id": BRAND, "name": "My Brand", "screen_name": "MyBrand"},
        }
    });
    assert_eq!(
        single(body.to_string().as_bytes()),
        InboundEvent {
            network: Network::Twitter,
            profile_external_id: BRAND.into(),
            platform_id: "d1".into(),
            thread: thread(Kind::Dm, JANE, None),
            occurred_at: at("2026-01-01T01:01:40Z"),
            change: posted(Direction::Outbound, "Hi Jane", brand()),
            sponsored: false,
        }
    );
}

#[test]
fn dm_authors_from_the_doc_quirk_or_unknown_and_media() {
    let body = json!({
        "for_user_id": BRAND,
        "direct_message_events": [
            dm("d1", JANE, BRAND, json!({"text": "quirk"})),
            dm("d2", "999", BRAND, json!({"text": "see https://t.co/x", "attachment": {"type": "media",
                "media": {"type": "photo", "media_url_https": "https://pbs.twimg.com/dm/1.jpg"}}})),
            {"type": "message_delete", "id": "d3"},
            {"type": "message_create", "id": "d4", "created_timestamp": "1"},
            dm("d5", JANE, BRAND, json!({"text": "after the bad ones"})),
        ],
        "apps": {
            "268278": {"id": "268278", "name": "Twitter Web App"},
            "users": {JANE: {"id": JANE, "name": "Jane Customer", "screen_name": "janecustomer"}}
        }
    });
    let n = normalize(body.to_string().as_bytes());
    let got: Vec<_> = n.events.iter().map(|e| (e.platform_id.as_str(), e.thread.thread_key.as_str(), e.change.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("d1", JANE, posted(Direction::Inbound, "quirk", jane())),
            ("d2", "999", posted(Direction::Inbound, "see https://t.co/x\n[photo] https://pbs.twimg.com/dm/1.jpg", author("999", "", ""))),
            ("d5", JANE, posted(Direction::Inbound, "after the bad ones", jane())),
        ]
    );
    assert_eq!(
        n.skipped,
        [
            "direct_message_events[2]: direct message event `message_delete` is not ingested",
            "direct_message_events[3]: direct message has no `message_create`",
        ]
    );
}

#[test]
fn every_other_array_is_skipped() {
    let body = json!({
        "for_user_id": BRAND,
        "user_has_blocked": "false",
        "follow_events": [{"type": "follow"}],
        "tweet_delete_events": [{"status": {"id": "1", "user_id": JANE}}, {"status": {"id": "2", "user_id": JANE}}],
        "direct_message_mark_read_events": [{}],
        "block_events": [{}],
        "user_event": {"revoke": {}},
    });
    let n = normalize(body.to_string().as_bytes());
    assert_eq!(n.events, vec![]);
    let mut skipped = n.skipped.clone();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "block_events[0]: `block_events` is not ingested",
            "direct_message_mark_read_events[0]: typing and read receipts are not conversation items",
            "follow_events[0]: follows never start a conversation",
            "tweet_delete_events[0]: tweet deletions are not ingested yet (the payload names no thread)",
            "tweet_delete_events[1]: tweet deletions are not ingested yet (the payload names no thread)",
            "user_event: `user_event` is not ingested",
        ]
    );
}

#[test]
fn malformed_bodies_are_errors() {
    assert!(matches!(x::normalize(b"{\"for_user_id\": "), Err(NormalizeError::NotJson(_))));
    assert!(matches!(x::normalize(b""), Err(NormalizeError::NotJson(_))));
    for body in [&b"[]"[..], b"{}", br#"{"tweet_create_events": []}"#, br#"{"for_user_id": null}"#] {
        assert!(matches!(x::normalize(body), Err(NormalizeError::Envelope(_))), "{}", String::from_utf8_lossy(body));
    }
    // A non-array event list is a skip, not an error.
    let n = normalize(br#"{"for_user_id": "1", "tweet_create_events": {}}"#);
    assert_eq!(n.skipped, ["tweet_create_events: not an array"]);
}

/// The `response.body` of an exchange fixture, as the bytes the API would answer.
fn response_body(exchange: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(exchange).unwrap();
    serde_json::to_vec(&v["response"]["body"]).unwrap()
}

fn mentions(body: &[u8]) -> (Normalized, XMentionsMeta) {
    x::normalize_mentions_page(BRAND, body).expect("a mentions answer")
}

#[test]
fn mentions_page() {
    let (n, meta) = mentions(&response_body(fixture!("x_v2_mentions_page.json")));
    assert_eq!(meta, XMentionsMeta { newest_id: Some("1875000000000000002".into()), next_token: None });
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(
        n.events,
        vec![
            InboundEvent {
                network: Network::Twitter,
                profile_external_id: BRAND.into(),
                platform_id: "1875000000000000002".into(),
                thread: thread(Kind::Reply, "1874999999999999999", Some("1874999999999999999")),
                occurred_at: at("2026-01-01T01:00:05Z"),
                change: posted(Direction::Inbound, "@MyBrand is this available in blue?", jane()),
                sponsored: false,
            },
            InboundEvent {
                network: Network::Twitter,
                profile_external_id: BRAND.into(),
                platform_id: "1875000000000000001".into(),
                thread: thread(Kind::Mention, "1875000000000000001", None),
                occurred_at: at("2026-01-01T01:00:00Z"),
                change: posted(Direction::Inbound, "@MyBrand my package never arrived, order 1234", jane()),
                sponsored: false,
            },
        ]
    );
}

#[test]
fn a_poll_overlapping_the_webhook_gives_the_same_events() {
    let (page, _) = mentions(&response_body(fixture!("x_v2_mentions_page.json")));
    let by_id = |id: &str| page.events.iter().find(|e| e.platform_id == id).unwrap().clone();
    // The same mention from the webhook and from the poll: equal in every field, so the ingest
    // stores it once.
    assert_eq!(by_id("1875000000000000001"), single(fixture!("x_tweet_create_mention.json")));
    // The same reply: equal but for the time, because the two fixtures disagree on it (the
    // webhook's says 01:00:00, the page's 01:00:05); a real tweet has one creation time, which
    // `timestamp_ms` and `created_at` both give to the millisecond.
    let from_webhook = single(fixture!("x_tweet_create_reply.json"));
    assert_eq!(InboundEvent { occurred_at: from_webhook.occurred_at, ..by_id("1875000000000000002") }, from_webhook);

    // What a page can lack: the author's name and handle, when the author is not in
    // `includes.users` (expansion not asked for, or a suspended or protected account).
    let mut bare: Value = serde_json::from_slice(&response_body(fixture!("x_v2_mentions_page.json"))).unwrap();
    bare.as_object_mut().unwrap().remove("includes");
    let (page, _) = mentions(bare.to_string().as_bytes());
    let mut expected = single(fixture!("x_tweet_create_mention.json"));
    expected.change = posted(Direction::Inbound, "@MyBrand my package never arrived, order 1234", author(JANE, "", ""));
    assert_eq!(page.events[1], expected);
}

fn v2(id: &str, author_id: Option<&str>, extra: Value) -> Value {
    let mut t = json!({"id": id, "text": "@MyBrand hi", "created_at": "2026-01-01T01:00:00.000Z", "edit_history_tweet_ids": [id]});
    if let Some(a) = author_id {
        t["author_id"] = json!(a);
    }
    for (k, v) in extra.as_object().unwrap() {
        t[k] = v.clone();
    }
    t
}

#[test]
fn mentions_page_own_tweets_long_posts_retweets_and_bad_tweets() {
    let body = json!({
        "data": [
            v2("ours", Some(BRAND), json!({"referenced_tweets": [{"type": "replied_to", "id": "t0"}], "text": "@janecustomer sorry!"})),
            v2("quote", Some(JANE), json!({"referenced_tweets": [{"type": "quoted", "id": "q0"}]})),
            v2("long", Some(JANE), json!({"text": "cut…", "note_tweet": {"text": "the whole long text"}})),
            v2("escaped", Some(JANE), json!({"text": "R&amp;D &lt;3 &gt;"})),
            v2("rt", Some(JANE), json!({"referenced_tweets": [{"type": "retweeted", "id": "r0"}]})),
            v2("noauthor", None, json!({})),
            v2("notime", Some(JANE), json!({"created_at": null})),
            {"text": "no id"},
            v2("stranger", Some("999"), json!({})),
        ],
        "includes": {"users": [
            {"id": BRAND, "name": "My Brand", "username": "MyBrand"},
            {"id": JANE, "name": "Jane Customer", "username": "janecustomer"},
        ]},
        "meta": {"newest_id": "ours", "oldest_id": "stranger", "result_count": 9, "next_token": "7140dibdnow9c7btw4"},
        "errors": [{"title": "Authorization Error", "resource_type": "tweet", "resource_id": "q0"}],
    });
    let (n, meta) = mentions(body.to_string().as_bytes());
    assert_eq!(meta, XMentionsMeta { newest_id: Some("ours".into()), next_token: Some("7140dibdnow9c7btw4".into()) });
    let t = at("2026-01-01T01:00:00Z");
    let got: Vec<_> = n.events.iter().map(|e| (e.platform_id.as_str(), e.thread.clone(), e.change.clone())).collect();
    assert_eq!(
        got,
        vec![
            ("ours", thread(Kind::Reply, "t0", Some("t0")), posted(Direction::Outbound, "@janecustomer sorry!", brand())),
            ("quote", thread(Kind::Mention, "quote", None), posted(Direction::Inbound, "@MyBrand hi", jane())),
            ("long", thread(Kind::Mention, "long", None), posted(Direction::Inbound, "the whole long text", jane())),
            ("escaped", thread(Kind::Mention, "escaped", None), posted(Direction::Inbound, "R&D <3 >", jane())),
            ("stranger", thread(Kind::Mention, "stranger", None), posted(Direction::Inbound, "@MyBrand hi", author("999", "", ""))),
        ]
    );
    assert!(n.events.iter().all(|e| e.occurred_at == t && e.profile_external_id == BRAND && !e.sponsored));
    assert_eq!(
        n.skipped,
        [
            "data[4]: tweet rt is a retweet",
            "data[5]: tweet noauthor has no `author_id`",
            "data[6]: tweet notime has no readable `created_at`",
            "data[7]: tweet has no `id`",
        ]
    );
}

#[test]
fn empty_and_malformed_mentions_pages() {
    let (n, meta) = mentions(br#"{"meta": {"result_count": 0}}"#);
    assert_eq!((n, meta), (Normalized::default(), XMentionsMeta::default()));

    assert!(matches!(x::normalize_mentions_page(BRAND, b"{\"data\": ["), Err(NormalizeError::NotJson(_))));
    for body in [
        &b"[]"[..],
        br#"{"data": {}}"#,
        br#"{"errors": [{"title": "Not Found Error", "detail": "Could not find user with id: [1]."}]}"#,
        br#"{"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized", "errors": []}"#,
    ] {
        assert!(matches!(x::normalize_mentions_page(BRAND, body), Err(NormalizeError::Envelope(_))), "{}", String::from_utf8_lossy(body));
    }
}
