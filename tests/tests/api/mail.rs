//! Emails people can act on: a link to the conversation, the network named as people name it,
//! a text and an HTML part with the customer's words escaped, and a one-click unsubscribe that
//! only this deployment can make and that changes one user's emails only.

use crate::support::*;
use axum::http::{Method, Request, StatusCode};
use inbox_tests::*;
use serde_json::json;

#[tokio::test]
async fn a_notification_email_links_to_the_conversation_escapes_the_customer_and_unsubscribes_in_one_click() {
    let t = TestApp::spawn().await;
    // A comment whose text is markup: it must reach the HTML part as text.
    let comment = json!({"object": "page", "entry": [{"id": "104857600000001", "time": 1767000000, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": "122100000000001_900000000000042", "post_id": "104857600000001_122100000000001",
        "parent_id": "104857600000001_122100000000001", "message": "<img src=x onerror=alert(1)> where is my order?",
        "from": {"id": "6100000000042", "name": "Mallory Markup"}, "created_time": 1767000000}}]}]});
    assert_eq!(t.meta_webhook(&serde_json::to_vec(&comment).unwrap()).await, StatusCode::OK);
    t.settle().await;
    let conv = id(&t.find(ALICE, "where is my order").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    let sent = mails(&t);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let m = &sent[0];
    assert_eq!(m.header("Subject"), Some("Alice Martin assigned you the Facebook comment from Mallory Markup"));
    let public = t.app.state.deps.settings.public_url().to_string();
    let link = format!("{public}/conversations/{conv}");
    assert!(m.text.contains(&link) && m.html.contains(&format!("href=\"{link}\"")), "{m:?}");
    assert!(m.text.contains("<img src=x onerror=alert(1)> where is my order?"), "the text part as written: {}", m.text);
    assert!(!m.html.contains("<img") && m.html.contains("&lt;img src=x onerror=alert(1)&gt;"), "escaped: {}", m.html);
    assert!(m.html.contains(&format!("href=\"{public}/settings/notifications\"")), "{}", m.html);
    let unsubscribe = m.header("List-Unsubscribe").expect("one-click unsubscribe").trim_matches(['<', '>']).to_string();
    assert_eq!(m.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let path = unsubscribe.strip_prefix(&public).unwrap().to_string();
    let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
    assert!(path.starts_with(&format!("/api/unsubscribe?t={}.{}.", b64("acc_demo"), b64("usr_demo_bob"))), "{path}");

    // The link's page changes nothing (mail scanners open links).
    let page = t.request(Method::GET, &path, None, None).await;
    assert_eq!(page.0, StatusCode::OK);
    assert!(page.1.as_str().unwrap().contains("Turn off notification emails"));
    assert!(t.get("/api/me", BOB).await.1["user"]["email_notifications"] == true);

    // A forged or moved token: 404, nothing changes.
    let one_click = |p: String| {
        Request::builder()
            .method(Method::POST)
            .uri(p)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
            .unwrap()
    };
    for forged in [
        path.replacen(&b64("usr_demo_bob"), &b64("usr_demo_carol"), 1),
        format!("{}x", &path[..path.len() - 2]),
        "/api/unsubscribe?t=".into(),
    ] {
        let (status, body) = t.call(one_click(forged.clone())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{forged}: {body}");
    }
    assert_eq!(t.get("/api/me", CAROL).await.1["user"]["email_notifications"], true);
    // The mail client's one-click POST: Bob's emails are off, in-app stays, nobody else's change.
    let (status, body) = t.call(one_click(path.clone())).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"email_notifications": false})));
    assert_eq!(t.get("/api/me", BOB).await.1["user"]["email_notifications"], false);
    assert_eq!(t.get("/api/me", ALICE).await.1["user"]["email_notifications"], true);
    assign(&t, ALICE, &conv, None).await;
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    assert_eq!(mails(&t).len(), 1, "no more email");
    assert_eq!(notifications(&t, BOB).await.len(), 3, "in-app stays (assigned, taken off, assigned again)");
    // From the page's button: on to the settings.
    let page_click = Request::builder()
        .method(Method::POST)
        .uri(&path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("from=page"))
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.app.router(), page_click).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/settings/notifications?unsubscribed=1");

    // Anyone sets their own emails back on, and only their own.
    let (status, user) = t.put("/api/me/notifications", BOB, json!({"email_notifications": true})).await;
    assert_eq!((status, user["email_notifications"].clone(), user["id"].clone()), (StatusCode::OK, json!(true), json!("usr_demo_bob")));
    let bad = t.put("/api/me/notifications", BOB, json!({"email_notifications": "yes"})).await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST, "{}", bad.1);
    t.stop().await;
}

/// The in-app notification does not wait for the email: with the mailer refusing (SES in its
/// sandbox, say), the assignee is notified in the app at once, the event is set aside, and
/// replayed once the mailer works it sends the email without a second notification.
#[tokio::test]
async fn an_email_that_fails_never_loses_the_in_app_notification() {
    let t = TestApp::spawn().await;
    let comment = json!({"object": "page", "entry": [{"id": "104857600000001", "time": 1767000000, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": "122100000000001_900000000000043", "post_id": "104857600000001_122100000000001",
        "parent_id": "104857600000001_122100000000001", "message": "Where is the tent I ordered?",
        "from": {"id": "6100000000043", "name": "Tess Tent"}, "created_time": 1767000000}}]}]});
    assert_eq!(t.meta_webhook(&serde_json::to_vec(&comment).unwrap()).await, StatusCode::OK);
    t.settle().await;
    let conv = id(&t.find(ALICE, "tent I ordered").await);
    // The outbox cannot be written: every email fails.
    let outbox = t.dir.path().join("outbox");
    std::fs::remove_dir_all(&outbox).unwrap();
    std::fs::write(&outbox, b"not a directory").unwrap();
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await.len(), 1, "notified in the app at once");
    let dead = t.app.queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "the event is set aside where it can be replayed");
    // The mailer works again: replayed, the email goes, the notification is not repeated.
    std::fs::remove_file(&outbox).unwrap();
    std::fs::create_dir(&outbox).unwrap();
    assert!(t.app.queue.replay(dead[0].id).await.unwrap());
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await.len(), 1);
    let sent = mails(&t);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].header("To"), Some("bob@demo.example"));
    t.stop().await;
}
