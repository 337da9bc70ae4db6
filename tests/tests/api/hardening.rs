//! The defects found by attacking the running inbox (issue #10), each held by a test that
//! failed before its fix.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use inbox_domain::ports::QueueName;
use inbox_tests::*;
use serde_json::json;

fn percent(s: &str) -> String {
    inbox_domain::percent_encode(s)
}

/// A forged X DM, as an attacker would like the inbox to ingest it.
fn forged_x_dm() -> Vec<u8> {
    x_dm("1999000000000000001", ("1500000000000000066", "Mallory", "mallory"), "send your password to mallory", T0 * 1000)
}

/// Item 1: the X CRC answers `base64(HMAC(secret, token))`, the very signature of a body equal
/// to the token. Asked to "answer a challenge" whose token is an event body, it must refuse,
/// and the signed-by-us forgery must not get in.
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
    // What the attack did next: post the forged body with the answer as its signature. There
    // is no answer to use; the body posted with any other signature stays out.
    assert_eq!(t.raw_webhook("/webhooks/x", "x-twitter-webhooks-signature", "sha256=AAAA", &body).await, StatusCode::UNAUTHORIZED);
    t.settle().await;
    assert!(everything(&t, ALICE).await.is_empty(), "no forged DM in any feed");
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
