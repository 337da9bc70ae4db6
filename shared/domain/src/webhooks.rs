//! Outbound webhooks and Zapier REST hooks: subscriptions, deliveries and their retry schedule,
//! and the account API keys Zapier authenticates with. Pure rules; the use cases are in
//! [`crate::usecases::integrations`].
//!
//! A delivery is one event for one subscription. It is stored when the event is dispatched and
//! sent by the delivery worker on its own schedule (see [`RETRY_SCHEDULE_SECS`]), under a lease so
//! that two workers never send it at once. A delivery that fails through the whole schedule is
//! dead: listed for the admins, who can replay it. A subscription whose deliveries have all
//! failed for [`DISABLE_AFTER_HOURS`] is turned off when one of them dies, and the account's
//! admins are told.

use crate::events::EventType;
use crate::ids::*;
use crate::model::*;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Who subscribed, and so what body a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SubscriptionKind {
    /// An admin's webhook: the versioned event payload ([`crate::events::webhook_body`]).
    Webhook,
    /// A Zapier REST hook: one flat object ([`crate::events::zapier_payload`]); a 410 answer
    /// deletes the subscription.
    Zapier,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSubscription {
    pub id: SubscriptionId,
    pub account_id: AccountId,
    pub kind: SubscriptionKind,
    pub url: String,
    pub events: Vec<EventType>,
    pub description: String,
    /// `whsec_` + base64 of the signing key (Standard Webhooks). Shown once, at creation and
    /// rotation.
    pub secret: SecretString,
    pub enabled: bool,
    /// Why it was turned off, when the inbox did it.
    pub disabled_reason: Option<String>,
    /// Since when every delivery attempt has failed (`None` after a success).
    pub failing_since: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub last_failure: Option<String>,
    /// Zapier: the API key that subscribed.
    pub api_key_id: Option<ApiKeyId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version, bumped on every change.
    pub version: u64,
}

impl WebhookSubscription {
    pub fn wants(&self, event: EventType) -> bool {
        self.enabled && self.events.contains(&event)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeliveryState {
    /// Waiting for its next attempt (`next_at`).
    Pending,
    Delivered,
    /// Failed through the whole schedule (or could not be sent at all): listed for replay.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Dead].into_iter().find(|d| d.as_str() == s)
    }
}

/// One event for one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    /// Derived from the event and the subscription ([`delivery_id`]): dispatching one event
    /// twice stores one delivery.
    pub id: DeliveryId,
    pub account_id: AccountId,
    pub subscription_id: SubscriptionId,
    /// Sent as `webhook-id`: the same on every attempt, so that receivers drop repeats.
    pub event_id: EventId,
    pub event_type: EventType,
    pub conversation_id: ConversationId,
    pub seq: u64,
    /// The exact body sent (and signed) on every attempt.
    pub body: String,
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_at: Timestamp,
    pub created_at: Timestamp,
    pub last_attempt_at: Option<Timestamp>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub finished_at: Option<Timestamp>,
}

/// The delivery of `event` to `subscription`.
pub fn delivery_id(event: &EventId, subscription: &SubscriptionId) -> DeliveryId {
    let e = event.as_str().trim_start_matches("evt_");
    let s = subscription.as_str().trim_start_matches("whs_");
    DeliveryId::from(format!("dlv_{e}_{s}"))
}

/// Seconds to wait after the 1st, 2nd, ... failed attempt: about a day in all (25 h 12 min
/// from the first attempt to the last). After the last one fails the delivery is dead.
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [30, 120, 600, 3_600, 4 * 3_600, 8 * 3_600, 12 * 3_600];

/// Attempts a delivery gets: the first and one per step of the schedule.
pub const MAX_DELIVERY_ATTEMPTS: u32 = RETRY_SCHEDULE_SECS.len() as u32 + 1;

/// When the next attempt is due after `attempts` failed ones, or `None`: the delivery is dead.
pub fn retry_delay(attempts: u32) -> Option<chrono::Duration> {
    let i = attempts.checked_sub(1)? as usize;
    RETRY_SCHEDULE_SECS.get(i).map(|s| chrono::Duration::seconds(*s))
}

/// A subscription whose every delivery has failed for this long is turned off when one of its
/// deliveries dies.
pub const DISABLE_AFTER_HOURS: i64 = 24;

/// Whether a delivery dying at `now` turns the subscription off.
pub fn should_disable(subscription: &WebhookSubscription, now: Timestamp) -> bool {
    subscription.enabled && subscription.failing_since.is_some_and(|since| now - since >= chrono::Duration::hours(DISABLE_AFTER_HOURS))
}

/// Random bytes from the operating system (through UUIDv4, whose generator is the OS's).
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    while out.len() < n {
        out.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out.truncate(n);
    out
}

/// What a subscription's signing secret is sealed for, where it is stored.
pub fn secret_context(id: &SubscriptionId) -> String {
    format!("webhook:{id}")
}

/// A new signing secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> SecretString {
    SecretString::new(format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(random_bytes(32))))
}

pub const MAX_URL: usize = 2_000;
pub const MAX_SUBSCRIPTIONS: usize = 50;
pub const MAX_DESCRIPTION: usize = 500;

/// Checks the form of a target URL: `http` or `https`, a host, no credentials, no fragment.
/// Whether the inbox may reach the host is the [`EgressGuard`](crate::ports::EgressGuard)'s
/// to say.
pub fn validate_url(url: &str) -> Result<String, String> {
    let u = url.trim();
    if u.is_empty() || u.len() > MAX_URL || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("the url must be an http or https URL of at most {MAX_URL} characters, without spaces"));
    }
    let rest = match u.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => rest,
        _ => return Err("the url must start with https:// (or http://)".into()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("the url must not carry a user name or password".into());
    }
    let host = authority.rsplit_once(':').filter(|(h, p)| !p.contains(']') && !h.is_empty()).map_or(authority, |(h, _)| h);
    if host.is_empty() || host == "[]" {
        return Err("the url has no host".into());
    }
    if u.contains('#') {
        return Err("the url must not have a #fragment".into());
    }
    Ok(u.to_string())
}

/// Checks a subscription's event list: at least one, each known, no repeats (kept in order).
pub fn validate_events(events: &[String]) -> Result<Vec<EventType>, String> {
    if events.is_empty() {
        return Err("choose at least one event type".into());
    }
    let mut out: Vec<EventType> = Vec::new();
    for e in events {
        let t = EventType::parse(e).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            format!("\"{}\" is not an event type; use {}", e.chars().take(40).collect::<String>(), known.join(", "))
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// An account API key (Zapier signs in with it). Only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    pub name: String,
    /// The key's first characters, to tell keys apart in a list.
    pub prefix: String,
    /// Hex SHA-256 of the key ([`hash_api_key`]).
    pub hash: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// What every API key starts with (tells it from a user's JWT).
pub const API_KEY_PREFIX: &str = "ink_";

/// A new key (shown once) and its hash (stored).
pub fn new_api_key() -> (SecretString, String) {
    let key: String = format!("{API_KEY_PREFIX}{}", hex(&random_bytes(24)));
    let hash = hash_api_key(&key);
    (SecretString::new(key), hash)
}

/// Hex SHA-256 of a key: keys are 192 random bits, so a fast hash is enough to keep them out
/// of storage.
pub fn hash_api_key(key: &str) -> String {
    sha256_hex(key)
}

/// SHA-256 of `text`, in lower-case hex (API keys, sign-in states are kept so).
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&sha2::Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_retries_for_about_a_day_then_gives_up() {
        let total: i64 = RETRY_SCHEDULE_SECS.iter().sum();
        assert!((22 * 3600..=28 * 3600).contains(&total), "{total}");
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(1), Some(chrono::Duration::seconds(30)));
        assert_eq!(retry_delay(2), Some(chrono::Duration::minutes(2)));
        assert_eq!(retry_delay(7), Some(chrono::Duration::hours(12)));
        assert_eq!(retry_delay(MAX_DELIVERY_ATTEMPTS), None);
        // Exponential-ish: every wait is longer than the one before.
        assert!(RETRY_SCHEDULE_SECS.windows(2).all(|w| w[1] > w[0]));
    }

    #[test]
    fn secrets_are_standard_webhooks_secrets_of_32_random_bytes() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        let raw = a.expose().strip_prefix("whsec_").expect("prefix");
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(raw).unwrap().len(), 32);
        assert_eq!(format!("{a:?}"), "SecretString(<redacted>)");
    }

    #[test]
    fn api_keys_are_stored_as_hashes() {
        let (key, hash) = new_api_key();
        assert!(key.expose().starts_with(API_KEY_PREFIX) && key.expose().len() == 4 + 48);
        assert_eq!(hash_api_key(key.expose()), hash);
        assert_ne!(hash, key.expose());
    }

    #[test]
    fn urls_need_a_scheme_and_a_host_and_no_credentials() {
        assert_eq!(validate_url(" https://hooks.example.com/x?y=1 ").unwrap(), "https://hooks.example.com/x?y=1");
        assert!(validate_url("http://127.0.0.1:8080/in").is_ok());
        assert!(validate_url("http://[::1]:8080/in").is_ok());
        for bad in ["", "ftp://x", "https://", "https://user:pw@host/", "https://host/a b", "javascript:alert(1)", "https://h/#f"] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_lists_are_checked_and_deduplicated() {
        let ok = validate_events(&["item.received".into(), "note.added".into(), "item.received".into()]).unwrap();
        assert_eq!(ok, [EventType::ItemReceived, EventType::NoteAdded]);
        assert!(validate_events(&[]).is_err());
        assert!(validate_events(&["item.deleted".into()]).unwrap_err().contains("conversation.created"));
    }

    #[test]
    fn delivery_ids_are_stable_per_event_and_subscription() {
        let e = EventId::from("evt_abc");
        let s = SubscriptionId::from("whs_def");
        assert_eq!(delivery_id(&e, &s).as_str(), "dlv_abc_def");
        assert!(DeliveryId::parse(delivery_id(&EventId::generate(), &SubscriptionId::generate()).as_str()).is_some());
    }
}

/// The host (and port) of a URL, for logs: hook URLs are bearer secrets (Zapier's are), so a
/// log line names where a request went, never the URL itself. Credentials in the authority
/// (`user:pass@`) are left out too.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

#[cfg(test)]
mod url_host_tests {
    use super::url_host;

    #[test]
    fn only_the_host_and_port() {
        assert_eq!(url_host("https://hooks.zapier.com/hooks/catch/123/abcSECRET/"), "hooks.zapier.com");
        assert_eq!(url_host("https://user:pass@example.com:8443/x?token=1#f"), "example.com:8443");
        assert_eq!(url_host("http://[::1]:9000/hook"), "[::1]:9000");
        assert_eq!(url_host("example.com?x"), "example.com");
    }
}
