//! Webhook signatures: HMAC-SHA256 over the **raw** request bytes, compared in constant time.
//!
//! - Meta: `X-Hub-Signature-256: sha256=<hex>`, keyed with the App Secret (the Instagram app
//!   secret for Instagram-Login apps).
//! - X: `x-twitter-webhooks-signature: sha256=<base64>`, keyed with the consumer secret (API Key
//!   Secret); the CRC answer is the same construction over the `crc_token`.
//! - LinkedIn: `X-LI-Signature: <hex>` (no prefix in the header), the HMAC of the literal string
//!   `hmacsha256=` followed by the raw body, keyed with the app's Client Secret. The validation
//!   challenge (`GET ?challengeCode=...`) is answered with the hex HMAC of the code.
//!
//! Verify before parsing: re-serialised JSON does not hash the same. Errors never carry the
//! secret, the expected signature or the body.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Meta's signature header.
pub const META_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// X's signature header.
pub const X_SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";
/// LinkedIn's signature header.
pub const LINKEDIN_SIGNATURE_HEADER: &str = "X-LI-Signature";

/// What LinkedIn puts before the raw body in the signed string (never in the header).
const LINKEDIN_SIGNED_PREFIX: &[u8] = b"hmacsha256=";

const PREFIX: &str = "sha256=";
const DIGEST_LEN: usize = 32;

/// Why a delivery's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No signature header, or an empty one.
    #[error("signature header is missing")]
    Missing,
    /// Not `sha256=` followed by a 32-byte digest in the platform's encoding.
    #[error("signature header is malformed")]
    Malformed,
    /// Well formed, but not the signature of this body under our secret (or our secret is
    /// empty, which is a configuration error that must never accept anything).
    #[error("signature does not match the body")]
    Mismatch,
}

fn mac(secret: &[u8], message: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac
}

/// Splits `sha256=<digest>` and decodes the digest, which must be 32 bytes.
fn digest(header: Option<&str>, decode: impl Fn(&str) -> Option<Vec<u8>>) -> Result<Vec<u8>, SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(SignatureError::Missing)?;
    let encoded = header.strip_prefix(PREFIX).ok_or(SignatureError::Malformed)?;
    let bytes = decode(encoded).ok_or(SignatureError::Malformed)?;
    if bytes.len() != DIGEST_LEN {
        return Err(SignatureError::Malformed);
    }
    Ok(bytes)
}

fn verify(secret: &[u8], body: &[u8], expected: &[u8]) -> Result<(), SignatureError> {
    if secret.is_empty() {
        tracing::error!("webhook secret is empty: refusing every signature");
        return Err(SignatureError::Mismatch);
    }
    // `verify_slice` compares in constant time (it uses `subtle`).
    mac(secret, body).verify_slice(expected).map_err(|_| SignatureError::Mismatch)
}

/// Checks Meta's `X-Hub-Signature-256` header (`sha256=<hex>`, either case of hex) against the
/// raw body.
pub fn verify_meta(app_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let expected = digest(header, |s| hex::decode(s).ok())?;
    verify(app_secret, body, &expected)
}

/// Checks X's `x-twitter-webhooks-signature` header (`sha256=<base64>`) against the raw body.
pub fn verify_x(consumer_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let expected = digest(header, |s| BASE64.decode(s).ok())?;
    verify(consumer_secret, body, &expected)
}

/// Checks LinkedIn's `X-LI-Signature` header (bare hex, either case) against the raw body: the
/// header is hex(HMAC-SHA256(client secret, `"hmacsha256=" + body`)). The header is also
/// accepted with a leading `hmacsha256=`, in case LinkedIn ever sends it the way the signed
/// string reads; that changes nothing about what is checked.
pub fn verify_linkedin(client_secret: &[u8], body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(SignatureError::Missing)?;
    let encoded = header.strip_prefix("hmacsha256=").unwrap_or(header);
    let expected = hex::decode(encoded).map_err(|_| SignatureError::Malformed)?;
    if expected.len() != DIGEST_LEN {
        return Err(SignatureError::Malformed);
    }
    verify(client_secret, &[LINKEDIN_SIGNED_PREFIX, body].concat(), &expected)
}

/// The `X-Hub-Signature-256` value Meta would send for this body.
pub fn sign_meta(app_secret: &[u8], body: &[u8]) -> String {
    format!("{PREFIX}{}", hex::encode(mac(app_secret, body).finalize().into_bytes()))
}

/// The `x-twitter-webhooks-signature` value X would send for this body.
pub fn sign_x(consumer_secret: &[u8], body: &[u8]) -> String {
    format!("{PREFIX}{}", BASE64.encode(mac(consumer_secret, body).finalize().into_bytes()))
}

/// Why a webhook challenge (X's CRC, LinkedIn's validation, Meta's handshake) is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// Not a token of the shape the network sends. The words say what is expected, never why
    /// in more detail (the caller may be probing).
    #[error("{0}")]
    Refused(&'static str),
}

/// The longest X CRC token answered. X's tokens are short base64 strings (the documented example
/// has 27 characters); nothing legitimate comes near this.
pub const X_CRC_TOKEN_MAX: usize = 128;
/// The longest Meta `hub.challenge` echoed (Meta sends a number of about ten digits).
pub const META_CHALLENGE_MAX: usize = 64;

/// Whether `token` has the shape of an X CRC token: 1 to [`X_CRC_TOKEN_MAX`] characters of
/// the base64 alphabets (standard and URL-safe: `A-Z a-z 0-9 + / - _ =`), and not itself JSON.
///
/// Why so narrow: the CRC answer is `sha256=` + base64(HMAC(consumer secret, token)), which is
/// exactly the `x-twitter-webhooks-signature` of a POST whose body is the token. Answering any
/// string would sign whatever an attacker sends, and the signed body would then be ingested as
/// an event from X. None of these characters can begin a JSON object (`{`) or string (`"`), and
/// a token that parses as JSON (a number, `true`, `null`) is refused too; the webhook itself
/// accepts only JSON objects. So no answer is ever the signature of an acceptable event body.
pub fn is_x_crc_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= X_CRC_TOKEN_MAX
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
        && serde_json::from_str::<serde::de::IgnoredAny>(token).is_err()
}

/// Whether `code` has the shape of a LinkedIn `challengeCode`: a UUID in its 36-character
/// hyphenated form (`890e4665-4dfe-4ab1-b689-ed553bceeed0`), either case of hex.
///
/// Why so narrow: the answer is hex(HMAC(client secret, code)), and LinkedIn's
/// `X-LI-Signature` is hex(HMAC(client secret, `"hmacsha256=" + body`)). A code starting with
/// that prefix would make the answer the signature of any body the attacker chooses. A UUID can
/// neither start with `hmacsha256=` nor be a JSON body.
pub fn is_linkedin_challenge_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether `challenge` has the shape of Meta's `hub.challenge`: 1 to [`META_CHALLENGE_MAX`]
/// characters of `A-Z a-z 0-9 - _` (Meta sends a number). No secret goes into the echo, but
/// the endpoint would otherwise reflect any text the caller chose under our name.
pub fn is_meta_challenge(challenge: &str) -> bool {
    !challenge.is_empty()
        && challenge.len() <= META_CHALLENGE_MAX
        && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// The `response_token` to answer X's CRC (`GET ?crc_token=...`) with: `sha256=<base64>` of
/// HMAC-SHA256(consumer secret, crc_token). Send it as `{"response_token": "<this>"}`.
/// Refuses a token that is not of the CRC's shape ([`is_x_crc_token`]): answering it would sign
/// a body of the caller's choosing.
pub fn x_crc_response_token(consumer_secret: &[u8], crc_token: &str) -> Result<String, ChallengeError> {
    if !is_x_crc_token(crc_token) {
        return Err(ChallengeError::Refused("crc_token must be 1 to 128 characters of base64 (A-Z, a-z, 0-9, +, /, -, _, =)"));
    }
    Ok(sign_x(consumer_secret, crc_token.as_bytes()))
}

/// The `X-LI-Signature` value LinkedIn would send for this body (lowercase hex, no prefix).
pub fn sign_linkedin(client_secret: &[u8], body: &[u8]) -> String {
    hex::encode(mac(client_secret, &[LINKEDIN_SIGNED_PREFIX, body].concat()).finalize().into_bytes())
}

/// The `challengeResponse` to answer LinkedIn's webhook validation (`GET ?challengeCode=...`)
/// with: lowercase hex of HMAC-SHA256(client secret, challengeCode). Send it within 3 s as
/// `{"challengeCode": "<the code>", "challengeResponse": "<this>"}`. Refuses a code that is not
/// a UUID ([`is_linkedin_challenge_code`]): answering it could sign a body of the caller's
/// choosing.
pub fn linkedin_challenge_response(client_secret: &[u8], challenge_code: &str) -> Result<String, ChallengeError> {
    if !is_linkedin_challenge_code(challenge_code) {
        return Err(ChallengeError::Refused("challengeCode must be a UUID (8-4-4-4-12 hexadecimal digits)"));
    }
    Ok(hex::encode(mac(client_secret, challenge_code.as_bytes()).finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_round_trips() {
        let body = br#"{"a":1}"#;
        assert_eq!(verify_meta(b"k", body, Some(&sign_meta(b"k", body))), Ok(()));
        assert_eq!(verify_x(b"k", body, Some(&sign_x(b"k", body))), Ok(()));
        assert_eq!(verify_linkedin(b"k", body, Some(&sign_linkedin(b"k", body))), Ok(()));
        assert_eq!(verify_meta(b"other", body, Some(&sign_meta(b"k", body))), Err(SignatureError::Mismatch));
    }

    #[test]
    fn an_empty_secret_accepts_nothing() {
        let body = b"{}";
        assert_eq!(verify_meta(b"", body, Some(&sign_meta(b"", body))), Err(SignatureError::Mismatch));
        assert_eq!(verify_x(b"", body, Some(&sign_x(b"", body))), Err(SignatureError::Mismatch));
        assert_eq!(verify_linkedin(b"", body, Some(&sign_linkedin(b"", body))), Err(SignatureError::Mismatch));
    }
}
