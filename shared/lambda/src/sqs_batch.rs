//! SQS batch → partial batch failures. Each message of the batch goes to the per-message
//! handler (concurrently, each in its own span); the answer lists the ids of the messages that
//! failed, so that SQS deletes the others and makes only those visible again (the event source
//! mapping needs `FunctionResponseTypes: [ReportBatchItemFailures]`). The whole batch never
//! fails for one message.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use std::fmt::Display;
use std::future::Future;
use tracing::Instrument;

/// The message attribute the SQS adapter sets on bodies it had to encode (`base64`, or
/// `empty`: SQS refuses empty bodies).
pub use inbox_aws::sqs::ENCODING_ATTRIBUTE;

/// The bytes a message carries, decoded as the SQS adapter (`inbox_aws::sqs::encode_body`)
/// encoded them.
pub fn message_body(m: &SqsMessage) -> Result<Vec<u8>, String> {
    let encoding = m.message_attributes.get(ENCODING_ATTRIBUTE).and_then(|a| a.string_value.as_deref());
    inbox_aws::sqs::decode_body(m.body.as_deref().unwrap_or_default(), encoding).map_err(|e| e.to_string())
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Handled: SQS deletes it.
    Done,
    /// To be delivered again after this wait (an outbound action the network could not take
    /// yet): its visibility is set to the wait and it is reported failed, so SQS keeps it.
    RetryIn(std::time::Duration),
}

/// Runs `handler` on every message of `event` and reports those that failed. A message
/// without an id cannot be reported alone: if one fails, every message is reported (SQS then
/// retries the whole batch, which idempotent handlers allow).
pub async fn handle_batch<F, Fut, T, E>(event: SqsEvent, handler: F) -> SqsBatchResponse
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Display,
{
    let done = |body, _receives| {
        let run = handler(body);
        async move { run.await.map(|_| Disposition::Done) }
    };
    handle_batch_retrying(event, done, |_receipt: String, _wait| async { Ok::<(), String>(()) }).await
}

/// [`handle_batch`] for a handler that may ask for a message to come back after a wait:
/// `retry(receipt handle, wait)` sets its visibility (`ChangeMessageVisibility`, up to SQS's
/// 12 hours) and the message is reported failed. If the visibility cannot be set, the message
/// still comes back, after the queue's own visibility timeout. The handler also gets the
/// message's receive count (`ApproximateReceiveCount`, 1 on the first delivery).
pub async fn handle_batch_retrying<F, Fut, E, R, RFut>(event: SqsEvent, handler: F, retry: R) -> SqsBatchResponse
where
    F: Fn(Vec<u8>, u32) -> Fut,
    Fut: Future<Output = Result<Disposition, E>>,
    E: Display,
    R: Fn(String, std::time::Duration) -> RFut,
    RFut: Future<Output = Result<(), String>>,
{
    let runs = event.records.iter().map(|m| {
        let id = m.message_id.clone().unwrap_or_default();
        let attempt = m.attributes.get("ApproximateReceiveCount").cloned().unwrap_or_default();
        let receives: u32 = attempt.parse().unwrap_or(1);
        let span = tracing::info_span!("message", message_id = %id, attempt = %attempt);
        let body = message_body(m);
        let receipt = m.receipt_handle.clone().unwrap_or_default();
        let (handler, retry) = (&handler, &retry);
        async move {
            let outcome = match body {
                Ok(body) => handler(body, receives).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            let ok = match outcome {
                Ok(Disposition::Done) => true,
                Ok(Disposition::RetryIn(wait)) => {
                    if let Err(e) = retry(receipt, wait).await {
                        tracing::warn!(error = %e, "cannot set the message's visibility; it comes back after the queue's timeout");
                    }
                    false
                }
                Err(e) => {
                    tracing::warn!(error = %e, "message failed; SQS delivers it again later (or dead-letters it)");
                    false
                }
            };
            (id, ok)
        }
        .instrument(span)
    });
    let outcomes = futures_util::future::join_all(runs).await;
    let failed: Vec<String> = outcomes.iter().filter(|(_, ok)| !ok).map(|(id, _)| id.clone()).collect();
    let failures = if failed.iter().any(String::is_empty) {
        tracing::error!("a failed message has no id: the whole batch is reported failed");
        event.records.iter().map(|m| m.message_id.clone().unwrap_or_default()).collect()
    } else {
        failed
    };
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures
        .into_iter()
        .map(|id| {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            f
        })
        .collect();
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessageAttribute;

    fn message(id: &str, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.into());
        m.body = Some(body.into());
        m
    }

    fn event(messages: Vec<SqsMessage>) -> SqsEvent {
        let mut e = SqsEvent::default();
        e.records = messages;
        e
    }

    async fn handler(body: Vec<u8>) -> Result<usize, String> {
        if body == b"poison" { Err("cannot handle poison".into()) } else { Ok(body.len()) }
    }

    fn failed(r: &SqsBatchResponse) -> Vec<String> {
        r.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect()
    }

    #[tokio::test]
    async fn one_failing_message_is_reported_and_the_others_are_not() {
        let r = handle_batch(event(vec![message("m1", "ok"), message("m2", "poison"), message("m3", "fine")]), handler).await;
        assert_eq!(failed(&r), ["m2"]);
    }

    #[tokio::test]
    async fn a_batch_that_all_succeeds_reports_nothing_and_an_empty_one_too() {
        assert!(failed(&handle_batch(event(vec![message("m1", "a"), message("m2", "b")]), handler).await).is_empty());
        assert!(failed(&handle_batch(event(vec![]), handler).await).is_empty());
    }

    #[tokio::test]
    async fn every_message_is_handled_once_with_its_own_bytes() {
        let seen = std::sync::Mutex::new(Vec::new());
        // Bodies as the SQS adapter sends them: what SQS cannot carry as text goes encoded.
        let sent = |id: &str, bytes: Vec<u8>| {
            let (text, encoding) = inbox_aws::sqs::encode_body(bytes);
            let mut m = message(id, &text);
            let mut attr = SqsMessageAttribute::default();
            attr.string_value = encoding.map(String::from);
            attr.data_type = Some("String".into());
            if encoding.is_some() {
                m.message_attributes.insert(ENCODING_ATTRIBUTE.into(), attr);
            }
            m
        };
        let (encoded, empty) = (sent("m2", vec![0, 255]), sent("m3", vec![]));
        let r = handle_batch(event(vec![message("m1", "{\"a\":1}"), encoded, empty]), |b: Vec<u8>| {
            seen.lock().unwrap().push(b);
            async { Ok::<(), String>(()) }
        })
        .await;
        assert!(failed(&r).is_empty());
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, vec![vec![], vec![0, 255], b"{\"a\":1}".to_vec()]);
    }

    #[tokio::test]
    async fn a_body_that_does_not_decode_fails_that_message_only() {
        let mut bad = message("m2", "not base64!");
        let mut attr = SqsMessageAttribute::default();
        attr.string_value = Some("base64".into());
        bad.message_attributes.insert(ENCODING_ATTRIBUTE.into(), attr);
        let r = handle_batch(event(vec![message("m1", "ok"), bad]), handler).await;
        assert_eq!(failed(&r), ["m2"]);
    }

    #[tokio::test]
    async fn a_message_to_retry_later_gets_its_wait_and_is_kept() {
        let waits = std::sync::Mutex::new(Vec::new());
        let mut m2 = message("m2", "later");
        m2.receipt_handle = Some("rh-2".into());
        let r = handle_batch_retrying(
            event(vec![message("m1", "now"), m2]),
            |b: Vec<u8>, _receives| async move {
                Ok::<_, String>(if b == b"later" { Disposition::RetryIn(std::time::Duration::from_secs(900)) } else { Disposition::Done })
            },
            |receipt, wait| {
                waits.lock().unwrap().push((receipt, wait));
                async { Ok(()) }
            },
        )
        .await;
        assert_eq!(failed(&r), ["m2"], "kept by SQS");
        assert_eq!(waits.into_inner().unwrap(), [("rh-2".to_string(), std::time::Duration::from_secs(900))]);
    }

    #[tokio::test]
    async fn a_failure_without_a_message_id_fails_the_whole_batch() {
        let mut anonymous = message("", "poison");
        anonymous.message_id = None;
        let r = handle_batch(event(vec![message("m1", "ok"), anonymous]), handler).await;
        assert_eq!(failed(&r), ["m1", ""]);
    }
}
