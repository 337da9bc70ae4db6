//! Integrations through the router, against fake receivers (`wiremock`) that assert the exact
//! requests: signed webhook deliveries (verified by the `standardwebhooks` reference library),
//! their retry schedule, dead letters, replay and disablement on a clock the test moves; SSRF
//! refusals; Zapier REST hooks; Salesforce Cases; admin-only routes and account isolation.

use crate::support::*;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use inbox_domain::messages::QueueName;
use inbox_domain::ports::{Clock, OutboundHook};
use inbox_domain::usecases::Deps;
use inbox_domain::usecases::integrations;
use inbox_integrations::EgressPolicy;
use inbox_tests::*;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A clock the test moves by hand.
struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn at(t: DateTime<Utc>) -> Arc<ManualClock> {
        Arc::new(ManualClock(Mutex::new(t)))
    }
    fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The app's use cases with the test's clock.
fn deps_at(t: &TestApp, clock: Arc<ManualClock>) -> Deps {
    let mut d = t.app.state.deps.clone();
    d.clock = clock;
    d
}

async fn subscribe(t: &TestApp, url: &str, events: &[&str]) -> Value {
    let (status, body) = t.post("/api/webhook-subscriptions", ALICE, json!({"url": url, "events": events, "description": "test"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A new Facebook comment (a new conversation), ingested.
async fn new_comment(t: &TestApp, comment: &str, text: &str) -> String {
    meta(t, &fb_comment(comment, JANE, text, T0 + 60)).await;
    id(&t.find(ALICE, text).await)
}

/// Waits until the server has received `n` requests, and answers them.
async fn received(server: &MockServer, n: usize) -> Vec<Request> {
    for _ in 0..500 {
        let got = server.received_requests().await.unwrap();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("expected {n} requests, got {}", server.received_requests().await.unwrap().len());
}

fn h<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn deliveries(t: &TestApp, sub: &str, query: &str) -> Vec<Value> {
    let (status, body) = t.get(&format!("/api/webhook-subscriptions/{sub}/deliveries?{query}"), ALICE).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["deliveries"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------------------------------
// The reference library

/// The project's test virtualenv (made by scripts/test.sh, with `standardwebhooks` in it).
fn venv_python() -> std::path::PathBuf {
    let venv = std::env::var("INBOX_TEST_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-venv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: this test verifies deliveries with the `standardwebhooks` reference library in the test virtualenv; \
         run scripts/test.sh (or: python3 -m venv target/test-venv && target/test-venv/bin/pip install standardwebhooks)",
        python.display()
    );
    python
}

const VERIFY_PY: &str = r#"
import json, sys
from standardwebhooks import Webhook, WebhookVerificationError
secret, capture = sys.argv[1], json.load(open(sys.argv[2]))
wh = Webhook(secret)
for c in capture["deliveries"]:
    payload = wh.verify(c["body"], c["headers"])
    assert payload["id"] == c["headers"]["webhook-id"], payload
    for tampered in (c["body"].replace('"seq":', '"seq" :', 1), c["body"] + " "):
        try:
            wh.verify(tampered, c["headers"])
        except WebhookVerificationError:
            pass
        else:
            sys.exit("a tampered body verified")
try:
    wh.verify(capture["old"]["body"], capture["old"]["headers"])
except WebhookVerificationError as e:
    assert "too old" in str(e), e
else:
    sys.exit("a delivery signed 10 minutes ago verified")
try:
    Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=").verify(capture["deliveries"][0]["body"], capture["deliveries"][0]["headers"])
except WebhookVerificationError:
    pass
else:
    sys.exit("another secret verified")
print("verified", len(capture["deliveries"]))
"#;

fn as_capture(r: &Request) -> Value {
    let headers: serde_json::Map<String, Value> =
        ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"].iter().map(|n| (n.to_string(), json!(h(r, n)))).collect();
    json!({"headers": headers, "body": String::from_utf8(r.body.clone()).unwrap()})
}

#[tokio::test]
async fn deliveries_are_signed_so_that_the_standard_webhooks_reference_library_verifies_them() {
    let python = venv_python();
    let t = TestApp::spawn_with(|c| c.deliver = true).await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/hooks/inbox")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let sub = subscribe(&t, &format!("{}/hooks/inbox", server.uri()), &["conversation.created", "item.received"]).await;
    let secret = sub["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{sub}");
    // Kept sealed: the stored subscription holds no usable signing secret.
    let stored =
        t.app.state.deps.subscriptions.get_subscription(&ACCOUNT.into(), &sub["id"].as_str().unwrap().into()).await.unwrap().unwrap();
    assert!(stored.secret.expose().starts_with("v1.") && !stored.secret.expose().contains(&secret[6..]), "{:?}", stored.secret);

    let conv = new_comment(&t, "7001", "Is the red tent still in stock?").await;
    let got = received(&server, 2).await;
    let mut types: Vec<String> =
        got.iter().map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["type"].as_str().unwrap().into()).collect();
    types.sort();
    assert_eq!(types, ["conversation.created", "item.received"]);
    let first: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(first["version"], 1);
    assert_eq!(first["conversation_id"], json!(conv));
    assert_eq!(first["seq"], 1, "seq is the conversation's version after the change");
    assert_eq!(first["data"]["conversation"]["network"], "facebook");
    assert_eq!(h(&got[0], "webhook-id"), first["id"].as_str().unwrap());
    assert_eq!(h(&got[0], "content-type"), "application/json");

    // One more, signed ten minutes ago: the library must refuse it as a replay.
    let old = OutboundHook {
        url: format!("{}/hooks/inbox", server.uri()),
        id: "evt_replayed".into(),
        timestamp: Utc::now() - Duration::minutes(10),
        body: String::from_utf8(got[0].body.clone()).unwrap(),
        secret: inbox_domain::SecretString::new(secret.clone()),
    };
    t.app.state.deps.webhook_sender.send(&old).await;
    let all = received(&server, 3).await;
    let capture = json!({"deliveries": [as_capture(&got[0]), as_capture(&got[1])], "old": as_capture(&all[2])});
    let file = t.dir.path().join("capture.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&capture).unwrap()).unwrap();
    // What a receiver sees, kept for the record.
    let sample = format!(
        "POST /hooks/inbox\ncontent-type: {}\nwebhook-id: {}\nwebhook-timestamp: {}\nwebhook-signature: {}\n\n{}\n",
        h(&got[0], "content-type"),
        h(&got[0], "webhook-id"),
        h(&got[0], "webhook-timestamp"),
        h(&got[0], "webhook-signature"),
        serde_json::to_string_pretty(&first).unwrap()
    );
    println!("{sample}");
    let _ = std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/../target"));
    let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/webhook-delivery-sample.txt"), &sample);

    let out = std::process::Command::new(&python).arg("-c").arg(VERIFY_PY).arg(&secret).arg(&file).output().expect("python runs");
    assert!(
        out.status.success(),
        "standardwebhooks did not verify the deliveries:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "verified 2");
    let delivered = deliveries(&t, sub["id"].as_str().unwrap(), "state=delivered").await;
    assert_eq!(delivered.len(), 2);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Retries, dead letters, replay, disablement

#[tokio::test]
async fn failing_deliveries_retry_for_about_a_day_then_die_then_the_subscription_is_turned_off_and_admins_told() {
    let t = TestApp::spawn().await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down for maintenance"))
        .up_to_n_times(8)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let sub = subscribe(&t, &format!("{}/in", server.uri()), &["conversation.created"]).await;
    let sub_id = sub["id"].as_str().unwrap().to_string();
    let conv = new_comment(&t, "7101", "My order never came").await;

    let start = Utc::now() + Duration::seconds(1);
    let clock = ManualClock::at(start);
    let deps = deps_at(&t, clock.clone());
    // The schedule: the first attempt, then 30 s, 2 min, 10 min, 1 h, 4 h, 8 h and 12 h later.
    let gaps = [0i64, 30, 120, 600, 3_600, 4 * 3_600, 8 * 3_600, 12 * 3_600];
    let mut at = start;
    for (i, gap) in gaps.iter().enumerate() {
        at += Duration::seconds(*gap);
        if *gap > 0 {
            clock.set(at - Duration::seconds(1));
            let early = integrations::deliver_due(&deps, 10).await.unwrap();
            assert_eq!(early.attempted, 0, "attempt {} is not due a second early", i + 1);
        }
        clock.set(at);
        let round = integrations::deliver_due(&deps, 10).await.unwrap();
        assert_eq!(round.attempted, 1, "attempt {}", i + 1);
        let d = &deliveries(&t, &sub_id, "").await[0];
        assert_eq!(d["attempts"], i as u64 + 1);
        assert_eq!(d["last_status"], 500);
        if i + 1 < gaps.len() {
            assert_eq!(d["state"], "pending");
            assert_eq!(at_of(&d["next_attempt_at"]), at + Duration::seconds(gaps[i + 1]));
        } else {
            assert_eq!(d["state"], "dead", "{d}");
            // The receiver is on loopback (allowed in tests): not public, so its words stay out.
            assert_eq!(d["last_error"], "the receiver answered 500 (its words are not shown: it is not a public address)");
            assert_eq!(d["next_attempt_at"], Value::Null);
        }
    }
    // Every attempt carried the same id (receivers drop repeats) and its own timestamp.
    let got = received(&server, 8).await;
    let ids: std::collections::BTreeSet<&str> = got.iter().map(|r| h(r, "webhook-id")).collect();
    assert_eq!(ids.len(), 1);
    let stamps: Vec<i64> = got.iter().map(|r| h(r, "webhook-timestamp").parse().unwrap()).collect();
    let expected: Vec<i64> = gaps
        .iter()
        .scan(start, |a, g| {
            *a += Duration::seconds(*g);
            Some(a.timestamp())
        })
        .collect();
    assert_eq!(stamps, expected);
    assert!(at - start > Duration::hours(24), "about a day");

    // Dead, and failing for more than a day: the subscription is turned off, admins told.
    let dead = deliveries(&t, &sub_id, "state=dead").await;
    assert_eq!(dead.len(), 1);
    let (_, s) = t.get(&format!("/api/webhook-subscriptions/{sub_id}"), ALICE).await;
    assert_eq!(s["enabled"], false, "{s}");
    assert!(s["disabled_reason"].as_str().unwrap().contains("more than 24 hours"), "{s}");
    assert_eq!(at_of(&s["failing_since"]), start);
    t.settle_queue(QueueName::Notify).await;
    let alice = notifications(&t, ALICE).await;
    assert!(alice.iter().any(|(kind, c, _)| kind == "webhook_disabled" && *c == conv), "{alice:?}");
    assert!(!notifications(&t, BOB).await.iter().any(|(kind, ..)| kind == "webhook_disabled"), "members are not told");
    assert!(!notifications(&t, OLGA).await.iter().any(|(kind, ..)| kind == "webhook_disabled"), "nor other accounts");
    assert!(outbox(&t).iter().any(|(to, subject)| to == "alice@demo.example" && subject.contains("was turned off")), "{:?}", outbox(&t));

    // Replay: refused while the subscription is off, then sent once it is back on.
    let dlv = dead[0]["id"].as_str().unwrap().to_string();
    let replay = format!("/api/webhook-subscriptions/{sub_id}/deliveries/{dlv}/replay");
    assert_error(&t.request(Method::POST, &replay, Some(ALICE), None).await, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    let (status, body) =
        t.request(Method::PATCH, &format!("/api/webhook-subscriptions/{sub_id}"), Some(ALICE), Some(&json!({"enabled": true}))).await;
    assert_eq!((status, body["enabled"].as_bool(), body["failing_since"].clone()), (StatusCode::OK, Some(true), Value::Null), "{body}");
    let (status, body) = t.request(Method::POST, &replay, Some(ALICE), None).await;
    assert_eq!((status, body["state"].as_str(), body["attempts"].as_u64()), (StatusCode::ACCEPTED, Some("pending"), Some(0)), "{body}");
    assert_error(&t.request(Method::POST, &replay, Some(ALICE), None).await, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    clock.set(Utc::now() + Duration::seconds(1));
    assert_eq!(integrations::deliver_due(&deps, 10).await.unwrap().delivered, 1);
    let d = &deliveries(&t, &sub_id, "").await[0];
    assert_eq!((d["state"].as_str(), d["attempts"].as_u64(), d["last_status"].as_u64()), (Some("delivered"), Some(1), Some(200)));
    assert_eq!(received(&server, 9).await.len(), 9);
    let (_, s) = t.get(&format!("/api/webhook-subscriptions/{sub_id}"), ALICE).await;
    assert!(s["last_success_at"].is_string() && s["failing_since"].is_null(), "{s}");
    t.stop().await;
}

fn at_of(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn every_change_is_told_with_its_seq_to_the_subscriptions_that_want_it() {
    let t = TestApp::spawn().await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let all = [
        "conversation.created",
        "conversation.reopened",
        "conversation.closed",
        "conversation.assigned",
        "conversation.unassigned",
        "item.received",
        "reply.sent",
        "note.added",
        "case.created",
    ];
    subscribe(&t, &format!("{}/all", server.uri()), &all).await;
    subscribe(&t, &format!("{}/notes", server.uri()), &["note.added"]).await;
    let (status, _) = t
        .post(
            "/api/webhook-subscriptions",
            ALICE,
            json!({"url": format!("{}/off", server.uri()), "events": ["note.added"], "enabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let conv = new_comment(&t, "7201", "Do you ship to Norway?").await;
    assign(&t, ALICE, &conv, Some(BOB)).await;
    note(&t, ALICE, &conv, "@Bob can you check?").await;
    let (status, body) = t.post(&format!("/api/conversations/{conv}/reply"), BOB, json!({"text": "We do!"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle().await;
    set_status(&t, BOB, &conv, "closed").await;
    meta(&t, &fb_feed("7202", Some("7201"), JANE, "Great, thanks", T0 + 120, "add")).await;
    assign(&t, ALICE, &conv, None).await;
    t.settle().await;

    let clock = ManualClock::at(Utc::now() + Duration::seconds(1));
    integrations::deliver_due(&deps_at(&t, clock), 100).await.unwrap();
    let got = server.received_requests().await.unwrap();
    let bodies = |p: &str| -> Vec<Value> {
        let mut v: Vec<Value> = got.iter().filter(|r| r.url.path() == p).map(|r| serde_json::from_slice(&r.body).unwrap()).collect();
        v.sort_by_key(|b| (b["seq"].as_u64(), b["id"].as_str().map(String::from)));
        v
    };
    let everything = bodies("/all");
    let kinds: Vec<&str> = everything.iter().map(|b| b["type"].as_str().unwrap()).collect();
    for k in [
        "conversation.created",
        "item.received",
        "conversation.assigned",
        "note.added",
        "reply.sent",
        "conversation.closed",
        "conversation.reopened",
        "conversation.unassigned",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "item.received").count(), 2, "the first comment and the answer");
    assert!(everything.iter().all(|b| b["conversation_id"] == json!(conv) && b["version"] == 1));
    // seq orders one conversation's events (one change may tell several).
    let seqs: Vec<u64> = everything.iter().map(|b| b["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] <= w[1]) && seqs.first() == Some(&1), "{seqs:?}");
    let reply = everything.iter().find(|b| b["type"] == "reply.sent").unwrap();
    assert_eq!(reply["data"]["item"]["state"], "sent");
    assert_eq!(reply["actor"], BOB, "told as the replier's");
    let assigned = everything.iter().find(|b| b["type"] == "conversation.assigned").unwrap();
    assert_eq!((assigned["data"]["assignee_id"].as_str(), assigned["actor"].as_str()), (Some(BOB), Some(ALICE)));
    let closed = everything.iter().find(|b| b["type"] == "conversation.closed").unwrap();
    assert_eq!(closed["data"]["conversation"]["status"], "closed");
    let reopened = everything.iter().find(|b| b["type"] == "conversation.reopened").unwrap();
    assert_eq!(reopened["actor"], "system");
    let notes = bodies("/notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["data"]["note"]["text"], "@Bob can you check?");
    assert!(bodies("/off").is_empty(), "a subscription that is off gets nothing");
    // Another account's events go to nobody here.
    meta(&t, &{
        let mut v = fixture_json("meta_feed_comment_add.json");
        v["entry"][0]["id"] = json!(OTHER_PAGE);
        bytes(&v)
    })
    .await;
    assert!(integrations::deliver_due(&deps_at(&t, ManualClock::at(Utc::now() + Duration::seconds(1))), 100).await.unwrap().attempted == 0);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Administration, isolation, SSRF

#[tokio::test]
async fn integrations_are_for_admins_of_their_own_account() {
    let t = TestApp::spawn().await;
    let created = subscribe(&t, "http://127.0.0.1:9/in", &["note.added"]).await;
    let sub = created["id"].as_str().unwrap();
    let (status, list) = t.get("/api/webhook-subscriptions", ALICE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["subscriptions"][0]["id"], json!(sub));
    assert!(list["subscriptions"][0].get("secret").is_none(), "the secret is shown once");

    for (m, p, body) in [
        (Method::GET, "/api/webhook-subscriptions".to_string(), None),
        (Method::POST, "/api/webhook-subscriptions".to_string(), Some(json!({"url": "http://127.0.0.1:9/x", "events": ["note.added"]}))),
        (Method::GET, format!("/api/webhook-subscriptions/{sub}"), None),
        (Method::PATCH, format!("/api/webhook-subscriptions/{sub}"), Some(json!({"enabled": false}))),
        (Method::DELETE, format!("/api/webhook-subscriptions/{sub}"), None),
        (Method::POST, format!("/api/webhook-subscriptions/{sub}/rotate-secret"), None),
        (Method::GET, format!("/api/webhook-subscriptions/{sub}/deliveries"), None),
        (Method::GET, "/api/api-keys".to_string(), None),
        (Method::POST, "/api/api-keys".to_string(), Some(json!({"name": "z"}))),
        (Method::GET, "/api/integrations/salesforce".to_string(), None),
        (
            Method::PUT,
            "/api/integrations/salesforce".to_string(),
            Some(json!({"instance_url": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y", "refresh_token": "z"})),
        ),
        (Method::DELETE, "/api/integrations/salesforce".to_string(), None),
    ] {
        assert_error(&t.request(m.clone(), &p, Some(BOB), body.as_ref()).await, StatusCode::FORBIDDEN, "forbidden");
        // Another account's admin: it does not exist for them.
        if p.contains(sub) {
            assert_error(&t.request(m, &p, Some(OLGA), body.as_ref()).await, StatusCode::NOT_FOUND, "not_found");
        }
    }
    let (_, theirs) = t.get("/api/webhook-subscriptions", OLGA).await;
    assert_eq!(theirs["subscriptions"], json!([]));

    // Rotation answers a new secret, once.
    let (status, rotated) = t.request(Method::POST, &format!("/api/webhook-subscriptions/{sub}/rotate-secret"), Some(ALICE), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_") && rotated["secret"] != created["secret"]);
    // Bad input in words.
    assert_error(
        &t.post("/api/webhook-subscriptions", ALICE, json!({"url": "ftp://x", "events": ["note.added"]})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &t.post("/api/webhook-subscriptions", ALICE, json!({"url": "http://127.0.0.1:9/", "events": []})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_error(
        &t.post("/api/webhook-subscriptions", ALICE, json!({"url": "http://127.0.0.1:9/", "events": ["item.deleted"]})).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let (status, _) = t.request(Method::DELETE, &format!("/api/webhook-subscriptions/{sub}"), Some(ALICE), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_error(&t.get(&format!("/api/webhook-subscriptions/{sub}"), ALICE).await, StatusCode::NOT_FOUND, "not_found");
    t.stop().await;
}

#[tokio::test]
async fn targets_on_private_loopback_or_link_local_addresses_are_refused_at_creation() {
    // Public addresses only, as in production.
    let t = TestApp::spawn_with(|c| c.egress = EgressPolicy::default()).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.1.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
    ] {
        let answer = t.post("/api/webhook-subscriptions", ALICE, json!({"url": url, "events": ["note.added"]})).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
        assert!(answer.1["error"]["message"].as_str().unwrap().contains("may not send requests"), "{url}: {}", answer.1);
    }
    let (_, list) = t.get("/api/webhook-subscriptions", ALICE).await;
    assert_eq!(list["subscriptions"], json!([]));
    t.stop().await;

    // With loopback allow-listed (the tests' configuration) the same receiver is accepted, and
    // a public host is refused because only the allow-list may be reached here.
    let t = TestApp::spawn().await;
    assert_eq!(
        t.post("/api/webhook-subscriptions", ALICE, json!({"url": "http://127.0.0.1:8080/hook", "events": ["note.added"]})).await.0,
        StatusCode::CREATED
    );
    let answer = t.post("/api/webhook-subscriptions", ALICE, json!({"url": "https://hooks.example.com/x", "events": ["note.added"]})).await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    t.stop().await;
}

#[tokio::test]
async fn a_target_that_became_private_after_creation_is_refused_when_sending() {
    let t = TestApp::spawn().await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    // Saved while loopback was allowed; the policy is stricter at send time (as when a name
    // is re-pointed at a private address after it was checked).
    let sub = subscribe(&t, &format!("http://localhost:{}/in", server.address().port()), &["conversation.created"]).await;
    new_comment(&t, "7301", "Rebinding test").await;
    let mut deps = deps_at(&t, ManualClock::at(Utc::now() + Duration::seconds(1)));
    let strict = Arc::new(EgressPolicy::default());
    deps.webhook_sender = Arc::new(inbox_integrations::HttpWebhookSender::new(strict, std::time::Duration::from_secs(5)).unwrap());
    let round = integrations::deliver_due(&deps, 10).await.unwrap();
    assert_eq!((round.attempted, round.retrying), (1, 1));
    let d = &deliveries(&t, sub["id"].as_str().unwrap(), "").await[0];
    let error = d["last_error"].as_str().unwrap();
    assert!(error.starts_with("refused: localhost resolves to") && error.contains("loopback"), "{error}");
    assert_eq!(d["last_status"], Value::Null);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Zapier

async fn api_key(t: &TestApp, user: &str) -> String {
    let (status, body) = t.post("/api/api-keys", user, json!({"name": "Zapier"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["key"].as_str().unwrap().to_string()
}

async fn with_key(t: &TestApp, m: Method, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut b = axum::http::Request::builder().method(m).uri(path).header("x-api-key", key);
    let req = match body {
        Some(v) => b.header("content-type", "application/json").body(axum::body::Body::from(serde_json::to_vec(&v).unwrap())).unwrap(),
        None => {
            b = b.header("accept", "application/json");
            b.body(axum::body::Body::empty()).unwrap()
        }
    };
    t.call(req).await
}

#[tokio::test]
async fn zapier_subscribes_gets_samples_receives_flat_events_and_unsubscribes_by_api_key() {
    let t = TestApp::spawn().await;
    let key = api_key(&t, ALICE).await;
    assert!(key.starts_with("ink_"));
    let (_, keys) = t.get("/api/api-keys", ALICE).await;
    assert!(keys["api_keys"][0].get("key").is_none() && key.starts_with(keys["api_keys"][0]["prefix"].as_str().unwrap()));

    // Authentication: the key, by header or as a bearer token; a user's JWT is not a key.
    let (status, me) = with_key(&t, Method::GET, "/api/zapier/me", &key, None).await;
    assert_eq!((status, me["account"]["id"].as_str()), (StatusCode::OK, Some(ACCOUNT)));
    let bearer = t
        .call(
            axum::http::Request::get("/api/zapier/me")
                .header("authorization", format!("Bearer {key}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(bearer.0, StatusCode::OK);
    assert_error(&t.get("/api/zapier/me", ALICE).await, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_error(&with_key(&t, Method::GET, "/api/zapier/me", "ink_0000", None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // And a key is not a user: the user API refuses it.
    let (status, _) = t
        .call(axum::http::Request::get("/api/me").header("authorization", format!("Bearer {key}")).body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Samples, for building the zap.
    let (status, sample) = with_key(&t, Method::GET, "/api/zapier/sample/conversation.created", &key, None).await;
    assert_eq!(status, StatusCode::OK);
    let s = &sample[0];
    assert_eq!(
        (s["type"].as_str(), s["author_name"].as_str(), s["network"].as_str()),
        (Some("conversation.created"), Some("Jane Customer"), Some("twitter"))
    );
    assert_error(
        &with_key(&t, Method::GET, "/api/zapier/sample/conversation.exploded", &key, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Subscribe (Zapier's own body: `url` + `event`), receive, unsubscribe.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/standard/1234567/abcdef/"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let hook = format!("{}/hooks/standard/1234567/abcdef/", server.uri());
    let (status, z) =
        with_key(&t, Method::POST, "/api/zapier/subscribe", &key, Some(json!({"url": hook, "event": "conversation.created"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{z}");
    assert_eq!((z["event"].as_str(), z["target_url"].as_str()), (Some("conversation.created"), Some(hook.as_str())));
    // The answer has every field of the answer in Zapier's REST-hook example (our paths are
    // http-api.md's `/api/zapier/...`; the example's `/zapier/hooks` are its own).
    let example = fixture_json("zapier_rest_hook.json")["subscribe_response_from_us"]["body"].clone();
    for (field, value) in example.as_object().unwrap() {
        assert!(z.get(field).is_some(), "`{field}` missing from {z}");
        if field == "expiration_date" || field == "event" {
            assert_eq!(&z[field], value);
        }
    }
    assert_eq!(z["url"], hook.as_str());
    let zid = z["id"].as_str().unwrap().to_string();
    let (_, admin_view) = t.get(&format!("/api/webhook-subscriptions/{zid}"), ALICE).await;
    assert_eq!(admin_view["kind"], "zapier", "admins see Zapier's hooks too");
    assert_error(
        &with_key(&t, Method::POST, "/api/zapier/subscribe", &key, Some(json!({"target_url": "http://10.1.1.1/x", "event": "note.added"})))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule_violated",
    );

    let conv = new_comment(&t, "7401", "Zapier please").await;
    integrations::deliver_due(&deps_at(&t, ManualClock::at(Utc::now() + Duration::seconds(1))), 10).await.unwrap();
    let got = received(&server, 1).await;
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!((body["type"].as_str(), body["conversation_id"].as_str()), (Some("conversation.created"), Some(conv.as_str())));
    assert_eq!((body["author_name"].as_str(), body["text"].as_str()), (Some("Jane Customer"), Some("Zapier please")));
    let keys_of = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<std::collections::BTreeSet<_>>();
    assert_eq!(keys_of(&body), keys_of(s), "deliveries have the sample's shape");

    // Another account's key cannot remove it; the key's account can.
    let olga_key = api_key(&t, OLGA).await;
    assert_error(
        &with_key(&t, Method::DELETE, &format!("/api/zapier/subscribe/{zid}"), &olga_key, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(with_key(&t, Method::DELETE, &format!("/api/zapier/subscribe/{zid}"), &key, None).await.0, StatusCode::NO_CONTENT);
    assert_error(
        &with_key(&t, Method::DELETE, &format!("/api/zapier/subscribe/{zid}"), &key, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );

    // Revoking the key ends it.
    let (_, keys) = t.get("/api/api-keys", ALICE).await;
    let kid = keys["api_keys"][0]["id"].as_str().unwrap();
    assert_eq!(t.request(Method::DELETE, &format!("/api/api-keys/{kid}"), Some(ALICE), None).await.0, StatusCode::NO_CONTENT);
    assert_error(&with_key(&t, Method::GET, "/api/zapier/me", &key, None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    t.stop().await;
}

#[tokio::test]
async fn a_410_from_zapier_deletes_the_subscription() {
    let t = TestApp::spawn().await;
    let key = api_key(&t, ALICE).await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(410)).expect(1).mount(&server).await;
    let (status, z) = with_key(
        &t,
        Method::POST,
        "/api/zapier/subscribe",
        &key,
        Some(json!({"target_url": format!("{}/gone", server.uri()), "event": "item.received"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    new_comment(&t, "7501", "Anyone there?").await;
    new_comment(&t, "7502", "Hello again?").await;
    let deps = deps_at(&t, ManualClock::at(Utc::now() + Duration::seconds(1)));
    let round = integrations::deliver_due(&deps, 10).await.unwrap();
    assert_eq!((round.attempted, round.dead), (1, 1), "the first 410 deletes it; the second delivery went with it");
    assert_error(
        &t.get(&format!("/api/webhook-subscriptions/{}", z["id"].as_str().unwrap()), ALICE).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    new_comment(&t, "7503", "Still there?").await;
    assert_eq!(integrations::deliver_due(&deps, 10).await.unwrap().attempted, 0, "nothing more goes to it");
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Salesforce

const FORM: &str = "grant_type=refresh_token&refresh_token=5Aep861refresh&client_id=3MVG9consumerKey&client_secret=consumerSecret";
const CASES: &str = "/services/data/v62.0/sobjects/Case/";

fn token(value: &str) -> ResponseTemplate {
    let mut body = fixture_json("salesforce_oauth_token.json")["response"]["body"].clone();
    body["access_token"] = json!(value);
    ResponseTemplate::new(200).set_body_json(body)
}

fn case_created(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({"id": id, "success": true, "errors": []}))
}

async fn connect(t: &TestApp, server: &MockServer, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "instance_url": server.uri(),
        "token_url": format!("{}/services/oauth2/token", server.uri()),
        "client_id": "3MVG9consumerKey",
        "client_secret": "consumerSecret",
        "refresh_token": "5Aep861refresh",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    t.request(Method::PUT, "/api/integrations/salesforce", Some(ALICE), Some(&body)).await
}

#[tokio::test]
async fn a_case_is_made_from_a_conversation_once_with_its_link_kept_and_told() {
    let t = TestApp::spawn().await;
    let sf = MockServer::start().await;
    // Connecting exchanges the refresh token (00Dfirst); the Case call finds it expired (401),
    // refreshes once (00Dfirst2) and retries once.
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(FORM))
        .respond_with(token("00Dfirst"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&sf)
        .await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .and(body_string(FORM))
        .respond_with(token("00Dfirst2"))
        .expect(1)
        .mount(&sf)
        .await;
    let conv = new_comment(&t, "7601", "Order 1234 not delivered").await;
    // Before connecting: a rule.
    let before = t.request(Method::POST, &format!("/api/conversations/{conv}/salesforce-case"), Some(BOB), None).await;
    assert_error(&before, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    assert!(before.1["error"]["message"].as_str().unwrap().contains("not connected"));
    // The page offers Cases only where Salesforce is connected.
    assert_eq!(t.get("/api/me", BOB).await.1["integrations"], json!({"salesforce": false}));

    let (status, c) = connect(&t, &sf, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(t.get("/api/me", BOB).await.1["integrations"], json!({"salesforce": true}));
    let text = c.to_string();
    assert!(
        !text.contains("consumerSecret") && !text.contains("5Aep861refresh") && !text.contains("00Dfirst"),
        "secrets are never shown: {text}"
    );
    let (status, again) = t.get("/api/integrations/salesforce", ALICE).await;
    assert_eq!((status, again["instance_url"].as_str()), (StatusCode::OK, Some(sf.uri().as_str())));

    let expected_case = |r: &Request| -> bool {
        let b: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        b["Subject"] == "[Facebook] Order 1234 not delivered"
            && b["Origin"] == "Facebook"
            && b["SuppliedName"] == "Jane Customer"
            && b["Status"] == "New"
            && b["Description"]
                .as_str()
                .is_some_and(|d| d.contains("Jane Customer: Order 1234 not delivered") && d.contains("Demo Outdoor Co"))
    };
    Mock::given(method("POST"))
        .and(path(CASES))
        .and(header("authorization", "Bearer 00Dfirst"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(fixture_json("salesforce_case_create.json")["error_session"]["body"].clone()),
        )
        .expect(1)
        .mount(&sf)
        .await;
    Mock::given(method("POST"))
        .and(path(CASES))
        .and(header("authorization", "Bearer 00Dfirst2"))
        .and(expected_case)
        .respond_with(case_created("500Dn00000AbCdEIAX"))
        .expect(1)
        .mount(&sf)
        .await;

    // Bob can see the Facebook Page: he makes it.
    let (status, made) = t.request(Method::POST, &format!("/api/conversations/{conv}/salesforce-case"), Some(BOB), None).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["created"], true);
    assert_eq!(made["case"]["id"], "500Dn00000AbCdEIAX");
    assert_eq!(made["case"]["url"], json!(format!("{}/lightning/r/Case/500Dn00000AbCdEIAX/view", sf.uri())));
    assert_eq!(made["conversation"]["salesforce_case"], made["case"]);
    let d = t.detail(ALICE, &conv).await;
    assert_eq!(d["salesforce_case"]["id"], "500Dn00000AbCdEIAX");
    let h = history(&t, ALICE, &conv).await;
    assert!(h.iter().any(|(action, actor)| action == "case_created" && actor == BOB), "{h:?}");

    // A retried request makes nothing twice: the same Case, 200.
    let (status, again) = t.request(Method::POST, &format!("/api/conversations/{conv}/salesforce-case"), Some(BOB), None).await;
    assert_eq!(
        (status, again["created"].as_bool(), again["case"]["id"].as_str()),
        (StatusCode::OK, Some(false), Some("500Dn00000AbCdEIAX"))
    );
    // The refreshed token was kept, sealed like every stored secret of the connection.
    let deps = &t.app.state.deps;
    let kept = deps.salesforce.get_connection(&ACCOUNT.into()).await.unwrap().unwrap();
    for stored in [kept.access_token.as_ref().unwrap(), &kept.refresh_token, &kept.client_secret] {
        assert!(stored.expose().starts_with("v1.") && !stored.expose().contains("00D"), "stored sealed: {stored:?}");
    }
    let context = format!("salesforce:{ACCOUNT}");
    let opened = deps.cipher.open(&context, &inbox_domain::Sealed::from_sealed(kept.access_token.unwrap().expose())).await.unwrap();
    assert_eq!(opened.expose(), "00Dfirst2");

    // Who cannot see it, does not find it.
    assert_error(
        &t.request(Method::POST, &format!("/api/conversations/{conv}/salesforce-case"), Some(CAROL), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &t.request(Method::POST, &format!("/api/conversations/{conv}/salesforce-case"), Some(OLGA), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    t.stop().await;
    // (The `expect` counts are checked as the mock server drops.)
}

#[tokio::test]
async fn salesforce_errors_come_back_as_clear_messages() {
    let t = TestApp::spawn().await;
    let sf = MockServer::start().await;
    let o = fixture_json("salesforce_oauth_token.json");
    // Credentials Salesforce refuses: 422 at connection time, nothing stored.
    Mock::given(path("/services/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(o["error_invalid_grant"]["body"].clone()))
        .up_to_n_times(1)
        .expect(1)
        .mount(&sf)
        .await;
    let refused = connect(&t, &sf, json!({})).await;
    assert_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    assert!(refused.1["error"]["message"].as_str().unwrap().contains("expired access/refresh token"), "{}", refused.1);
    assert_error(&t.get("/api/integrations/salesforce", ALICE).await, StatusCode::NOT_FOUND, "not_found");

    Mock::given(path("/services/oauth2/token")).respond_with(token("00Dok")).mount(&sf).await;
    assert_eq!(connect(&t, &sf, json!({})).await.0, StatusCode::OK);
    let f = fixture_json("salesforce_case_create.json");
    Mock::given(path(CASES))
        .respond_with(ResponseTemplate::new(400).set_body_json(f["error_invalid_field"]["body"].clone()))
        .up_to_n_times(1)
        .mount(&sf)
        .await;
    Mock::given(path(CASES)).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&sf).await;
    let conv = new_comment(&t, "7701", "Broken zipper").await;
    let url = format!("/api/conversations/{conv}/salesforce-case");
    let invalid = t.request(Method::POST, &url, Some(ALICE), None).await;
    assert_error(&invalid, StatusCode::BAD_GATEWAY, "upstream_failed");
    assert_eq!(
        invalid.1["error"]["message"],
        "Salesforce refused the Case: No such column 'Foo__c' on sobject of type Case (INVALID_FIELD)"
    );
    let down = t.request(Method::POST, &url, Some(ALICE), None).await;
    assert_error(&down, StatusCode::BAD_GATEWAY, "upstream_failed");
    assert!(down.1["error"]["message"].as_str().unwrap().contains("try again"), "{}", down.1);
    assert_eq!(t.detail(ALICE, &conv).await["salesforce_case"], Value::Null, "nothing kept from failures");
    // Secrets may be left out when reconnecting: the stored ones are kept.
    let (status, _) = t
        .request(Method::PUT, "/api/integrations/salesforce", Some(ALICE), Some(&json!({"instance_url": sf.uri(), "token_url": format!("{}/services/oauth2/token", sf.uri()), "client_id": "3MVG9consumerKey"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(t.request(Method::DELETE, "/api/integrations/salesforce", Some(ALICE), None).await.0, StatusCode::NO_CONTENT);
    assert_error(&t.request(Method::POST, &url, Some(ALICE), None).await, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    t.stop().await;
}

#[tokio::test]
async fn concurrent_requests_for_one_case_make_one() {
    let t = TestApp::spawn().await;
    let sf = MockServer::start().await;
    Mock::given(path("/services/oauth2/token")).respond_with(token("00Dok")).mount(&sf).await;
    Mock::given(path(CASES))
        .respond_with(case_created("500Dn00000Once").set_delay(std::time::Duration::from_millis(400)))
        .expect(1)
        .mount(&sf)
        .await;
    assert_eq!(connect(&t, &sf, json!({})).await.0, StatusCode::OK);
    let conv = new_comment(&t, "7801", "Double click").await;
    let url = format!("/api/conversations/{conv}/salesforce-case");
    let (a, b) = tokio::join!(t.request(Method::POST, &url, Some(ALICE), None), t.request(Method::POST, &url, Some(BOB), None));
    // One makes it; the other is told it is being made (409), or gets it if it came late (200).
    let statuses = [a.0, b.0];
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{a:?} {b:?}");
    assert!(statuses.iter().all(|s| [StatusCode::CREATED, StatusCode::CONFLICT, StatusCode::OK].contains(s)), "{a:?} {b:?}");
    let (status, later) = t.request(Method::POST, &url, Some(BOB), None).await;
    assert_eq!((status, later["case"]["id"].as_str()), (StatusCode::OK, Some("500Dn00000Once")));
    t.stop().await;
}

#[tokio::test]
async fn a_rule_makes_cases_for_conversations_matching_a_saved_search() {
    let t = TestApp::spawn().await;
    let sf = MockServer::start().await;
    Mock::given(path("/services/oauth2/token")).respond_with(token("00Dok")).mount(&sf).await;
    let only_orders = |r: &Request| String::from_utf8_lossy(&r.body).contains("order");
    Mock::given(method("POST")).and(path(CASES)).and(only_orders).respond_with(case_created("500Dn00000Rule")).expect(1).mount(&sf).await;
    let (status, tab) = t
        .post(
            "/api/tabs",
            ALICE,
            json!({"name": "Orders", "query": "order -refund", "filters": {"status": "open", "networks": ["facebook"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tab}");
    let (status, c) = connect(&t, &sf, json!({"rule_tab_id": tab["id"]})).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!((c["rule"]["name"].as_str(), c["rule"]["query"].as_str()), (Some("Orders"), Some("order -refund")));

    let matching = new_comment(&t, "7901", "Where is my order?").await;
    let other = new_comment(&t, "7902", "Nice tents").await;
    let refund = new_comment(&t, "7903", "I want a refund for my order").await;
    t.settle().await;
    assert_eq!(t.detail(ALICE, &matching).await["salesforce_case"]["id"], "500Dn00000Rule");
    assert_eq!(t.detail(ALICE, &other).await["salesforce_case"], Value::Null);
    assert_eq!(t.detail(ALICE, &refund).await["salesforce_case"], Value::Null);
    let h = history(&t, ALICE, &matching).await;
    assert!(h.iter().any(|(action, actor)| action == "case_created" && actor == "system"), "{h:?}");
    // More activity on it makes no second Case.
    meta(&t, &fb_feed("7904", Some("7901"), JANE, "order number is 1234", T0 + 200, "add")).await;
    t.settle().await;
    // A rule naming a tab that is not the admin's own is refused.
    assert_error(&connect(&t, &sf, json!({"rule_tab_id": "tab_nope"})).await, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    t.stop().await;
}
