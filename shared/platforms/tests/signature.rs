//! Signature checks against the recorded vectors (`signature_test_vectors.json`) computed over
//! the exact bytes of the fixtures, and the ways a header can be wrong.

use inbox_platforms::signature::{
    LINKEDIN_SIGNATURE_HEADER, SignatureError, linkedin_challenge_response, sign_linkedin, sign_meta, sign_x, verify_linkedin, verify_meta,
    verify_x, x_crc_response_token,
};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn vectors() -> Value {
    serde_json::from_slice(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/signature_test_vectors.json")))
        .unwrap()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("vector has no {key}"))
}

#[test]
fn every_meta_vector_verifies_and_signs() {
    let v = vectors();
    let secret = text(&v["meta"], "app_secret").as_bytes();
    let signatures = v["meta"]["signatures"].as_object().unwrap();
    assert!(signatures.len() >= 5);
    for (name, vector) in signatures {
        let body = fixture(name);
        assert_eq!(body.len() as u64, vector["body_bytes"].as_u64().unwrap(), "{name}");
        let header = text(vector, "X-Hub-Signature-256");
        assert_eq!(verify_meta(secret, &body, Some(header)), Ok(()), "{name}");
        assert_eq!(sign_meta(secret, &body), header, "{name}");
        // Upper-case hex is the same digest.
        let upper = format!("sha256={}", header["sha256=".len()..].to_uppercase());
        assert_eq!(verify_meta(secret, &body, Some(&upper)), Ok(()), "{name}");
        // Another fixture's signature does not fit.
        assert_eq!(verify_meta(b"not_the_secret", &body, Some(header)), Err(SignatureError::Mismatch));
    }
}

#[test]
fn the_documented_meta_vector() {
    let body = fixture("meta_feed_comment_add.json");
    let header = "sha256=4aba5958908547c28391f5e0855300c30b11965dba71c4960ce0d9ffa10684ad";
    assert_eq!(verify_meta(b"test_app_secret", &body, Some(header)), Ok(()));
}

#[test]
fn every_x_post_vector_verifies_and_signs() {
    let v = vectors();
    let secret = text(&v["x"], "consumer_secret").as_bytes();
    let signatures = v["x"]["post_signatures"].as_object().unwrap();
    assert!(signatures.len() >= 3);
    for (name, vector) in signatures {
        let body = fixture(name);
        assert_eq!(body.len() as u64, vector["body_bytes"].as_u64().unwrap(), "{name}");
        let header = text(vector, "x-twitter-webhooks-signature");
        assert_eq!(verify_x(secret, &body, Some(header)), Ok(()), "{name}");
        assert_eq!(sign_x(secret, &body), header, "{name}");
        assert_eq!(verify_x(b"not_the_secret", &body, Some(header)), Err(SignatureError::Mismatch));
    }
}

#[test]
fn x_crc_vectors() {
    let v = vectors();
    let secret = text(&v["x"], "consumer_secret").as_bytes();
    assert_eq!(x_crc_response_token(secret, text(&v["x"], "crc_token")).unwrap(), text(&v["x"], "crc_response_token"));
    // The same value as the CRC exchange fixture.
    let crc: Value =
        serde_json::from_slice(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/x_crc_get.json"))).unwrap();
    assert_eq!(
        x_crc_response_token(text(&crc, "consumer_secret_for_test").as_bytes(), text(&crc["request"]["query"], "crc_token")).unwrap(),
        text(&crc["expected_response"]["body"], "response_token")
    );
    assert_eq!(
        x_crc_response_token(b"test_consumer_secret", "cmVwbGFjZS1tZS1jcmMtdG9rZW4").unwrap(),
        "sha256=ALfbCQeQio9IWEHV0+fZNr5n1oU7cDCOYQYUaEzoXw0="
    );
}

#[test]
fn one_changed_byte_fails() {
    let v = vectors();
    let mut meta_body = fixture("meta_feed_comment_add.json");
    let meta_header = text(&v["meta"]["signatures"]["meta_feed_comment_add.json"], "X-Hub-Signature-256");
    let i = meta_body.len() / 2;
    meta_body[i] ^= 0x01;
    assert_eq!(verify_meta(b"test_app_secret", &meta_body, Some(meta_header)), Err(SignatureError::Mismatch));

    let mut x_body = fixture("x_dm_event.json");
    let x_header = text(&v["x"]["post_signatures"]["x_dm_event.json"], "x-twitter-webhooks-signature");
    let last = x_body.len() - 1;
    x_body[last] = b' ';
    assert_eq!(verify_x(b"test_consumer_secret", &x_body, Some(x_header)), Err(SignatureError::Mismatch));
}

#[test]
fn meta_header_errors() {
    let body = fixture("meta_feed_comment_add.json");
    let good = sign_meta(b"test_app_secret", &body);
    let hex = &good["sha256=".len()..];
    let check = |h: Option<&str>| verify_meta(b"test_app_secret", &body, h);
    assert_eq!(check(None), Err(SignatureError::Missing));
    assert_eq!(check(Some("")), Err(SignatureError::Missing));
    assert_eq!(check(Some("   ")), Err(SignatureError::Missing));
    // Wrong or missing prefix.
    assert_eq!(check(Some(&format!("sha1={hex}"))), Err(SignatureError::Malformed));
    assert_eq!(check(Some(hex)), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&format!("SHA256={hex}"))), Err(SignatureError::Malformed));
    // Not hex, odd length, wrong length, empty digest.
    assert_eq!(check(Some(&format!("sha256={}zz", &hex[2..]))), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&format!("sha256={}", &hex[1..]))), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&format!("sha256={}", &hex[2..]))), Err(SignatureError::Malformed));
    assert_eq!(check(Some("sha256=")), Err(SignatureError::Malformed));
    // The legacy SHA-1 value is not accepted in place of SHA-256.
    assert_eq!(check(Some("sha256=bc7c6e1d3e57c033ae5c511f7d168d2795125887")), Err(SignatureError::Malformed));
    // Well formed but wrong.
    assert_eq!(check(Some(&format!("sha256={}", "0".repeat(64)))), Err(SignatureError::Mismatch));
    // Surrounding whitespace is tolerated.
    assert_eq!(check(Some(&format!(" {good} "))), Ok(()));
}

#[test]
fn x_header_errors() {
    let body = fixture("x_dm_event.json");
    let good = sign_x(b"test_consumer_secret", &body);
    let b64 = &good["sha256=".len()..];
    let check = |h: Option<&str>| verify_x(b"test_consumer_secret", &body, h);
    assert_eq!(check(None), Err(SignatureError::Missing));
    assert_eq!(check(Some("")), Err(SignatureError::Missing));
    assert_eq!(check(Some(b64)), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&format!("sha1={b64}"))), Err(SignatureError::Malformed));
    assert_eq!(check(Some("sha256=not base64!")), Err(SignatureError::Malformed));
    // A hex digest where base64 is expected.
    assert_eq!(check(Some(&sign_meta(b"test_consumer_secret", &body))), Err(SignatureError::Malformed));
    assert_eq!(check(Some("sha256=AAAA")), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&format!("sha256={}", "A".repeat(43) + "="))), Err(SignatureError::Mismatch));
    assert_eq!(check(Some(&good)), Ok(()));
}

#[test]
fn error_messages_never_name_the_secret() {
    let secret = "test_app_secret";
    let body = fixture("meta_feed_comment_add.json");
    let expected = sign_meta(secret.as_bytes(), &body);
    for header in [None, Some("sha256=zz"), Some("sha256=00")] {
        let err = verify_meta(secret.as_bytes(), &body, header).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains(&expected[7..]), "{shown}");
        }
    }
    let err = verify_meta(secret.as_bytes(), b"{}", Some(&expected)).unwrap_err();
    assert_eq!(err, SignatureError::Mismatch);
    assert!(!err.to_string().contains(secret));
}

#[test]
fn linkedin_push_vector_verifies_and_signs() {
    let v = vectors();
    let li = &v["linkedin"];
    let secret = text(li, "client_secret").as_bytes();
    let name = "linkedin_org_social_action_webhook.json";
    let body = fixture(name);
    assert_eq!(body.len() as u64, li[name]["body_bytes"].as_u64().unwrap());
    let header = text(&li[name], LINKEDIN_SIGNATURE_HEADER);
    assert_eq!(header, "8f6c89143037e50c1f77f8be484b9e295ff6b29847f99822f4ee766f2afdf6ae");
    assert_eq!(verify_linkedin(secret, &body, Some(header)), Ok(()));
    assert_eq!(sign_linkedin(secret, &body), header);
    // Upper-case hex, surrounding whitespace and the signed string's prefix are all tolerated.
    assert_eq!(verify_linkedin(secret, &body, Some(&header.to_uppercase())), Ok(()));
    assert_eq!(verify_linkedin(secret, &body, Some(&format!(" {header} "))), Ok(()));
    assert_eq!(verify_linkedin(secret, &body, Some(&format!("hmacsha256={header}"))), Ok(()));
    assert_eq!(verify_linkedin(b"not_the_secret", &body, Some(header)), Err(SignatureError::Mismatch));
    // The prefix is part of the signed string: the HMAC of the bare body is not the signature.
    assert_ne!(sign_linkedin(secret, &body), &sign_meta(secret, &body)["sha256=".len()..]);
    assert_eq!(verify_linkedin(secret, &body, Some(&sign_meta(secret, &body)["sha256=".len()..])), Err(SignatureError::Mismatch));
    // One changed byte fails.
    let mut changed = body.clone();
    let i = changed.len() / 2;
    changed[i] ^= 0x01;
    assert_eq!(verify_linkedin(secret, &changed, Some(header)), Err(SignatureError::Mismatch));
}

#[test]
fn linkedin_challenge_vectors() {
    let v = vectors();
    let li = &v["linkedin"];
    let secret = text(li, "client_secret").as_bytes();
    assert_eq!(linkedin_challenge_response(secret, text(li, "challengeCode")).unwrap(), text(li, "challengeResponse"));
    // The same value as the validation exchange fixture.
    let exchange: Value = serde_json::from_slice(include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/fixtures/linkedin_webhook_challenge.json"
    )))
    .unwrap();
    let code = text(&exchange["request"]["query"], "challengeCode");
    let expected = &exchange["expected_response"]["body"];
    assert_eq!(text(expected, "challengeCode"), code);
    assert_eq!(
        linkedin_challenge_response(text(&exchange, "client_secret_for_test").as_bytes(), code).unwrap(),
        text(expected, "challengeResponse")
    );
    assert_eq!(
        linkedin_challenge_response(b"test_client_secret", "890e4665-4dfe-4ab1-b689-ed553bceeed0").unwrap(),
        "2f02d4233a0396d6b4632fc7be62fd3ab68183421f688efcda0c1fcb2615273e"
    );
}

#[test]
fn linkedin_header_errors() {
    let body = fixture("linkedin_org_social_action_webhook.json");
    let good = sign_linkedin(b"test_client_secret", &body);
    let check = |h: Option<&str>| verify_linkedin(b"test_client_secret", &body, h);
    assert_eq!(check(None), Err(SignatureError::Missing));
    assert_eq!(check(Some("")), Err(SignatureError::Missing));
    assert_eq!(check(Some("  ")), Err(SignatureError::Missing));
    // Meta's prefix is not LinkedIn's.
    assert_eq!(check(Some(&format!("sha256={good}"))), Err(SignatureError::Malformed));
    // Not hex, odd length, short, empty digest, base64.
    assert_eq!(check(Some(&format!("{}zz", &good[2..]))), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&good[1..])), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&good[2..])), Err(SignatureError::Malformed));
    assert_eq!(check(Some("hmacsha256=")), Err(SignatureError::Malformed));
    assert_eq!(check(Some(&sign_x(b"test_client_secret", &body)["sha256=".len()..])), Err(SignatureError::Malformed));
    // Well formed but wrong.
    assert_eq!(check(Some(&"0".repeat(64))), Err(SignatureError::Mismatch));
    // An empty secret accepts nothing, even its own signature.
    assert_eq!(verify_linkedin(b"", &body, Some(&sign_linkedin(b"", &body))), Err(SignatureError::Mismatch));
    // Errors never name the secret or the expected value.
    for header in [None, Some("zz"), Some("00")] {
        let err = check(header).unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains("test_client_secret"), "{shown}");
            assert!(!shown.contains(&good), "{shown}");
        }
    }
}

/// Every body a webhook would accept: the fixtures of every network, compact and as stored.
fn event_bodies() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for name in [
        "meta_feed_comment_add.json",
        "meta_messages.json",
        "x_dm_event.json",
        "x_tweet_create_mention.json",
        "linkedin_org_social_action_webhook.json",
    ] {
        let raw = fixture(name);
        let compact = serde_json::to_vec(&serde_json::from_slice::<Value>(&raw).unwrap()).unwrap();
        out.push(raw);
        out.push(compact);
    }
    out.push(br#"{"for_user_id":"2244994945","direct_message_events":[]}"#.to_vec());
    out.push(b"{}".to_vec());
    out
}

/// The CRC answer is the signature X puts on a body equal to the token: a token that is an
/// event body, or any JSON at all, gets no answer, so the endpoint never signs an event.
#[test]
fn the_x_crc_never_signs_an_event_body() {
    let secret = b"test_consumer_secret";
    for body in event_bodies() {
        let token = String::from_utf8(body.clone()).unwrap();
        assert!(x_crc_response_token(secret, &token).is_err(), "{token}");
        // Nor with the signature prefix in front, nor a body inside base64's alphabet.
        assert!(x_crc_response_token(secret, &format!("sha256={token}")).is_err());
    }
    for json_text in ["12345678", "-1234567", "1e100000", "true", "false", "null", "123"] {
        assert!(x_crc_response_token(secret, json_text).is_err(), "{json_text} is JSON");
    }
    for bad in ["", "a b", "abc\n", "abc%7B", &"A".repeat(129), "tok\u{200b}en", "é"] {
        assert!(x_crc_response_token(secret, bad).is_err(), "{bad:?}");
    }
    // Real tokens still get the documented answer.
    assert!(x_crc_response_token(secret, "cmVwbGFjZS1tZS1jcmMtdG9rZW4").is_ok());
    assert!(x_crc_response_token(secret, &"A".repeat(128)).is_ok());
    assert!(x_crc_response_token(secret, "ab-_+/cd==").is_ok());
}

/// LinkedIn signs `"hmacsha256=" + body`; the challenge answer is the HMAC of the code. A code
/// of that shape would sign any body: only UUIDs are answered.
#[test]
fn the_linkedin_challenge_never_signs_an_event_body() {
    let secret = b"test_client_secret";
    for body in event_bodies() {
        let body_text = String::from_utf8(body.clone()).unwrap();
        let forged_code = format!("hmacsha256={body_text}");
        assert!(linkedin_challenge_response(secret, &forged_code).is_err());
        assert!(linkedin_challenge_response(secret, &body_text).is_err());
    }
    for bad in [
        "",
        "hmacsha256=",
        "890e4665-4dfe-4ab1-b689-ed553bceeed",
        "890e4665-4dfe-4ab1-b689-ed553bceeed0a",
        "890e4665x4dfe-4ab1-b689-ed553bceeed0",
        "g90e4665-4dfe-4ab1-b689-ed553bceeed0",
        " 890e4665-4dfe-4ab1-b689-ed553bceeed0",
    ] {
        assert!(linkedin_challenge_response(secret, bad).is_err(), "{bad:?}");
    }
    assert!(linkedin_challenge_response(secret, "890E4665-4DFE-4AB1-B689-ED553BCEEED0").is_ok(), "upper-case hex is a UUID too");
}
