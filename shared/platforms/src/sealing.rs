//! Sealing of the secrets the inbox stores (network tokens): AES-256-GCM with a random 96-bit
//! nonce, and the secret's context (the presence it belongs to) and key id as associated data,
//! so a sealed token neither opens with another key nor for another presence.
//!
//! A sealed secret is the text `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id
//! names the key that opens it: `l<8 hex>` for a local key (a digest of the key, never the
//! key), `k<base64url>` for a data key wrapped by KMS (the AWS adapter keeps the wrapped key in
//! the id, envelope encryption).

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::SecretCipher;
use inbox_domain::{SEALED_PREFIX, Sealed, SecretString};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

/// Bytes of a sealing key.
pub const KEY_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("not a sealed secret")]
    Malformed,
    #[error("sealed with another key")]
    OtherKey,
    #[error("the sealed secret does not open (another key, another context, or altered)")]
    DoesNotOpen,
    #[error("no random numbers")]
    Random,
}

impl From<SealError> for PortError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::Random => PortError::Unavailable(e.to_string()),
            e => PortError::Corrupt(e.to_string()),
        }
    }
}

/// The parts of a sealed secret: its key id and its body.
pub fn split(sealed: &Sealed) -> Result<(&str, Vec<u8>), SealError> {
    let mut parts = sealed.as_str().split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(kid), Some(body), None) if !kid.is_empty() => Ok((kid, B64.decode(body).map_err(|_| SealError::Malformed)?)),
        _ => Err(SealError::Malformed),
    }
}

fn aad(context: &str, kid: &str) -> Vec<u8> {
    let mut a = Vec::with_capacity(context.len() + kid.len() + 1);
    a.extend_from_slice(kid.as_bytes());
    a.push(0);
    a.extend_from_slice(context.as_bytes());
    a
}

/// Seals `plain` with `key`, naming it `kid`.
pub fn seal_with(key: &[u8; KEY_LEN], kid: &str, context: &str, plain: &[u8]) -> Result<Sealed, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).map_err(|_| SealError::Random)?;
    let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| SealError::Malformed)?);
    let mut body = plain.to_vec();
    k.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(context, kid)), &mut body)
        .map_err(|_| SealError::Malformed)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&body);
    Ok(Sealed::from_sealed(format!("{SEALED_PREFIX}{kid}.{}", B64.encode(out))))
}

/// Opens what [`seal_with`] sealed with `key` under `kid` for `context`.
pub fn open_with(key: &[u8; KEY_LEN], kid: &str, context: &str, body: &[u8]) -> Result<Vec<u8>, SealError> {
    if body.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(SealError::Malformed);
    }
    let (nonce, ct) = body.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Malformed)?;
    let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).map_err(|_| SealError::Malformed)?);
    let mut buf = ct.to_vec();
    let plain = k.open_in_place(nonce, Aad::from(aad(context, kid)), &mut buf).map_err(|_| SealError::DoesNotOpen)?;
    Ok(plain.to_vec())
}

/// A sealing key this process holds: the local runner's, kept in the data dir's secrets.
#[derive(Clone)]
pub struct LocalCipher {
    key: [u8; KEY_LEN],
    kid: String,
}

impl std::fmt::Debug for LocalCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalCipher({})", self.kid)
    }
}

impl LocalCipher {
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        let digest = Sha256::new().chain_update(b"social-inbox sealing key id\0").chain_update(key).finalize();
        Self { key, kid: format!("l{}", hex::encode(&digest[..4])) }
    }

    /// A key written as 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| "a sealing key is 64 hex digits".to_string())?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| "a sealing key is 64 hex digits (32 bytes)".to_string())?;
        Ok(Self::new(key))
    }

    pub fn seal_now(&self, context: &str, secret: &SecretString) -> Result<Sealed, SealError> {
        seal_with(&self.key, &self.kid, context, secret.expose().as_bytes())
    }

    pub fn open_now(&self, context: &str, sealed: &Sealed) -> Result<SecretString, SealError> {
        let (kid, body) = split(sealed)?;
        if kid != self.kid {
            return Err(SealError::OtherKey);
        }
        let plain = open_with(&self.key, kid, context, &body)?;
        String::from_utf8(plain).map(SecretString::new).map_err(|_| SealError::DoesNotOpen)
    }
}

#[async_trait]
impl SecretCipher for LocalCipher {
    async fn seal(&self, context: &str, secret: &SecretString) -> PortResult<Sealed> {
        Ok(self.seal_now(context, secret)?)
    }

    async fn open(&self, context: &str, sealed: &Sealed) -> PortResult<SecretString> {
        Ok(self.open_now(context, sealed)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(b: u8) -> LocalCipher {
        LocalCipher::new([b; KEY_LEN])
    }

    #[test]
    fn a_sealed_token_opens_with_its_key_for_its_context_only() {
        let (c, other) = (cipher(1), cipher(2));
        let token = SecretString::new("EAAG-page-token-1234567890");
        let sealed = c.seal_now("facebook:1111", &token).unwrap();
        assert!(!sealed.as_str().contains("EAAG"), "{}", sealed.as_str());
        assert_eq!(c.open_now("facebook:1111", &sealed).unwrap(), token);
        assert_eq!(c.open_now("facebook:2222", &sealed), Err(SealError::DoesNotOpen), "moved to another presence");
        assert_eq!(other.open_now("facebook:1111", &sealed), Err(SealError::OtherKey));
        let again = c.seal_now("facebook:1111", &token).unwrap();
        assert_ne!(again, sealed, "a fresh nonce each time");
    }

    #[test]
    fn altered_or_foreign_text_never_opens() {
        let c = cipher(7);
        let sealed = c.seal_now("x:1", &SecretString::new("t")).unwrap();
        let s = sealed.as_str();
        let mut flipped = s.to_string();
        let last = flipped.pop().unwrap();
        flipped.push(if last == 'A' { 'B' } else { 'A' });
        assert!(c.open_now("x:1", &Sealed::from_sealed(flipped)).is_err());
        for junk in ["", "plain-token", "v1..", "v1.l00000000.", "v2.a.b", "v1.a.b.c", "v1.a.!!!"] {
            assert!(c.open_now("x:1", &Sealed::from_sealed(junk)).is_err(), "{junk}");
        }
        let kid = split(&sealed).unwrap().0.to_string();
        let short = Sealed::from_sealed(format!("v1.{kid}.AAAA"));
        assert_eq!(c.open_now("x:1", &short), Err(SealError::Malformed));
    }

    #[test]
    fn keys_are_64_hex_digits() {
        assert!(LocalCipher::from_hex(&"ab".repeat(32)).is_ok());
        assert!(LocalCipher::from_hex("abcd").is_err());
        assert!(LocalCipher::from_hex(&"zz".repeat(32)).is_err());
    }
}
