//! The viral spike, through the real Lambda handlers in-process, on moto behind DynamoDB's
//! per-key limits (`scripts/dynamo_throttle.py`), in simulated time (`sim.rs`).
//!
//! For `secs` simulated seconds, one account gets `fb_rate` new top-level Facebook comments a
//! second on one post (each a new conversation) and `x_rate` replies a second to one tweet (one
//! thread), as signed webhooks into the webhook function, while `agents` agents each read their
//! feed every 3 s through the API function. What the functions send to SQS (moto) is handed on
//! by a model of Lambda's SQS event source that honours `template.yaml`: each consumer's batch
//! size and batching window, its `MaximumConcurrency` (reached as Lambda scales: 5 concurrent
//! batches at first, up to 300 more a minute), the queue's visibility timeout and
//! `maxReceiveCount` (then the dead-letter queue). The HTTP API's default route throttle
//! (rate and burst) answers 429 to what is over it; the network delivers such a webhook again
//! after [`Options::redelivery_secs`].
//!
//! `scale` shrinks everything that is a rate by the same factor (arrivals, DynamoDB's per-key
//! limits, the edge throttle, each consumer's concurrency and Lambda's scaling steps, the
//! number of agents): the queueing and throttling dynamics are those of the full-size spike,
//! at a size moto can take. The report says which scale it ran at.

// The moto end-to-end test's helpers (API Gateway events, the template's settings).
#[path = "../../tests/support/mod.rs"]
mod support;

use crate::sim::{self, Calls, Latency, Limits, SimInterceptor};
use futures_util::future::join_all;
use inbox_aws::dynamo::CapacityMeter;
use inbox_conformance::moto;
use inbox_domain::messages::QueueName;
use inbox_domain::usecases::Deps;
use inbox_domain::*;
use inbox_lambda::aws_lambda_events::event::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use inbox_lambda::runtime::{self, Aws, LambdaConfig, Secrets, WebSecrets};
use inbox_lambda::sqs_batch::Disposition;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use support::{call, gateway_event, template_block, template_queues};

const PAGE_ID: &str = "104857600000001";
const POST_ID: &str = "104857600000001_122100000000000001";
const X_USER_ID: &str = "2244994945";
const VIRAL_TWEET: u64 = 1_874_999_999_999_999_999;
const META_SECRET: &str = "viral-meta-app-secret";
const X_SECRET: &str = "viral-x-consumer-secret";

#[derive(Debug, Clone)]
pub struct Options {
    pub scale: f64,
    pub secs: u32,
    pub fb_rate: f64,
    pub x_rate: f64,
    pub agents: usize,
    /// Seconds between a feed read of one agent and its next (the page polls every 3 s).
    pub agent_period: f64,
    /// Simulated seconds handled as one step (what starts within it runs concurrently here).
    pub step: f64,
    /// Requests in flight to moto at once (real concurrency; moto is the bottleneck).
    pub parallel: usize,
    /// When a network delivers a webhook again after the edge refused it.
    pub redelivery_secs: f64,
    /// Simulated seconds after the spike after which the run stops waiting for the queues.
    pub drain_limit: f64,
    /// Whether the HTTP API's route throttle applies (off: as if webhooks had an edge of their
    /// own, to see the next ceiling behind it).
    pub edge_throttle: bool,
    pub latency: Latency,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            scale: 1.0,
            secs: 60,
            fb_rate: 2000.0,
            x_rate: 1000.0,
            agents: 50,
            agent_period: 3.0,
            step: 0.05,
            parallel: 24,
            redelivery_secs: 60.0,
            drain_limit: 900.0,
            edge_throttle: true,
            latency: Latency::default(),
        }
    }
}

/// A consumer's event source, as `template.yaml` sets it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceConfig {
    pub function: &'static str,
    pub queue: &'static str,
    pub batch_size: usize,
    pub window_secs: f64,
    pub max_concurrency: usize,
    pub visibility_secs: f64,
    pub max_receives: u32,
}

fn template_value(block: &[String], key: &str) -> Option<String> {
    block.iter().find_map(|l| l.trim().strip_prefix(&format!("{key}: ")).map(|v| v.trim().to_string()))
}

impl SourceConfig {
    /// The event source of `function` on `queue` (`IngestQueue`, ...), read from the template.
    pub fn from_template(function: &'static str, queue: &'static str) -> Self {
        let f = template_block(function);
        let q = template_block(queue);
        let num = |block: &[String], key: &str| -> f64 {
            template_value(block, key)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{function}/{queue}: no {key} in template.yaml"))
        };
        Self {
            function,
            queue,
            batch_size: num(&f, "BatchSize") as usize,
            window_secs: template_value(&f, "MaximumBatchingWindowInSeconds").and_then(|v| v.parse().ok()).unwrap_or(0.0),
            max_concurrency: num(&f, "MaximumConcurrency") as usize,
            visibility_secs: num(&q, "VisibilityTimeout"),
            max_receives: num(&q, "maxReceiveCount") as u32,
        }
    }
}

/// What stands between the networks and the webhook function, as the template has it.
#[derive(Debug, Clone, Copy)]
enum Edge {
    /// The HTTP API's default route throttle: a token bucket (rate a second, burst).
    RouteThrottle { rate: f64, burst: f64 },
    /// The function's own URL: only its reserved concurrency (Lambda answers 429 above it).
    Concurrency { limit: usize },
}

fn edge() -> Edge {
    let webhook = template_block("WebhookFunction");
    if webhook.iter().any(|l| l.trim() == "FunctionUrlConfig:") {
        let limit = template_value(&webhook, "ReservedConcurrentExecutions").and_then(|v| v.parse().ok()).unwrap_or(1000);
        return Edge::Concurrency { limit };
    }
    let api = template_block("HttpApi");
    let get = |k| template_value(&api, k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::INFINITY);
    Edge::RouteThrottle { rate: get("ThrottlingRateLimit"), burst: get("ThrottlingBurstLimit") }
}

struct Msg {
    message: SqsMessage,
    visible_at: f64,
    first_sent: f64,
    receives: u32,
}

/// One event source mapping and its queue, in simulated time.
struct Source {
    cfg: SourceConfig,
    scale: f64,
    url: String,
    ready: Vec<Msg>,
    /// When each of the concurrent batches it runs is free again.
    slots: Vec<f64>,
    active_since: Option<f64>,
    stats: SourceStats,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct SourceStats {
    pub messages: u64,
    pub invocations: u64,
    pub receives: u64,
    pub failed_receives: u64,
    /// Receives that ended with the message handed back for a moment (refused for throughput).
    pub handed_back: u64,
    pub dead_letters: u64,
    pub peak_concurrency: usize,
    /// The longest a message waited from its send to its successful handling (s).
    pub max_age_secs: f64,
    pub last_done_at: f64,
}

impl Source {
    fn concurrency(&self, t: f64) -> usize {
        let Some(since) = self.active_since else { return 0 };
        // Lambda: five concurrent batches at first, then up to 300 more a minute (scaled).
        let start = (5.0 * self.scale).ceil().max(1.0);
        let grown = start + (t - since).max(0.0) * 5.0 * self.scale;
        (grown.floor() as usize).min(((self.cfg.max_concurrency as f64) * self.scale).ceil().max(1.0) as usize)
    }
}

struct Function {
    deps: Deps,
    config: LambdaConfig,
}

/// What the run measured.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub scale: f64,
    pub simulated_secs: u32,
    pub comments_sent: u64,
    pub replies_sent: u64,
    pub webhooks_refused_at_edge: u64,
    pub webhook_errors: u64,
    pub items_stored: u64,
    pub missing: u64,
    pub duplicated: u64,
    pub conversations_created: u64,
    pub x_thread_items: u64,
    pub sources: Vec<(String, SourceStats)>,
    pub drained: bool,
    pub drain_secs_after_spike: f64,
    pub feed_reads: u64,
    pub feed_errors: u64,
    pub feed_p50_ms: f64,
    pub feed_p99_ms: f64,
    pub attempts: u64,
    pub retries: u64,
    pub throttled: u64,
    pub throttled_transactions: u64,
    pub conflicts: u64,
    pub unprocessed_batches: u64,
    pub calls_by_operation: HashMap<String, u64>,
    pub read_units: f64,
    pub write_units: u64,
    pub index_write_units: u64,
    pub hot_keys: Vec<Value>,
    pub wall_secs: f64,
}

fn fb_comment(i: u64, t: f64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE_ID, "time": 1_767_225_600 + t as i64, "changes": [{"field": "feed", "value": {
        "from": {"id": format!("261{i:014}"), "name": format!("Fan {i}")},
        "post": {"status_type": "added_photos", "is_published": true, "updated_time": "2026-01-01T00:00:00+0000",
                 "permalink_url": "https://www.facebook.com/104857600000001/posts/122100000000000001",
                 "promotion_status": "inactive", "id": POST_ID},
        "message": format!("Where can I buy this? #{i}"),
        "post_id": POST_ID, "comment_id": format!("122100000000000001_{}", 1_900_000_000_000_000u64 + i),
        "created_time": 1_767_225_600 + t as i64, "item": "comment", "parent_id": POST_ID, "verb": "add"}}]}]})
    .to_string()
}

fn fb_platform_id(i: u64) -> String {
    format!("122100000000000001_{}", 1_900_000_000_000_000u64 + i)
}

fn x_reply(i: u64) -> String {
    let id = 1_875_000_000_000_000_000u64 + i;
    json!({"for_user_id": X_USER_ID, "user_has_blocked": false, "tweet_create_events": [{
        "created_at": "Thu Jan 01 01:00:00 +0000 2026", "id": id, "id_str": id.to_string(),
        "text": format!("@MyBrand this is amazing {i}"), "display_text_range": [9, 30], "truncated": false,
        "in_reply_to_status_id": VIRAL_TWEET, "in_reply_to_status_id_str": VIRAL_TWEET.to_string(),
        "in_reply_to_user_id": 2_244_994_945u64, "in_reply_to_user_id_str": X_USER_ID, "in_reply_to_screen_name": "MyBrand",
        "user": {"id": 1_500_000_000_000_000_000u64 + i, "id_str": (1_500_000_000_000_000_000u64 + i).to_string(),
                 "name": format!("Fan {i}"), "screen_name": format!("fan{i}"), "protected": false, "verified": false,
                 "followers_count": 10, "friends_count": 10, "statuses_count": 10,
                 "created_at": "Mon Jan 04 10:00:00 +0000 2021"},
        "entities": {"hashtags": [], "urls": [], "user_mentions": [{"screen_name": "MyBrand", "name": "My Brand", "id": 2_244_994_945u64, "id_str": X_USER_ID, "indices": [0, 8]}], "symbols": []},
        "is_quote_status": false, "quote_count": 0, "reply_count": 0, "retweet_count": 0, "favorite_count": 0,
        "favorited": false, "retweeted": false, "filter_level": "low", "lang": "en", "timestamp_ms": "1767229200000"}]})
    .to_string()
}

/// A webhook to deliver: when, to which route, and its body.
struct Delivery {
    at: f64,
    network: Network,
    body: String,
}

/// Runs the scenario on moto (`MOTO_ENDPOINT`, started by `scripts/moto_server.py`).
pub async fn run(o: &Options) -> Report {
    let started = std::time::Instant::now();
    let sdk = moto::sdk_config().await;
    let (_, table) = moto::table(&sdk).await;
    let (sqs, urls, _) = moto::queues(&sdk, 1000).await;

    let root = format!("/{}", moto::unique("viral"));
    support::put_secrets(
        &sdk,
        &root,
        &[
            ("webhook/meta-app-secret", META_SECRET),
            ("webhook/meta-verify-token", "viral-verify"),
            ("webhook/x-consumer-secret", X_SECRET),
            ("webhook/linkedin-client-secret", "viral-li"),
            ("api/cursor-key", "viral-cursor"),
        ],
    )
    .await;

    // Every function's DynamoDB and SQS calls keep simulated time; DynamoDB's are throttled
    // per key at the scaled limits and metered per simulated second.
    let calls = Arc::new(Calls::default());
    let interceptor = SimInterceptor {
        latency: o.latency,
        limits: Some(Limits {
            write_units: inbox_aws::dynamo::meter::WRITE_UNITS_PER_KEY * o.scale,
            read_units: inbox_aws::dynamo::meter::READ_UNITS_PER_KEY * o.scale,
        }),
        calls: calls.clone(),
    };
    let meter = CapacityMeter::with_clock(Arc::new(|| sim::now().unwrap_or(0.0).floor() as i64));
    let (dynamodb, sqs_sim) = sim::clients(&sdk, &interceptor, &meter);
    let function = |name: &str| {
        let mut env: Vec<(String, String)> = vec![
            ("INBOX_TABLE".into(), table.clone()),
            ("INBOX_AUTH_USER_CLAIM".into(), "custom:user_id".into()),
            ("INBOX_PUBLIC_URL".into(), "https://inbox.viral.example".into()),
        ];
        env.extend(template_queues(name, &urls));
        let config = LambdaConfig::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).expect("config");
        let aws = Aws::with_sdk(sdk.clone(), &config).with_clients(dynamodb.clone(), sqs_sim.clone());
        // As their main.rs wire them: the event consumers keep their lookups. (One process
        // per function here; on AWS each warm one reads each lookup once per time to live.)
        let aws = if matches!(name, "IngestFunction" | "IntegrationsFunction") { aws.keeping_lookups() } else { aws };
        let deps = aws.deps(&config).expect("deps");
        Function { deps, config }
    };
    let api_fn = function("ApiFunction");
    let webhook_fn = function("WebhookFunction");
    let ingest_fn = function("IngestFunction");
    let integrations_fn = function("IntegrationsFunction");
    let notifier_fn = function("NotifierFunction");
    let aws = Aws::with_sdk(sdk.clone(), &api_fn.config);

    // The account: one admin and the agents, who all see both profiles.
    let now = chrono::Utc::now();
    let deps = &api_fn.deps;
    let acc: AccountId = "acc_viral".into();
    deps.directory.put_account(&Account { id: acc.clone(), name: "Viral".into(), created_at: now }).await.unwrap();
    let (page, xprof): (ProfileId, ProfileId) = ("prf_page".into(), "prf_x".into());
    for (id, network, external) in [(&page, Network::Facebook, PAGE_ID), (&xprof, Network::Twitter, X_USER_ID)] {
        let profile = Profile {
            id: id.clone(),
            account_id: acc.clone(),
            network,
            external_id: external.into(),
            name: "Brand".into(),
            handle: "mybrand".into(),
            credentials: Credentials::default(),
            bot_app_id: None,
            created_at: now,
        };
        deps.directory.put_profile(&profile).await.unwrap();
    }
    let agents = ((o.agents as f64) * o.scale).ceil().max(1.0) as usize;
    for a in 0..=agents {
        let user = User {
            id: format!("usr_{a}").into(),
            account_id: acc.clone(),
            name: format!("Agent {a}"),
            email: format!("agent{a}@viral.example").into(),
            role: if a == 0 { Role::Admin } else { Role::Member },
            inbox_access: true,
            email_notifications: false,
            profile_ids: BTreeSet::from([page.clone(), xprof.clone()]),
            created_at: now,
        };
        deps.directory.put_user(&user).await.unwrap();
    }

    let webhook_path = format!("{root}/webhook");
    let webhook_secrets =
        WebSecrets::webhook(&Secrets::load(&aws.ssm, &webhook_path).await.expect("secrets"), &webhook_path).expect("webhook secrets");
    let webhook =
        runtime::http_app(fn_webhook::router(), runtime::web_state(webhook_fn.deps.clone(), &webhook_fn.config, &webhook_secrets));
    let api_path = format!("{root}/api");
    let api_secrets =
        WebSecrets::api(&Secrets::load(&aws.ssm, &api_path).await.expect("secrets"), &api_path, &api_fn.config.auth).expect("api secrets");
    let api = runtime::http_app(fn_api::router(), runtime::web_state(api_fn.deps.clone(), &api_fn.config, &api_secrets));

    // The consumers, as the template sets their event sources.
    let mut sources: Vec<(Source, &Function)> = [
        (SourceConfig::from_template("IngestFunction", "IngestQueue"), QueueName::Ingest, &ingest_fn),
        (SourceConfig::from_template("IntegrationsFunction", "EventsQueue"), QueueName::Events, &integrations_fn),
        (SourceConfig::from_template("NotifierFunction", "NotifyQueue"), QueueName::Notify, &notifier_fn),
    ]
    .into_iter()
    .map(|(cfg, q, f)| {
        (
            Source {
                cfg,
                scale: o.scale,
                url: urls[&q].clone(),
                ready: Vec::new(),
                slots: Vec::new(),
                active_since: None,
                stats: SourceStats::default(),
            },
            f,
        )
    })
    .collect();

    // The arrivals, spread evenly over each second.
    let fb_rate = o.fb_rate * o.scale;
    let x_rate = o.x_rate * o.scale;
    let mut deliveries: VecDeque<Delivery> = VecDeque::new();
    let (mut fb_sent, mut x_sent) = (0u64, 0u64);
    let spike_end = f64::from(o.secs);
    let mut arrivals: Vec<Delivery> = Vec::new();
    for n in 0..(fb_rate * spike_end) as u64 {
        let at = n as f64 / fb_rate;
        arrivals.push(Delivery { at, network: Network::Facebook, body: fb_comment(n, at) });
        fb_sent += 1;
    }
    for n in 0..(x_rate * spike_end) as u64 {
        arrivals.push(Delivery { at: n as f64 / x_rate, network: Network::Twitter, body: x_reply(n) });
        x_sent += 1;
    }
    arrivals.sort_by(|a, b| a.at.total_cmp(&b.at));
    deliveries.extend(arrivals);
    let mut redeliveries: Vec<Delivery> = Vec::new();

    // The edge (scaled): the HTTP API's token bucket, or the webhook function's concurrency
    // (each receipt holding an instance for its modelled time: one SQS send and a little).
    let edge = if o.edge_throttle { edge() } else { Edge::RouteThrottle { rate: f64::INFINITY, burst: f64::INFINITY } };
    let (edge_rate, edge_burst, edge_concurrency) = match edge {
        Edge::RouteThrottle { rate, burst } => (rate * o.scale, (burst * o.scale).max(1.0), usize::MAX),
        Edge::Concurrency { limit } => (f64::INFINITY, f64::INFINITY, ((limit as f64) * o.scale).ceil().max(1.0) as usize),
    };
    let receipt_secs = o.latency.sqs + 0.002;
    let mut in_receipt: std::collections::BinaryHeap<std::cmp::Reverse<u64>> = std::collections::BinaryHeap::new();
    let mut edge_tokens = edge_burst;
    let mut edge_at = 0.0;
    let mut refused_at_edge = 0u64;
    let mut webhook_errors = 0u64;

    let agent_claims: Vec<Value> = (1..=agents)
        .map(|a| json!({"sub": format!("cognito-{a}"), "custom:user_id": format!("usr_{a}"), "custom:account_id": "acc_viral"}))
        .collect();
    let mut next_read: Vec<f64> = (0..agents).map(|a| a as f64 * o.agent_period / agents as f64).collect();
    let mut feed_ms: Vec<f64> = Vec::new();
    let mut feed_errors = 0u64;

    let parallel = Arc::new(tokio::sync::Semaphore::new(o.parallel));
    let mut t = 0.0f64;
    let mut last_done = 0.0f64;
    // Whether something ran in the last step (its sends are then on moto's queues).
    let mut sent = false;
    let drained;
    loop {
        let end = t + o.step;
        // 1. Webhooks that arrive in this step (and redeliveries due), through the edge.
        let mut due: Vec<Delivery> = Vec::new();
        while deliveries.front().is_some_and(|d| d.at < end) {
            due.push(deliveries.pop_front().expect("front"));
        }
        let (now, later) = std::mem::take(&mut redeliveries).into_iter().partition(|d| d.at < end);
        redeliveries = later;
        due.extend::<Vec<Delivery>>(now);
        due.sort_by(|a, b| a.at.total_cmp(&b.at));
        let mut admitted = Vec::new();
        for d in due {
            edge_tokens = (edge_tokens + (d.at - edge_at).max(0.0) * edge_rate).min(edge_burst);
            edge_at = edge_at.max(d.at);
            // Receipts in progress at this arrival (end times in µs of simulated time).
            while in_receipt.peek().is_some_and(|e| e.0 as f64 / 1e6 <= d.at) {
                in_receipt.pop();
            }
            if edge_tokens >= 1.0 && in_receipt.len() < edge_concurrency {
                edge_tokens -= 1.0;
                in_receipt.push(std::cmp::Reverse(((d.at + receipt_secs) * 1e6) as u64));
                admitted.push(d);
            } else {
                refused_at_edge += 1;
                redeliveries.push(Delivery { at: d.at + o.redelivery_secs, ..d });
            }
        }
        sent |= !admitted.is_empty();
        let runs = admitted.into_iter().map(|d| {
            let (webhook, parallel) = (webhook.clone(), parallel.clone());
            async move {
                let _permit = parallel.acquire_owned().await.expect("semaphore");
                let (path, header, signature) = match d.network {
                    Network::Twitter => (
                        "/webhooks/x",
                        "x-twitter-webhooks-signature",
                        inbox_platforms::signature::sign_x(X_SECRET.as_bytes(), d.body.as_bytes()),
                    ),
                    _ => (
                        "/webhooks/meta",
                        "x-hub-signature-256",
                        inbox_platforms::signature::sign_meta(META_SECRET.as_bytes(), d.body.as_bytes()),
                    ),
                };
                let event =
                    gateway_event("POST", path, json!({"content-type": "application/json", header: signature}), Some(&d.body), None);
                let ((status, _), _) = sim::run_at(d.at, call(&webhook, event)).await;
                (status, d)
            }
        });
        for (status, d) in join_all(runs).await {
            if status != 200 {
                // The webhook function failed (SQS refused): the network delivers it again.
                webhook_errors += 1;
                redeliveries.push(Delivery { at: d.at + o.redelivery_secs, ..d });
            }
        }

        // 2. What the functions sent in this step becomes visible to the event sources.
        let drain_queues = std::mem::take(&mut sent);
        for (source, _) in sources.iter_mut().filter(|_| drain_queues) {
            let taken = take_all(&sqs, &source.url).await;
            for message in taken {
                source.ready.push(Msg { message, visible_at: end, first_sent: t, receives: 0 });
                source.stats.messages += 1;
            }
            if source.active_since.is_none() && !source.ready.is_empty() {
                source.active_since = Some(end);
            }
        }

        // 3. Batches that start in this step, on each source's free concurrency.
        let mut invocations = Vec::new();
        for (si, (source, _)) in sources.iter_mut().enumerate() {
            let allowed = source.concurrency(end);
            while source.slots.len() < allowed {
                source.slots.push(t);
            }
            source.stats.peak_concurrency = source.stats.peak_concurrency.max(allowed);
            source.ready.sort_by(|a, b| a.visible_at.total_cmp(&b.visible_at));
            for slot in 0..source.slots.len() {
                let free = source.slots[slot];
                if free >= end || source.ready.first().is_none_or(|m| m.visible_at >= end) {
                    continue;
                }
                let mut start = free.max(t).max(source.ready[0].visible_at);
                let visible = source.ready.iter().take_while(|m| m.visible_at <= end).count();
                if visible < source.cfg.batch_size {
                    // The batching window: it waits for a full batch, up to the window.
                    start = start.max((start + source.cfg.window_secs).min(end));
                }
                let n = visible.min(source.cfg.batch_size);
                let batch: Vec<Msg> = source.ready.drain(..n).collect();
                source.slots[slot] = f64::INFINITY;
                source.stats.invocations += 1;
                invocations.push((si, slot, start, batch));
            }
        }
        sent |= !invocations.is_empty();
        let runs = invocations.into_iter().map(|(si, slot, start, mut batch)| {
            let f = sources[si].1;
            let parallel = parallel.clone();
            async move {
                let _permit = parallel.acquire_owned().await.expect("semaphore");
                let mut event = SqsEvent::default();
                event.records = batch
                    .iter_mut()
                    .map(|m| {
                        m.receives += 1;
                        let mut r = m.message.clone();
                        r.attributes.insert("ApproximateReceiveCount".into(), m.receives.to_string());
                        r
                    })
                    .collect();
                let ends = std::sync::Mutex::new(start);
                // When each message handed back with a wait comes back (by receipt handle).
                let back = std::sync::Mutex::new(std::collections::HashMap::<String, f64>::new());
                // A hand-back's wait is passed to `retry` as the simulated time it comes back.
                let handler = |body: Vec<u8>, receives: u32| {
                    let ends = &ends;
                    let source = sources_kind(si);
                    async move {
                        let (out, at) = sim::run_at(start, handle(source, &f.deps, body, receives)).await;
                        let mut e = ends.lock().unwrap_or_else(|p| p.into_inner());
                        *e = e.max(at);
                        out.map(|d| match d {
                            Disposition::RetryIn(wait) => Disposition::RetryIn(wait + std::time::Duration::from_secs_f64(at)),
                            done => done,
                        })
                    }
                };
                let retry = |receipt: String, until: std::time::Duration| {
                    let back = &back;
                    async move {
                        back.lock().unwrap_or_else(|p| p.into_inner()).insert(receipt, until.as_secs_f64());
                        Ok::<(), String>(())
                    }
                };
                let response = inbox_lambda::sqs_batch::handle_batch_retrying(event, handler, retry).await;
                let failed: BTreeSet<String> = response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
                let end = *ends.lock().unwrap_or_else(|p| p.into_inner());
                let back = back.into_inner().unwrap_or_else(|p| p.into_inner());
                (si, slot, start, end, batch, failed, back)
            }
        });
        for (si, slot, start, end, batch, failed, back) in join_all(runs).await {
            let source = &mut sources[si].0;
            source.slots[slot] = end;
            for mut m in batch {
                source.stats.receives += 1;
                if failed.contains(m.message.message_id.as_deref().unwrap_or_default()) {
                    let handed_back = m.message.receipt_handle.as_ref().and_then(|r| back.get(r)).copied();
                    match handed_back {
                        Some(_) => source.stats.handed_back += 1,
                        None => source.stats.failed_receives += 1,
                    }
                    if m.receives >= source.cfg.max_receives {
                        source.stats.dead_letters += 1;
                    } else {
                        // Back after its wait (ChangeMessageVisibility), else the queue's timeout.
                        m.visible_at = handed_back.unwrap_or(start + source.cfg.visibility_secs);
                        source.ready.push(m);
                    }
                } else {
                    source.stats.max_age_secs = source.stats.max_age_secs.max(end - m.first_sent);
                    source.stats.last_done_at = source.stats.last_done_at.max(end);
                    last_done = last_done.max(end);
                }
            }
        }

        // 4. The agents' feed reads due in this step.
        let mut reads = Vec::new();
        for (a, at) in next_read.iter_mut().enumerate() {
            while *at < end && *at < spike_end {
                reads.push((a, *at));
                *at += o.agent_period;
            }
        }
        let runs = reads.into_iter().map(|(a, at)| {
            let (api, parallel, claims) = (api.clone(), parallel.clone(), agent_claims[a].clone());
            async move {
                let _permit = parallel.acquire_owned().await.expect("semaphore");
                let ((status, _), ended) =
                    sim::run_at(at, call(&api, gateway_event("GET", "/api/conversations", json!({}), None, Some(claims)))).await;
                (status, (ended - at) * 1000.0)
            }
        });
        for (status, ms) in join_all(runs).await {
            if status == 200 {
                feed_ms.push(ms);
            } else {
                feed_errors += 1;
            }
        }

        t = end;
        if !sent {
            // Nothing in flight: on to the step of the next thing that happens.
            let next = [
                deliveries.front().map(|d| d.at),
                redeliveries.iter().map(|d| d.at).min_by(f64::total_cmp),
                sources.iter().flat_map(|(s, _)| s.ready.iter().map(|m| m.visible_at)).min_by(f64::total_cmp),
                next_read.iter().copied().filter(|at| *at < spike_end).min_by(f64::total_cmp),
            ]
            .into_iter()
            .flatten()
            .min_by(f64::total_cmp);
            if let Some(next) = next.filter(|n| *n > t + o.step) {
                t = (next / o.step).floor() * o.step;
            }
        }
        let idle = deliveries.is_empty()
            && redeliveries.is_empty()
            && sources.iter().all(|(s, _)| s.ready.is_empty() && s.slots.iter().all(|f| f.is_finite()));
        if t >= spike_end && idle {
            drained = true;
            break;
        }
        if t > spike_end + o.drain_limit {
            drained = false;
            break;
        }
    }

    // What was stored: every comment and reply once.
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut start_key = None;
    loop {
        let page = aws_sdk_dynamodb::Client::new(&sdk)
            .scan()
            .table_name(&table)
            .filter_expression("begins_with(sk, :i)")
            .expression_attribute_values(":i", aws_sdk_dynamodb::types::AttributeValue::S("I#".into()))
            .set_exclusive_start_key(start_key.take())
            .send()
            .await
            .expect("scan");
        for item in page.items.unwrap_or_default() {
            let Some(doc) = item.get("doc").and_then(|d| d.as_s().ok()) else { continue };
            let v: Value = serde_json::from_str(doc).unwrap_or(Value::Null);
            if let Some(p) = v["platform_id"].as_str() {
                *seen.entry(p.to_string()).or_default() += 1;
            }
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start_key = Some(k),
            _ => break,
        }
    }
    let expected: Vec<String> =
        (0..fb_sent).map(fb_platform_id).chain((0..x_sent).map(|i| (1_875_000_000_000_000_000u64 + i).to_string())).collect();
    let missing = expected.iter().filter(|p| !seen.contains_key(*p)).count() as u64;
    let duplicated = seen.values().filter(|n| **n > 1).count() as u64;
    let x_thread_items = (0..x_sent).filter(|i| seen.contains_key(&(1_875_000_000_000_000_000u64 + i).to_string())).count() as u64;

    feed_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| feed_ms.get(((feed_ms.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
    let units = meter.units();
    let hot_keys = meter
        .key_peaks()
        .into_iter()
        .take(6)
        .map(|k| {
            json!({"place": k.place, "key": k.key, "peak_write_units": k.peak_write_units, "peak_read_units": k.peak_read_units,
                   "limit_share": (k.peak_write_units as f64 / (inbox_aws::dynamo::meter::WRITE_UNITS_PER_KEY * o.scale))
                       .max(k.peak_read_units / (inbox_aws::dynamo::meter::READ_UNITS_PER_KEY * o.scale))})
        })
        .collect();
    Report {
        scale: o.scale,
        simulated_secs: o.secs,
        comments_sent: fb_sent,
        replies_sent: x_sent,
        webhooks_refused_at_edge: refused_at_edge,
        webhook_errors,
        items_stored: seen.values().sum(),
        missing,
        duplicated,
        conversations_created: (0..fb_sent).filter(|i| seen.contains_key(&fb_platform_id(*i))).count() as u64,
        x_thread_items,
        sources: sources.iter().map(|(s, _)| (s.cfg.function.to_string(), s.stats.clone())).collect(),
        drained,
        drain_secs_after_spike: (last_done - spike_end).max(0.0),
        feed_reads: feed_ms.len() as u64 + feed_errors,
        feed_errors,
        feed_p50_ms: pct(0.5),
        feed_p99_ms: pct(0.99),
        attempts: Calls::get(&calls.attempts),
        retries: Calls::get(&calls.retries),
        throttled: Calls::get(&calls.throttled),
        throttled_transactions: Calls::get(&calls.throttled_transactions),
        conflicts: Calls::get(&calls.conflicts),
        unprocessed_batches: Calls::get(&calls.unprocessed),
        calls_by_operation: calls.by_op.lock().unwrap_or_else(|p| p.into_inner()).clone().into_iter().collect(),
        read_units: units.read_units,
        write_units: units.write_units,
        index_write_units: units.index_write_units,
        hot_keys,
        wall_secs: started.elapsed().as_secs_f64(),
    }
}

/// Which handler a source runs.
#[derive(Clone, Copy)]
enum Kind {
    Ingest,
    Integrations,
    Notifier,
}

fn sources_kind(i: usize) -> Kind {
    [Kind::Ingest, Kind::Integrations, Kind::Notifier][i]
}

/// One message through its function's handler, as its `main.rs` wires it: an ingest refused for
/// throughput is handed back with a wait (`fn_ingest::busy_wait`).
async fn handle(kind: Kind, deps: &Deps, body: Vec<u8>, receives: u32) -> Result<Disposition, String> {
    let done = |r: Result<(), String>| r.map(|_| Disposition::Done);
    match kind {
        Kind::Ingest => match fn_ingest::handle_message(deps, &body).await {
            Ok(_) => Ok(Disposition::Done),
            Err(e) => match fn_ingest::busy_wait(&e, receives) {
                Some(wait) => Ok(Disposition::RetryIn(wait)),
                None => Err(e.to_string()),
            },
        },
        Kind::Integrations => done(fn_integrations::handle_message(deps, &body).await.map(|_| ()).map_err(|e| e.to_string())),
        Kind::Notifier => done(fn_notifier::handle_message(deps, &body).await.map(|_| ()).map_err(|e| e.to_string())),
    }
}

/// Everything on a moto queue now, taken off it (the model keeps it from here on).
async fn take_all(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<SqsMessage> {
    moto::drain(sqs, url, 0)
        .await
        .into_iter()
        .map(|m| {
            let mut r = SqsMessage::default();
            r.message_id = m.message_id;
            r.receipt_handle = m.receipt_handle;
            r.body = m.body;
            for (k, v) in m.message_attributes.unwrap_or_default() {
                let mut a = SqsMessageAttribute::default();
                a.string_value = v.string_value;
                a.data_type = Some(v.data_type);
                r.message_attributes.insert(k, a);
            }
            r
        })
        .collect()
}
