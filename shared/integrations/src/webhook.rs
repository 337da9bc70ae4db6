//! [`HttpWebhookSender`]: sends a delivery as a Standard Webhooks request: `POST` the exact body,
//! `content-type: application/json`, `webhook-id` (the event id, the same on every attempt),
//! `webhook-timestamp` (this attempt, Unix seconds) and `webhook-signature`.

use crate::egress::{EgressPolicy, guarded_client, refusal};
use crate::signature::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, secret_key, sign};
use async_trait::async_trait;
use inbox_domain::ports::{HookOutcome, OutboundHook, WebhookSender};
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
                tracing::info!(url = %hook.url, webhook_id = %hook.id, error, "webhook delivery failed");
                return HookOutcome::Failed { status: None, error };
            }
        };
        let status = response.status().as_u16();
        tracing::debug!(url = %hook.url, webhook_id = %hook.id, status, "webhook delivery");
        match status {
            200..=299 => HookOutcome::Delivered { status },
            410 => HookOutcome::Gone { status },
            300..=399 => {
                HookOutcome::Failed { status: Some(status), error: format!("the receiver answered {status} (redirects are not followed)") }
            }
            _ => {
                let s = snippet(&head_of(response, SNIPPET_BYTES).await);
                let error =
                    if s.is_empty() { format!("the receiver answered {status}") } else { format!("the receiver answered {status}: {s}") };
                HookOutcome::Failed { status: Some(status), error }
            }
        }
    }
}
