//! Admin-only routes: users and profiles.

use crate::support::*;
use axum::http::{Method, StatusCode};
use inbox_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn admin_routes_are_403_for_members() {
    let t = TestApp::spawn().await;
    let (_, before) = t.get("/api/users", ALICE).await;
    let new_user = json!({"name": "Mallory", "email": "mallory@demo.example", "role": "admin"});
    let new_profile = json!({"network": "facebook", "external_id": "555000000000001", "name": "Sneaky Page", "access_token": "x"});
    let routes: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/api/users", None),
        (Method::POST, "/api/users", Some(new_user)),
        (Method::GET, "/api/users/usr_demo_carol", None),
        (Method::PUT, "/api/users/usr_demo_bob", Some(json!({"name": "Bob Stone", "email": "bob@demo.example", "role": "admin"}))),
        (Method::DELETE, "/api/users/usr_demo_carol", None),
        (Method::GET, "/api/profiles", None),
        (Method::POST, "/api/profiles", Some(new_profile)),
        (Method::GET, "/api/profiles/prf_demo_facebook", None),
        (Method::DELETE, "/api/profiles/prf_demo_linkedin", None),
        (Method::PUT, "/api/profiles/prf_demo_facebook/credentials", Some(json!({"access_token": "stolen"}))),
    ];
    for member in [BOB, CAROL] {
        for (method, path, body) in &routes {
            let answer = t.request(method.clone(), path, Some(member), body.as_ref()).await;
            assert_eq!(answer.0, StatusCode::FORBIDDEN, "{member} {method} {path}: {}", answer.1);
            assert_error(&answer, StatusCode::FORBIDDEN, "forbidden");
        }
    }
    let (_, after) = t.get("/api/users", ALICE).await;
    assert_eq!(after, before);
    assert_eq!(after["users"].as_array().unwrap().len(), 3);
    let (_, profiles) = t.get("/api/profiles", ALICE).await;
    assert_eq!(profiles["profiles"].as_array().unwrap().len(), 5);
    let (_, me) = t.get("/api/me", BOB).await;
    assert_eq!(me["permissions"], json!({"admin": false, "inbox_access": true}));
    t.stop().await;
}

#[tokio::test]
async fn admins_create_users_and_profiles_and_profile_answers_never_include_access_tokens() {
    let t = TestApp::spawn().await;
    // The simulator's token of that Page (it tells the inbox whom the token belongs to).
    const TOKEN: &str = "sim-token:facebook:555000000000777:EAAGsecretPageAccessToken123";
    const SECRET: &str = "oauth1TokenSecret456";
    let (status, profile) = t
        .post(
            "/api/profiles",
            ALICE,
            json!({"network": "facebook", "external_id": "555000000000777", "name": "Second Page", "handle": "second",
                   "access_token": TOKEN, "token_secret": SECRET}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{profile}");
    let pid = profile["id"].as_str().unwrap().to_string();
    assert_eq!(profile["network"], "facebook");
    assert_eq!(profile["external_id"], "555000000000777");
    assert_eq!(profile["connected"], true);
    let (status, user) =
        t.post("/api/users", ALICE, json!({"name": "Dave Page", "email": "Dave@Demo.example", "profile_ids": [pid.clone()]})).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(
        (user["role"].clone(), user["inbox_access"].clone(), user["email"].clone()),
        (json!("member"), json!(true), json!("dave@demo.example"))
    );
    let dave = user["id"].as_str().unwrap().to_string();
    let (_, users) = t.get("/api/users", ALICE).await;
    assert_eq!(users["users"].as_array().unwrap().len(), 4);
    // The same presence cannot be connected twice.
    let again = t
        .post(
            "/api/profiles",
            ALICE,
            json!({"network": "facebook", "external_id": "555000000000777", "name": "Again", "access_token": TOKEN}),
        )
        .await;
    assert_error(&again, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");

    // A comment on the new Page reaches its users, and only them.
    let mut body = fixture_json("meta_feed_comment_add.json");
    body["entry"][0]["id"] = json!("555000000000777");
    body["entry"][0]["changes"][0]["value"]["message"] = json!("Hello second page");
    meta(&t, &bytes(&body)).await;
    let conv = t.find(&dave, "Hello second page").await;
    assert_eq!(conv["profile_id"], pid.as_str());
    assert_eq!(ids(&everything(&t, ALICE).await), [id(&conv)]);
    assert_eq!(everything(&t, BOB).await, Vec::<Value>::new());
    assert_eq!(assign(&t, ALICE, &id(&conv), Some(&dave)).await["assignee_id"], dave.as_str());

    // No answer ever carries the credentials.
    let answers = [
        profile.clone(),
        t.get("/api/profiles", ALICE).await.1,
        t.get(&format!("/api/profiles/{pid}"), ALICE).await.1,
        t.get("/api/me", ALICE).await.1,
        t.get("/api/me", &dave).await.1,
        t.get("/api/users", ALICE).await.1,
        t.detail(ALICE, &id(&conv)).await,
    ];
    for answer in &answers {
        let text = answer.to_string();
        assert!(!text.contains(TOKEN) && !text.contains(SECRET), "{text}");
        assert!(!text.contains("access_token") && !text.contains("token_secret") && !text.contains("credentials"), "{text}");
    }
    assert_eq!(answers[2]["id"], pid.as_str());
    assert_eq!(answers[1]["profiles"].as_array().unwrap().len(), 6);
    assert_eq!(answers[4]["profiles"].as_array().unwrap().len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn a_user_who_turned_emails_off_gets_notifications_in_the_app_only() {
    let t = TestApp::spawn().await;
    let (status, bob) = t.get(&format!("/api/users/{BOB}"), ALICE).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bob["email_notifications"], true, "on by default");
    let mut body = serde_json::json!({"name": bob["name"], "email": bob["email"], "role": "member", "inbox_access": true,
        "profile_ids": bob["profile_ids"], "email_notifications": false});
    let (status, updated) = t.request(axum::http::Method::PUT, &format!("/api/users/{BOB}"), Some(ALICE), Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["email_notifications"], false);
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    let (status, _) = t.post(&format!("/api/conversations/{conv}/assign"), ALICE, serde_json::json!({"user_id": BOB})).await;
    assert_eq!(status, StatusCode::OK);
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await.len(), 1, "in the app");
    assert!(outbox(&t).iter().all(|(to, _)| to != "bob@demo.example"), "no email: {:?}", outbox(&t));
    body["email_notifications"] = serde_json::json!(true);
    t.request(axum::http::Method::PUT, &format!("/api/users/{BOB}"), Some(ALICE), Some(&body)).await;
    t.post(&format!("/api/conversations/{conv}/assign"), ALICE, serde_json::json!({"user_id": null})).await;
    t.settle().await;
    assert!(outbox(&t).iter().any(|(to, _)| to == "bob@demo.example"), "emails again once turned on");
}

/// A token's expiry, when the network gave one, shows in channel health a week ahead
/// (`expiring`) and once passed (`needs_reconnection`); reconnecting with a new token makes it
/// valid again, and clears a "needs reconnection" that a failed call recorded.
#[tokio::test]
async fn token_expiry_shows_in_channel_health_and_reconnecting_clears_it() {
    let t = TestApp::spawn().await;
    let soon = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let (status, profile) = t
        .post(
            "/api/profiles",
            ALICE,
            json!({"network": "linkedin", "external_id": "7700001", "name": "Second Org", "access_token": "sim-token:linkedin:7700001:first", "token_expires_at": soon}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{profile}");
    let pid = profile["id"].as_str().unwrap().to_string();
    assert!(profile["token_expires_at"].is_string(), "{profile}");
    let c = channel(&t, &pid).await;
    assert_eq!(c["token_state"], "expiring", "{c}");
    assert!(c["token_error"].as_str().unwrap().contains("expires"), "{c}");

    // Reconnected with a 60-day token: valid. Its answer carries no token.
    let later = (chrono::Utc::now() + chrono::Duration::days(60)).to_rfc3339();
    let (status, body) = t
        .put(
            &format!("/api/profiles/{pid}/credentials"),
            ALICE,
            json!({"access_token": "sim-token:linkedin:7700001:second", "token_expires_at": later}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.to_string().contains("sim-token:linkedin:7700001:second"));
    let c = channel(&t, &pid).await;
    assert_eq!((c["token_state"].clone(), c["token_error"].clone()), (json!("valid"), Value::Null), "{c}");

    // Expired: needs reconnection, before any call fails.
    let past = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    t.put(
        &format!("/api/profiles/{pid}/credentials"),
        ALICE,
        json!({"access_token": "sim-token:linkedin:7700001:third", "token_expires_at": past}),
    )
    .await;
    assert_eq!(channel(&t, &pid).await["token_state"], "needs_reconnection");

    // A failed call's "needs reconnection" is cleared by reconnecting.
    let deps = &t.app.state.deps;
    deps.health
        .set_token_state(&pid.as_str().into(), inbox_domain::TokenState::NeedsReconnection, Some("LinkedIn answered 401".into()))
        .await
        .unwrap();
    t.put(&format!("/api/profiles/{pid}/credentials"), ALICE, json!({"access_token": "sim-token:linkedin:7700001:fourth"})).await;
    assert_eq!(channel(&t, &pid).await["token_state"], "valid");

    // Bad input changes nothing; another account's profile does not exist.
    let bad = t.put(&format!("/api/profiles/{pid}/credentials"), ALICE, json!({"access_token": "  "})).await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_request");
    let missing = t.put(&format!("/api/profiles/{pid}/credentials"), ALICE, json!({"token": "x"})).await;
    assert_eq!(missing.0, StatusCode::BAD_REQUEST, "{}", missing.1);
    let other = t.put("/api/profiles/prf_other_facebook/credentials", ALICE, json!({"access_token": "x"})).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    t.stop().await;
}

async fn channel(t: &TestApp, pid: &str) -> Value {
    let (_, body) = t.get("/api/channels", ALICE).await;
    body["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == pid).unwrap().clone()
}

/// Tokens are sealed before they are stored: the database file (and its write-ahead log) holds
/// no token given to the API, the stored profile opens with the data dir's key only, and a
/// sealed token copied onto another presence does not open.
#[tokio::test]
async fn a_dump_of_the_database_shows_no_usable_token() {
    let t = TestApp::spawn().await;
    let token = "sim-token:linkedin:7700042:secret-part-1234567890";
    let (status, profile) = t
        .post("/api/profiles", ALICE, json!({"network": "linkedin", "external_id": "7700042", "name": "Sealed Org", "access_token": token}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{profile}");
    let pid: inbox_domain::ProfileId = profile["id"].as_str().unwrap().into();
    let deps = &t.app.state.deps;
    let stored = deps.directory.get_profile(&"acc_demo".into(), &pid).await.unwrap().unwrap();
    let sealed = stored.credentials.access_token.clone().expect("a sealed token");
    assert!(!sealed.as_str().contains("secret-part"), "{}", sealed.as_str());
    let context = inbox_domain::presence_context(inbox_domain::Network::Linkedin, "7700042");
    assert_eq!(deps.cipher.open(&context, &sealed).await.unwrap().expose(), token);
    let elsewhere = inbox_domain::presence_context(inbox_domain::Network::Linkedin, "5515715");
    assert!(deps.cipher.open(&elsewhere, &sealed).await.is_err(), "moved to another presence, it does not open");
    let other_key = inbox_platforms::sealing::LocalCipher::new([1; inbox_platforms::sealing::KEY_LEN]);
    assert!(other_key.open_now(&context, &sealed).is_err(), "another data dir's key does not open it");

    let dir = t.app.config.data_dir.clone();
    let mut dumped = 0;
    for name in ["inbox.db", "inbox.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            dumped += bytes.len();
            assert!(!bytes.windows(b"secret-part".len()).any(|w| w == b"secret-part"), "{name} holds the token");
            for demo in ["sim-token:facebook:104857600000001", "sim-token:twitter:2244994945"] {
                assert!(!bytes.windows(demo.len()).any(|w| w == demo.as_bytes()), "{name} holds {demo}");
            }
        }
    }
    assert!(dumped > 0, "the database was read");
    t.stop().await;
}

/// A database of a release before secrets were sealed: the runner seals, at start, the tokens,
/// signing secrets and Salesforce credentials it finds in the clear, and they still work.
#[tokio::test]
async fn secrets_an_older_release_stored_in_the_clear_are_sealed_at_start() {
    use inbox_domain::webhooks::{SubscriptionKind, WebhookSubscription, secret_context};
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let now = chrono::Utc::now();
    // Written as an older release wrote them.
    let mut profile = deps.directory.get_profile(&"acc_demo".into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    let before = profile.clone();
    profile.credentials.access_token = Some(inbox_domain::Sealed::from_sealed("sim-token:facebook:104857600000001"));
    assert!(deps.directory.update_profile(&before, &profile).await.unwrap());
    let sub = WebhookSubscription {
        id: "whs_old".into(),
        account_id: "acc_demo".into(),
        kind: SubscriptionKind::Webhook,
        url: "http://127.0.0.1:9/hook".into(),
        events: vec![],
        description: String::new(),
        secret: inbox_domain::SecretString::new("whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="),
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        last_success_at: None,
        last_failure: None,
        api_key_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    deps.subscriptions.insert_subscription(&sub, 50).await.unwrap();

    // An older release's database has no mark that its secrets were sealed (this one's start
    // made it): without it, the next start seals them, and marks it.
    t.app
        .db
        .write(|c| {
            c.execute("DELETE FROM meta WHERE key = 'secrets_sealed'", [])
                .map(|_| ())
                .map_err(|e| inbox_domain::error::PortError::Unavailable(e.to_string()))
        })
        .await
        .unwrap();
    let store = inbox_sqlite::SqliteStore::new(t.app.db.clone());
    assert_eq!(store.seal_clear_tokens(deps.cipher.as_ref()).await.unwrap(), 2, "the profile and the subscription");
    assert_eq!(store.seal_clear_tokens(deps.cipher.as_ref()).await.unwrap(), 0, "once: the mark ends it");
    let sealed = deps.directory.get_profile(&"acc_demo".into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    let token = sealed.credentials.access_token.unwrap();
    assert!(token.as_str().starts_with("v1."));
    let context = inbox_domain::presence_context(inbox_domain::Network::Facebook, "104857600000001");
    assert_eq!(deps.cipher.open(&context, &token).await.unwrap().expose(), "sim-token:facebook:104857600000001");
    let stored = deps.subscriptions.get_subscription(&"acc_demo".into(), &"whs_old".into()).await.unwrap().unwrap();
    assert!(stored.secret.expose().starts_with("v1."));
    let opened = deps.cipher.open(&secret_context(&sub.id), &inbox_domain::Sealed::from_sealed(stored.secret.expose())).await.unwrap();
    assert_eq!(opened, sub.secret);
    t.stop().await;
}
