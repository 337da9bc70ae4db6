//! Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`,
//! where the key is the base64-decoded part of the `whsec_` secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// The signing key of a `whsec_` secret.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, String> {
    let raw = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = STANDARD.decode(raw).map_err(|_| "the subscription's secret is not base64 after whsec_".to_string())?;
    if key.is_empty() {
        return Err("the subscription's secret is empty".into());
    }
    Ok(key)
}

fn mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
pub fn sign(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(mac(key, id, timestamp, body).finalize().into_bytes()))
}

/// Checks a `webhook-signature` header (space-separated `v1,<sig>` entries) in constant time,
/// as a receiver does; the tests use it beside the reference library.
pub fn verify(key: &[u8], id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    header
        .split(' ')
        .filter_map(|e| e.strip_prefix("v1,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .any(|given| mac(key, id, timestamp, body).verify_slice(&given).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_base64_part_of_the_secret() {
        assert_eq!(secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap().len(), 24);
        assert!(secret_key("whsec_!!!").is_err());
        assert!(secret_key("whsec_").is_err());
    }

    #[test]
    fn verify_accepts_the_signature_among_others_and_nothing_else() {
        let key = b"0123456789abcdef";
        let sig = sign(key, "msg_1", "1767232000", b"{}");
        assert!(verify(key, "msg_1", "1767232000", b"{}", &sig));
        assert!(verify(key, "msg_1", "1767232000", b"{}", &format!("v1,AAAA {sig}")));
        assert!(!verify(key, "msg_1", "1767232001", b"{}", &sig));
        assert!(!verify(key, "msg_2", "1767232000", b"{}", &sig));
        assert!(!verify(b"other", "msg_1", "1767232000", b"{}", &sig));
    }
}
