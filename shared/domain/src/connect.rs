//! Connecting a channel through its network's sign-in (OAuth 2.0 authorization code, with PKCE
//! where the network has it), and keeping its token alive: the rules, free of HTTP and storage.
//!
//! A flow is started by an admin and bound to them: its `state` is `<flow id>.<secret>`, and the
//! flow keeps only a digest of the secret. The network sends the browser back with the state
//! and a code; the admin's page hands both to the API, which finds the flow by id, checks the
//! secret, the admin, the expiry and the stage, and moves the flow on with a compare-and-swap,
//! so a state is spent once even when two callbacks race.

use crate::ids::*;
use crate::model::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a profile's secrets are sealed for: its network and id, so that a sealed token copied
/// onto another profile does not open.
pub fn presence_context(network: Network, external_id: &str) -> String {
    format!("{}:{}", network.as_str(), external_id)
}

/// How long a started flow waits for the network's callback.
pub const FLOW_TTL_SECS: i64 = 10 * 60;
/// How long the admin has, once signed in, to pick the presences to connect.
pub const PICK_TTL_SECS: i64 = 15 * 60;

/// The networks a channel is connected through, as their sign-in sees them. Facebook Login
/// brings the admin's Pages and the Instagram business accounts linked to them.
pub const SIGN_IN_NETWORKS: [Network; 4] = [Network::Facebook, Network::Twitter, Network::Linkedin, Network::Youtube];

/// The sign-in that connects (or reconnects) a presence of `network`.
pub fn sign_in_network(network: Network) -> Network {
    match network {
        Network::Instagram => Network::Facebook,
        n => n,
    }
}

/// Whether two ids name the same presence of `network` (LinkedIn organisations are named bare
/// or as `urn:li:organization:<id>`).
pub fn same_presence(network: Network, a: &str, b: &str) -> bool {
    let bare = |id: &str| {
        let id = id.trim();
        match network {
            Network::Linkedin => id.strip_prefix("urn:li:organization:").unwrap_or(id).to_string(),
            _ => id.to_string(),
        }
    };
    bare(a) == bare(b)
}

/// How people name a sign-in.
pub fn sign_in_label(network: Network) -> &'static str {
    match network {
        Network::Facebook | Network::Instagram => "Facebook and Instagram",
        Network::Twitter => "X",
        Network::Linkedin => "LinkedIn",
        Network::Youtube => "YouTube",
    }
}

/// The scopes each feature of the inbox needs, one list per sign-in (`oauth.md`):
/// Facebook Login's permissions are comma-separated, the others' space-separated.
pub fn scopes(network: Network) -> &'static [&'static str] {
    match network {
        Network::Facebook | Network::Instagram => &[
            // list the Pages, read their posts and comments
            "pages_show_list",
            "pages_read_engagement",
            "pages_read_user_content",
            // reply, like, hide, delete comments
            "pages_manage_engagement",
            // subscribe the app to the Page's webhooks
            "pages_manage_metadata",
            // Messenger
            "pages_messaging",
            // Instagram comments and their webhooks, DMs
            "instagram_basic",
            "instagram_manage_comments",
            "instagram_manage_messages",
            // Pages reached through a business portfolio
            "business_management",
        ],
        Network::Twitter => {
            &["tweet.read", "users.read", "tweet.write", "tweet.moderate.write", "like.write", "dm.read", "dm.write", "offline.access"]
        }
        Network::Linkedin => &["r_organization_social", "w_organization_social", "rw_organization_admin"],
        Network::Youtube => &["https://www.googleapis.com/auth/youtube.force-ssl"],
    }
}

/// Where a flow is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum FlowStage {
    /// Waiting for the network to send the admin back.
    Started,
    /// The callback came: its code is being exchanged (a second callback is refused).
    Exchanging,
    /// Signed in: the presences the token acts for, for the admin to pick from.
    Authorized { candidates: Vec<Candidate> },
    /// Finished (connected, reconnected, cancelled or failed): nothing more can happen.
    Done,
}

/// A presence the admin may connect, with its tokens sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    pub kind: PresenceKind,
    pub credentials: Credentials,
    /// Why it cannot be connected (a Page without the tasks the inbox needs), if so.
    #[serde(default)]
    pub why_not: Option<String>,
}

/// One sign-in, from its start to the profiles it connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectFlow {
    pub id: FlowId,
    pub account_id: AccountId,
    /// The admin who started it: only they may finish it.
    pub user_id: UserId,
    pub network: Network,
    /// The profile this flow reconnects, if it is a reconnection.
    pub reconnect: Option<ProfileId>,
    /// SHA-256 (hex) of the secret part of `state`.
    pub state_digest: String,
    /// The PKCE verifier (its S256 challenge went to the network), sealed.
    pub verifier: Sealed,
    pub redirect_uri: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Bumped by every change; a change is written only over the version it read.
    pub version: u64,
    #[serde(flatten)]
    pub stage: FlowStage,
}

/// What seals a flow's verifier (and what nothing else opens).
pub fn verifier_context(flow: &FlowId) -> String {
    format!("connect-flow:{flow}")
}

/// A fresh state secret or PKCE verifier: 32 random bytes, base64url (43 characters, within
/// RFC 7636's 43–128 of `[A-Za-z0-9-._~]`).
pub fn random_secret() -> String {
    B64.encode(crate::webhooks::random_bytes(32))
}

/// RFC 7636 `S256`: base64url(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn digest(secret: &str) -> String {
    crate::webhooks::sha256_hex(secret)
}

/// The `state` of a flow: its id, then the secret.
pub fn state_of(flow: &FlowId, secret: &str) -> String {
    format!("{flow}.{secret}")
}

/// The flow id and secret of a `state`, if it has that shape.
pub fn parse_state(state: &str) -> Option<(FlowId, &str)> {
    let (id, secret) = state.trim().split_once('.')?;
    if secret.is_empty() || secret.len() > 128 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return None;
    }
    Some((FlowId::parse(id)?, secret))
}

/// Whether `secret` is the one whose digest the flow keeps (in time independent of where they
/// differ).
pub fn secret_matches(flow: &ConnectFlow, secret: &str) -> bool {
    let (a, b) = (digest(secret), flow.state_digest.as_bytes().to_vec());
    a.len() == b.len() && a.bytes().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// When to renew an access token that expires at `expires_at` and was issued at `issued_at`:
/// an eighth of its life ahead (15 minutes for X's 2 hours, 7.5 for Google's hour, a week for
/// LinkedIn's 60 days), at least 5 minutes ahead, never before `issued_at`.
pub fn renew_at(issued_at: Timestamp, expires_at: Timestamp) -> Timestamp {
    let life = (expires_at - issued_at).max(chrono::Duration::zero());
    let ahead = (life / 8).max(chrono::Duration::minutes(5)).min(chrono::Duration::days(7));
    (expires_at - ahead).max(issued_at)
}

/// How often a token that does not expire (a Meta Page token) is checked with its network.
pub const CHECK_EVERY_HOURS: i64 = 24;

/// How long before a refresh token's own end (LinkedIn's 365 days, Google's 7 days for apps in
/// testing) the admins are warned to sign in again.
pub fn warn_ahead(network: Network) -> chrono::Duration {
    match network {
        Network::Youtube => chrono::Duration::days(2),
        _ => chrono::Duration::days(14),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_state_is_the_flow_and_a_secret_and_only_its_secret_matches() {
        let id = FlowId::generate();
        let secret = random_secret();
        assert_eq!(secret.len(), 43);
        let state = state_of(&id, &secret);
        let (parsed, s) = parse_state(&state).unwrap();
        assert_eq!((parsed, s), (id.clone(), secret.as_str()));
        let flow = ConnectFlow {
            id: id.clone(),
            account_id: "acc".into(),
            user_id: "usr".into(),
            network: Network::Twitter,
            reconnect: None,
            state_digest: digest(&secret),
            verifier: Sealed::from_sealed("v"),
            redirect_uri: "http://x/connect/callback".into(),
            created_at: chrono::Utc::now(),
            expires_at: chrono::Utc::now(),
            version: 0,
            stage: FlowStage::Started,
        };
        assert!(secret_matches(&flow, &secret));
        assert!(!secret_matches(&flow, &random_secret()));
        for bad in ["", "nodot", ".secret", "flw_1.", "flw_1.a b", "flw 1.abc", &format!("flw_1.{}", "a".repeat(129))] {
            assert!(parse_state(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn a_token_is_renewed_an_eighth_of_its_life_ahead_within_bounds() {
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
        let h = chrono::Duration::hours;
        assert_eq!(renew_at(t0, t0 + h(2)), t0 + h(2) - chrono::Duration::minutes(15), "X");
        assert_eq!(renew_at(t0, t0 + h(1)), t0 + h(1) - chrono::Duration::seconds(450), "Google");
        assert_eq!(renew_at(t0, t0 + chrono::Duration::days(60)), t0 + chrono::Duration::days(53), "LinkedIn: a week ahead");
        assert_eq!(renew_at(t0, t0 + chrono::Duration::minutes(4)), t0, "a short life: at once");
        assert_eq!(renew_at(t0, t0 - h(1)), t0, "already expired: at once");
    }

    #[test]
    fn instagram_is_connected_through_facebook_login_and_every_sign_in_has_scopes() {
        assert_eq!(sign_in_network(Network::Instagram), Network::Facebook);
        for n in SIGN_IN_NETWORKS {
            assert!(!scopes(n).is_empty(), "{n}");
        }
        assert!(scopes(Network::Twitter).contains(&"offline.access"), "X gives a refresh token only with offline.access");
    }
}
