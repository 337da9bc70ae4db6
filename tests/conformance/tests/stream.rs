//! Nothing lost between a write and what it tells (issue: "kill between the write and the
//! send, lose nothing"), on moto: the ingest function is killed after each of the DynamoDB calls
//! a new comment makes in turn (no call after that one reaches DynamoDB, no message leaves the
//! process), the webhook is delivered again to a healthy function, and then the table's stream
//! goes through the fanout function's handler. Whatever the point of death, the comment's
//! `conversation.created` and `item.received` are told, each under one id. The same deaths
//! with the functions sending what they write themselves (`INBOX_FANOUT=direct`, a table
//! without the fanout function) lose them: the reason the template uses the stream.

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use inbox_aws::aws_sdk_dynamodb;
use inbox_conformance::moto;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::messages::QueueName;
use inbox_domain::ports::Queue;
use inbox_domain::*;
use inbox_lambda::runtime::{Aws, LambdaConfig};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PAGE_ID: &str = "104857600000001";

/// Lets the first `alive` DynamoDB calls through and fails every one after: the function died
/// after its `alive`th call (counts every call when `alive` is `usize::MAX`).
#[derive(Debug, Clone)]
struct Killed {
    alive: usize,
    calls: Arc<AtomicUsize>,
}

impl Intercept for Killed {
    fn name(&self) -> &'static str {
        "Killed"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if self.calls.fetch_add(1, Ordering::SeqCst) >= self.alive { Err("the function was killed".into()) } else { Ok(()) }
    }
}

/// A dead process sends nothing.
struct DeadQueue;

#[async_trait::async_trait]
impl Queue for DeadQueue {
    async fn send(&self, _: QueueName, _: Vec<u8>) -> PortResult<()> {
        Err(PortError::Unavailable("the function was killed".into()))
    }
}

struct Setup {
    sdk: aws_config::SdkConfig,
    tables: aws_sdk_dynamodb::Client,
    table: String,
    sqs: inbox_aws::aws_sdk_sqs::Client,
    urls: HashMap<QueueName, String>,
}

impl Setup {
    async fn new() -> Self {
        let sdk = moto::sdk_config().await;
        let (tables, table) = moto::table(&sdk).await;
        let (sqs, urls, _) = moto::queues(&sdk, 5).await;
        Setup { sdk, tables, table, sqs, urls }
    }

    fn config(&self, fanout: &str) -> LambdaConfig {
        let mut env: Vec<(String, String)> = vec![("INBOX_TABLE".into(), self.table.clone()), ("INBOX_FANOUT".into(), fanout.into())];
        for q in QueueName::ALL {
            env.push((format!("INBOX_QUEUE_{}", q.as_str().to_uppercase()), self.urls[&q].clone()));
        }
        LambdaConfig::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).expect("config")
    }

    /// The functions' wiring on this table, with DynamoDB calls seen by `killed`.
    fn aws(&self, fanout: &str, killed: &Killed) -> Aws {
        let dynamo =
            aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&self.sdk).interceptor(killed.clone()).build());
        Aws::with_sdk(self.sdk.clone(), &self.config(fanout)).with_clients(dynamo, inbox_aws::aws_sdk_sqs::Client::new(&self.sdk))
    }

    /// Every domain event on the events queue now, by id: (type, how many times told).
    async fn events(&self) -> BTreeMap<String, (String, usize)> {
        let mut out: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for e in moto::take_json(&self.sqs, &self.urls[&QueueName::Events]).await {
            out.entry(e["id"].as_str().unwrap_or_default().to_string())
                .or_insert((e["type"].as_str().unwrap_or_default().to_string(), 0))
                .1 += 1;
        }
        out
    }
}

/// The account and its Facebook Page, stored once.
async fn account(aws: &Aws, config: &LambdaConfig) {
    let deps = aws.deps(config).expect("deps");
    let now = chrono::Utc::now();
    deps.directory.put_account(&Account { id: "acc_kill".into(), name: "Kill".into(), created_at: now }).await.unwrap();
    let profile = Profile {
        id: "prf_page".into(),
        account_id: "acc_kill".into(),
        network: Network::Facebook,
        external_id: PAGE_ID.into(),
        name: "Shop".into(),
        handle: "shop".into(),
        credentials: Credentials::default(),
        bot_app_id: None,
        created_at: now,
    };
    deps.directory.put_profile(&profile).await.unwrap();
    // A subscription to every kind: the account's events are taken (else none is sent).
    deps.subscriptions.insert_subscription(&inbox_conformance::store::subscription_to_all("acc_kill"), 50).await.unwrap();
}

/// The queued webhook body of a new comment, as the webhook function enqueues it.
fn envelope() -> Vec<u8> {
    let body =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/fixtures/meta_feed_comment_add.json")).expect("fixture");
    let envelope = inbox_platforms::envelope::IngestEnvelope {
        source: inbox_platforms::envelope::Source::Meta,
        received_at: chrono::Utc::now(),
        body,
    };
    serde_json::to_vec(&envelope).expect("JSON")
}

/// Ingests the comment with a function killed after `alive` DynamoDB calls, then again with a
/// healthy one (the webhook redelivered), then runs the table's stream through the fanout
/// handler when the template's mode has it. Returns the events told, by id.
async fn killed_then_redelivered(fanout: &str, alive: usize) -> (BTreeMap<String, (String, usize)>, usize) {
    let s = Setup::new().await;
    let healthy = Killed { alive: usize::MAX, calls: Arc::default() };
    let config = s.config(fanout);
    account(&s.aws(fanout, &healthy), &config).await;
    let message = envelope();

    let killed = Killed { alive, calls: Arc::default() };
    let mut deps = s.aws(fanout, &killed).deps(&config).expect("deps");
    deps.queue = Arc::new(DeadQueue);
    let first = fn_ingest::handle_message(&deps, &message).await;
    let calls = killed.calls.load(Ordering::SeqCst);

    let deps = s.aws(fanout, &healthy).deps(&config).expect("deps");
    fn_ingest::handle_message(&deps, &message).await.unwrap_or_else(|e| panic!("the redelivery (killed after {alive}: {first:?}): {e}"));
    if fanout == "stream" {
        let aws = s.aws(fanout, &healthy);
        let mut stream = moto::StreamReader::open(&s.tables, &s.table).await;
        let records = inbox_aws::dynamo::stream::records(&stream.next().await).expect("records");
        fn_fanout::handle(&aws.store, &aws.queue, records).await.expect("fan-out");
    }
    (s.events().await, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_any_write_a_new_comment_is_still_told_once_by_id() {
    // How many DynamoDB calls a whole ingest of the comment makes.
    let (_, total) = killed_then_redelivered("stream", usize::MAX).await;
    assert!(total >= 3, "a new comment takes a few calls: {total}");
    let mut lost_directly = vec![];
    for alive in 0..=total {
        let (told, _) = killed_then_redelivered("stream", alive).await;
        let kinds: Vec<&str> = told.values().map(|(kind, _)| kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "conversation.created").count(), 1, "killed after call {alive}: {told:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "item.received").count(), 1, "killed after call {alive}: {told:?}");
        let (direct, _) = killed_then_redelivered("direct", alive).await;
        if !direct.values().any(|(kind, _)| kind == "item.received") {
            lost_directly.push(alive);
        }
    }
    eprintln!("of {total} calls: sending after the write, a death after call {lost_directly:?} loses the events; the stream loses none");
    assert!(lost_directly.contains(&total), "killed after its last write, a function that sends itself loses them");
}
