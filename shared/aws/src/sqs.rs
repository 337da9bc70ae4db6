//! The queues on SQS. `send` is the `Queue` port (durable once SQS answers). Consumers on Lambda
//! get batches from the event source mapping (see `inbox-lambda`); `receive`, `ack`, `fail` and
//! `depth` are for a consumer outside Lambda and for tests. Retries are SQS's: a message not
//! deleted becomes visible again after its visibility timeout, and after the redrive policy's
//! `maxReceiveCount` deliveries SQS moves it to the queue's dead-letter queue.

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, SendMessageBatchRequestEntry};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::messages::QueueName;
use inbox_domain::ports::Queue;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Message attribute set on bodies that SQS cannot carry as text (not UTF-8, or characters
/// SQS refuses), which are then sent base64-encoded. The Lambda batch adapter reads it too.
pub const ENCODING_ATTRIBUTE: &str = "inbox-encoding";

/// The longest a received message is hidden again: SQS allows 12 hours from its receive; a few
/// minutes are left for the handler's own run before it asks.
pub const MAX_VISIBILITY_SECS: u64 = 43_200 - 600;

/// One received message. Until it is deleted (`ack`) nobody else receives it; after its
/// visibility timeout it is delivered again.
#[derive(Debug, Clone)]
pub struct SqsDelivery {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: Vec<u8>,
    /// Deliveries so far, this one included (`ApproximateReceiveCount`).
    pub attempts: u32,
}

/// The queues by name, each an SQS queue URL.
#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    urls: Arc<HashMap<QueueName, String>>,
}

fn unavailable<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(e: SdkError<E>) -> PortError {
    crate::sdk::sdk_unavailable("sqs", e)
}

/// Whether SQS accepts `text` as a message body (XML 1.0 characters only).
fn sqs_text(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'))
}

/// The body as SQS carries it, and the encoding attribute when it had to be base64.
pub fn encode_body(body: Vec<u8>) -> (String, Option<&'static str>) {
    if body.is_empty() {
        // SQS refuses an empty body.
        return (" ".into(), Some("empty"));
    }
    match String::from_utf8(body) {
        Ok(text) if sqs_text(&text) => (text, None),
        Ok(text) => (B64.encode(text.as_bytes()), Some("base64")),
        Err(e) => (B64.encode(e.as_bytes()), Some("base64")),
    }
}

/// The bytes a message carries, given its encoding attribute.
pub fn decode_body(body: &str, encoding: Option<&str>) -> PortResult<Vec<u8>> {
    match encoding {
        None => Ok(body.as_bytes().to_vec()),
        Some("empty") => Ok(Vec::new()),
        Some("base64") => B64.decode(body).map_err(|e| PortError::Corrupt(format!("a base64 message body does not decode: {e}"))),
        Some(other) => Err(PortError::Corrupt(format!("unknown message encoding {other}"))),
    }
}

impl SqsQueue {
    pub fn new(client: Client, urls: impl IntoIterator<Item = (QueueName, String)>) -> Self {
        Self { client, urls: Arc::new(urls.into_iter().collect()) }
    }

    /// The same queues through another client.
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = client;
        self
    }

    pub fn url(&self, queue: QueueName) -> PortResult<&str> {
        self.urls
            .get(&queue)
            .map(String::as_str)
            .ok_or_else(|| PortError::Unavailable(format!("no SQS queue is configured for {}", queue.as_str())))
    }

    /// Takes up to `max` (at most 10) messages, waiting up to `wait` (at most 20 s) for one
    /// (long polling), hiding them for `visibility`.
    pub async fn receive(&self, queue: QueueName, max: usize, wait: Duration, visibility: Duration) -> PortResult<Vec<SqsDelivery>> {
        let out = self
            .client
            .receive_message()
            .queue_url(self.url(queue)?)
            .max_number_of_messages(max.clamp(1, 10) as i32)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .visibility_timeout(visibility.as_secs().clamp(1, 43_200) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_attribute_names(ENCODING_ATTRIBUTE)
            .send()
            .await
            .map_err(unavailable)?;
        out.messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let encoding =
                    m.message_attributes.as_ref().and_then(|a| a.get(ENCODING_ATTRIBUTE)).and_then(|v| v.string_value.as_deref());
                Ok(SqsDelivery {
                    body: decode_body(m.body.as_deref().unwrap_or(""), encoding)?,
                    attempts: m
                        .attributes
                        .as_ref()
                        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1),
                    message_id: m.message_id.unwrap_or_default(),
                    receipt_handle: m.receipt_handle.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The message was handled: delete it.
    pub async fn ack(&self, queue: QueueName, delivery: &SqsDelivery) -> PortResult<()> {
        self.client
            .delete_message()
            .queue_url(self.url(queue)?)
            .receipt_handle(&delivery.receipt_handle)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The message comes back after `wait` (at most SQS's 12 hours): an outbound action the
    /// network could not take yet. (`ChangeMessageVisibility` on a received message.)
    pub async fn retry_in(&self, queue: QueueName, receipt_handle: &str, wait: Duration) -> PortResult<()> {
        // Whole seconds, rounded up (a message back before its time would only be handed back
        // again, spending a receive), and within the 12 hours SQS allows since the receive.
        let secs = wait.as_millis().div_ceil(1000).clamp(1, u128::from(MAX_VISIBILITY_SECS)) as i32;
        self.client
            .change_message_visibility()
            .queue_url(self.url(queue)?)
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The handler failed: the message comes back after a backoff that grows with its
    /// deliveries (at once on its last allowed delivery, so that SQS dead-letters it at once).
    pub async fn fail(&self, queue: QueueName, delivery: &SqsDelivery, max_attempts: u32) -> PortResult<()> {
        let backoff = if delivery.attempts >= max_attempts { 0 } else { (1u64 << delivery.attempts.min(6)).min(60) };
        self.client
            .change_message_visibility()
            .queue_url(self.url(queue)?)
            .receipt_handle(&delivery.receipt_handle)
            .visibility_timeout(backoff as i32)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: QueueName, body: Vec<u8>) -> PortResult<()> {
        let (text, encoding) = encode_body(body);
        let mut req = self.client.send_message().queue_url(self.url(queue)?).message_body(text);
        if let Some(enc) = encoding {
            req = req.message_attributes(ENCODING_ATTRIBUTE, encoding_attribute(enc)?);
        }
        req.send().await.map_err(unavailable)?;
        Ok(())
    }

    /// `SendMessageBatch`: up to ten messages and [`BATCH_BYTES`] a request.
    /// In batches of SQS's 10 messages (and 256 KB), up to [`BATCHES_IN_FLIGHT`] at once: a
    /// webhook of 1,000 changes is 100 batches, sent in about ten round trips.
    async fn send_batch(&self, queue: QueueName, bodies: Vec<Vec<u8>>) -> PortResult<()> {
        let url = self.url(queue)?.to_string();
        let mut batches: Vec<Vec<SendMessageBatchRequestEntry>> = Vec::new();
        let mut pending = bodies.into_iter().map(encode_body).peekable();
        while pending.peek().is_some() {
            let (mut entries, mut bytes) = (Vec::new(), 0);
            while let Some((text, _)) = pending.peek() {
                if entries.len() == 10 || (!entries.is_empty() && bytes + text.len() > BATCH_BYTES) {
                    break;
                }
                let (text, encoding) = pending.next().expect("peeked");
                bytes += text.len();
                let mut entry = SendMessageBatchRequestEntry::builder().id(entries.len().to_string()).message_body(text);
                if let Some(enc) = encoding {
                    entry = entry.message_attributes(ENCODING_ATTRIBUTE, encoding_attribute(enc)?);
                }
                entries.push(entry.build().map_err(|e| PortError::failed(e.to_string(), e))?);
            }
            batches.push(entries);
        }
        let mut tasks = tokio::task::JoinSet::new();
        let mut batches = batches.into_iter();
        let mut result = Ok(());
        loop {
            while tasks.len() < BATCHES_IN_FLIGHT {
                let Some(entries) = batches.next() else { break };
                let send = self.client.send_message_batch().queue_url(&url).set_entries(Some(entries)).send();
                tasks.spawn(send);
            }
            let Some(joined) = tasks.join_next().await else { break };
            let sent = joined.map_err(|e| PortError::Unavailable(format!("a batch send did not finish: {e}"))).and_then(|r| {
                let out = r.map_err(unavailable)?;
                match out.failed.first() {
                    Some(f) => Err(PortError::Unavailable(format!(
                        "SQS refused {} message(s) of a batch: {} {}",
                        out.failed.len(),
                        f.code,
                        f.message.as_deref().unwrap_or_default()
                    ))),
                    None => Ok(()),
                }
            });
            if let Err(e) = sent {
                // The first failure is the answer; nothing more is started.
                if result.is_ok() {
                    result = Err(e);
                }
                batches = Vec::new().into_iter();
            }
        }
        result
    }
}

/// Batches [`SqsQueue::send_batch`] has in flight at once.
const BATCHES_IN_FLIGHT: usize = 10;
/// The most message bytes one `SendMessageBatch` carries (SQS takes 256 KiB; headroom for
/// attributes).
const BATCH_BYTES: usize = 240 * 1024;

fn encoding_attribute(enc: &str) -> PortResult<MessageAttributeValue> {
    MessageAttributeValue::builder().data_type("String").string_value(enc).build().map_err(|e| PortError::failed(e.to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_sqs_cannot_carry_as_text_go_base64_and_come_back_whole() {
        for body in
            [vec![], b"{\"a\":1}".to_vec(), vec![0, 159, 146, 150], "nul \u{0} char".as_bytes().to_vec(), "é 🎉".as_bytes().to_vec()]
        {
            let (text, enc) = encode_body(body.clone());
            assert!(sqs_text(&text));
            assert_eq!(decode_body(&text, enc).unwrap(), body);
        }
        assert_eq!(encode_body(b"plain".to_vec()).1, None);
        assert!(decode_body("x", Some("rot13")).is_err());
    }
}
