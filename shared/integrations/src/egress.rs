//! Where the inbox may send requests on an account's behalf: webhook targets and Salesforce are
//! URLs that users type, so a request to them must never reach the inbox's own network (cloud
//! metadata, databases, admin ports). Targets resolving to private, loopback, link-local,
//! unique-local, CGNAT, unspecified (and other non-global) addresses are refused unless the
//! configuration's allow-list permits them.
//!
//! The check runs twice: when a target is saved ([`EgressPolicy::check_url`], a clear 422),
//! and when a request is sent, on the addresses the connection will really use: the HTTP
//! clients resolve names through [`GuardedResolver`], which refuses non-permitted addresses, so
//! a name that resolved to a public address at creation and to a private one later (DNS
//! rebinding) is refused. Literal IP URLs, which skip resolution, are checked before sending.
//! The clients follow no redirects and use no proxy.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// One allow-list entry: an address range, or a host name allowed whatever it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Net { addr: IpAddr, prefix: u8 },
    Host(String),
}

impl Allowed {
    /// `10.0.0.0/8`, `127.0.0.1`, `::1`, `fd00::/8`, `hooks.internal.example`.
    pub fn parse(s: &str) -> Result<Allowed, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr_clean = addr.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = addr_clean.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => max,
                Some(p) => {
                    p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("\"{s}\": the prefix length must be 0 to {max}"))?
                }
            };
            return Ok(Allowed::Net { addr: ip, prefix });
        }
        let host = s.to_ascii_lowercase();
        let valid = prefix.is_none()
            && !host.is_empty()
            && host.len() <= 253
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if valid {
            Ok(Allowed::Host(host.trim_end_matches('.').to_string()))
        } else {
            Err(format!("\"{s}\" is neither an address range nor a host name"))
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Allowed::Net { addr: IpAddr::V4(net), prefix }, IpAddr::V4(ip)) => {
                let mask = if *prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
                u32::from(*net) & mask == u32::from(ip) & mask
            }
            (Allowed::Net { addr: IpAddr::V6(net), prefix }, IpAddr::V6(ip)) => {
                let mask = if *prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
                u128::from(*net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Why an address is not a public (global unicast) one, or `None` when it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => non_public_v6(v6),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, _, _) => Some("an unspecified (\"this network\") address"),
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => Some("a private address"),
        (100, 64..=127, _) => Some("a carrier-grade NAT (shared) address"),
        (127, _, _) => Some("a loopback address"),
        (169, 254, _) => Some("a link-local address"),
        (192, 0, 0) => Some("an IETF protocol address"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Some("a documentation address"),
        (192, 88, 99) => Some("a 6to4 relay address"),
        (198, 18..=19, _) => Some("a benchmarking address"),
        (224..=239, _, _) => Some("a multicast address"),
        (240..=255, _, _) => Some("a reserved or broadcast address"),
        _ => None,
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    // Addresses that carry an IPv4 address are judged by it.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s[0] {
        // IPv4-compatible (deprecated) ::a.b.c.d
        0 if s[1..6].iter().all(|x| *x == 0) => Some("an IPv4-compatible address"),
        // NAT64 64:ff9b::/96 reaches the IPv4 address it embeds.
        0x64 if s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0) => non_public_v4(embedded(s[6], s[7])),
        0x100 if s[1..4].iter().all(|x| *x == 0) => Some("a discard-only address"),
        0x2001 if s[1] == 0 => Some("a Teredo address"),
        0x2001 if s[1] == 0xdb8 => Some("a documentation address"),
        0x2001 if s[1] < 0x200 => Some("an IETF protocol address"),
        0x2002 => non_public_v4(embedded(s[1], s[2])).or(None),
        x if x & 0xfe00 == 0xfc00 => Some("a unique-local (private) address"),
        x if x & 0xffc0 == 0xfe80 => Some("a link-local address"),
        x if x & 0xffc0 == 0xfec0 => Some("a site-local address"),
        x if x & 0xff00 == 0xff00 => Some("a multicast address"),
        x if x & 0xe000 != 0x2000 => Some("an address outside the global unicast range"),
        _ => None,
    }
}

/// What the inbox may reach.
#[derive(Debug, Clone)]
pub struct EgressPolicy {
    allow: Vec<Allowed>,
    /// Only the allow-list: public addresses too are refused, and names must be on the list
    /// (sandboxes, CI, the demo: nothing leaves the machine, not even a DNS query).
    only_allowed: bool,
    resolve_timeout: Duration,
}

impl Default for EgressPolicy {
    /// Public addresses only.
    fn default() -> Self {
        Self { allow: vec![], only_allowed: false, resolve_timeout: Duration::from_secs(5) }
    }
}

impl EgressPolicy {
    /// The policy the configuration sets: `INBOX_OUTBOUND_ALLOW`, addresses (`10.0.0.0/8`,
    /// `::1`) and host names that may be reached although they are not public;
    /// `INBOX_OUTBOUND_ONLY_ALLOWED=true`, only those (nothing public).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let allow = match get("INBOX_OUTBOUND_ALLOW") {
            Some(list) => Self::parse_allow_list(&list).map_err(|e| format!("INBOX_OUTBOUND_ALLOW: {e}"))?,
            None => vec![],
        };
        let only_allowed = match get("INBOX_OUTBOUND_ONLY_ALLOWED").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(format!("INBOX_OUTBOUND_ONLY_ALLOWED must be true or false, not {other}")),
        };
        Ok(Self::new(allow, only_allowed))
    }

    pub fn new(allow: Vec<Allowed>, only_allowed: bool) -> Self {
        Self { allow, only_allowed, ..Self::default() }
    }

    /// Parses a comma-separated allow-list (`INBOX_OUTBOUND_ALLOW`).
    pub fn parse_allow_list(s: &str) -> Result<Vec<Allowed>, String> {
        s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(Allowed::parse).collect()
    }

    /// Loopback only (`127.0.0.0/8`, `::1`, `localhost`): for the demo and tests, whose receivers
    /// are on this machine and which must send nothing elsewhere.
    pub fn loopback_only() -> Self {
        Self::new(Self::parse_allow_list("127.0.0.0/8,::1,localhost").expect("valid"), true)
    }

    pub fn allow_list(&self) -> &[Allowed] {
        &self.allow
    }

    pub fn only_allowed(&self) -> bool {
        self.only_allowed
    }

    fn host_allowed(&self, host: &str) -> bool {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        self.allow.iter().any(|a| matches!(a, Allowed::Host(x) if *x == h))
    }

    /// Whether the inbox may connect to `ip`; `Err` says why not.
    pub fn permit(&self, ip: IpAddr) -> Result<(), String> {
        if self.allow.iter().any(|a| a.contains(ip)) {
            return Ok(());
        }
        if self.only_allowed {
            return Err(format!("{ip} is not in this inbox's allow-list of outbound addresses"));
        }
        match non_public(ip) {
            None => Ok(()),
            Some(why) => Err(format!("{ip} is {why}; the inbox sends requests to public addresses only (or to its configured allow-list)")),
        }
    }

    /// Resolves `host` and answers its addresses if every one of them is permitted.
    pub async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            self.permit(ip)?;
            return Ok(vec![SocketAddr::new(ip, 0)]);
        }
        let allowed_name = self.host_allowed(bare);
        // Allow-list only: a name must be on the list itself (and is not even looked up).
        if self.only_allowed && !allowed_name {
            return Err(format!("{bare} is not in this inbox's allow-list of outbound hosts"));
        }
        let lookup = tokio::net::lookup_host((bare, 0));
        let addrs: Vec<SocketAddr> = match tokio::time::timeout(self.resolve_timeout, lookup).await {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(_)) => return Err(format!("the host {bare} does not resolve")),
            Err(_) => return Err(format!("resolving the host {bare} took too long")),
        };
        if addrs.is_empty() {
            return Err(format!("the host {bare} has no address"));
        }
        if !allowed_name {
            for a in &addrs {
                self.permit(a.ip()).map_err(|why| format!("{bare} resolves to {why}"))?;
            }
        }
        Ok(addrs)
    }

    /// Checks a target URL: `http`/`https`, and a host whose addresses are all permitted
    /// (`resolve`: look names up; without it only literal addresses are checked, and names are
    /// left to [`GuardedResolver`] at connection time).
    pub async fn check_url(&self, url: &str, resolve: bool) -> Result<(), String> {
        let u = reqwest::Url::parse(url).map_err(|_| "it is not a valid URL".to_string())?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err("only http and https URLs can be reached".into());
        }
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| "the URL has no host".to_string())?;
        match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            Ok(ip) => self.permit(ip),
            Err(_) if resolve => self.resolve(host).await.map(|_| ()),
            Err(_) => Ok(()),
        }
    }
}

/// Checks targets when they are saved (webhook URLs, Salesforce URLs), resolving names.
#[async_trait::async_trait]
impl inbox_domain::ports::EgressGuard for EgressPolicy {
    async fn check_target(&self, url: &str) -> Result<(), String> {
        self.check_url(url, true).await
    }
}

/// A connection refused by the policy (found in a request error's source chain).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The DNS resolver of the integration HTTP clients: resolves with the system resolver and
/// refuses any name that resolves to an address the policy does not permit, so that the
/// connection is made only to vetted addresses.
#[derive(Clone)]
pub struct GuardedResolver {
    policy: Arc<EgressPolicy>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<EgressPolicy>) -> Self {
        Self { policy }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            match policy.resolve(&host).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(why) => Err(Box::new(Refused(why)) as Box<dyn std::error::Error + Send + Sync>),
            }
        })
    }
}

/// The policy's refusal inside a request error, if that is what stopped it.
pub fn refusal(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Some(r.0.clone());
        }
        source = s.source();
    }
    None
}

/// An HTTP client for user-given targets: names resolved through the policy, no redirects,
/// no proxy.
pub fn guarded_client(policy: Arc<EgressPolicy>, timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(policy)))
        .user_agent(concat!("social-inbox/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("could not build the HTTP client: {}", e.without_url()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_loopback_link_local_cgnat_and_unspecified_addresses_are_not_public() {
        for a in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "127.0.0.1",
            "127.255.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(non_public(ip(a)).is_some(), "{a} should not be public");
        }
        for a in ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert_eq!(non_public(ip(a)), None, "{a} is public");
        }
    }

    #[test]
    fn the_allow_list_permits_ranges_and_hosts() {
        let p = EgressPolicy::new(EgressPolicy::parse_allow_list("127.0.0.0/8, ::1, hooks.internal").unwrap(), false);
        assert!(p.permit(ip("127.0.0.5")).is_ok());
        assert!(p.permit(ip("::1")).is_ok());
        assert!(p.permit(ip("10.0.0.1")).unwrap_err().contains("private"));
        assert!(p.permit(ip("8.8.8.8")).is_ok());
        assert!(p.host_allowed("HOOKS.internal."));
        let only = EgressPolicy::loopback_only();
        assert!(only.permit(ip("8.8.8.8")).unwrap_err().contains("allow-list"));
        assert!(only.permit(ip("127.0.0.1")).is_ok());
        assert!(EgressPolicy::parse_allow_list("10.0.0.0/33").is_err());
        assert!(EgressPolicy::parse_allow_list("not a host!").is_err());
        assert_eq!(EgressPolicy::parse_allow_list("").unwrap(), vec![]);
    }

    #[tokio::test]
    async fn urls_are_checked_by_their_addresses() {
        let p = EgressPolicy::default();
        assert!(p.check_url("http://127.0.0.1:8080/x", true).await.unwrap_err().contains("loopback"));
        assert!(p.check_url("http://[::1]/x", true).await.unwrap_err().contains("loopback"));
        assert!(p.check_url("http://169.254.169.254/latest/meta-data", true).await.unwrap_err().contains("link-local"));
        assert!(p.check_url("https://10.0.0.7/", true).await.unwrap_err().contains("private"));
        assert!(p.check_url("http://100.100.100.200/", true).await.unwrap_err().contains("carrier-grade"));
        assert!(p.check_url("http://0.0.0.0:9/", true).await.unwrap_err().contains("unspecified"));
        // `localhost` resolves (from /etc/hosts) to loopback: refused after resolution.
        assert!(p.check_url("http://localhost:1/", true).await.unwrap_err().contains("localhost resolves to"));
        assert!(p.check_url("ftp://example.com/", true).await.is_err());
        // Without resolution, names are left to the connection-time resolver.
        assert!(p.check_url("http://localhost:1/", false).await.is_ok());
        // In allow-list-only mode, a name not on the list is refused without a lookup.
        assert!(EgressPolicy::loopback_only().check_url("https://hooks.example.com/", true).await.unwrap_err().contains("allow-list"));
        assert!(EgressPolicy::loopback_only().check_url("http://localhost:1/", true).await.is_ok());
    }
}
