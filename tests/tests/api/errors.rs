//! http-api.md "Errors", and the webhook endpoints' answers.

use crate::support::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use inbox_domain::{AccountId, Network, UserId};
use inbox_platforms::signature::{META_SIGNATURE_HEADER, X_SIGNATURE_HEADER, sign_meta, sign_x};
use inbox_tests::*;
use serde_json::{Value, json};

/// Every route that names one conversation, with a body that would be valid.
fn conversation_routes(conv: &str) -> Vec<(Method, String, Option<Value>)> {
    let p = |s: &str| format!("/api/conversations/{conv}{s}");
    vec![
        (Method::GET, p(""), None),
        (Method::GET, p("/history"), None),
        (Method::POST, p("/seen"), None),
        (Method::POST, p("/status"), Some(json!({"status": "closed"}))),
        (Method::POST, p("/assign"), Some(json!({"user_id": ALICE}))),
        (Method::POST, p("/assign"), Some(json!({"user_id": null}))),
        (Method::POST, p("/reply"), Some(json!({"text": "hello"}))),
        (Method::POST, p("/like"), None),
        (Method::POST, p("/share"), None),
        (Method::POST, p("/dm"), Some(json!({"text": "hello"}))),
        (Method::POST, p("/notes"), Some(json!({"text": "hello"}))),
    ]
}

async fn assert_all_404(t: &TestApp, user: &str, conv: &str) {
    for (method, path, body) in conversation_routes(conv) {
        let answer = t.request(method.clone(), &path, Some(user), body.as_ref()).await;
        assert_eq!(answer.0, StatusCode::NOT_FOUND, "{user} {method} {path}: {}", answer.1);
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
}

/// Nothing happened to the conversation: its one inbound item, open, unassigned, only `created`.
async fn assert_untouched(t: &TestApp, conv: &str) {
    t.settle().await;
    let d = t.detail(ALICE, conv).await;
    assert_eq!(d["items"].as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d["notes"], json!([]));
    assert_eq!((d["status"].clone(), d["assignee_id"].clone(), d["seen"].clone()), (json!("open"), json!(null), json!(false)));
    assert_eq!(history(t, ALICE, conv).await, pairs(&[("created", "system")]));
}

#[tokio::test]
async fn requests_without_a_token_or_with_a_bad_token_are_401() {
    let t = TestApp::spawn().await;
    let user = UserId::from(ALICE);
    let account = AccountId::from(ACCOUNT);
    let secret = t.app.config.web.jwt_secret.expose();
    let expired = inbox_web::auth::mint(secret, &user, &account, chrono::Duration::hours(-2));
    let wrong_key = inbox_web::auth::mint("not_the_secret", &user, &account, chrono::Duration::hours(1));
    let ghost = inbox_web::auth::mint(secret, &UserId::from("usr_ghost"), &account, chrono::Duration::hours(1));
    let other_account = inbox_web::auth::mint(secret, &user, &AccountId::from(OTHER_ACCOUNT), chrono::Duration::hours(1));
    let headers = [
        None,
        Some("Bearer".to_string()),
        Some("Bearer not.a.jwt".to_string()),
        Some(format!("Basic {}", t.token(ALICE))),
        Some(format!("Bearer {expired}")),
        Some(format!("Bearer {wrong_key}")),
        Some(format!("Bearer {ghost}")),
        Some(format!("Bearer {other_account}")),
    ];
    for path in ["/api/me", "/api/conversations", "/api/tabs", "/api/notifications", "/api/users"] {
        for h in &headers {
            let mut b = Request::get(path);
            if let Some(h) = h {
                b = b.header("authorization", h);
            }
            let answer = t.call(b.body(Body::empty()).unwrap()).await;
            assert_eq!(answer.0, StatusCode::UNAUTHORIZED, "{path} with {h:?}: {}", answer.1);
            assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
        }
    }
    let (status, me) = t.get("/api/me", ALICE).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["id"], ALICE);
    t.stop().await;
}

#[tokio::test]
async fn another_accounts_conversation_is_404() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    // The same comment on Olga's Page belongs to her account only.
    let mut hers = fixture_json("meta_feed_comment_add.json");
    hers["entry"][0]["id"] = json!(OTHER_PAGE);
    hers["entry"][0]["changes"][0]["value"]["message"] = json!("Olga's customer asks");
    meta(&t, &bytes(&hers)).await;
    let ours = id(&t.find(ALICE, "size M").await);
    let theirs = id(&t.find(OLGA, "Olga's customer").await);
    assert_eq!(ids(&everything(&t, ALICE).await), vec![ours.clone()]);
    assert_eq!(ids(&everything(&t, OLGA).await), vec![theirs.clone()]);
    assert_all_404(&t, OLGA, &ours).await;
    assert_all_404(&t, ALICE, &theirs).await;
    assert_untouched(&t, &ours).await;
    let d = t.detail(OLGA, &theirs).await;
    assert_eq!((d["status"].clone(), d["assignee_id"].clone()), (json!("open"), json!(null)));
    // An id that never existed answers the same.
    assert_all_404(&t, ALICE, "cnv_does_not_exist").await;
    t.stop().await;
}

#[tokio::test]
async fn a_conversation_on_a_profile_the_user_cannot_see_is_404_never_403() {
    let t = TestApp::spawn().await;
    polled_comment(&t, Network::Linkedin, "urn:li:comment:(urn:li:activity:1,2)", "Lin Kedin", "Nice post", T0).await;
    polled_comment(&t, Network::Youtube, "UgzYT0000000000001", "You Tuber", "Great video", T0 + 1).await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let linkedin = id(&t.find(ALICE, "Nice post").await);
    let youtube = id(&t.find(ALICE, "Great video").await);
    let facebook = id(&t.find(ALICE, "size M").await);
    assert_all_404(&t, BOB, &linkedin).await;
    assert_all_404(&t, BOB, &youtube).await;
    assert_all_404(&t, CAROL, &facebook).await;
    for conv in [&linkedin, &youtube, &facebook] {
        assert_untouched(&t, conv).await;
    }
    assert_eq!(ids(&everything(&t, BOB).await), vec![facebook.clone()]);
    assert_eq!(ids(&t.feed(BOB, "status=any&profile=prf_demo_linkedin").await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(BOB, "status=any&network=youtube").await), Vec::<String>::new());
    assert_eq!(ids(&everything(&t, CAROL).await), [youtube.clone(), linkedin.clone()]);
    t.stop().await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    let bodies: [(&str, &[u8]); 8] = [
        ("/notes", b"{not json"),
        ("/notes", b"{\"text\": \"unterminated"),
        ("/notes", b""),
        ("/notes", b"{\"text\": 5}"),
        ("/notes", b"[]"),
        ("/assign", b"{\"user_id\": 5}"),
        ("/status", b"{\"status\": \"done\"}"),
        ("/status", b"{\"status\": \"closed\", \"surprise\": true}"),
    ];
    for (route, body) in bodies {
        let answer =
            raw(&t, Method::POST, &format!("/api/conversations/{conv}{route}"), Some(ALICE), "application/json", body.to_vec()).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let answer = raw(&t, Method::POST, "/api/tabs", Some(ALICE), "application/json", b"{\"name\": ".to_vec()).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_untouched(&t, &conv).await;
    assert_eq!(t.get("/api/tabs", ALICE).await.1["tabs"].as_array().unwrap().len(), 3);
    t.stop().await;
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_413() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    let big = "x".repeat(300 * 1024);
    let answer = t.post(&format!("/api/conversations/{conv}/notes"), ALICE, json!({ "text": big })).await;
    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // A signed webhook that big is refused before anything is queued.
    let body = fb_comment("1900000000000002", JANE, &big, T0 + 10);
    assert!(body.len() > 256 * 1024);
    assert_eq!(t.meta_webhook(&body).await, StatusCode::PAYLOAD_TOO_LARGE);
    let tweet = x_tweet("1875000000000000001", None, XJANE, &big, T0 * 1000);
    assert_eq!(t.x_webhook(&tweet).await, StatusCode::PAYLOAD_TOO_LARGE);
    assert_untouched(&t, &conv).await;
    assert_eq!(everything(&t, ALICE).await.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn a_bad_cursor_or_one_issued_to_another_user_is_400() {
    let t = TestApp::spawn().await;
    for i in 0..3 {
        x(&t, &x_tweet(&format!("187500000000000010{i}"), None, XJANE, &format!("mention {i}"), (T0 + i) * 1000)).await;
    }
    let (status, page) = t.get("/api/conversations?limit=1", ALICE).await;
    assert_eq!(status, StatusCode::OK);
    let cursor = page["next_cursor"].as_str().expect("a next page").to_string();
    let (status, next) = t.get(&format!("/api/conversations?limit=1&cursor={cursor}"), ALICE).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(next["conversations"][0]["excerpt"], "mention 1");
    for user in [BOB, CAROL, OLGA] {
        let answer = t.get(&format!("/api/conversations?limit=1&cursor={cursor}"), user).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (position, tag) = cursor.split_once('.').unwrap();
    let forged = format!("{}.{tag}", &position[..position.len() - 2]);
    for bad in ["abc", "abc.def", "..", forged.as_str(), &"A".repeat(600)] {
        let answer = t.get(&format!("/api/conversations?cursor={bad}"), ALICE).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    t.stop().await;
}

#[tokio::test]
async fn a_stale_version_is_409_for_status_and_assign() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let c = t.find(ALICE, "package").await;
    let conv = id(&c);
    let v0 = c["version"].as_u64().expect("a version");
    // Bob changes it with the version he saw...
    let (status, after) = t.post(&format!("/api/conversations/{conv}/assign"), BOB, json!({"user_id": BOB, "version": v0})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["version"].as_u64(), Some(v0 + 1));
    // ... so Alice's and Carol's changes made on the old one are refused.
    let answer = t.post(&format!("/api/conversations/{conv}/status"), ALICE, json!({"status": "closed", "version": v0})).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    let answer = t.post(&format!("/api/conversations/{conv}/assign"), CAROL, json!({"user_id": CAROL, "version": v0})).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    let answer = t.post(&format!("/api/conversations/{conv}/assign"), ALICE, json!({"user_id": null, "version": v0})).await;
    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    let d = t.detail(ALICE, &conv).await;
    assert_eq!((d["status"].clone(), d["assignee_id"].clone(), d["version"].as_u64()), (json!("open"), json!(BOB), Some(v0 + 1)));
    assert_eq!(history(&t, ALICE, &conv).await, pairs(&[("created", "system"), ("assigned", BOB)]));
    // With the current version it goes through.
    let (status, closed) =
        t.post(&format!("/api/conversations/{conv}/status"), ALICE, json!({"status": "closed", "version": v0 + 1})).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    t.stop().await;
}

#[tokio::test]
async fn assigning_to_a_user_without_access_is_422() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    // A user of the account with the Facebook profile but no inbox access.
    let (status, noinbox) = t
        .post(
            "/api/users",
            ALICE,
            json!({"name": "Nina Noinbox", "email": "nina@demo.example", "inbox_access": false, "profile_ids": ["prf_demo_facebook"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{noinbox}");
    let nina = noinbox["id"].as_str().unwrap().to_string();
    for target in [CAROL, OLGA, "usr_nobody", nina.as_str(), "not a user id!"] {
        let answer = t.post(&format!("/api/conversations/{conv}/assign"), BOB, json!({ "user_id": target })).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    }
    assert_untouched(&t, &conv).await;
    assert_eq!(notifications(&t, CAROL).await, vec![]);
    t.stop().await;
}

#[tokio::test]
async fn a_bad_or_missing_webhook_signature_is_401_and_stores_nothing() {
    let t = TestApp::spawn().await;
    let fb = fixture("meta_feed_comment_add.json");
    let tw = fixture("x_tweet_create_mention.json");
    let other_fb = fixture("meta_messages.json");
    let other_tw = fixture("x_dm_event.json");
    let meta_sigs = [
        String::new(),
        "sha256=".to_string(),
        "sha1=bc7c6e1d3e57c033ae5c511f7d168d2795125887".to_string(),
        "sha256=zz".to_string(),
        sign_meta(b"wrong_secret", &fb),
        sign_meta(b"test_app_secret", &other_fb),
    ];
    for sig in &meta_sigs {
        assert_eq!(t.raw_webhook("/webhooks/meta", META_SIGNATURE_HEADER, sig, &fb).await, StatusCode::UNAUTHORIZED, "{sig}");
    }
    let x_sigs =
        [String::new(), "sha256=not base64!".to_string(), sign_x(b"wrong_secret", &tw), sign_x(b"test_consumer_secret", &other_tw)];
    for sig in &x_sigs {
        assert_eq!(t.raw_webhook("/webhooks/x", X_SIGNATURE_HEADER, sig, &tw).await, StatusCode::UNAUTHORIZED, "{sig}");
    }
    // No header at all; and the other platform's header.
    let unsigned = Request::post("/webhooks/meta").header("content-type", "application/json").body(Body::from(fb.clone())).unwrap();
    assert_error(&t.call(unsigned).await, StatusCode::UNAUTHORIZED, "unauthorized");
    let x_signed_to_meta = sign_x(b"test_consumer_secret", &fb);
    assert_eq!(t.raw_webhook("/webhooks/meta", X_SIGNATURE_HEADER, &x_signed_to_meta, &fb).await, StatusCode::UNAUTHORIZED);
    let unsigned = Request::post("/webhooks/x").header("content-type", "application/json").body(Body::from(tw.clone())).unwrap();
    assert_error(&t.call(unsigned).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // The published test vectors sign the fixtures as committed, with the test secrets.
    let vectors = fixture_json("signature_test_vectors.json");
    let good = vectors["meta"]["signatures"]["meta_feed_comment_add.json"]["X-Hub-Signature-256"].as_str().unwrap();
    assert_eq!(sign_meta(b"test_app_secret", &fb), good);
    t.settle().await;
    assert_eq!(everything(&t, ALICE).await, Vec::<Value>::new());
    assert!(t.app.queue.dead_letters(10).await.unwrap().is_empty());
    // Signed right, the same bytes are taken.
    assert_eq!(t.raw_webhook("/webhooks/meta", META_SIGNATURE_HEADER, good, &fb).await, StatusCode::OK);
    let good_x = vectors["x"]["post_signatures"]["x_tweet_create_mention.json"]["x-twitter-webhooks-signature"].as_str().unwrap();
    assert_eq!(t.raw_webhook("/webhooks/x", X_SIGNATURE_HEADER, good_x, &tw).await, StatusCode::OK);
    t.settle().await;
    assert_eq!(everything(&t, ALICE).await.len(), 2);
    t.stop().await;
}

#[tokio::test]
async fn a_well_signed_event_for_an_unknown_profile_is_200_and_stores_nothing() {
    let t = TestApp::spawn().await;
    let mut fb = fixture_json("meta_feed_comment_add.json");
    fb["entry"][0]["id"] = json!("123456789000000");
    let mut dm = fixture_json("meta_messages.json");
    dm["entry"][0]["id"] = json!("123456789000000");
    let mut ig = fixture_json("ig_comment.json");
    ig["entry"][0]["id"] = json!("17841499999999999");
    let mut tw = fixture_json("x_tweet_create_mention.json");
    tw["for_user_id"] = json!("42");
    let mut xdm = fixture_json("x_dm_event.json");
    xdm["for_user_id"] = json!("42");
    for body in [&fb, &dm, &ig] {
        assert_eq!(t.meta_webhook(&bytes(body)).await, StatusCode::OK);
    }
    for body in [&tw, &xdm] {
        assert_eq!(t.x_webhook(&bytes(body)).await, StatusCode::OK);
    }
    t.settle().await;
    for user in [ALICE, BOB, CAROL, OLGA] {
        assert_eq!(everything(&t, user).await, Vec::<Value>::new(), "{user}");
    }
    assert!(t.app.queue.dead_letters(10).await.unwrap().is_empty());
    t.stop().await;
}

#[tokio::test]
async fn the_meta_handshake_echoes_the_challenge_and_refuses_a_wrong_token() {
    let t = TestApp::spawn().await;
    let get = |q: &str| Request::get(format!("/webhooks/meta?{q}")).body(Body::empty()).unwrap();
    let (status, body) = t.call(get("hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=test_verify_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!(1158201444)); // the body is the challenge, verbatim
    let (status, body) = t.call(get("hub.mode=subscribe&hub.challenge=abc-XYZ_9&hub.verify_token=test_verify_token")).await;
    assert_eq!((status, body), (StatusCode::OK, json!("abc-XYZ_9")));
    // The fixture's own token is not ours.
    let vector = fixture_json("meta_verify_get.json");
    let q = &vector["request"]["query"];
    let query = format!(
        "hub.mode={}&hub.challenge={}&hub.verify_token={}",
        q["hub.mode"].as_str().unwrap(),
        q["hub.challenge"].as_str().unwrap(),
        q["hub.verify_token"].as_str().unwrap()
    );
    assert_error(&t.call(get(&query)).await, StatusCode::FORBIDDEN, "forbidden");
    assert_error(&t.call(get("hub.mode=subscribe&hub.challenge=1")).await, StatusCode::FORBIDDEN, "forbidden");
    t.stop().await;
}

#[tokio::test]
async fn the_x_crc_check_answers_with_the_signed_response_token() {
    let t = TestApp::spawn().await;
    let vectors = fixture_json("signature_test_vectors.json");
    let token = vectors["x"]["crc_token"].as_str().unwrap();
    let expected = vectors["x"]["crc_response_token"].as_str().unwrap();
    let req = Request::get(format!("/webhooks/x?crc_token={token}&nonce=MTY3MDAwMDAwMDAwMA")).body(Body::empty()).unwrap();
    let (status, body) = t.call(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "response_token": expected }));
    assert_eq!(fixture_json("x_crc_get.json")["expected_response"]["body"], body);
    let req = Request::get("/webhooks/x").body(Body::empty()).unwrap();
    assert_error(&t.call(req).await, StatusCode::BAD_REQUEST, "bad_request");
    t.stop().await;
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_415_and_changes_nothing() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    for content_type in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let answer =
            raw(&t, Method::POST, &format!("/api/conversations/{conv}/notes"), Some(ALICE), content_type, br#"{"text": "hi"}"#.to_vec())
                .await;
        assert_error(&answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    assert_untouched(&t, &conv).await;
    t.stop().await;
}

#[tokio::test]
async fn a_signed_webhook_whose_body_is_not_json_is_400_and_queues_nothing() {
    use inbox_domain::messages::QueueName;
    // The ingest worker paused: whatever the webhook queued would still be there.
    let t = TestApp::spawn_with(|c| c.paused = vec![QueueName::Ingest]).await;
    for body in [&b"{not json"[..], b"", b"\xff\xfe"] {
        assert_eq!(t.meta_webhook(body).await, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(t.x_webhook(body).await, StatusCode::BAD_REQUEST, "{body:?}");
    }
    assert_eq!(t.app.queue.depth(QueueName::Ingest).await.unwrap(), 0, "nothing queued");
    assert!(t.app.queue.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(everything(&t, ALICE).await, Vec::<Value>::new());
    t.stop().await;
}

#[tokio::test]
async fn another_accounts_users_and_profiles_are_404_and_untouched() {
    let t = TestApp::spawn().await;
    // Olga is an admin, of another account.
    let routes = [
        (Method::GET, "/api/users/usr_demo_bob", None),
        (Method::PUT, "/api/users/usr_demo_bob", Some(json!({"name": "Taken Over", "email": "taken@other.example", "role": "admin"}))),
        (Method::DELETE, "/api/users/usr_demo_bob", None),
        (Method::GET, "/api/profiles/prf_demo_facebook", None),
        (Method::DELETE, "/api/profiles/prf_demo_facebook", None),
    ];
    for (method, path, body) in routes {
        let answer = t.request(method.clone(), path, Some(OLGA), body.as_ref()).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, bob) = t.get("/api/users/usr_demo_bob", ALICE).await;
    assert_eq!((status, bob["name"].as_str()), (StatusCode::OK, Some("Bob Stone")), "{bob}");
    assert_eq!(t.get("/api/profiles/prf_demo_facebook", ALICE).await.0, StatusCode::OK);
    t.stop().await;
}
