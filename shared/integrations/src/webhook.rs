//! [`HttpWebhookSender`]: sends a delivery as a Standard Webhooks request: `POST` the exact body,
//! `content-type: application/json`, `webhook-id` (the event id, the same on every attempt),
//! `webhook-timestamp` (this attempt, Unix seconds) and `webhook-signature`.

use crate::egress::{EgressPolicy, guarded_client, non_public, refusal};
use crate::signature::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, secret_key, sign};
use async_trait::async_trait;
use inbox_domain::ports::{HookOutcome, OutboundHook, WebhookSender};
use inbox_domain::webhooks::url_host;
use std::sync::Arc;
use std::time::Duration;

/// How long a receiver has to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct HttpWebhookSender {
    client: reqwest::Client,
    policy: Arc<EgressPolicy>,
}

impl HttpWebhookSender {
    pub fn new(policy: Arc<EgressPolicy>, timeout: Duration) -> Result<Self, String> {
        Ok(Self { client: guarded_client(policy.clone(), timeout)?, policy })
    }
}

/// What is read of a refusing answer's body: enough for its snippet, never the whole of a large
/// one (a 2xx's body is not read at all).
const SNIPPET_BYTES: usize = 1024;

/// The first `max` bytes (about) of an answer's body.
async fn head_of(mut response: reqwest::Response, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < max {
        match response.chunk().await {
            Ok(Some(chunk)) => out.extend_from_slice(&chunk),
            _ => break,
        }
    }
    out.truncate(max);
    out
}

/// Whether a refusing receiver's words may be shown to the admins: only when the connection
/// went to a public address (an internal one, reached through the allow-list, may say things of
/// the inside; an unknown one is not shown either).
fn shows_words(remote: Option<std::net::SocketAddr>) -> bool {
    remote.is_some_and(|a| non_public(a.ip()).is_none())
}

/// The first characters of an answer's body, on one line, for the admins' delivery list.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(200).collect()
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(&self, hook: &OutboundHook) -> HookOutcome {
        // Names are checked by the resolver as the connection is made; literal addresses here.
        if let Err(why) = self.policy.check_url(&hook.url, false).await {
            return HookOutcome::Failed { status: None, error: format!("refused: {why}") };
        }
        let key = match secret_key(hook.secret.expose()) {
            Ok(k) => k,
            Err(why) => return HookOutcome::Failed { status: None, error: why },
        };
        let timestamp = hook.timestamp.timestamp().to_string();
        let signature = sign(&key, &hook.id, &timestamp, hook.body.as_bytes());
        let request = self
            .client
            .post(&hook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, &hook.id)
            .header(TIMESTAMP_HEADER, &timestamp)
            .header(SIGNATURE_HEADER, &signature)
            .body(hook.body.clone());
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let error = match refusal(&e) {
                    Some(why) => format!("refused: {why}"),
                    None if e.is_timeout() => "the receiver did not answer in time".to_string(),
                    None if e.is_connect() => "could not connect to the receiver".to_string(),
                    None => format!("the request failed: {}", e.without_url()),
                };
                tracing::info!(host = %url_host(&hook.url), webhook_id = %hook.id, error, "webhook delivery failed");
                return HookOutcome::Failed { status: None, error };
            }
        };
        let status = response.status().as_u16();
        tracing::debug!(host = %url_host(&hook.url), webhook_id = %hook.id, status, "webhook delivery");
        // What the receiver said is shown to the admins only when it is on the internet: an
        // internal service reached through the allow-list may say things of the inside.
        let public = shows_words(response.remote_addr());
        match status {
            200..=299 => HookOutcome::Delivered { status },
            410 => HookOutcome::Gone { status },
            300..=399 => {
                HookOutcome::Failed { status: Some(status), error: format!("the receiver answered {status} (redirects are not followed)") }
            }
            _ if !public => HookOutcome::Failed {
                status: Some(status),
                error: format!("the receiver answered {status} (its words are not shown: it is not a public address)"),
            },
            _ => {
                let s = snippet(&head_of(response, SNIPPET_BYTES).await);
                let error =
                    if s.is_empty() { format!("the receiver answered {status}") } else { format!("the receiver answered {status}: {s}") };
                HookOutcome::Failed { status: Some(status), error }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receivers_words_are_shown_only_from_a_public_address() {
        let at = |s: &str| Some(s.parse::<std::net::SocketAddr>().unwrap());
        assert!(shows_words(at("93.184.216.34:443")));
        assert!(shows_words(at("[2606:2800:220:1:248:1893:25c8:1946]:443")));
        for internal in [
            "127.0.0.1:80",
            "10.1.2.3:443",
            "192.168.0.5:8080",
            "172.16.0.1:443",
            "169.254.169.254:80",
            "[::1]:80",
            "[fd00::1]:443",
            "100.64.0.1:80",
        ] {
            assert!(!shows_words(at(internal)), "{internal}");
        }
        assert!(!shows_words(None));
    }

    #[test]
    fn a_snippet_is_one_bounded_line() {
        let s = snippet("line one\nline   two\t".repeat(100).as_bytes());
        assert!(!s.contains('\n') && s.chars().count() == 200, "{s}");
    }
}
