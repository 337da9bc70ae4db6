//! Concurrent changes to one conversation: none is lost.

use crate::support::*;
use axum::http::StatusCode;
use inbox_tests::*;
use serde_json::{Value, json};
use std::sync::Arc;

async fn spawn_with_mention() -> (Arc<TestApp>, String) {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    (Arc::new(t), conv)
}

/// Sends all requests at once, each from its own task; answers in request order.
async fn all_at_once(t: &Arc<TestApp>, requests: Vec<(String, &'static str, Value)>) -> Vec<(StatusCode, Value)> {
    let mut set = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Barrier::new(requests.len()));
    for (i, (path, user, body)) in requests.into_iter().enumerate() {
        let (t, gate) = (t.clone(), gate.clone());
        set.spawn(async move {
            gate.wait().await;
            (i, t.post(&path, user, body).await)
        });
    }
    let mut answers = set.join_all().await;
    answers.sort_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, a)| a).collect()
}

async fn finish(t: Arc<TestApp>) {
    t.settle().await;
    if let Ok(t) = Arc::try_unwrap(t) {
        t.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_notes_are_all_kept() {
    const N: usize = 10;
    let (t, conv) = spawn_with_mention().await;
    let users = [ALICE, BOB, CAROL];
    let requests =
        (0..N).map(|i| (format!("/api/conversations/{conv}/notes"), users[i % 3], json!({ "text": format!("note {i}") }))).collect();
    for (status, body) in all_at_once(&t, requests).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let d = t.detail(ALICE, &conv).await;
    let mut texts: Vec<_> = d["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap().to_string()).collect();
    texts.sort();
    let mut expected: Vec<_> = (0..N).map(|i| format!("note {i}")).collect();
    expected.sort();
    assert_eq!(texts, expected);
    let h = history(&t, ALICE, &conv).await;
    assert_eq!(h.iter().filter(|(a, _)| a == "note_added").count(), N);
    assert_eq!(h.len(), N + 1);
    assert_eq!(d["version"].as_u64(), Some(N as u64 + 1));
    finish(t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_assigns_both_land() {
    let (t, conv) = spawn_with_mention().await;
    let path = format!("/api/conversations/{conv}/assign");
    let answers = all_at_once(&t, vec![(path.clone(), ALICE, json!({"user_id": BOB})), (path, CAROL, json!({"user_id": CAROL}))]).await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    let entries = history_entries(&t, ALICE, &conv).await;
    let assigned: Vec<_> = entries.iter().filter(|h| h["action"] == "assigned").collect();
    assert_eq!(assigned.len(), 2, "{entries:?}");
    let first = assigned[0]["details"]["assignee_id"].as_str().unwrap().to_string();
    let second = assigned[1]["details"]["assignee_id"].as_str().unwrap().to_string();
    let mut targets = [first.clone(), second.clone()];
    targets.sort();
    assert_eq!(targets, [BOB.to_string(), CAROL.to_string()]);
    // The second was applied on top of the first, not over a stale copy.
    assert_eq!(assigned[0]["details"]["previous_assignee_id"], json!(null));
    assert_eq!(assigned[1]["details"]["previous_assignee_id"], first.as_str());
    assert_eq!(t.detail(ALICE, &conv).await["assignee_id"], second.as_str());
    t.settle().await;
    // The first assignee heard of both; nobody heard of their own action.
    let first_hears = notifications(&t, &first).await;
    assert_eq!(first_hears.len(), if first == BOB { 2 } else { 1 }, "{first_hears:?}");
    finish(t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_replies_both_land() {
    let (t, conv) = spawn_with_mention().await;
    let path = format!("/api/conversations/{conv}/reply");
    let answers = all_at_once(
        &t,
        vec![(path.clone(), BOB, json!({"text": "@janecustomer from Bob"})), (path, CAROL, json!({"text": "@janecustomer from Carol"}))],
    )
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::ACCEPTED, "{body}");
    }
    t.settle().await;
    let d = t.detail(ALICE, &conv).await;
    let mut outbound: Vec<_> = d["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["direction"] == "outbound")
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect();
    outbound.sort();
    assert_eq!(outbound, ["@janecustomer from Bob", "@janecustomer from Carol"]);
    let h = history(&t, ALICE, &conv).await;
    let mut replied: Vec<_> = h.iter().filter(|(a, _)| a == "replied").map(|(_, who)| who.clone()).collect();
    replied.sort();
    assert_eq!(replied, [BOB.to_string(), CAROL.to_string()]);
    let assigned: Vec<_> = h.iter().filter(|(a, _)| a == "assigned").map(|(_, who)| who.clone()).collect();
    assert_eq!(assigned.len(), 2, "{h:?}");
    // Whoever replied last has it.
    assert_eq!(d["assignee_id"], assigned[1].as_str());
    finish(t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_likes_store_one_like() {
    // The actions worker is held still, so the first like stays pending: a second one must be
    // refused however the two requests interleave.
    let t = TestApp::spawn_with(|c| c.paused = vec![inbox_domain::messages::QueueName::Actions]).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    t.settle_queue(inbox_domain::messages::QueueName::Ingest).await;
    let conv = id(&t.find(ALICE, "package").await);
    let t = Arc::new(t);
    let path = format!("/api/conversations/{conv}/like");
    let answers = all_at_once(&t, vec![(path.clone(), ALICE, json!({})), (path, BOB, json!({}))]).await;
    let mut codes: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
    codes.sort();
    assert_eq!(codes, [202, 422], "{answers:?}");
    let likes = t.detail(ALICE, &conv).await["items"].as_array().unwrap().iter().filter(|i| i["action"] == "like").count();
    assert_eq!(likes, 1);
}
