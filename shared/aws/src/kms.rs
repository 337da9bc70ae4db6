//! `SecretCipher` on AWS: envelope encryption with KMS. A process asks KMS for one data key
//! (`GenerateDataKey`, AES-256) the first time it seals, seals with it locally (AES-256-GCM, see
//! `inbox_platforms::sealing`) and keeps the key wrapped by KMS in the sealed text; opening asks
//! KMS to unwrap a data key once per process (`Decrypt`) and keeps it in memory. So a token
//! costs no KMS call per use, a dump of the table holds nothing usable, and only a role that
//! may call `kms:Decrypt` on the key (the functions that call the networks, `template.yaml`)
//! can open a token.

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::SecretCipher;
use inbox_domain::{Sealed, SecretString};
use inbox_platforms::sealing::{self, KEY_LEN, SealError};
use std::collections::HashMap;
use std::sync::Mutex;

/// The encryption context every data key is bound to: `purpose` = what it seals, so that IAM
/// grants each function the purposes it needs only (`template.yaml`).
const CONTEXT_KEY: &str = "purpose";
/// The networks' tokens (the functions that call the networks).
pub const NETWORK_TOKENS: &str = "social-inbox network tokens";
/// Webhook signing secrets and Salesforce credentials (the functions that deliver and make
/// Cases; they may not open a network token).
pub const INTEGRATION_SECRETS: &str = "social-inbox integration secrets";

/// Data keys kept unwrapped in memory, at most this many (one per process that sealed).
const MAX_OPENED_KEYS: usize = 256;

pub struct KmsCipher {
    client: aws_sdk_kms::Client,
    key_id: String,
    /// The encryption context's `purpose`: [`NETWORK_TOKENS`] or [`INTEGRATION_SECRETS`].
    purpose: &'static str,
    /// The data key this process seals with: (key id in the sealed text, plaintext key).
    sealing: tokio::sync::Mutex<Option<(String, [u8; KEY_LEN])>>,
    opened: Mutex<HashMap<String, [u8; KEY_LEN]>>,
}

impl std::fmt::Debug for KmsCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KmsCipher({})", self.key_id)
    }
}

impl KmsCipher {
    /// `key_id`: the KMS key's id, ARN or alias; `purpose`: what it seals.
    pub fn new(config: &aws_config::SdkConfig, key_id: impl Into<String>, purpose: &'static str) -> Self {
        Self {
            client: aws_sdk_kms::Client::new(config),
            key_id: key_id.into(),
            purpose,
            sealing: Default::default(),
            opened: Default::default(),
        }
    }

    fn unavailable<E, R>(what: &str, e: aws_sdk_kms::error::SdkError<E, R>) -> PortError
    where
        E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let words = match e.as_service_error() {
            Some(s) => format!("kms {what}: {}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
            None => format!("kms {what}: {}", aws_sdk_kms::error::DisplayErrorContext(&e)),
        };
        PortError::failed(words, e)
    }

    async fn sealing_key(&self) -> PortResult<(String, [u8; KEY_LEN])> {
        let mut held = self.sealing.lock().await;
        if let Some(k) = held.as_ref() {
            return Ok(k.clone());
        }
        let out = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256)
            .encryption_context(CONTEXT_KEY, self.purpose)
            .send()
            .await
            .map_err(|e| Self::unavailable("GenerateDataKey", e))?;
        let plain = out.plaintext().ok_or_else(|| PortError::Unavailable("kms GenerateDataKey: no plaintext key".into()))?;
        let wrapped = out.ciphertext_blob().ok_or_else(|| PortError::Unavailable("kms GenerateDataKey: no wrapped key".into()))?;
        let key: [u8; KEY_LEN] =
            plain.as_ref().try_into().map_err(|_| PortError::Unavailable("kms GenerateDataKey: not a 256-bit key".into()))?;
        let kid = format!("k{}", B64.encode(wrapped.as_ref()));
        *held = Some((kid.clone(), key));
        self.remember(&kid, key);
        Ok((kid, key))
    }

    fn remember(&self, kid: &str, key: [u8; KEY_LEN]) {
        let mut opened = self.opened.lock().unwrap_or_else(|p| p.into_inner());
        if opened.len() >= MAX_OPENED_KEYS {
            opened.clear();
        }
        opened.insert(kid.to_string(), key);
    }

    async fn opening_key(&self, kid: &str) -> PortResult<[u8; KEY_LEN]> {
        if let Some(k) = self.opened.lock().unwrap_or_else(|p| p.into_inner()).get(kid) {
            return Ok(*k);
        }
        let wrapped = kid.strip_prefix('k').and_then(|w| B64.decode(w).ok()).ok_or(PortError::from(SealError::OtherKey))?;
        let out = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(wrapped))
            .encryption_context(CONTEXT_KEY, self.purpose)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                // Not this key's, or altered: no retry will open it.
                Some(s) if s.is_invalid_ciphertext_exception() || s.is_incorrect_key_exception() => PortError::from(SealError::OtherKey),
                _ => Self::unavailable("Decrypt", e),
            })?;
        let key: [u8; KEY_LEN] = out
            .plaintext()
            .and_then(|p| p.as_ref().try_into().ok())
            .ok_or_else(|| PortError::Unavailable("kms Decrypt: not a 256-bit key".into()))?;
        self.remember(kid, key);
        Ok(key)
    }
}

#[async_trait]
impl SecretCipher for KmsCipher {
    async fn seal(&self, context: &str, secret: &SecretString) -> PortResult<Sealed> {
        let (kid, key) = self.sealing_key().await?;
        Ok(sealing::seal_with(&key, &kid, context, secret.expose().as_bytes())?)
    }

    async fn open(&self, context: &str, sealed: &Sealed) -> PortResult<SecretString> {
        let (kid, body) = sealing::split(sealed)?;
        let key = self.opening_key(kid).await?;
        let plain = sealing::open_with(&key, kid, context, &body)?;
        String::from_utf8(plain).map(SecretString::new).map_err(|_| SealError::DoesNotOpen.into())
    }
}
