//! Typed configuration, read once at start. Secrets come from the environment; where one is
//! not set, the local runner makes a random one and keeps it in `<data dir>/secrets.json`, so
//! tokens and webhook signatures stay valid across restarts.

use crate::anyhow_lite::{Error, Result};
use inbox_sqlite::Durability;
use inbox_web::{Secret, WebConfig};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Which network clients the runner uses.
#[derive(Debug, Clone)]
pub enum NetworkMode {
    /// The real networks (base URLs from `INBOX_GRAPH_BASE`, `INBOX_X_BASE`, ... or the public APIs).
    Real(inbox_networks::NetworkConfig),
    /// The network simulator on a loopback port (the demo, and tests).
    Simulated,
    /// No clients: every action and poll fails with that reason.
    None,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    pub durability: Durability,
    /// Deliveries of a queued message before it is dead-lettered.
    pub max_attempts: u32,
    /// Run the queue workers in this process.
    pub workers: bool,
    /// Queues this process leaves to others (or, in tests, holds still), even with `workers`.
    pub paused: Vec<inbox_domain::messages::QueueName>,
    /// Run the poller in this process (with `workers`).
    pub poll: bool,
    pub networks: NetworkMode,
    /// What the rules need from the deployment (the Meta app id).
    pub settings: inbox_domain::usecases::Settings,
    /// Where webhook deliveries and Salesforce calls may go (`INBOX_OUTBOUND_ALLOW`,
    /// `INBOX_OUTBOUND_ONLY_ALLOWED`): public addresses, plus the allow-list.
    pub egress: inbox_integrations::EgressPolicy,
    /// Run the webhook delivery worker in this process (with `workers`).
    pub deliver: bool,
    pub web: WebConfig,
    /// Seals the network tokens the database stores: `INBOX_TOKEN_KEY` (64 hex digits), or a
    /// random key kept in `<data dir>/sealing.key`, apart from the database file.
    pub token_key: inbox_platforms::sealing::LocalCipher,
    /// The apps registered with each network for connecting channels (`INBOX_*_CLIENT_ID`, …;
    /// the simulator's own apps in simulated mode).
    pub signin: inbox_networks::SignInConfig,
}

#[derive(Serialize, Deserialize)]
struct SecretsFile {
    jwt_secret: String,
    meta_app_secret: String,
    meta_verify_token: String,
    x_consumer_secret: String,
    #[serde(default = "random_secret")]
    linkedin_client_secret: String,
    cursor_key: String,
}

fn random_secret() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Config {
    /// Reads `INBOX_*` variables, falling back to the data dir's secrets file.
    pub fn load(data_dir: &Path, addr: SocketAddr) -> Result<Config> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error(format!("cannot create the data dir {}: {e}", data_dir.display())))?;
        let path = data_dir.join("secrets.json");
        let read = |path: &Path| -> Result<SecretsFile> {
            let text = std::fs::read_to_string(path).map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| Error(format!("{} is damaged ({e}); delete it to make new secrets", path.display())))
        };
        let stored: SecretsFile = if path.exists() {
            read(&path)?
        } else {
            let s = SecretsFile {
                jwt_secret: random_secret(),
                meta_app_secret: random_secret(),
                meta_verify_token: random_secret(),
                x_consumer_secret: random_secret(),
                linkedin_client_secret: random_secret(),
                cursor_key: random_secret(),
            };
            match write_private(&path, &serde_json::to_string_pretty(&s).expect("serialisable")) {
                Ok(()) => s,
                // Another start made it first: its secrets are the ones.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path)?,
                Err(e) => return Err(Error(format!("cannot create {}: {e}", path.display()))),
            }
        };
        let durability = match env("INBOX_SQLITE_SYNC").as_deref() {
            None | Some("full") => Durability::Full,
            Some("normal") => Durability::Normal,
            Some(other) => return Err(Error(format!("INBOX_SQLITE_SYNC must be full or normal, not {other}"))),
        };
        let max_body_bytes = match env("INBOX_MAX_BODY_BYTES") {
            None => 1024 * 1024,
            Some(v) => v.parse().map_err(|_| Error("INBOX_MAX_BODY_BYTES must be a number of bytes".into()))?,
        };
        let token_key = match env("INBOX_TOKEN_KEY") {
            Some(k) => inbox_platforms::sealing::LocalCipher::from_hex(&k).map_err(|e| Error(format!("INBOX_TOKEN_KEY: {e}")))?,
            None => sealing_key(&data_dir.join("sealing.key"))?,
        };
        // Each secret once: the environment's, or the data dir's.
        let jwt_secret = env("INBOX_JWT_SECRET").unwrap_or(stored.jwt_secret);
        let meta_app_secret = env("INBOX_META_APP_SECRET").unwrap_or(stored.meta_app_secret);
        let linkedin_client_secret = env("INBOX_LINKEDIN_CLIENT_SECRET").unwrap_or(stored.linkedin_client_secret);
        let signin = inbox_networks::SignInConfig::from_lookup(
            env,
            Some(inbox_domain::SecretString::new(&meta_app_secret)),
            Some(inbox_domain::SecretString::new(&linkedin_client_secret)),
        );
        Ok(Config {
            token_key,
            signin,
            data_dir: data_dir.to_path_buf(),
            addr,
            durability,
            max_attempts: 5,
            workers: true,
            paused: vec![],
            poll: true,
            networks: NetworkMode::Real(inbox_networks::NetworkConfig::from_env()),
            settings: inbox_domain::usecases::Settings {
                meta_app_id: env("INBOX_META_APP_ID"),
                poll_budgets: poll_budgets()?,
                action_retry: Default::default(),
                public_url: public_url()?,
                // The bearer tokens' key signs the unsubscribe links too: its messages start
                // with their own label, so neither can pass for the other.
                unsubscribe_key: Some(inbox_domain::SecretString::new(&jwt_secret)),
            },
            egress: egress()?,
            deliver: true,
            web: WebConfig {
                auth: inbox_web::state::AuthMode::Hs256,
                jwt_secret: Secret::new(jwt_secret),
                meta_app_secret: Secret::new(meta_app_secret),
                meta_verify_token: Secret::new(env("INBOX_META_VERIFY_TOKEN").unwrap_or(stored.meta_verify_token)),
                x_consumer_secret: Secret::new(env("INBOX_X_CONSUMER_SECRET").unwrap_or(stored.x_consumer_secret)),
                linkedin_client_secret: Secret::new(linkedin_client_secret),
                cursor_key: Secret::new(stored.cursor_key),
                max_body_bytes,
            },
        })
    }

    /// A configuration with fixed test secrets (the spec's test vectors use these).
    pub fn for_tests(data_dir: &Path) -> Config {
        Config {
            data_dir: data_dir.to_path_buf(),
            addr: "127.0.0.1:0".parse().expect("address"),
            durability: Durability::Normal,
            max_attempts: 3,
            workers: true,
            paused: vec![],
            // Tests drive polls themselves.
            poll: false,
            networks: NetworkMode::Simulated,
            settings: inbox_domain::usecases::Settings {
                meta_app_id: Some("987654321098765".into()),
                poll_budgets: vec![],
                // Tests wait fractions of a second between tries, not minutes.
                action_retry: inbox_domain::retry::RetrySchedule { waits: vec![std::time::Duration::from_millis(100); 3] },
                public_url: Default::default(),
                unsubscribe_key: Some(inbox_domain::SecretString::new("test_unsubscribe_key")),
            },
            // Receivers in tests are wiremock servers on loopback; nothing else is reachable.
            egress: inbox_integrations::EgressPolicy::loopback_only(),
            // Tests drive deliveries themselves (with a clock they control), or turn this on.
            deliver: false,
            web: WebConfig {
                auth: inbox_web::state::AuthMode::Hs256,
                jwt_secret: Secret::new("test_jwt_secret"),
                meta_app_secret: Secret::new("test_app_secret"),
                meta_verify_token: Secret::new("test_verify_token"),
                x_consumer_secret: Secret::new("test_consumer_secret"),
                linkedin_client_secret: Secret::new("test_client_secret"),
                cursor_key: Secret::new("test_cursor_key"),
                max_body_bytes: 256 * 1024,
            },
            token_key: inbox_platforms::sealing::LocalCipher::new([7; inbox_platforms::sealing::KEY_LEN]),
            signin: Default::default(),
        }
    }
}

/// The data dir's sealing key, made (random, private to its owner) on the first start.
fn sealing_key(path: &Path) -> Result<inbox_platforms::sealing::LocalCipher> {
    let read = |path: &Path| -> Result<inbox_platforms::sealing::LocalCipher> {
        let text = std::fs::read_to_string(path).map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
        inbox_platforms::sealing::LocalCipher::from_hex(&text)
            .map_err(|e| Error(format!("{} is damaged ({e}); the stored network tokens cannot be opened without it", path.display())))
    };
    if path.exists() {
        return read(path);
    }
    match write_private(path, &random_secret()) {
        Ok(()) => read(path),
        // Another start made it first: its key is the one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(Error(format!("cannot create {}: {e}", path.display()))),
    }
}

/// `INBOX_PUBLIC_URL`: where people open the web inbox (sign-in callbacks and email links go
/// there). Unset, the runner uses the address it listens on.
fn public_url() -> Result<std::sync::Arc<std::sync::OnceLock<String>>> {
    let cell = std::sync::OnceLock::new();
    if let Some(url) = env("INBOX_PUBLIC_URL") {
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
            return Err(Error(format!("INBOX_PUBLIC_URL must be an http(s) address, not {url}")));
        }
        let _ = cell.set(url.trim_end_matches('/').to_string());
    }
    Ok(std::sync::Arc::new(cell))
}

/// Where webhooks and Salesforce may send requests (`EgressPolicy::from_lookup`).
fn egress() -> Result<inbox_integrations::EgressPolicy> {
    inbox_integrations::EgressPolicy::from_lookup(env).map_err(Error)
}

/// Whether the environment sets where integrations may send requests (the demo keeps them on
/// loopback otherwise).
pub fn egress_configured() -> bool {
    env("INBOX_OUTBOUND_ALLOW").is_some() || env("INBOX_OUTBOUND_ONLY_ALLOWED").is_some()
}

/// `INBOX_POLL_BUDGET_<NETWORK>`: quota units a day for polling that network.
fn poll_budgets() -> Result<Vec<(inbox_domain::Network, u32)>> {
    inbox_domain::poll::budgets_from(env).map_err(Error)
}

/// Writes a new file that only its owner may read, private from its creation (never readable
/// by others, even for a moment), and only if it does not exist yet (`AlreadyExists`). The
/// content goes to a private temporary file first, which is then linked in place at once: a
/// reader never sees the file half written.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}
