//! The defects found by attacking the running inbox (issue #10), each held by a test that
//! failed before its fix.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use inbox_domain::messages::QueueName;
use inbox_tests::*;
use serde_json::{Value, json};

fn percent(s: &str) -> String {
    inbox_domain::percent_encode(s)
}

/// A forged X DM, as an attacker would like the inbox to ingest it.
fn forged_x_dm() -> Vec<u8> {
    x_dm("1999000000000000001", ("1500000000000000066", "Mallory", "mallory"), "send your password to mallory", T0 * 1000)
}

/// Item 1: the X CRC answers `base64(HMAC(secret, token))`, the very signature of a body equal
/// to the token. Asked to "answer a challenge" whose token is an event body, it must refuse,
/// so that it never hands out the signature of a forgery.
#[tokio::test]
async fn the_x_crc_does_not_sign_a_forged_event() {
    let t = TestApp::spawn().await;
    let body = forged_x_dm();
    let token = String::from_utf8(body.clone()).unwrap();
    for tok in [token.clone(), format!("sha256={token}"), "12345678".into(), "null".into(), "a".repeat(129)] {
        let req = Request::get(format!("/webhooks/x?crc_token={}", percent(&tok))).body(Body::empty()).unwrap();
        let (status, answer) = t.call(req).await;
        assert_error(&(status, answer.clone()), StatusCode::BAD_REQUEST, "bad_request");
        assert!(answer.get("response_token").is_none(), "{answer}");
    }
    // The published example still gets its documented answer.
    let crc = fixture_json("x_crc_get.json");
    let q = &crc["request"]["query"];
    let req = Request::get(format!("/webhooks/x?crc_token={}&nonce={}", q["crc_token"].as_str().unwrap(), q["nonce"].as_str().unwrap()))
        .body(Body::empty())
        .unwrap();
    let (status, answer) = t.call(req).await;
    assert_eq!((status, answer), (StatusCode::OK, crc["expected_response"]["body"].clone()));
    t.stop().await;
}

/// Item 1: LinkedIn signs `"hmacsha256=" + body`; a challenge code of that shape would make the
/// answer a valid `X-LI-Signature` of any body. Only UUIDs are answered.
#[tokio::test]
async fn the_linkedin_challenge_does_not_sign_a_forged_event() {
    let t = TestApp::spawn().await;
    let mut forged = fixture_json("linkedin_org_social_action_webhook.json");
    forged["notifications"][0]["action"] = json!("COMMENT_DELETED");
    let body = bytes(&forged);
    let body_text = String::from_utf8(body.clone()).unwrap();
    for code in [format!("hmacsha256={body_text}"), body_text.clone(), "890e4665-4dfe-4ab1-b689-ed553bceeed0x".into(), String::new()] {
        let (status, answer) =
            t.request(axum::http::Method::GET, &format!("/webhooks/linkedin?challengeCode={}", percent(&code)), None, None).await;
        assert_error(&(status, answer.clone()), StatusCode::BAD_REQUEST, "bad_request");
        assert!(answer.get("challengeResponse").is_none(), "{answer}");
    }
    // The published vector still gets its documented answer.
    let vector = fixture_json("linkedin_webhook_challenge.json");
    let code = vector["request"]["query"]["challengeCode"].as_str().unwrap();
    let (status, answer) = t.request(axum::http::Method::GET, &format!("/webhooks/linkedin?challengeCode={code}"), None, None).await;
    assert_eq!((status, answer), (StatusCode::OK, vector["expected_response"]["body"].clone()));
    t.stop().await;
}

/// Item 1: Meta's handshake computes nothing secret, but echoes only a challenge of Meta's
/// shape (a number), never a text of the caller's choosing.
#[tokio::test]
async fn the_meta_handshake_echoes_only_a_challenge_of_metas_shape() {
    let t = TestApp::spawn().await;
    for challenge in ["<script>alert(1)</script>", "{\"a\":1}", "", &"9".repeat(65)] {
        let q = format!("hub.mode=subscribe&hub.challenge={}&hub.verify_token=test_verify_token", percent(challenge));
        let answer = t.call(Request::get(format!("/webhooks/meta?{q}")).body(Body::empty()).unwrap()).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let vector = fixture_json("meta_verify_get.json");
    let challenge = vector["request"]["query"]["hub.challenge"].as_str().unwrap();
    let q = format!("hub.mode=subscribe&hub.challenge={challenge}&hub.verify_token=test_verify_token");
    let (status, body) = t.call(Request::get(format!("/webhooks/meta?{q}")).body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.to_string()), (StatusCode::OK, challenge.to_string()));
    t.stop().await;
}

/// Item 1: a signed body that is JSON but not an object (what a challenge answer could sign)
/// is refused before it is queued.
#[tokio::test]
async fn a_signed_webhook_body_that_is_not_an_object_is_refused() {
    let t = TestApp::spawn_with(|c| c.paused = vec![QueueName::Ingest]).await;
    for body in [&b"12345678"[..], b"null", b"true", b"\"text\"", b"[{}]", b"  42 "] {
        for path in ["/webhooks/meta", "/webhooks/x", "/webhooks/linkedin"] {
            assert_eq!(t.signed_webhook(path, body).await, StatusCode::BAD_REQUEST, "{path} {body:?}");
        }
    }
    assert_eq!(t.app.queue.depth(QueueName::Ingest).await.unwrap(), 0, "nothing queued");
    t.stop().await;
}

fn sim_token(network: inbox_domain::Network, ids: &[&str]) -> String {
    inbox_local::sim_token::sim_token(network, ids)
}

/// Item 2: a profile receives events only once its token proved, with the network, that it is
/// that presence's own. A junk token, or another presence's, is refused with 422 in words, and
/// the refusal never tells whether the id is connected elsewhere.
#[tokio::test]
async fn a_profile_is_connected_only_with_a_token_the_network_says_is_its_own() {
    use inbox_domain::Network::*;
    let t = TestApp::spawn().await;
    // Olga, admin of another account, tries to claim Alice's Page: no token, a junk token, her
    // own Page's token. Each is 422 and none says "connected already".
    let claim = |token: Option<String>| {
        let mut body = json!({"network": "facebook", "external_id": FB_PAGE, "name": "Mine now"});
        if let Some(tok) = token {
            body["access_token"] = json!(tok);
        }
        body
    };
    let answer = t.post("/api/profiles", OLGA, claim(None)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    assert!(answer.1["error"]["message"].as_str().unwrap().contains("access_token"), "{}", answer.1);
    for token in [Some(" ".to_string()), Some("EAAGjunk".to_string()), Some(sim_token(Facebook, &[OTHER_PAGE]))] {
        let answer = t.post("/api/profiles", OLGA, claim(token.clone())).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
        let message = answer.1["error"]["message"].as_str().unwrap().to_string();
        assert!(!message.contains("connected already"), "{message}");
        assert!(message.contains("token"), "in words: {message}");
    }
    // Events of that Page still reach Alice's account only.
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    assert_eq!(everything(&t, ALICE).await.len(), 1);
    assert!(everything(&t, OLGA).await.is_empty());

    // A Page nobody has connected, claimed with a junk token: nothing stored, its events dropped.
    let page = "555000000000900";
    let answer = t
        .post("/api/profiles", OLGA, json!({"network": "facebook", "external_id": page, "name": "Unproven", "access_token": "junk"}))
        .await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    let mut body = fixture_json("meta_feed_comment_add.json");
    body["entry"][0]["id"] = json!(page);
    meta(&t, &bytes(&body)).await;
    assert!(everything(&t, OLGA).await.is_empty());

    // With the presence's own token, on every network, it connects; the owner check went to
    // the network with that token.
    let cases = [
        (Facebook, page, sim_token(Facebook, &[page])),
        (Instagram, "17841400000000777", sim_token(Instagram, &["17841400000000777"])),
        (Twitter, "1500000000000000777", sim_token(Twitter, &["1500000000000000777"])),
        (Linkedin, "urn:li:organization:7700777", sim_token(Linkedin, &["100", "7700777"])),
        (Youtube, "UCother0000000000000000777", sim_token(Youtube, &["UCother0000000000000000777"])),
    ];
    for (network, external, token) in &cases {
        let body = json!({"network": network, "external_id": external, "name": "Proven", "access_token": token});
        let (status, answer) = t.post("/api/profiles", OLGA, body).await;
        assert_eq!(status, StatusCode::CREATED, "{network}: {answer}");
    }
    let sim = sim(&t).requests();
    let identity_paths: Vec<&str> = sim
        .iter()
        .filter(|r| matches!(r.path.as_str(), "/v21.0/me" | "/2/users/me" | "/rest/organizationAcls" | "/youtube/v3/channels"))
        .map(|r| r.path.as_str())
        .collect();
    for path in ["/v21.0/me", "/2/users/me", "/rest/organizationAcls", "/youtube/v3/channels"] {
        assert!(identity_paths.contains(&path), "{path} asked: {identity_paths:?}");
    }
    // The Page's events now reach Olga's account.
    meta(&t, &bytes(&body)).await;
    assert_eq!(everything(&t, OLGA).await.len(), 1);
    // A token of one network does not prove a presence on another.
    let answer = t
        .post("/api/profiles", OLGA, json!({"network": "twitter", "external_id": "1500000000000000888", "name": "X", "access_token": sim_token(Facebook, &["1500000000000000888"])}))
        .await;
    assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    t.stop().await;
}

/// Item 2: reconnecting is checked the same way; a refused token leaves the profile as it was.
#[tokio::test]
async fn reconnecting_with_another_presences_token_is_refused_and_changes_nothing() {
    use inbox_domain::Network::*;
    let t = TestApp::spawn().await;
    let before = t.app.state.deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    for token in ["junk".to_string(), sim_token(Facebook, &[OTHER_PAGE]), sim_token(Twitter, &[FB_PAGE])] {
        let answer = t.put("/api/profiles/prf_demo_facebook/credentials", ALICE, json!({"access_token": token})).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
        assert!(!answer.1.to_string().contains(&token), "the token is never echoed: {}", answer.1);
    }
    let after = t.app.state.deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    assert_eq!(after.credentials, before.credentials);
    let renewed = format!("{}:renewed", sim_token(Facebook, &[FB_PAGE]));
    let (status, body) = t.put("/api/profiles/prf_demo_facebook/credentials", ALICE, json!({"access_token": renewed})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.stop().await;
}

/// Item 3: reconnecting Salesforce keeps the stored secrets only for the addresses they were
/// given for. Pointing `token_url` or `instance_url` elsewhere without giving every secret
/// again is 422, and nothing is sent to the new address.
#[tokio::test]
async fn salesforce_secrets_are_never_sent_to_a_new_address_without_being_given_again() {
    use axum::http::Method;
    use wiremock::matchers::{any, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let t = TestApp::spawn().await;
    let sf = MockServer::start().await;
    let mut token = fixture_json("salesforce_oauth_token.json")["response"]["body"].clone();
    token["access_token"] = json!("00Dok");
    Mock::given(path("/services/oauth2/token")).respond_with(ResponseTemplate::new(200).set_body_json(&token)).mount(&sf).await;
    let attacker = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(&token)).expect(0).mount(&attacker).await;
    let put = |body: serde_json::Value| {
        let t = &t;
        async move { t.request(Method::PUT, "/api/integrations/salesforce", Some(ALICE), Some(&body)).await }
    };
    let sf_token = format!("{}/services/oauth2/token", sf.uri());
    let (status, body) = put(json!({"instance_url": sf.uri(), "token_url": sf_token, "client_id": "3MVG9consumerKey",
        "client_secret": "consumerSecret", "refresh_token": "5Aep861refresh"}))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let attacker_token = format!("{}/services/oauth2/token", attacker.uri());
    let moves = [
        json!({"instance_url": sf.uri(), "token_url": attacker_token, "client_id": "3MVG9consumerKey"}),
        json!({"instance_url": attacker.uri(), "token_url": sf_token, "client_id": "3MVG9consumerKey"}),
        // One secret given is not every secret.
        json!({"instance_url": sf.uri(), "token_url": attacker_token, "client_id": "3MVG9consumerKey", "client_secret": "mine"}),
        json!({"instance_url": attacker.uri(), "token_url": attacker_token, "client_id": "3MVG9consumerKey", "refresh_token": "mine"}),
    ];
    for body in moves {
        let answer = put(body.clone()).await;
        assert_error(&answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
        assert!(answer.1["error"]["message"].as_str().unwrap().contains("required again"), "{}", answer.1);
    }
    attacker.verify().await;
    let kept = t.app.state.deps.salesforce.get_connection(&ACCOUNT.into()).await.unwrap().unwrap();
    assert_eq!((kept.instance_url.as_str(), kept.token_url.as_str()), (sf.uri().as_str(), sf_token.as_str()), "unchanged");
    // The same addresses: the stored secrets are kept, as before.
    let (status, _) = put(json!({"instance_url": sf.uri(), "token_url": sf_token, "client_id": "3MVG9consumerKey"})).await;
    assert_eq!(status, StatusCode::OK);
    t.stop().await;
}

/// Item 6: limits hold under parallel requests. 80 creations of webhook subscriptions at once
/// leave exactly 50 (the others 422); 80 tabs at once leave exactly 50, at distinct positions
/// 0..49.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limits_and_tab_positions_hold_under_parallel_requests() {
    let t = std::sync::Arc::new(TestApp::spawn().await);
    let hook = wiremock::MockServer::start().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..80 {
        let (t, url) = (t.clone(), format!("{}/hook/{i}", hook.uri()));
        set.spawn(async move { t.post("/api/webhook-subscriptions", ALICE, json!({"url": url, "events": ["item.received"]})).await });
    }
    let (mut made, mut refused) = (0, 0);
    while let Some(r) = set.join_next().await {
        let (status, body) = r.unwrap();
        match status {
            StatusCode::CREATED => made += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(body["error"]["message"].as_str().unwrap().contains("at most 50"), "{body}");
                refused += 1
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!((made, refused), (50, 30));
    let (_, listed) = t.get("/api/webhook-subscriptions", ALICE).await;
    assert_eq!(listed["subscriptions"].as_array().unwrap().len(), 50);

    let mut set = tokio::task::JoinSet::new();
    for i in 0..80 {
        let t = t.clone();
        set.spawn(async move { t.post("/api/tabs", BOB, json!({"name": format!("Tab {i}"), "position": i % 7})).await });
    }
    let mut tabs_made = 0;
    while let Some(r) = set.join_next().await {
        let (status, body) = r.unwrap();
        match status {
            StatusCode::CREATED => tabs_made += 1,
            StatusCode::UNPROCESSABLE_ENTITY => assert!(body["error"]["message"].as_str().unwrap().contains("at most 50"), "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    let (_, tabs) = t.get("/api/tabs", BOB).await;
    let tabs = tabs["tabs"].as_array().unwrap();
    assert_eq!(tabs.len(), 50, "3 defaults and {tabs_made} made");
    assert_eq!(tabs_made, 47);
    let mut positions: Vec<u64> = tabs.iter().map(|t| t["position"].as_u64().unwrap()).collect();
    positions.sort();
    assert_eq!(positions, (0..50).collect::<Vec<u64>>(), "distinct positions, no gaps");
    std::sync::Arc::try_unwrap(t).ok().expect("the only owner").stop().await;
}

/// Item 8: a comment written on the network ten minutes ago but delivered now (a Meta retry)
/// on a conversation Alice viewed five minutes ago is new to her: unseen, and at the top.
#[tokio::test]
async fn a_late_delivery_is_unseen_and_at_the_top() {
    let t = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    meta(&t, &fb_comment("1900000000000001", JANE, "Is the tent in stock?", now - 900)).await;
    let conv = id(&t.find(ALICE, "in stock").await);
    mark_seen(&t, ALICE, &conv).await;
    meta(&t, &fb_comment("1900000000000002", SAM, "Another question, written later", now - 300)).await;
    let other = id(&t.find(ALICE, "written later").await);
    assert_eq!(ids(&t.feed(ALICE, "").await), [other.clone(), conv.clone()]);
    // Written 10 minutes ago (before Alice's look and before Sam's comment), delivered now.
    meta(&t, &fb_feed("1900000000000003", Some("1900000000000001"), SAM, "late reply", now - 600, "add")).await;
    let feed = t.feed(ALICE, "").await;
    assert_eq!(ids(&feed), [conv.clone(), other.clone()], "received last: on top");
    assert_eq!(feed[0]["seen"], false, "Alice has not seen it");
    assert_eq!(ids(&t.feed(ALICE, "seen=false").await), [conv.clone(), other]);
    assert_eq!(at(&feed[0]["last_activity_at"]), secs(now - 600), "the network's time of the newest message, for display");
    assert!(at(&feed[0]["received_at"]) > at(&feed[1]["received_at"]));
    t.stop().await;
}

/// Item 8: a poll finds a comment written a day ago: new to the team, so on top and unseen.
#[tokio::test]
async fn a_polled_comment_is_ordered_by_when_the_poll_found_it() {
    let t = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    meta(&t, &fb_comment("1900000000000001", JANE, "Fresh comment", now - 60)).await;
    polled_comment(
        &t,
        inbox_domain::Network::Linkedin,
        "urn:li:comment:(urn:li:activity:1,77)",
        "Old Poster",
        "Found by the poll",
        now - 86_400,
    )
    .await;
    let feed = t.feed(ALICE, "").await;
    assert_eq!(excerpts(&feed), ["Found by the poll", "Fresh comment"]);
    assert_eq!(feed[0]["seen"], false);
    t.stop().await;
}

/// Item 8: two messages of one second. The second, received after Alice looked, is unseen;
/// two conversations whose newest messages share a second keep the order they were received in.
#[tokio::test]
async fn a_same_second_pair_keeps_its_order_and_the_second_is_unseen() {
    let t = TestApp::spawn().await;
    let second = chrono::Utc::now().timestamp() - 30;
    meta(&t, &fb_comment("1900000000000001", JANE, "first of the second", second)).await;
    let conv = id(&t.find(ALICE, "first of the second").await);
    mark_seen(&t, ALICE, &conv).await;
    meta(&t, &fb_feed("1900000000000002", Some("1900000000000001"), SAM, "second of the second", second, "add")).await;
    assert_eq!(t.detail(ALICE, &conv).await["seen"], false);
    // Another thread, the same second on the network, received after: above.
    meta(&t, &fb_comment("1900000000000003", SAM, "another thread, same second", second)).await;
    let other = id(&t.find(ALICE, "same second").await);
    assert_eq!(ids(&t.feed(ALICE, "").await), [other, conv.clone()]);
    mark_seen(&t, ALICE, &conv).await;
    assert_eq!(t.detail(ALICE, &conv).await["seen"], true);
    t.stop().await;
}

/// Item 10: search as comments from global brands come: words inside Chinese and Japanese
/// sentences, Korean words with their particles, accents, width, ß; and queries with nothing
/// searchable never answer everything.
#[tokio::test]
async fn search_finds_words_in_every_script_and_never_everything() {
    let t = TestApp::spawn().await;
    let texts = [
        ("1900000000000001", "这款帐篷防水吗？我下周去露营。"),
        ("1900000000000002", "このテントは防水ですか？来週キャンプに行きます。"),
        ("1900000000000003", "텐트가 방수인가요? 다음 주에 캠핑을 가요."),
        ("1900000000000004", "Un café près de la Straße, c'est naïve"),
        ("1900000000000005", "Is the ｔｅｎｔ waterproof? 👍🏽 #BlackFriday"),
        ("1900000000000006", "Привет! Палатка промокла"),
    ];
    for (i, (c, text)) in texts.iter().enumerate() {
        meta(&t, &fb_comment(c, JANE, text, T0 + i as i64)).await;
    }
    let found = |q: &str| {
        let t = &t;
        let q = inbox_domain::percent_encode(q);
        async move { excerpts(&t.feed(ALICE, &format!("q={q}&status=any")).await) }
    };
    for (q, expected) in [
        ("帐篷", texts[0].1),
        ("露营", texts[0].1),
        ("防水", ""),
        ("テント", texts[1].1),
        ("キャンプ", texts[1].1),
        ("텐트", texts[2].1),
        ("캠핑", texts[2].1),
        ("cafe", texts[3].1),
        ("strasse", texts[3].1),
        ("naive", texts[3].1),
        ("tent", texts[4].1),
        ("TENT", texts[4].1),
        ("👍", texts[4].1),
        ("#blackfriday", texts[4].1),
        ("палатка", texts[5].1),
    ] {
        let got = found(q).await;
        if expected.is_empty() {
            assert_eq!(got.len(), 2, "{q}: {got:?}");
        } else {
            assert_eq!(got, [expected], "{q}");
        }
    }
    for q in ["...", "-", "\"\"", "\u{200b}", "?!"] {
        let (status, body) = t.get(&format!("/api/conversations?q={}", inbox_domain::percent_encode(q)), ALICE).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q:?}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("nothing to look for"), "{body}");
    }
    t.stop().await;
}

async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn schedule(ms: u64, tries: usize) -> inbox_domain::retry::RetrySchedule {
    inbox_domain::retry::RetrySchedule { waits: vec![std::time::Duration::from_millis(ms); tries] }
}

/// A Facebook comment, the networks down, and a reply to it: the app and the conversation.
async fn reply_while_down(retry: inbox_domain::retry::RetrySchedule) -> (TestApp, String) {
    let t = TestApp::spawn_with(|c| c.settings.action_retry = retry).await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    sim(&t).script(|s| s.down = true);
    post_ok(&t, &format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "Yes, size M is in stock"})).await;
    (t, conv)
}

fn outbound(detail: &serde_json::Value) -> serde_json::Value {
    detail["items"].as_array().unwrap().iter().rfind(|i| i["direction"] == "outbound").cloned().expect("an outbound item")
}

/// Item 9: the network down for a while: the reply is tried again, shows as retrying with the
/// reason meanwhile, and goes out once when the network is back.
#[tokio::test]
async fn a_reply_is_retried_while_the_network_is_down_and_goes_out_once_it_is_back() {
    let (t, conv) = reply_while_down(schedule(200, 20)).await;
    wait_for("two refused tries", || sim_calls(&t, "POST", "/comments").len() >= 2).await;
    let item = outbound(&t.detail(ALICE, &conv).await);
    assert_eq!(item["state"], "pending", "{item}");
    assert!(item["retry"]["attempts"].as_u64().unwrap() >= 1, "{item}");
    assert!(item["failure"].as_str().unwrap().contains("temporary problem"), "the last reason, in words: {item}");
    sim(&t).script(|s| s.down = false);
    t.settle().await;
    let item = outbound(&t.detail(ALICE, &conv).await);
    assert_eq!(
        (item["state"].as_str(), item["retry"].clone(), item["failure"].clone()),
        (Some("sent"), Value::Null, Value::Null),
        "{item}"
    );
    let sent: Vec<_> = sim_calls(&t, "POST", "/comments").into_iter().filter(|r| r.refused.is_none()).collect();
    assert_eq!(sent.len(), 1, "the reply went out once");
    t.stop().await;
}

/// Item 9: the network down for good: once the schedule is spent the reply is failed, with the
/// reason in words, never left pending; nothing is dead-lettered.
#[tokio::test]
async fn a_reply_the_network_never_takes_ends_failed_in_words() {
    let (t, conv) = reply_while_down(schedule(50, 3)).await;
    t.settle().await;
    let item = outbound(&t.detail(ALICE, &conv).await);
    assert_eq!(item["state"], "failed", "{item}");
    let why = item["failure"].as_str().unwrap();
    assert!(why.contains("could not take it after 4 tries") && why.contains("temporary problem"), "{why}");
    assert_eq!(sim_calls(&t, "POST", "/comments").len(), 4, "one first try and three retries");
    assert!(t.app.queue.dead_letters(10).await.unwrap().is_empty());
    t.stop().await;
}

/// Item 9: a 429 with a wait (X's reset time, Retry-After) is tried again after that wait, not
/// before, however short the schedule.
#[tokio::test]
async fn a_rate_limited_reply_waits_for_what_the_network_asked() {
    let t = TestApp::spawn_with(|c| c.settings.action_retry = schedule(50, 5)).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&everything(&t, ALICE).await[0]);
    sim(&t).script(|s| s.rate_limit_next = Some(2));
    post_ok(&t, &format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "We are on it"})).await;
    wait_for("the refused try", || !sim_calls(&t, "POST", "/2/tweets").is_empty()).await;
    let item = outbound(&t.detail(ALICE, &conv).await);
    assert!(item["failure"].as_str().unwrap().contains("rate limit"), "{item}");
    t.settle().await;
    let tries = sim_calls(&t, "POST", "/2/tweets");
    assert_eq!(tries.len(), 2, "{tries:?}");
    assert_eq!(tries[0].refused, Some(429));
    let waited = tries[1].at - tries[0].at;
    assert!(waited >= chrono::Duration::milliseconds(1900), "tried again after {waited}, before the 2 s asked");
    assert_eq!(outbound(&t.detail(ALICE, &conv).await)["state"], "sent");
    t.stop().await;
}

/// Item 11: the `Bearer` scheme is matched without regard to case (RFC 7235).
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let t = TestApp::spawn().await;
    let token = t.token(ALICE);
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let req = Request::get("/api/me").header("authorization", format!("{scheme} {token}")).body(Body::empty()).unwrap();
        let (status, body) = t.call(req).await;
        assert_eq!(status, StatusCode::OK, "{scheme}: {body}");
    }
    let req = Request::get("/api/me").header("authorization", format!("Basic {token}")).body(Body::empty()).unwrap();
    assert_eq!(t.call(req).await.0, StatusCode::UNAUTHORIZED);
    t.stop().await;
}

/// Item 9: when the queue gives up on an action's job (its last delivery failed for a reason of
/// the inbox's own, not the network's), the item is failed with the reason, never left pending.
#[tokio::test]
async fn an_action_the_queue_gives_up_on_fails_its_item_in_words() {
    let t = TestApp::spawn_with(|c| c.paused = vec![QueueName::Actions]).await;
    assert_eq!(t.meta_webhook(&fixture("meta_feed_comment_add.json")).await, StatusCode::OK);
    t.settle_queue(QueueName::Ingest).await;
    let conv = id(&t.find(ALICE, "size M").await);
    post_ok(&t, &format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "Yes, size M is in stock"})).await;
    let jobs = t.app.queue.receive(QueueName::Actions, 10, std::time::Duration::from_secs(60)).await.unwrap();
    let reply = jobs.iter().find(|d| String::from_utf8_lossy(&d.body).contains("\"item_id\"")).expect("the reply's job");
    fn_actions::abandon_message(&t.app.state.deps, &reply.body, "database is locked").await.unwrap();
    let item = outbound(&t.detail(ALICE, &conv).await);
    assert_eq!(item["state"], "failed", "{item}");
    assert_eq!(item["failure"], "the inbox could not send it (database is locked); send it again");
    // Given up twice (a redelivery of the last failure): nothing changes.
    fn_actions::abandon_message(&t.app.state.deps, &reply.body, "again").await.unwrap();
    assert_eq!(outbound(&t.detail(ALICE, &conv).await)["failure"], item["failure"]);
    t.stop().await;
}

/// Item 2: checking a YouTube token costs a unit of the quota every channel shares; a token the
/// check refuses costs nothing, so junk tokens cannot burn it.
#[tokio::test]
async fn refused_youtube_token_checks_spend_no_quota() {
    use inbox_domain::Network::Youtube;
    let t = TestApp::spawn().await;
    let spent = || async { t.app.state.deps.polls.quota_spent(Youtube, chrono::Utc::now()).await.unwrap() };
    let before = spent().await;
    for _ in 0..5 {
        let body = json!({"network": "youtube", "external_id": "UCjunk0000000000000000001", "name": "Junk", "access_token": "ya29.junk"});
        assert_error(&t.post("/api/profiles", OLGA, body).await, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    }
    assert_eq!(spent().await, before, "refused checks are not billed");
    let token = sim_token(Youtube, &["UCmine000000000000000001"]);
    let body = json!({"network": "youtube", "external_id": "UCmine000000000000000001", "name": "Mine", "access_token": token});
    assert_eq!(t.post("/api/profiles", OLGA, body).await.0, StatusCode::CREATED);
    assert_eq!(spent().await, before + 1, "a successful check costs its unit");
    t.stop().await;
}
