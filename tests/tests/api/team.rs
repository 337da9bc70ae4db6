//! `GET /api/team`: every signed-in user may list their team (names and emails only), for
//! @mention completion and the assignee picker; `/api/users` stays admin-only.

use crate::support::*;
use axum::http::{Method, StatusCode};
use inbox_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn every_member_lists_their_own_team_with_names_and_emails_only() {
    let t = TestApp::spawn().await;
    let expected = json!({"users": [
        {"id": ALICE, "name": "Alice Martin", "email": "alice@demo.example"},
        {"id": BOB, "name": "Bob Stone", "email": "bob@demo.example"},
        {"id": CAROL, "name": "Carol Diaz", "email": "carol@demo.example"},
    ]});
    for user in [ALICE, BOB, CAROL] {
        let (status, team) = t.get("/api/team", user).await;
        assert_eq!(status, StatusCode::OK, "{user}: {team}");
        assert_eq!(team, expected, "{user}");
    }
    // Members still cannot read the admin list, which has roles and profiles.
    assert_error(&t.get("/api/users", BOB).await, StatusCode::FORBIDDEN, "forbidden");
    // Another account's admin sees only their own account.
    let (_, other) = t.get("/api/team", OLGA).await;
    assert_eq!(other, json!({"users": [{"id": OLGA, "name": "Olga Other", "email": "olga@other.example"}]}));
    t.stop().await;
}

#[tokio::test]
async fn the_team_follows_changes_an_admin_makes_and_needs_a_token() {
    let t = TestApp::spawn().await;
    let (status, dave) = t.post("/api/users", ALICE, json!({"name": "Dave Page", "email": "dave@demo.example"})).await;
    assert_eq!(status, StatusCode::CREATED, "{dave}");
    let (_, team) = t.get("/api/team", CAROL).await;
    let names: Vec<&str> = team["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alice Martin", "Bob Stone", "Carol Diaz", "Dave Page"]);
    for u in team["users"].as_array().unwrap() {
        let keys: std::collections::BTreeSet<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["email", "id", "name"].into(), "{u}");
    }
    let (status, _) = t.request(Method::DELETE, &format!("/api/users/{}", dave["id"].as_str().unwrap()), Some(ALICE), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, team) = t.get("/api/team", BOB).await;
    assert_eq!(team["users"].as_array().map(Vec::len), Some(3));

    let anonymous: (StatusCode, Value) = t.request(Method::GET, "/api/team", None, None).await;
    assert_error(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");
    t.stop().await;
}
