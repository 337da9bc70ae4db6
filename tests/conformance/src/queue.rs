//! The queue's conformance suite. The `Queue` port only sends; what consumers rely on
//! (at-least-once delivery, a visibility timeout, retries, dead-lettering after the last
//! attempt) is reached through a small harness per backend: the local runner's workers on
//! SQLite, SQS with its redrive policy on AWS.

use async_trait::async_trait;
use inbox_aws::{SqsDelivery, SqsQueue};
use inbox_domain::messages::QueueName;
use inbox_domain::ports::Queue;
use inbox_sqlite::{Delivery, SqliteQueue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Deliveries before a message is dead-lettered, in the queue suites.
pub const MAX_ATTEMPTS: u32 = 2;

/// One received message, as the suite sees it.
#[derive(Debug, Clone)]
pub struct Received {
    pub handle: String,
    pub body: Vec<u8>,
    pub attempts: u32,
}

#[async_trait]
pub trait QueueHarness: Send + Sync {
    fn queue(&self) -> Arc<dyn Queue>;
    /// Up to `max` visible messages, hidden for `visibility` (whole seconds on SQS).
    async fn receive(&self, queue: QueueName, max: usize, visibility: Duration) -> Vec<Received>;
    async fn ack(&self, queue: QueueName, m: &Received);
    /// The handler failed: retried later, or dead-lettered on its last attempt.
    async fn fail(&self, queue: QueueName, m: &Received);
    /// Bodies of the queue's dead letters.
    async fn dead_letters(&self, queue: QueueName) -> Vec<Vec<u8>>;
    /// Hands a received message back, to come again after `wait` (an outbound action the
    /// network could not take yet).
    async fn retry_in(&self, queue: QueueName, m: &Received, wait: Duration);
}

/// Receives until `want` messages came or `within` passed.
async fn receive_until(h: &dyn QueueHarness, queue: QueueName, want: usize, visibility: Duration, within: Duration) -> Vec<Received> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let batch = h.receive(queue, 10, visibility).await;
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        got.extend(batch);
    }
    got
}

pub async fn a_message_is_hidden_while_in_flight_and_delivered_again_after_its_visibility_timeout(h: &impl QueueHarness) {
    h.queue().send(QueueName::Ingest, b"one".to_vec()).await.unwrap();
    let first = receive_until(h, QueueName::Ingest, 1, Duration::from_secs(1), Duration::from_secs(10)).await;
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].body.as_slice(), first[0].attempts), (&b"one"[..], 1));
    assert!(h.receive(QueueName::Ingest, 10, Duration::from_secs(30)).await.is_empty(), "hidden while in flight");
    let again = receive_until(h, QueueName::Ingest, 1, Duration::from_secs(30), Duration::from_secs(10)).await;
    assert_eq!(again.len(), 1, "a consumer that died loses nothing");
    assert_eq!((again[0].body.as_slice(), again[0].attempts), (&b"one"[..], 2));
    h.ack(QueueName::Ingest, &again[0]).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(h.receive(QueueName::Ingest, 10, Duration::from_secs(1)).await.is_empty(), "acked: gone");
}

pub async fn queues_are_separate_and_bodies_come_back_byte_for_byte(h: &impl QueueHarness) {
    let bodies: Vec<Vec<u8>> = vec![
        br#"{"json": true}"#.to_vec(),
        "é, 東京, 🎉".as_bytes().to_vec(),
        vec![0, 1, 2, 255, 254],
        "a nul \u{0} in text".as_bytes().to_vec(),
        vec![],
    ];
    for b in &bodies {
        h.queue().send(QueueName::Notify, b.clone()).await.unwrap();
    }
    assert!(h.receive(QueueName::Actions, 10, Duration::from_secs(30)).await.is_empty(), "queues are separate");
    let got = receive_until(h, QueueName::Notify, bodies.len(), Duration::from_secs(30), Duration::from_secs(10)).await;
    let mut got_bodies: Vec<Vec<u8>> = got.iter().map(|m| m.body.clone()).collect();
    let mut want = bodies.clone();
    got_bodies.sort();
    want.sort();
    assert_eq!(got_bodies, want);
    for m in &got {
        h.ack(QueueName::Notify, m).await;
    }
}

pub async fn concurrent_sends_all_arrive_once_acked(h: &impl QueueHarness) {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..60u32 {
        let q = h.queue();
        set.spawn(async move { q.send(QueueName::Actions, format!("message {i}").into_bytes()).await });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap().unwrap();
    }
    let got = receive_until(h, QueueName::Actions, 60, Duration::from_secs(60), Duration::from_secs(20)).await;
    let mut seen: Vec<String> = got.iter().map(|m| String::from_utf8(m.body.clone()).unwrap()).collect();
    seen.sort();
    let mut want: Vec<String> = (0..60).map(|i| format!("message {i}")).collect();
    want.sort();
    assert_eq!(seen, want, "every message once");
    for m in &got {
        h.ack(QueueName::Actions, m).await;
    }
}

pub async fn a_batch_arrives_whole_and_once(h: &impl QueueHarness) {
    // More than one SQS batch (10), with a body SQS carries as base64.
    let mut want: Vec<Vec<u8>> = (0..23u32).map(|i| format!("event {i}").into_bytes()).collect();
    want.push(vec![0, 255, 1]);
    h.queue().send_batch(QueueName::Events, want.clone()).await.unwrap();
    h.queue().send_batch(QueueName::Events, vec![]).await.unwrap();
    let got = receive_until(h, QueueName::Events, want.len(), Duration::from_secs(60), Duration::from_secs(20)).await;
    let mut seen: Vec<Vec<u8>> = got.iter().map(|m| m.body.clone()).collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "every message of the batch once");
    for m in &got {
        h.ack(QueueName::Events, m).await;
    }
}

/// A handler that crashes, panics or runs past the visibility timeout never answers: the
/// message comes back until its last delivery, then goes to the dead letters (SQS's redrive
/// policy counts receives; the embedded queue does the same), never round and round.
pub async fn a_message_never_answered_is_dead_lettered_after_its_last_delivery(h: &impl QueueHarness) {
    h.queue().send(QueueName::Notify, b"kills its handler".to_vec()).await.unwrap();
    for attempt in 1..=MAX_ATTEMPTS {
        let got = receive_until(h, QueueName::Notify, 1, Duration::from_secs(1), Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "delivery {attempt}");
        assert_eq!(got[0].attempts, attempt);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut dead = Vec::new();
    while Instant::now() < deadline {
        assert!(h.receive(QueueName::Notify, 10, Duration::from_secs(1)).await.is_empty(), "not delivered after its last delivery");
        dead = h.dead_letters(QueueName::Notify).await;
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(dead, vec![b"kills its handler".to_vec()], "set aside in the dead letters");
}

pub async fn a_message_that_keeps_failing_is_dead_lettered_after_the_last_attempt(h: &impl QueueHarness) {
    h.queue().send(QueueName::Notify, b"poison".to_vec()).await.unwrap();
    for attempt in 1..=MAX_ATTEMPTS {
        let got = receive_until(h, QueueName::Notify, 1, Duration::from_secs(30), Duration::from_secs(10)).await;
        assert_eq!(got.len(), 1, "attempt {attempt} is delivered");
        assert_eq!((got[0].body.as_slice(), got[0].attempts), (&b"poison"[..], attempt));
        h.fail(QueueName::Notify, &got[0]).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut dead = Vec::new();
    while Instant::now() < deadline {
        assert!(h.receive(QueueName::Notify, 10, Duration::from_secs(30)).await.is_empty(), "not delivered after its last attempt");
        dead = h.dead_letters(QueueName::Notify).await;
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(dead, vec![b"poison".to_vec()], "set aside in the dead letters");
}

/// An outbound action the network could not take is handed back for a wait of the handler's
/// choosing: it comes back after that wait, and not before.
pub async fn a_message_handed_back_comes_again_after_its_wait_and_not_before(h: &impl QueueHarness) {
    h.queue().send(QueueName::Actions, b"reply later".to_vec()).await.unwrap();
    let first = receive_until(h, QueueName::Actions, 1, Duration::from_secs(30), Duration::from_secs(10)).await;
    assert_eq!(first.len(), 1);
    let handed_back = Instant::now();
    h.retry_in(QueueName::Actions, &first[0], Duration::from_secs(3)).await;
    assert!(h.receive(QueueName::Actions, 10, Duration::from_secs(30)).await.is_empty(), "not before its wait");
    let again = receive_until(h, QueueName::Actions, 1, Duration::from_secs(30), Duration::from_secs(15)).await;
    assert_eq!(again.len(), 1, "after its wait");
    assert_eq!(again[0].body, b"reply later");
    assert!(handed_back.elapsed() >= Duration::from_millis(2900), "came back after {:?}", handed_back.elapsed());
    h.ack(QueueName::Actions, &again[0]).await;
}

/// The local runner's queues.
pub struct SqliteHarness {
    queue: SqliteQueue,
    in_flight: Mutex<HashMap<String, Delivery>>,
    _dir: tempfile::TempDir,
}

impl SqliteHarness {
    pub fn new(queue: SqliteQueue, dir: tempfile::TempDir) -> Self {
        Self { queue, in_flight: Mutex::new(HashMap::new()), _dir: dir }
    }
}

#[async_trait]
impl QueueHarness for SqliteHarness {
    fn queue(&self) -> Arc<dyn Queue> {
        Arc::new(self.queue.clone())
    }
    async fn receive(&self, queue: QueueName, max: usize, visibility: Duration) -> Vec<Received> {
        let got = self.queue.receive(queue, max, visibility).await.unwrap();
        let mut map = self.in_flight.lock().unwrap();
        got.into_iter()
            .map(|d| {
                let r = Received { handle: d.id.to_string(), body: d.body.clone(), attempts: d.attempts };
                map.insert(r.handle.clone(), d);
                r
            })
            .collect()
    }
    async fn ack(&self, _: QueueName, m: &Received) {
        self.queue.ack(m.handle.parse().unwrap()).await.unwrap();
    }
    async fn fail(&self, _: QueueName, m: &Received) {
        let d = self.in_flight.lock().unwrap().get(&m.handle).cloned().expect("received");
        self.queue.fail(&d, "failed in the conformance suite").await.unwrap();
    }
    async fn dead_letters(&self, queue: QueueName) -> Vec<Vec<u8>> {
        self.queue.dead_letters(100).await.unwrap().into_iter().filter(|d| d.queue == queue.as_str()).map(|d| d.body.into_bytes()).collect()
    }
    async fn retry_in(&self, _: QueueName, m: &Received, wait: Duration) {
        let d = self.in_flight.lock().unwrap().get(&m.handle).cloned().expect("received");
        self.queue.retry_in(&d, wait).await.unwrap();
    }
}

/// SQS (on moto), each queue with a dead-letter queue after `MAX_ATTEMPTS` deliveries.
pub struct SqsHarness {
    queue: SqsQueue,
    client: aws_sdk_sqs::Client,
    dlqs: HashMap<QueueName, String>,
    in_flight: Mutex<HashMap<String, SqsDelivery>>,
}

impl SqsHarness {
    pub fn new(queue: SqsQueue, client: aws_sdk_sqs::Client, dlqs: HashMap<QueueName, String>) -> Self {
        Self { queue, client, dlqs, in_flight: Mutex::new(HashMap::new()) }
    }
}

#[async_trait]
impl QueueHarness for SqsHarness {
    fn queue(&self) -> Arc<dyn Queue> {
        Arc::new(self.queue.clone())
    }
    async fn receive(&self, queue: QueueName, max: usize, visibility: Duration) -> Vec<Received> {
        let got = self.queue.receive(queue, max, Duration::ZERO, visibility).await.unwrap();
        let mut map = self.in_flight.lock().unwrap();
        got.into_iter()
            .map(|d| {
                let r = Received { handle: d.receipt_handle.clone(), body: d.body.clone(), attempts: d.attempts };
                map.insert(r.handle.clone(), d);
                r
            })
            .collect()
    }
    async fn ack(&self, queue: QueueName, m: &Received) {
        let d = self.in_flight.lock().unwrap().get(&m.handle).cloned().expect("received");
        self.queue.ack(queue, &d).await.unwrap();
    }
    async fn fail(&self, queue: QueueName, m: &Received) {
        let d = self.in_flight.lock().unwrap().get(&m.handle).cloned().expect("received");
        self.queue.fail(queue, &d, MAX_ATTEMPTS).await.unwrap();
    }
    async fn dead_letters(&self, queue: QueueName) -> Vec<Vec<u8>> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.dlqs[&queue])
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
        out.messages.unwrap_or_default().into_iter().map(|m| m.body.unwrap_or_default().into_bytes()).collect()
    }
    async fn retry_in(&self, queue: QueueName, m: &Received, wait: Duration) {
        self.queue.retry_in(queue, &m.handle, wait).await.unwrap();
    }
}
