//! `youtube::normalize_comment_threads` on the `commentThreads.list` fixture, field by field, and
//! on hand-made answers for our own comments, bad comments among good ones and API errors.

use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::{Author, Direction, Kind, Network, Timestamp};
use inbox_platforms::{NormalizeError, Normalized, youtube};
use serde_json::{Value, json};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/", $name))
    };
}

const CHANNEL: &str = "UCbrandChannel000000000A";
const THREAD_1: &str = "UgzAbCdEfGhIjKlMnOp4AaABAg";
const THREAD_2: &str = "UgwZyXwVuTsRqPoNmLk4AaABAg";

fn at(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn author(id: &str, name: &str, handle: &str) -> Author {
    Author { id: id.into(), name: name.into(), handle: handle.into() }
}

fn comment(id: &str, thread: &str, parent: Option<&str>, at_: &str, direction: Direction, text: &str, author: Author) -> InboundEvent {
    InboundEvent {
        network: Network::Youtube,
        profile_external_id: CHANNEL.into(),
        platform_id: id.into(),
        thread: ThreadRef { kind: Kind::Comment, thread_key: thread.into(), parent_platform_id: parent.map(Into::into), post_id: None },
        occurred_at: at(at_),
        change: Change::Posted { direction, text: text.into(), author, correlation: None },
        sponsored: false,
    }
}

/// The same events, under the video they are on.
fn under(video: &str, events: Vec<InboundEvent>) -> Vec<InboundEvent> {
    events.into_iter().map(|e| InboundEvent { thread: e.thread.on_post(Some(video.into())), ..e }).collect()
}

/// The `response.body` of an exchange fixture, as the bytes the API would answer.
fn response_body(exchange: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(exchange).unwrap();
    serde_json::to_vec(&v["response"]["body"]).unwrap()
}

fn normalize(body: &[u8]) -> (Normalized, Option<String>) {
    youtube::normalize_comment_threads(CHANNEL, body).expect("a commentThreads answer")
}

#[test]
fn comment_threads_page() {
    let (n, next) = normalize(&response_body(fixture!("youtube_comment_threads_page.json")));
    assert_eq!(next.as_deref(), Some("QURTSl9pMnBmRVhBMEhsV0V6"));
    assert_eq!(n.skipped, Vec::<String>::new());
    assert_eq!(
        n.events,
        under(
            "dQw4w9WgXcQ",
            vec![
                comment(
                    THREAD_1,
                    THREAD_1,
                    None,
                    "2026-01-01T02:00:00Z",
                    Direction::Inbound,
                    "Does this work on Linux?",
                    author("UCbCdEfGhIjKlMnOp4AaABAg", "Jane Customer", "janecustomer")
                ),
                // Edited since it was published (`updatedAt` later): the current text, at its
                // publication time...
                comment(
                    THREAD_2,
                    THREAD_2,
                    None,
                    "2025-12-20T10:00:00Z",
                    Direction::Inbound,
                    "Great video (edited: the link is broken)",
                    author("UCyXwVuTsRqPoNmLk4AaABAg", "Bob Other", "bobother")
                ),
                // ...and the edit at its own time (`updatedAt`), which updates the item where it was
                // stored already.
                InboundEvent {
                    change: Change::Edited { text: "Great video (edited: the link is broken)".into() },
                    ..comment(
                        THREAD_2,
                        THREAD_2,
                        None,
                        "2026-01-01T01:30:00Z",
                        Direction::Inbound,
                        "",
                        author("UCyXwVuTsRqPoNmLk4AaABAg", "Bob Other", "bobother")
                    )
                },
                // A reply, threaded on the thread and parented to the top-level comment. Its author
                // calls itself "My Brand" but its channel id is not the profile's, so it is inbound.
                comment(
                    "UgwZyXwVuTsRqPoNmLk4AaABAg.9xYzAbCdEfG",
                    THREAD_2,
                    Some(THREAD_2),
                    "2026-01-01T01:45:00Z",
                    Direction::Inbound,
                    "@Bob Other fixed, thanks!",
                    author("UCmLk4AaABAg.9xYzAbCdEfG", "My Brand", "mybrand")
                ),
            ]
        )
    );
}

fn resource(id: &str, author_channel: Option<&str>, extra: Value) -> Value {
    let mut snippet = json!({
        "channelId": CHANNEL, "textDisplay": "display <b>text</b>", "textOriginal": "original text",
        "authorDisplayName": "Someone", "authorChannelUrl": "http://www.youtube.com/channel/UCx",
        "publishedAt": "2026-01-02T10:00:00Z", "updatedAt": "2026-01-02T10:00:00Z",
    });
    if let Some(c) = author_channel {
        snippet["authorChannelId"] = json!({"value": c});
    }
    for (k, v) in extra.as_object().unwrap() {
        snippet[k] = v.clone();
    }
    json!({"kind": "youtube#comment", "id": id, "snippet": snippet})
}

fn thread_item(id: Option<&str>, top: Option<Value>, replies: Option<Value>) -> Value {
    let mut item = json!({"kind": "youtube#commentThread", "snippet": {"channelId": CHANNEL, "videoId": "v1"}});
    if let Some(id) = id {
        item["id"] = json!(id);
    }
    if let Some(top) = top {
        item["snippet"]["topLevelComment"] = top;
    }
    if let Some(r) = replies {
        item["replies"] = json!({"comments": r});
    }
    item
}

#[test]
fn our_own_comments_bad_comments_and_fallbacks() {
    let body = json!({"kind": "youtube#commentThreadListResponse", "nextPageToken": "", "items": [
        // Our own top-level comment and our own reply: outbound. A reply without its top-level
        // comment still finds its thread.
        thread_item(Some("T1"), Some(resource("T1", Some(CHANNEL), json!({}))), Some(json!([
            resource("T1.a", Some(CHANNEL), json!({"parentId": "T1"})),
            resource("T1.b", None, json!({"textOriginal": null, "authorDisplayName": null, "publishedAt": "2026-01-02T11:00:00+01:00"})),
            resource("T1.c", Some("UCother"), json!({"publishedAt": "yesterday"})),
            {"snippet": {}},
            resource("T1.e", Some("UCother"), json!({})),
        ]))),
        thread_item(Some("T2"), None, Some(json!([resource("T2.a", Some("UCother"), json!({"parentId": "T2"}))]))),
        // No thread id: the top-level comment's.
        thread_item(None, Some(resource("T3", Some("UCother"), json!({}))), Some(json!("not an array"))),
        thread_item(None, None, None),
        thread_item(Some("T5"), Some(json!({"id": "T5"})), None),
    ]});
    let (n, next) = normalize(body.to_string().as_bytes());
    assert_eq!(next, None);
    let t = "2026-01-02T10:00:00Z";
    let someone = |id: &str| author(id, "Someone", "");
    assert_eq!(
        n.events,
        under(
            "v1",
            vec![
                comment("T1", "T1", None, t, Direction::Outbound, "original text", someone(CHANNEL)),
                comment("T1.a", "T1", Some("T1"), t, Direction::Outbound, "original text", someone(CHANNEL)),
                // No author channel: inbound with an empty id; `textDisplay` when there is no original.
                comment("T1.b", "T1", Some("T1"), t, Direction::Inbound, "display <b>text</b>", author("", "", "")),
                comment("T1.e", "T1", Some("T1"), t, Direction::Inbound, "original text", someone("UCother")),
                comment("T2.a", "T2", Some("T2"), t, Direction::Inbound, "original text", someone("UCother")),
                comment("T3", "T3", None, t, Direction::Inbound, "original text", someone("UCother")),
            ]
        )
    );
    assert_eq!(
        n.skipped,
        [
            "items[0].replies.comments[2]: comment `T1.c` has no readable `publishedAt`",
            "items[0].replies.comments[3]: comment has no `id`",
            "items[1]: thread `T2` has no `snippet.topLevelComment`",
            "items[2].replies.comments: not an array",
            "items[3]: thread has no `id`",
            "items[4]: comment `T5` has no `snippet`",
        ]
    );
}

#[test]
fn empty_pages_and_errors() {
    let (n, next) = normalize(br#"{"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": 0}}"#);
    assert_eq!((n, next), (Normalized::default(), None));
    let (n, next) = normalize(br#"{"items": [], "nextPageToken": "abc"}"#);
    assert_eq!((n, next.as_deref()), (Normalized::default(), Some("abc")));

    let errors: Value = serde_json::from_slice(fixture!("youtube_errors.json")).unwrap();
    let mut seen = 0;
    for value in errors.as_object().unwrap().values() {
        if let Some(body) =
            value.get("body").or_else(|| value.get("response").and_then(|r| r.get("body"))).filter(|b| b.get("error").is_some())
        {
            seen += 1;
            let err = youtube::normalize_comment_threads(CHANNEL, body.to_string().as_bytes()).unwrap_err();
            assert!(matches!(err, NormalizeError::Envelope(_)), "{err}");
        }
    }
    assert!(seen > 0, "youtube_errors.json holds API error bodies");

    assert!(matches!(youtube::normalize_comment_threads(CHANNEL, b"<html>"), Err(NormalizeError::NotJson(_))));
    for body in [&b"[]"[..], b"{}", br#"{"items": {}}"#, br#"{"error": {"code": 403, "message": "quota"}}"#] {
        assert!(
            matches!(youtube::normalize_comment_threads(CHANNEL, body), Err(NormalizeError::Envelope(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}
