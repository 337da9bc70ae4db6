//! The ports of connecting channels: sealing their secrets, the networks' sign-in, the sign-in
//! flows and the renewal schedule.

use crate::error::PortResult;
use crate::ids::*;
use crate::model::*;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Seals the secrets the inbox stores (network tokens) and opens them again: with a key kept in
/// the data dir's secrets on one machine, with KMS envelope encryption on AWS. A secret sealed
/// for one `context` (see [`presence_context`]) does not open for another.
#[async_trait]
pub trait SecretCipher: Send + Sync {
    async fn seal(&self, context: &str, secret: &SecretString) -> PortResult<Sealed>;
    /// Fails with [`PortError::Corrupt`] for what this deployment's keys did not seal (or a
    /// sealed secret moved to another context).
    async fn open(&self, context: &str, sealed: &Sealed) -> PortResult<SecretString>;

    /// Opens what is kept for `context`: a sealed secret, or one an older release kept in the
    /// clear, which is used as it is (and sealed when it is next written).
    async fn open_kept(&self, context: &str, kept: &str) -> PortResult<SecretString> {
        if !Sealed::is_sealed_text(kept) {
            return Ok(SecretString::new(kept));
        }
        self.open(context, &Sealed::from_sealed(kept)).await
    }
}

/// What a network's token endpoint answered: the tokens of a sign-in or a renewal.
#[derive(Clone, Default)]
pub struct Grant {
    pub access_token: SecretString,
    /// X, Google, LinkedIn partners; X answers a new one on every renewal (the old one is spent).
    pub refresh_token: Option<SecretString>,
    /// Seconds the access token lives (`None`: it does not expire, or the network did not say).
    pub expires_in: Option<i64>,
    /// Seconds the refresh token lives from now, when the network says (LinkedIn).
    pub refresh_expires_in: Option<i64>,
    /// The scopes granted (a user may grant fewer than asked).
    pub scope: Option<String>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant").field("expires_in", &self.expires_in).field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// A presence a sign-in may connect, as its network listed it, with its own token (a Page's
/// token for a Page and its Instagram account; the grant's for the others).
#[derive(Debug, Clone)]
pub struct SignedInPresence {
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    pub kind: PresenceKind,
    pub tokens: Tokens,
    pub why_not: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The network refused (a spent, revoked or expired code or refresh token; access denied):
    /// no retry will do, the admin signs in again.
    #[error("{0}")]
    Refused(String),
    /// Worth trying again (the network down, 5xx, rate limits).
    #[error("{0}")]
    Transient(String),
    /// This deployment is not registered with the network (no client id or secret).
    #[error("{0}")]
    NotConfigured(String),
}

/// The networks' sign-in: the authorization-code flow, the presences a signed-in user may
/// connect, the webhook subscription a new channel needs, and token renewal.
#[async_trait]
pub trait SignIn: Send + Sync {
    /// `Err` says, in words, what the deployment must set to connect through `network`.
    fn configured(&self, network: Network) -> Result<(), String>;
    /// The address of the network's consent page for this flow.
    fn authorize_url(&self, network: Network, state: &str, pkce_challenge: &str, redirect_uri: &str) -> Result<String, SignInError>;
    /// Exchanges the callback's code for the user's tokens.
    async fn exchange(&self, network: Network, code: &str, verifier: &str, redirect_uri: &str) -> Result<Grant, SignInError>;
    /// The presences the signed-in user may connect, each with the token it acts with.
    async fn presences(&self, network: Network, grant: &Grant) -> Result<Vec<SignedInPresence>, SignInError>;
    /// Subscribes the app to a new channel's webhooks where the network needs it per channel
    /// (Meta's `subscribed_apps`; X's Account Activity when a webhook id is configured).
    /// `Ok(None)` when the network has nothing to subscribe.
    async fn subscribe(&self, network: Network, external_id: &str, token: &SecretString) -> Result<Option<bool>, SignInError>;
    /// Renews an access token with a refresh token.
    async fn refresh(&self, network: Network, refresh_token: &SecretString) -> Result<Grant, SignInError>;
}

/// Sign-in flows, until they end (and a while after: a used state stays refused).
#[async_trait]
pub trait ConnectStore: Send + Sync {
    async fn put_flow(&self, flow: &crate::connect::ConnectFlow) -> PortResult<()>;
    async fn get_flow(&self, id: &FlowId) -> PortResult<Option<crate::connect::ConnectFlow>>;
    /// Writes `flow` (whose `version` is one more than `expected`) only if the stored flow is
    /// still at `expected`; false otherwise.
    async fn replace_flow(&self, flow: &crate::connect::ConnectFlow, expected: u64) -> PortResult<bool>;
}

/// When a profile's token is next renewed (or, for one that does not expire, checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    pub profile_id: ProfileId,
    pub account_id: AccountId,
    pub network: Network,
    pub due_at: Timestamp,
}

/// The renewal schedule, with leases: whoever renews a profile's token holds its lease, so two
/// workers never spend one refresh token twice.
#[async_trait]
pub trait RenewalStore: Send + Sync {
    /// Sets (or replaces) a profile's renewal, unleased.
    async fn put_renewal(&self, renewal: &Renewal) -> PortResult<()>;
    /// Sets a profile's renewal only if it has none (a lease someone holds stays theirs).
    async fn ensure_renewal(&self, renewal: &Renewal) -> PortResult<()>;
    async fn get_renewal(&self, profile: &ProfileId) -> PortResult<Option<Renewal>>;
    async fn delete_renewal(&self, profile: &ProfileId) -> PortResult<()>;
    /// Renewals due by `now` and not leased, earliest first.
    async fn due_renewals(&self, now: Timestamp, limit: usize) -> PortResult<Vec<Renewal>>;
    /// Takes the lease of a profile's renewal (due or not) for `holder` until `until`, if it
    /// exists and nobody holds it.
    async fn lease_renewal(&self, profile: &ProfileId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool>;
    /// Ends `holder`'s lease: the next renewal at `next` (none: the schedule is removed). False
    /// if the lease is no longer `holder`'s (nothing changed).
    async fn finish_renewal(&self, profile: &ProfileId, holder: &str, next: Option<Timestamp>) -> PortResult<bool>;
}
