//! Saved replies through the API: the library of an account, found by words, filled in for a
//! conversation, checked against the network's length limit, and kept to its account.

use crate::support::*;
use axum::http::{Method, StatusCode};
use inbox_tests::*;
use serde_json::{Value, json};

async fn save(t: &TestApp, user: &str, title: &str, text: &str) -> (StatusCode, Value) {
    t.request(Method::POST, "/api/saved-replies", Some(user), Some(&json!({"title": title, "text": text}))).await
}

async fn list(t: &TestApp, user: &str, query: &str) -> Vec<Value> {
    let (status, body) = t.get(&format!("/api/saved-replies?{query}"), user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["saved_replies"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_saved_reply_is_found_filled_in_and_checked_against_the_networks_limit() {
    let t = TestApp::spawn().await;
    meta(&t, &fb_comment("104857600000001_900001", JANE, "Where is my refund?", 1_700_000_000)).await;
    x(&t, &x_tweet("1900000000000000001", None, ("3001", "Sam Rivers", "samrivers"), "@DemoOutdoor my tent broke", 1_700_000_100_000))
        .await;
    let all = everything(&t, BOB).await;
    let fb = id(all.iter().find(|c| c["network"] == "facebook").unwrap());
    let tw = id(all.iter().find(|c| c["network"] == "twitter").unwrap());

    let (status, made) =
        save(&t, BOB, " Refund policy ", "Hi {first_name}, {agent_first_name} from {profile_name} here: refunds take 5 days.").await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        (made["title"].as_str(), made["created_by"].as_str(), made["version"].as_u64()),
        (Some("Refund policy"), Some(BOB), Some(1))
    );
    let (status, _) = save(&t, CAROL, "Long", &format!("Dear {{name}}, {}", "we are sorry. ".repeat(30))).await;
    assert_eq!(status, StatusCode::CREATED);

    // Found by words of the title or text (the demo's two and these two), by title; filled in
    // for the conversation.
    let titles: Vec<String> = list(&t, BOB, "").await.iter().map(|r| r["title"].as_str().unwrap().to_string()).collect();
    assert_eq!(titles, ["Long", "Refund policy", "Returns", "Thanks"]);
    let found = list(&t, BOB, &format!("q=refunds&conversation_id={fb}")).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["filled"]["text"], "Hi Jane, Bob from Demo Outdoor Co here: refunds take 5 days.");
    assert_eq!((found[0]["filled"]["limit"].as_u64(), found[0]["filled"]["fits"].as_bool()), (Some(8_000), Some(true)));
    assert_eq!(list(&t, BOB, "q=-refund").await.len(), 3);
    assert_eq!(list(&t, BOB, "q=ref").await.len(), 1, "the word being typed, as the start of a word");
    assert!(list(&t, BOB, "q=zebra").await.is_empty());
    // On X the long one does not fit a reply (280), and sending it is refused the same way.
    let long = list(&t, CAROL, &format!("q=sorry&conversation_id={tw}")).await;
    assert_eq!((long[0]["filled"]["limit"].as_u64(), long[0]["filled"]["fits"].as_bool()), (Some(280), Some(false)));
    assert!(long[0]["filled"]["text"].as_str().unwrap().starts_with("Dear Sam Rivers, we are sorry."));
    let text = long[0]["filled"]["text"].as_str().unwrap().to_string();
    let (status, _) = t.request(Method::POST, &format!("/api/conversations/{tw}/reply"), Some(CAROL), Some(&json!({"text": text}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    t.stop().await;
}

#[tokio::test]
async fn saved_replies_are_changed_by_their_author_or_an_admin_and_stay_in_their_account() {
    let t = TestApp::spawn().await;
    let (_, made) = save(&t, BOB, "Thanks", "Thanks {first_name}!").await;
    let rid = made["id"].as_str().unwrap().to_string();
    let path = format!("/api/saved-replies/{rid}");

    // Carol may use it, not change it; Alice (admin) and Bob may.
    let (status, body) = t.request(Method::PATCH, &path, Some(CAROL), Some(&json!({"title": "Mine now"}))).await;
    assert_error(&(status, body), StatusCode::FORBIDDEN, "forbidden");
    let (status, changed) =
        t.request(Method::PATCH, &path, Some(ALICE), Some(&json!({"text": "Thank you, {first_name}!", "version": 1}))).await;
    assert_eq!((status, changed["version"].as_u64(), changed["title"].as_str()), (StatusCode::OK, Some(2), Some("Thanks")));
    let stale = t.request(Method::PATCH, &path, Some(BOB), Some(&json!({"title": "Again", "version": 1}))).await;
    assert_error(&stale, StatusCode::CONFLICT, "conflict");

    // A typo in a placeholder is caught when the reply is written.
    let typo = t.request(Method::PATCH, &path, Some(BOB), Some(&json!({"text": "Hi {frist_name}"}))).await;
    assert_error(&typo, StatusCode::BAD_REQUEST, "bad_request");
    assert!(typo.1["error"]["message"].as_str().unwrap().contains("{first_name}"), "{}", typo.1);
    assert_error(&save(&t, BOB, "", "text").await, StatusCode::BAD_REQUEST, "bad_request");
    let unknown_field =
        t.request(Method::POST, "/api/saved-replies", Some(BOB), Some(&json!({"title": "t", "text": "x", "owner": "me"}))).await;
    assert_error(&unknown_field, StatusCode::BAD_REQUEST, "bad_request");

    // Another account sees none of it: not listed, and 404 to change or remove.
    assert!(list(&t, OLGA, "").await.is_empty());
    let other = t.request(Method::PATCH, &path, Some(OLGA), Some(&json!({"title": "x"}))).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    let other = t.request(Method::DELETE, &path, Some(OLGA), None).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    // Nor fills it in for a conversation it cannot see.
    meta(&t, &fb_comment("104857600000001_900002", JANE, "hello", 1_700_000_000)).await;
    let fb = id(&everything(&t, BOB).await[0]);
    let (status, _) = t.get(&format!("/api/saved-replies?conversation_id={fb}"), OLGA).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = t.request(Method::DELETE, &path, Some(BOB), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(list(&t, BOB, "").await.iter().all(|r| r["id"] != rid.as_str()));
    let again = t.request(Method::DELETE, &path, Some(BOB), None).await;
    assert_error(&again, StatusCode::NOT_FOUND, "not_found");
    t.stop().await;
}
