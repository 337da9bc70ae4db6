//! Helpers of the rule tests: webhook bodies made from the spec fixtures (parsed, changed,
//! re-serialised), and short ways to read what a user sees.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::usecases::{self, IngestOutcome};
use inbox_domain::{Author, Direction, Kind, Network};
use inbox_local::simulator::{Recorded, Simulator};
use inbox_tests::*;
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z, the time of the fixtures.
pub const T0: i64 = 1_767_225_600;
/// The demo Page's post the comment fixtures are on.
pub const POST: &str = "122100000000000001";
/// The demo Page and X account (the fixtures' ids).
pub const FB_PAGE: &str = "104857600000001";
pub const X_USER: &str = "2244994945";

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}

pub fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// A Facebook feed comment on the demo Page's post (from `meta_feed_comment_add.json`):
/// `comment` is the part after the post id, `parent` the comment it answers (a reply).
pub fn fb_feed(comment: &str, parent: Option<&str>, from: (&str, &str), message: &str, at: i64, verb: &str) -> Vec<u8> {
    let mut v = fixture_json("meta_feed_comment_add.json");
    v["entry"][0]["time"] = json!(at + 2);
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["from"] = json!({"id": from.0, "name": from.1});
    value["message"] = json!(message);
    value["comment_id"] = json!(format!("{POST}_{comment}"));
    value["created_time"] = json!(at);
    value["parent_id"] = json!(match parent {
        Some(p) => format!("{POST}_{p}"),
        None => format!("{FB_PAGE}_{POST}"),
    });
    value["verb"] = json!(verb);
    bytes(&v)
}

/// A new top-level comment by a customer.
pub fn fb_comment(comment: &str, from: (&str, &str), message: &str, at: i64) -> Vec<u8> {
    fb_feed(comment, None, from, message, at, "add")
}

pub const JANE: (&str, &str) = ("26100000000000001", "Jane Customer");
pub const SAM: (&str, &str) = ("26100000000000003", "Sam Rivers");

/// A tweet in the Account Activity shape (from `x_tweet_create_mention.json`), by `user`
/// (`id`, `name`, `screen_name`), answering `in_reply_to` when given.
pub fn x_tweet(id: &str, in_reply_to: Option<&str>, user: (&str, &str, &str), text: &str, at_ms: i64) -> Vec<u8> {
    let mut v = fixture_json("x_tweet_create_mention.json");
    let t = &mut v["tweet_create_events"][0];
    t["id"] = json!(id.parse::<u64>().unwrap());
    t["id_str"] = json!(id);
    t["text"] = json!(text);
    t["in_reply_to_status_id_str"] = json!(in_reply_to);
    t["in_reply_to_status_id"] = json!(in_reply_to.map(|r| r.parse::<u64>().unwrap()));
    t["user"]["id"] = json!(user.0.parse::<u64>().unwrap());
    t["user"]["id_str"] = json!(user.0);
    t["user"]["name"] = json!(user.1);
    t["user"]["screen_name"] = json!(user.2);
    t["timestamp_ms"] = json!(at_ms.to_string());
    bytes(&v)
}

pub const XJANE: (&str, &str, &str) = ("1500000000000000001", "Jane Customer", "janecustomer");
pub const XMARCO: (&str, &str, &str) = ("1500000000000000002", "Marco Velo", "marcovelo");
pub const XUS: (&str, &str, &str) = (X_USER, "Demo Outdoor", "DemoOutdoor");

/// An X direct message to the demo account (from `x_dm_event.json`).
pub fn x_dm(id: &str, sender: (&str, &str, &str), text: &str, at_ms: i64) -> Vec<u8> {
    let mut v = fixture_json("x_dm_event.json");
    let e = &mut v["direct_message_events"][0];
    e["id"] = json!(id);
    e["created_timestamp"] = json!(at_ms.to_string());
    e["message_create"]["sender_id"] = json!(sender.0);
    e["message_create"]["message_data"]["text"] = json!(text);
    v["users"][sender.0] = json!({"id": sender.0, "name": sender.1, "screen_name": sender.2});
    bytes(&v)
}

/// One Messenger message from `psid` (from `meta_messages.json`).
pub fn messenger(psid: &str, mid: &str, text: &str, at_ms: i64) -> Vec<u8> {
    let mut v = fixture_json("meta_messages.json");
    let mut event = v["entry"][0]["messaging"][0].clone();
    event["sender"]["id"] = json!(psid);
    event["timestamp"] = json!(at_ms);
    event["message"] = json!({"mid": mid, "text": text});
    v["entry"][0]["time"] = json!(at_ms + 100);
    v["entry"][0]["messaging"] = json!([event]);
    bytes(&v)
}

/// Posts a signed Meta webhook, expects 200, and waits for ingestion.
pub async fn meta(t: &TestApp, body: &[u8]) {
    assert_eq!(t.meta_webhook(body).await, StatusCode::OK);
    t.settle().await;
}

/// Posts a signed X webhook, expects 200, and waits for ingestion.
pub async fn x(t: &TestApp, body: &[u8]) {
    assert_eq!(t.x_webhook(body).await, StatusCode::OK);
    t.settle().await;
}

/// A comment on a LinkedIn organisation post or a YouTube video, as the pollers of those
/// networks hand it to the domain (they have no webhook).
pub async fn polled_comment(t: &TestApp, network: Network, platform_id: &str, author: &str, text: &str, at: i64) {
    let external = match network {
        Network::Linkedin => "5515715",
        Network::Youtube => "UCdemo00000000000000000001",
        other => panic!("no poller for {other}"),
    };
    let event = InboundEvent {
        network,
        profile_external_id: external.into(),
        platform_id: platform_id.into(),
        thread: ThreadRef { kind: Kind::Comment, thread_key: platform_id.into(), parent_platform_id: None, post_id: None },
        occurred_at: DateTime::from_timestamp(at, 0).unwrap(),
        change: Change::Posted {
            direction: Direction::Inbound,
            text: text.into(),
            author: Author { id: format!("{author}-id"), name: author.into(), handle: String::new() },
            correlation: None,
        },
        sponsored: false,
    };
    let outcome = usecases::ingest(&t.app.state.deps, &event).await.expect("ingest");
    assert!(matches!(outcome, IngestOutcome::Created(_)), "{outcome:?}");
}

pub fn id(c: &Value) -> String {
    c["id"].as_str().expect("an id").to_string()
}

pub fn ids(list: &[Value]) -> Vec<String> {
    list.iter().map(id).collect()
}

pub fn excerpts(list: &[Value]) -> Vec<String> {
    list.iter().map(|c| c["excerpt"].as_str().unwrap().to_string()).collect()
}

pub fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a time string")).expect("RFC 3339").with_timezone(&Utc)
}

pub fn secs(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap()
}

/// Every conversation `user` can see, any status.
pub async fn everything(t: &TestApp, user: &str) -> Vec<Value> {
    t.feed(user, "status=any&limit=100").await
}

/// `(action, actor)` of each history entry, oldest first.
pub async fn history(t: &TestApp, user: &str, conv: &str) -> Vec<(String, String)> {
    let (status, body) = t.get(&format!("/api/conversations/{conv}/history"), user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap().to_string(), h["actor"].as_str().unwrap().to_string()))
        .collect()
}

pub async fn history_entries(t: &TestApp, user: &str, conv: &str) -> Vec<Value> {
    let (status, body) = t.get(&format!("/api/conversations/{conv}/history"), user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["history"].as_array().unwrap().clone()
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// The caller's notifications, newest first: `(type, conversation_id, actor_id)`.
pub async fn notifications(t: &TestApp, user: &str) -> Vec<(String, String, Value)> {
    let (status, body) = t.get("/api/notifications", user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["type"].as_str().unwrap().to_string(), n["conversation_id"].as_str().unwrap().to_string(), n["actor_id"].clone()))
        .collect()
}

/// `(To, Subject)` of every email in the outbox, sorted.
pub fn outbox(t: &TestApp) -> Vec<(String, String)> {
    let header = |m: &Mail, name: &str| m.header(name).unwrap_or_default().to_string();
    let mut out: Vec<(String, String)> = mails(t).iter().map(|m| (header(m, "To"), header(m, "Subject"))).collect();
    out.sort();
    out
}

/// One email of the outbox, read as a mail client would: its headers, and its text and HTML
/// parts decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub text: String,
    pub html: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Every email of the outbox, parsed.
pub fn mails(t: &TestApp) -> Vec<Mail> {
    use base64::Engine;
    let dir = t.dir.path().join("outbox");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("outbox exists") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("eml") {
            continue;
        }
        let raw = std::fs::read_to_string(&path).unwrap().replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap();
        let headers: Vec<(String, String)> = head.lines().filter_map(|l| l.split_once(": ")).map(|(n, v)| (n.into(), v.into())).collect();
        let boundary = head.split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).expect("multipart").to_string();
        let (mut text, mut html) = (String::new(), String::new());
        for part in body.split(&format!("--{boundary}")) {
            let Some((h, data)) = part.trim_start_matches('\n').split_once("\n\n") else { continue };
            let bytes = base64::engine::general_purpose::STANDARD.decode(data.lines().collect::<String>().trim()).unwrap_or_default();
            let decoded = String::from_utf8(bytes).expect("UTF-8 parts");
            if h.contains("text/plain") {
                text = decoded;
            } else if h.contains("text/html") {
                html = decoded;
            }
        }
        out.push(Mail { headers, text, html });
    }
    out
}

pub async fn post_ok(t: &TestApp, path: &str, user: &str, body: Value) -> Value {
    let (status, answer) = t.post(path, user, body).await;
    assert!(status.is_success(), "{path} answered {status}: {answer}");
    answer
}

pub async fn assign(t: &TestApp, user: &str, conv: &str, to: Option<&str>) -> Value {
    post_ok(t, &format!("/api/conversations/{conv}/assign"), user, json!({ "user_id": to })).await
}

pub async fn set_status(t: &TestApp, user: &str, conv: &str, status: &str) -> Value {
    post_ok(t, &format!("/api/conversations/{conv}/status"), user, json!({ "status": status })).await
}

pub async fn mark_seen(t: &TestApp, user: &str, conv: &str) -> Value {
    let (status, body) = t.request(Method::POST, &format!("/api/conversations/{conv}/seen"), Some(user), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub async fn note(t: &TestApp, user: &str, conv: &str, text: &str) -> Value {
    let (status, body) = t.post(&format!("/api/conversations/{conv}/notes"), user, json!({ "text": text })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A request with a raw body and the given headers.
pub async fn raw(t: &TestApp, method: Method, path: &str, user: Option<&str>, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let mut b = Request::builder().method(method).uri(path).header("content-type", content_type);
    if let Some(u) = user {
        b = b.header("authorization", format!("Bearer {}", t.token(u)));
    }
    t.call(b.body(Body::from(body)).unwrap()).await
}

/// Asserts the JSON error shape and code.
pub fn assert_error(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(answer.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", answer.1);
}

/// The network simulator the test app runs on.
pub fn sim(t: &TestApp) -> &Simulator {
    t.app.simulator.as_ref().expect("tests run on the simulator")
}

/// The calls the simulator received with `method` to a path ending with `suffix`, in order.
pub fn sim_calls(t: &TestApp, method: &str, suffix: &str) -> Vec<Recorded> {
    sim(t).requests().into_iter().filter(|r| r.method == method && r.path.ends_with(suffix)).collect()
}
