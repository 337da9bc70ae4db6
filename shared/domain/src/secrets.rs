//! Secrets as the inbox holds them: a [`SecretString`] in memory (never shown, never logged), a
//! [`Sealed`] one as stored, a profile's [`Credentials`] (sealed) and the [`Tokens`] a network
//! gives (plain, for the call that received them).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

type Timestamp = DateTime<Utc>;

/// A secret the inbox keeps (to sign, to authenticate) but never shows again: `Debug` redacts
/// it, and API answers never include it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

/// A secret as it is stored: sealed by the deployment's
/// [`SecretCipher`](crate::ports::SecretCipher) for one context (the presence it belongs to), so
/// that a dump of the table or of the database file shows no usable token. Opening it needs the
/// key, which only the functions that call the networks are given.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sealed(String);

/// How every sealed secret begins (its format's version): what is stored without it was kept in
/// the clear by a release before secrets were sealed.
pub const SEALED_PREFIX: &str = "v1.";

impl Sealed {
    /// Whether stored text is a sealed secret (not one an older release kept in the clear).
    pub fn is_sealed_text(text: &str) -> bool {
        text.starts_with(SEALED_PREFIX)
    }

    /// Wraps what a cipher produced (adapters only).
    pub fn from_sealed(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealed(..)")
    }
}

/// Secret credentials of a profile, as stored: every token sealed (see [`Sealed`]). Never
/// serialised into API answers, never logged.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(default)]
    pub access_token: Option<Sealed>,
    #[serde(default)]
    pub token_secret: Option<Sealed>,
    /// The token that renews the access token (X, LinkedIn partners, Google); X spends it on
    /// each use and answers a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Sealed>,
    /// When the access token expires, when the network said so on connecting (LinkedIn's
    /// 60-day tokens, Meta's user tokens). Channel health shows it as expiring ahead of time.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// When the refresh token stops working whatever is done (LinkedIn: 365 days after the first
    /// consent; Google: 7 days for an app still in testing): the admins are warned ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<Timestamp>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// A presence's tokens as the network gave them, before they are sealed: they exist only in
/// memory, for the call that received them.
#[derive(Clone, Default)]
pub struct Tokens {
    pub access_token: SecretString,
    pub token_secret: Option<SecretString>,
    pub refresh_token: Option<SecretString>,
    pub expires_at: Option<Timestamp>,
    pub refresh_expires_at: Option<Timestamp>,
}

impl Tokens {
    /// Just an access token (one that does not expire, or whose expiry is not known).
    pub fn access(token: impl Into<String>) -> Self {
        Self { access_token: SecretString::new(token), ..Default::default() }
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<redacted>)")
    }
}
