//! Shared test helpers: fixtures, profiles, conversations, a fixed clock and wire matchers.
#![allow(dead_code)]

use chrono::TimeZone;
use inbox_domain::messages::ActionJob;
use inbox_domain::ports::Clock;
use inbox_domain::*;
use inbox_networks::{HttpPlatformClient, HttpPlatformPoller, NetworkConfig};
use serde_json::Value;
use std::sync::Arc;
use wiremock::{MockServer, Request};

pub const TOKEN: &str = "tok-SECRET-123456";

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/../../tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("fixture is JSON")
}

/// The path of a fixture's URL as our configuration sends it: the Graph version pinned by the
/// fixtures (v25.0) becomes ours (v21.0).
pub fn fixture_path(url: &str) -> String {
    let u = reqwest::Url::parse(url).expect("fixture url");
    let p = u.path().to_string();
    match p.strip_prefix("/v25.0") {
        Some(rest) => format!("/v21.0{rest}"),
        None => p,
    }
}

/// The raw query of a fixture's URL.
pub fn fixture_query(url: &str) -> Option<String> {
    reqwest::Url::parse(url).expect("fixture url").query().map(str::to_string)
}

/// Matches the raw query string exactly (order and encoding included).
pub fn query_is(q: &str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let q = q.to_string();
    move |r: &Request| r.url.query() == Some(q.as_str())
}

pub fn no_query() -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    |r: &Request| r.url.query().is_none()
}

pub fn empty_body() -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    |r: &Request| r.body.is_empty() && !r.headers.contains_key("content-type")
}

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

pub fn now() -> Timestamp {
    at(2026, 1, 2, 12, 0)
}

pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

pub fn config(server: &MockServer) -> NetworkConfig {
    let mut c = NetworkConfig::all_at(&server.uri());
    c.timeout = std::time::Duration::from_secs(5);
    c
}

/// The key the test profiles' tokens are sealed with (as the local runner's would be).
pub fn cipher() -> Arc<inbox_platforms::sealing::LocalCipher> {
    Arc::new(inbox_platforms::sealing::LocalCipher::new([9; inbox_platforms::sealing::KEY_LEN]))
}

pub fn client_with(config: NetworkConfig) -> HttpPlatformClient {
    HttpPlatformClient::with_clock(config, Arc::new(FixedClock(now())), cipher()).expect("client")
}

pub fn client(server: &MockServer) -> HttpPlatformClient {
    client_with(config(server))
}

pub fn poller_with(config: NetworkConfig, at: Timestamp) -> HttpPlatformPoller {
    HttpPlatformPoller::with_clock(config, Arc::new(FixedClock(at)), cipher()).expect("poller")
}

pub fn profile(network: Network, external_id: &str) -> Profile {
    Profile {
        id: ProfileId::from("prf_1"),
        account_id: AccountId::from("acc_1"),
        network,
        external_id: external_id.into(),
        name: "My Brand".into(),
        handle: "mybrand".into(),
        credentials: Credentials {
            access_token: Some(cipher().seal_now(&presence_context(network, external_id), &SecretString::new(TOKEN)).expect("sealed")),
            ..Default::default()
        },
        bot_app_id: None,
        created_at: at(2025, 1, 1, 0, 0),
    }
}

pub fn conversation(network: Network, kind: Kind, thread_key: &str, author_id: &str, last_inbound_at: Timestamp) -> Conversation {
    Conversation {
        id: ConversationId::from("cnv_1"),
        account_id: AccountId::from("acc_1"),
        profile_id: ProfileId::from("prf_1"),
        network,
        kind,
        thread_key: thread_key.into(),
        status: Status::Open,
        assignee_id: None,
        sponsored: false,
        last_inbound_at,
        last_received_at: None,
        created_at: last_inbound_at,
        author: Author { id: author_id.into(), name: "Jane Customer".into(), handle: "janecustomer".into() },
        excerpt: String::new(),
        thread_owner: None,
        version: 1,
        salesforce_case: None,
        post_id: None,
    }
}

pub fn job(action: Action, text: Option<&str>, target: Option<&str>) -> ActionJob {
    ActionJob {
        account_id: AccountId::from("acc_1"),
        conversation_id: ConversationId::from("cnv_1"),
        item_id: ItemId::from("itm_1"),
        action,
        text: text.map(str::to_string),
        target: target.map(str::to_string),
        actor: None,
    }
}

/// A loopback address where nothing listens.
pub fn unused_base() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A 200 answer with a JSON body.
pub fn ok_json(body: &Value) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(body)
}
