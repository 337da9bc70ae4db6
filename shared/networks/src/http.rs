//! The one place HTTP calls are made: authentication headers, timeouts, transport errors and
//! the per-network error classification. Tokens go in the `Authorization` header only, never in
//! a URL, a log line or an error's words.

use crate::config::NetworkConfig;
use crate::errors::{self, ErrorAnswer, Failure};
use inbox_domain::Timestamp;
use inbox_domain::error::PortError;
use inbox_domain::ports::{ActionError, Clock, SecretCipher};
use inbox_domain::{Profile, SecretString, presence_context};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The HTTP client could not be built (TLS set-up).
#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client: {0}")]
pub struct SetupError(String);

/// Which API a call goes to, for its headers and error classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Meta Graph API; the name says which product (Facebook, Messenger, Instagram).
    Meta(&'static str),
    X,
    Linkedin,
    Youtube,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Api::Meta(name) => name,
            Api::X => "X",
            Api::Linkedin => "LinkedIn",
            Api::Youtube => "YouTube",
        }
    }
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON (`Null` when empty or not JSON: a success is a success).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// The HTTP client every call to a network goes through (the client, the poller, the
/// sign-in): the configured timeout, at most 10 s to connect, the inbox's user agent.
pub(crate) fn client(config: &NetworkConfig, redirects: reqwest::redirect::Policy) -> Result<reqwest::Client, SetupError> {
    reqwest::Client::builder()
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("social-inbox/", env!("CARGO_PKG_VERSION")))
        .redirect(redirects)
        .build()
        .map_err(|e| SetupError(e.without_url().to_string()))
}

/// The shared HTTP machinery of the client and the poller.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    pub config: NetworkConfig,
    pub clock: Arc<dyn Clock>,
    cipher: Arc<dyn SecretCipher>,
}

impl Http {
    pub fn new(config: NetworkConfig, clock: Arc<dyn Clock>, cipher: Arc<dyn SecretCipher>) -> Result<Self, SetupError> {
        let client = client(&config, reqwest::redirect::Policy::default())?;
        Ok(Self { client, config, clock, cipher })
    }

    /// The profile's access token, opened for one call. A token that is missing, or that this
    /// deployment's key does not open, needs the profile reconnected.
    pub async fn token(&self, profile: &Profile) -> Result<SecretString, ActionError> {
        let network = profile.network;
        let sealed = profile
            .credentials
            .access_token
            .as_ref()
            .ok_or_else(|| ActionError::NeedsReconnect(format!("the {network} profile has no access token; reconnect it")))?;
        let context = presence_context(network, &profile.external_id);
        match self.cipher.open_kept(&context, sealed.as_str()).await {
            Ok(t) if !t.expose().trim().is_empty() => Ok(SecretString::new(t.expose().trim())),
            Ok(_) => Err(ActionError::NeedsReconnect(format!("the {network} profile has no access token; reconnect it"))),
            Err(PortError::Corrupt(_)) => Err(ActionError::NeedsReconnect(format!(
                "the {network} profile's stored token cannot be opened with this deployment's key; reconnect it"
            ))),
            Err(e) => Err(ActionError::Transient(format!("could not open the {network} profile's token: {e}"))),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A request to `url` with the bearer token and the API's own headers.
    pub fn request(&self, api: Api, method: Method, url: &str, token: &str) -> Result<RequestBuilder, Failure> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| Failure::NeedsReconnect(format!("the {} token is not a valid header value; reconnect the profile", api.name())))?;
        auth.set_sensitive(true);
        let mut rb = self.client.request(method, url).header(reqwest::header::AUTHORIZATION, auth);
        if api == Api::Linkedin {
            rb = rb.header("LinkedIn-Version", self.config.linkedin_version.as_str()).header("X-Restli-Protocol-Version", "2.0.0");
        }
        Ok(rb)
    }

    /// Sends a request; a non-2xx answer becomes the [`Failure`] its network's rules say.
    pub async fn send(&self, api: Api, rb: RequestBuilder, token: &str) -> Result<Answer, Failure> {
        Ok(self.send_inner(api, rb, token, false).await?.expect("only 2xx answers without a 404 allowance"))
    }

    /// Like [`send`](Self::send), with a 404 answered as `None` (a collection that is not there).
    pub async fn send_or_absent(&self, api: Api, rb: RequestBuilder, token: &str) -> Result<Option<Answer>, Failure> {
        self.send_inner(api, rb, token, true).await
    }

    async fn send_inner(&self, api: Api, rb: RequestBuilder, token: &str, absent_ok: bool) -> Result<Option<Answer>, Failure> {
        let request =
            rb.build().map_err(|e| Failure::Rejected(format!("the {} request could not be built: {}", api.name(), e.without_url())))?;
        let (method, path) = (request.method().to_string(), request.url().path().to_string());
        let response = self.client.execute(request).await.map_err(|e| transport(api, e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| transport(api, e))?.to_vec();
        tracing::debug!(network = api.name(), %method, %path, status, "network call");
        if (200..300).contains(&status) {
            return Ok(Some(Answer { headers, body }));
        }
        if absent_ok && status == 404 {
            return Ok(None);
        }
        let answer = ErrorAnswer { status, headers: &headers, body: &body };
        let failure = match api {
            Api::Meta(name) => errors::meta(answer, name),
            Api::X => errors::x(answer, self.now()),
            Api::Linkedin => errors::linkedin(answer),
            Api::Youtube => errors::youtube(answer, self.now()),
        };
        let failure = failure.scrubbed(Some(token));
        tracing::info!(network = api.name(), %method, %path, status, reason = failure.reason(), "network call failed");
        Err(failure)
    }
}

/// A call that got no HTTP answer: worth retrying.
fn transport(api: Api, e: reqwest::Error) -> Failure {
    let e = e.without_url();
    let name = api.name();
    if e.is_timeout() {
        Failure::Transient(format!("{name} did not answer in time"))
    } else if e.is_connect() {
        Failure::Transient(format!("could not connect to {name}"))
    } else {
        Failure::Transient(format!("the call to {name} failed: {e}"))
    }
}

pub(crate) use inbox_domain::percent_encode as encode;

/// An id as one path segment: encoded, and never empty, `.` or `..` (which would move the
/// request to another endpoint of the API with the profile's token).
pub(crate) fn segment(id: &str, what: &str) -> Result<String, Failure> {
    let id = id.trim();
    if id.is_empty() || id == "." || id == ".." {
        return Err(Failure::Rejected(format!("there is no valid {what} to act on")));
    }
    Ok(encode(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns_are_encoded_like_linkedin_expects() {
        assert_eq!(encode("urn:li:organization:5515715"), "urn%3Ali%3Aorganization%3A5515715");
        assert_eq!(
            encode("urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000101)"),
            "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7300000000000000009%2C7300000000000000101%29"
        );
        assert_eq!(encode("Ugz.a-b_c~"), "Ugz.a-b_c~");
        assert_eq!(encode("a/b?c"), "a%2Fb%3Fc");
    }

    #[test]
    fn path_segments_cannot_escape_their_endpoint() {
        assert!(segment("..", "comment").is_err());
        assert!(segment(" ", "comment").is_err());
        assert_eq!(segment("1_2", "comment").unwrap(), "1_2");
        assert_eq!(segment("../me", "comment").unwrap(), "..%2Fme");
    }
}
