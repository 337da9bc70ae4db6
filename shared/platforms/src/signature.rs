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

/// The `response_token` to answer X's CRC (`GET ?crc_token=...`) with: `sha256=<base64>` of
/// HMAC-SHA256(consumer secret, crc_token). Send it as `{"response_token": "<this>"}`.
pub fn x_crc_response_token(consumer_secret: &[u8], crc_token: &str) -> String {
    sign_x(consumer_secret, crc_token.as_bytes())
}

/// The `X-LI-Signature` value LinkedIn would send for this body (lowercase hex, no prefix).
pub fn sign_linkedin(client_secret: &[u8], body: &[u8]) -> String {
    hex::encode(mac(client_secret, &[LINKEDIN_SIGNED_PREFIX, body].concat()).finalize().into_bytes())
}

/// The `challengeResponse` to answer LinkedIn's webhook validation (`GET ?challengeCode=...`)
/// with: lowercase hex of HMAC-SHA256(client secret, challengeCode). Send it within 3 s as
/// `{"challengeCode": "<the code>", "challengeResponse": "<this>"}`.
pub fn linkedin_challenge_response(client_secret: &[u8], challenge_code: &str) -> String {
    hex::encode(mac(client_secret, challenge_code.as_bytes()).finalize().into_bytes())
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
