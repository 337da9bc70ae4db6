//! Webhook kinds beyond the core: LinkedIn notifications, Messenger standby and thread control
//! (the handover protocol), and the handover routes.

use crate::support::*;
use axum::http::StatusCode;
use inbox_tests::*;
use serde_json::json;

const LI_SIG: &str = "8f6c89143037e50c1f77f8be484b9e295ff6b29847f99822f4ee766f2afdf6ae";

#[tokio::test]
async fn a_signed_linkedin_comment_notification_becomes_a_linkedin_conversation() {
    let t = TestApp::spawn().await;
    let body = fixture("linkedin_org_social_action_webhook.json");
    assert_eq!(t.raw_webhook("/webhooks/linkedin", "X-LI-Signature", "00", &body).await, StatusCode::UNAUTHORIZED);
    t.settle().await;
    assert!(everything(&t, ALICE).await.is_empty(), "nothing stored from a forged request");
    assert_eq!(t.raw_webhook("/webhooks/linkedin", "X-LI-Signature", LI_SIG, &body).await, StatusCode::OK);
    t.settle().await;
    let c = t.find(CAROL, "webinar be recorded").await;
    assert_eq!((c["network"].as_str(), c["kind"].as_str(), c["status"].as_str()), (Some("linkedin"), Some("comment"), Some("open")));
    assert_eq!(c["available_actions"], json!(["reply", "like"]));
    // Bob cannot see the LinkedIn page.
    assert!(everything(&t, BOB).await.is_empty());
    // Delivered again (LinkedIn retries for 8 hours): stored once.
    assert_eq!(t.raw_webhook("/webhooks/linkedin", "X-LI-Signature", LI_SIG, &body).await, StatusCode::OK);
    t.settle().await;
    assert_eq!(t.detail(CAROL, &id(&c)).await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_linkedin_validation_answers_the_challenge_with_the_published_vector() {
    let t = TestApp::spawn().await;
    let (status, body) =
        t.request(axum::http::Method::GET, "/webhooks/linkedin?challengeCode=890e4665-4dfe-4ab1-b689-ed553bceeed0", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"challengeCode": "890e4665-4dfe-4ab1-b689-ed553bceeed0", "challengeResponse": "2f02d4233a0396d6b4632fc7be62fd3ab68183421f688efcda0c1fcb2615273e"})
    );
}

#[tokio::test]
async fn standby_messages_are_recorded_without_opening_and_thread_control_passed_to_the_inbox_opens() {
    let t = TestApp::spawn().await;
    // The bot holds the thread: the message is kept, out of the open feeds.
    meta(&t, &fixture("meta_standby.json")).await;
    assert!(t.feed(ALICE, "status=open").await.is_empty(), "standby never opens a conversation");
    let c = t.find(ALICE, "Still waiting").await;
    assert_eq!(c["status"], "closed");
    let conv = id(&c);
    let d = t.detail(ALICE, &conv).await;
    let items: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| (i["direction"].clone(), i["text"].clone())).collect();
    assert_eq!(items, [(json!("inbound"), json!("Still waiting...")), (json!("outbound"), json!("Sorry for the wait!"))]);
    // The bot passes the thread to our app (987654321098765 in the test configuration).
    meta(&t, &fixture("meta_handover_pass.json")).await;
    let open = t.feed(ALICE, "status=open").await;
    assert_eq!(ids(&open), vec![conv.clone()]);
    assert_eq!(open[0]["thread_owner"], "inbox");
    let h = history(&t, ALICE, &conv).await;
    assert!(h.ends_with(&pairs(&[("handover_changed", "system"), ("reopened", "system")])), "{h:?}");
    // Page Inbox takes it: the owner changes, the status does not.
    meta(&t, &fixture("meta_handover_take.json")).await;
    let c = t.detail(ALICE, &conv).await;
    assert_eq!((c["thread_owner"].as_str(), c["status"].as_str()), (Some("263902037430900"), Some("open")));
    // The same thread-control event again changes nothing.
    let before = history(&t, ALICE, &conv).await.len();
    meta(&t, &fixture("meta_handover_take.json")).await;
    assert_eq!(history(&t, ALICE, &conv).await.len(), before);
}

#[tokio::test]
async fn handover_applies_to_messenger_only_and_release_needs_a_bot() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let comment = id(&t.find(ALICE, "size M").await);
    let (status, body) = t.post(&format!("/api/conversations/{comment}/handover"), ALICE, json!({"action": "take"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    meta(&t, &fixture("meta_messages.json")).await;
    let dm = id(&t.feed(ALICE, "kind=dm").await[0]);
    let (status, body) = t.post(&format!("/api/conversations/{dm}/handover"), ALICE, json!({"action": "release"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the demo Page has no bot: {body}");
    let (status, body) = t.post(&format!("/api/conversations/{dm}/handover"), ALICE, json!({"action": "grab"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = t.post(&format!("/api/conversations/{dm}/handover"), ALICE, json!({"action": "take"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle().await;
    // The simulated Graph API took the call: the inbox owns the thread now.
    let sim = t.app.simulator.as_ref().expect("tests run on the simulator");
    let calls: Vec<_> = sim.requests().into_iter().filter(|r| r.path.ends_with("/take_thread_control")).collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].path, "/v21.0/104857600000001/take_thread_control");
    assert_eq!(calls[0].body["recipient"]["id"], "7312345678901234");
    assert_eq!(t.detail(ALICE, &dm).await["thread_owner"], "inbox");
    let h = history_entries(&t, ALICE, &dm).await;
    let last = h.last().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["actor"].as_str(), last["details"]["thread_owner"].as_str()),
        (Some("handover_changed"), Some(ALICE), Some("inbox"))
    );
}

#[tokio::test]
async fn a_failed_handover_is_recorded_and_changes_no_owner() {
    let t = TestApp::spawn_with(|c| c.networks = inbox_local::config::NetworkMode::None).await;
    meta(&t, &fixture("meta_messages.json")).await;
    let dm = id(&t.feed(ALICE, "kind=dm").await[0]);
    let (status, body) = t.post(&format!("/api/conversations/{dm}/handover"), ALICE, json!({"action": "take"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle().await;
    let h = history_entries(&t, ALICE, &dm).await;
    let last = h.last().unwrap();
    assert_eq!((last["action"].as_str(), last["actor"].as_str()), (Some("handover_changed"), Some(ALICE)));
    assert!(last["details"]["failed"].as_str().unwrap().contains("no facebook client"), "{last}");
    assert_eq!(t.detail(ALICE, &dm).await["thread_owner"], json!(null));
}
