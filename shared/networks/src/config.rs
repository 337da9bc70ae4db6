//! Where the networks' APIs are and how they are called: real defaults, each one overridable
//! (the local simulator points them all at a loopback server).

use std::collections::BTreeMap;
use std::time::Duration;

/// The Graph API base with its pinned version (no trailing slash).
pub const DEFAULT_GRAPH_BASE: &str = "https://graph.facebook.com/v21.0";
pub const DEFAULT_X_BASE: &str = "https://api.x.com";
pub const DEFAULT_LINKEDIN_BASE: &str = "https://api.linkedin.com";
pub const DEFAULT_YOUTUBE_BASE: &str = "https://www.googleapis.com";
/// The `LinkedIn-Version` header (monthly versions, each sunset about a year later).
pub const DEFAULT_LINKEDIN_VERSION: &str = "202508";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How the HTTP clients reach the networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkConfig {
    /// Meta Graph API, with the version: `https://graph.facebook.com/v21.0`.
    pub graph_base: String,
    /// X API v2 host: `https://api.x.com` (paths start with `/2/`).
    pub x_base: String,
    /// LinkedIn host: `https://api.linkedin.com` (paths start with `/rest/`).
    pub linkedin_base: String,
    /// Google APIs host: `https://www.googleapis.com` (paths start with `/youtube/v3/`).
    pub youtube_base: String,
    /// Sent as `LinkedIn-Version` on every LinkedIn call.
    pub linkedin_version: String,
    /// Whole-request timeout of every call (connecting is capped at the same or 10 s).
    pub timeout: Duration,
    /// Polling limits and the LinkedIn posts to read.
    pub polling: PollingConfig,
}

/// What one poll may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollingConfig {
    /// `commentThreads.list` calls one YouTube poll may make (1 quota unit each). This is what
    /// `units_per_poll(Youtube)` answers. A poll that reaches this cap before the previous
    /// watermark keeps its place in the cursor and goes on from there next time.
    pub youtube_max_pages: u32,
    /// `mentions` pages (100 each) one X poll may read. X serves at most the 800 most recent
    /// mentions, so 8 pages read everything reachable.
    pub x_max_pages: u32,
    /// Comment pages (of `linkedin_page_size`) read per LinkedIn post per poll.
    pub linkedin_max_pages_per_post: u32,
    pub linkedin_page_size: u32,
    /// The organisation posts whose comments LinkedIn polls read, by organisation id (the
    /// profile's `external_id`, bare or as `urn:li:organization:<id>`). The spec documents no
    /// posts-listing call, so the posts are configured (see the crate docs). Only organic post
    /// URNs (`urn:li:share:`, `urn:li:ugcPost:`, `urn:li:activity:`) are read; anything else,
    /// such as sponsored content, is skipped: LinkedIn ads are not ingested.
    pub linkedin_posts: BTreeMap<String, Vec<String>>,
}

impl Default for PollingConfig {
    fn default() -> Self {
        Self {
            youtube_max_pages: 2,
            x_max_pages: 8,
            linkedin_max_pages_per_post: 4,
            linkedin_page_size: 50,
            linkedin_posts: BTreeMap::new(),
        }
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            graph_base: DEFAULT_GRAPH_BASE.into(),
            x_base: DEFAULT_X_BASE.into(),
            linkedin_base: DEFAULT_LINKEDIN_BASE.into(),
            youtube_base: DEFAULT_YOUTUBE_BASE.into(),
            linkedin_version: DEFAULT_LINKEDIN_VERSION.into(),
            timeout: DEFAULT_TIMEOUT,
            polling: PollingConfig::default(),
        }
    }
}

/// Values that replace the defaults; `None` keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkOverrides {
    pub graph_base: Option<String>,
    pub x_base: Option<String>,
    pub linkedin_base: Option<String>,
    pub youtube_base: Option<String>,
    pub linkedin_version: Option<String>,
    pub timeout: Option<Duration>,
}

/// The environment variables [`NetworkConfig::from_env`] reads.
pub const ENV_GRAPH_BASE: &str = "INBOX_GRAPH_BASE";
pub const ENV_X_BASE: &str = "INBOX_X_BASE";
pub const ENV_LINKEDIN_BASE: &str = "INBOX_LINKEDIN_BASE";
pub const ENV_YOUTUBE_BASE: &str = "INBOX_YOUTUBE_BASE";
pub const ENV_LINKEDIN_VERSION: &str = "INBOX_LINKEDIN_VERSION";
pub const ENV_TIMEOUT_SECS: &str = "INBOX_NETWORK_TIMEOUT_SECS";
/// The LinkedIn posts to poll: `<organisation id>=<post URN>,<post URN>;<organisation id>=…`
/// (e.g. `5515715=urn:li:share:7300000000000000001`).
pub const ENV_LINKEDIN_POSTS: &str = "INBOX_LINKEDIN_POSTS";

impl NetworkConfig {
    /// The defaults with `overrides` applied. Trailing slashes of the bases are dropped.
    pub fn with_overrides(overrides: NetworkOverrides) -> Self {
        let d = Self::default();
        let base = |o: Option<String>, d: String| o.map(|s| s.trim_end_matches('/').to_string()).unwrap_or(d);
        Self {
            graph_base: base(overrides.graph_base, d.graph_base),
            x_base: base(overrides.x_base, d.x_base),
            linkedin_base: base(overrides.linkedin_base, d.linkedin_base),
            youtube_base: base(overrides.youtube_base, d.youtube_base),
            linkedin_version: overrides.linkedin_version.unwrap_or(d.linkedin_version),
            timeout: overrides.timeout.unwrap_or(d.timeout),
            polling: d.polling,
        }
    }

    /// Every network on one server (a simulator or a test double): `{base}/v21.0/...` for the
    /// Graph API, `{base}/2/...` for X, `{base}/rest/...` for LinkedIn and
    /// `{base}/youtube/v3/...` for YouTube. Their paths do not collide.
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let version = DEFAULT_GRAPH_BASE.rsplit('/').next().unwrap_or("v21.0");
        Self::with_overrides(NetworkOverrides {
            graph_base: Some(format!("{base}/{version}")),
            x_base: Some(base.into()),
            linkedin_base: Some(base.into()),
            youtube_base: Some(base.into()),
            ..Default::default()
        })
    }

    /// The defaults, overridden by `INBOX_GRAPH_BASE`, `INBOX_X_BASE`, `INBOX_LINKEDIN_BASE`,
    /// `INBOX_YOUTUBE_BASE`, `INBOX_LINKEDIN_VERSION` and `INBOX_NETWORK_TIMEOUT_SECS` when set.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let mut c = Self::with_overrides(NetworkOverrides {
            graph_base: get(ENV_GRAPH_BASE),
            x_base: get(ENV_X_BASE),
            linkedin_base: get(ENV_LINKEDIN_BASE),
            youtube_base: get(ENV_YOUTUBE_BASE),
            linkedin_version: get(ENV_LINKEDIN_VERSION),
            timeout: get(ENV_TIMEOUT_SECS).and_then(|s| s.parse::<u64>().ok()).filter(|s| *s > 0).map(Duration::from_secs),
        });
        c.polling.linkedin_posts = get(ENV_LINKEDIN_POSTS).map(|v| parse_linkedin_posts(&v)).unwrap_or_default();
        c
    }
}

/// `<organisation id>=<post URN>,<post URN>;…` (see [`ENV_LINKEDIN_POSTS`]); empty parts are skipped.
fn parse_linkedin_posts(v: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in v.split(';') {
        let Some((org, posts)) = part.split_once('=') else { continue };
        let posts = posts.split(',').map(str::trim).filter(|p| !p.is_empty()).map(String::from);
        out.entry(org.trim().to_string()).or_default().extend(posts);
    }
    out.retain(|org, posts| !org.is_empty() && !posts.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_real_hosts() {
        let c = NetworkConfig::default();
        assert_eq!(c.graph_base, "https://graph.facebook.com/v21.0");
        assert_eq!(c.x_base, "https://api.x.com");
        assert_eq!(c.linkedin_base, "https://api.linkedin.com");
        assert_eq!(c.youtube_base, "https://www.googleapis.com");
        assert_eq!(c.linkedin_version, "202508");
    }

    #[test]
    fn overrides_replace_only_what_they_name() {
        let c = NetworkConfig::with_overrides(NetworkOverrides {
            x_base: Some("http://127.0.0.1:9000/".into()),
            timeout: Some(Duration::from_secs(3)),
            ..Default::default()
        });
        assert_eq!(c.x_base, "http://127.0.0.1:9000");
        assert_eq!(c.timeout, Duration::from_secs(3));
        assert_eq!(c.graph_base, DEFAULT_GRAPH_BASE);
        let all = NetworkConfig::all_at("http://127.0.0.1:9000/");
        assert_eq!(all.graph_base, "http://127.0.0.1:9000/v21.0");
        assert_eq!(all.youtube_base, "http://127.0.0.1:9000");
    }

    #[test]
    fn the_environment_overrides_the_defaults() {
        let env = |k: &str| match k {
            ENV_LINKEDIN_VERSION => Some("202601".to_string()),
            ENV_YOUTUBE_BASE => Some("http://127.0.0.1:1".to_string()),
            ENV_TIMEOUT_SECS => Some("7".to_string()),
            ENV_X_BASE => Some("  ".to_string()),
            ENV_LINKEDIN_POSTS => {
                Some(" 5515715=urn:li:share:1, urn:li:ugcPost:2 ; urn:li:organization:77=urn:li:share:3;bad;=x".to_string())
            }
            _ => None,
        };
        let c = NetworkConfig::from_lookup(env);
        assert_eq!(
            c.polling.linkedin_posts,
            BTreeMap::from([
                ("5515715".to_string(), vec!["urn:li:share:1".to_string(), "urn:li:ugcPost:2".to_string()]),
                ("urn:li:organization:77".to_string(), vec!["urn:li:share:3".to_string()]),
            ])
        );
        assert_eq!(c.linkedin_version, "202601");
        assert_eq!(c.youtube_base, "http://127.0.0.1:1");
        assert_eq!(c.timeout, Duration::from_secs(7));
        assert_eq!(c.x_base, DEFAULT_X_BASE);
    }
}
