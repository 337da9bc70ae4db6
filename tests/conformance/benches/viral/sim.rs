//! Simulated time for the scale scenario: every request a function makes carries the time it
//! would be sent at on AWS, so that moto (slower than DynamoDB, and shared by every simulated
//! function) throttles it as DynamoDB would at the scenario's rate (`scripts/dynamo_throttle.py`).
//!
//! Each message a function handles runs in a task-local [`Clock`] that starts when its batch
//! starts and moves on by a modelled latency for every AWS call it makes (and by the SDK's
//! modelled backoff before a retry): the time the call would take in a Lambda function next to
//! DynamoDB and SQS, not the time moto takes here. The latencies are assumptions, stated in
//! [`Latency`] and in `docs/aws.md`. Every wait goes through the SDK's sleeper, which here
//! ([`SimSleep`]) moves the clock on by the whole wait and sleeps a thousandth of it: the SDK's
//! retries (attempts, which errors, its backoff, its retry quota) and the adapters' own backoff
//! are the real ones, in simulated time.

use aws_sdk_dynamodb::config::interceptors::{BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextRef};
use aws_sdk_dynamodb::config::{AsyncSleep, ConfigBag, Intercept, RuntimeComponents, SharedAsyncSleep, Sleep};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

tokio::task_local! {
    static CLOCK: Clock;
}

/// One message's simulated time, in seconds since the scenario began.
#[derive(Clone, Debug)]
pub struct Clock(Arc<Mutex<f64>>);

impl Clock {
    pub fn at(t: f64) -> Self {
        Self(Arc::new(Mutex::new(t)))
    }
    pub fn now(&self) -> f64 {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub fn advance(&self, secs: f64) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) += secs;
    }
}

/// The simulated time of the running message (`None` outside one).
pub fn now() -> Option<f64> {
    CLOCK.try_with(Clock::now).ok()
}

/// Runs `f` from simulated time `t`; answers its output and the time it ended.
pub async fn run_at<F: Future>(t: f64, f: F) -> (F::Output, f64) {
    let clock = Clock::at(t);
    let out = CLOCK.scope(clock.clone(), f).await;
    (out, clock.now())
}

/// What an AWS call takes in a function beside the service (round trip included), in seconds.
/// DynamoDB documents single-digit milliseconds for a single-item operation; a transaction
/// coordinates its items (about twice); SQS answers in about 10 ms. Assumptions, not readings.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub dynamodb_item: f64,
    pub dynamodb_query: f64,
    pub dynamodb_transaction: f64,
    pub sqs: f64,
    pub other: f64,
}

impl Default for Latency {
    fn default() -> Self {
        Self { dynamodb_item: 0.005, dynamodb_query: 0.008, dynamodb_transaction: 0.012, sqs: 0.010, other: 0.010 }
    }
}

impl Latency {
    fn of(&self, op: &str) -> f64 {
        match op {
            "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" => self.dynamodb_item,
            "Query" | "Scan" | "BatchGetItem" | "BatchWriteItem" => self.dynamodb_query,
            "TransactWriteItems" | "TransactGetItems" => self.dynamodb_transaction,
            op if op.contains("Message") || op.starts_with("GetQueue") => self.sqs,
            _ => self.other,
        }
    }
}

/// DynamoDB's per-partition-key limits the proxy enforces (scaled with the scenario).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub write_units: f64,
    pub read_units: f64,
}

/// What the calls met, counted on the client side (every attempt, retries included).
#[derive(Debug, Default)]
pub struct Calls {
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    /// `ProvisionedThroughputExceededException` answers.
    pub throttled: AtomicU64,
    /// Transactions cancelled because an item was throttled (`ThrottlingError`).
    pub throttled_transactions: AtomicU64,
    /// Transactions cancelled for a failed condition (a lost race).
    pub conflicts: AtomicU64,
    /// Batch reads that came back with unprocessed keys.
    pub unprocessed: AtomicU64,
    /// Attempts per operation.
    pub by_op: Mutex<BTreeMap<String, u64>>,
}

impl Calls {
    pub fn get(n: &AtomicU64) -> u64 {
        n.load(Ordering::Relaxed)
    }
}

/// The attempt number of the call being made (1 on the first).
#[derive(Debug, Clone, Copy)]
struct Attempt(u32);
impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

/// The operation of the call being made (`PutItem`, `SendMessage`, ...).
#[derive(Debug, Clone)]
struct Operation(String);
impl Storable for Operation {
    type Storer = StoreReplace<Self>;
}

/// The interceptor that keeps simulated time: on DynamoDB clients it also tells the proxy the
/// time and the limits (`x-inbox-sim`).
#[derive(Debug, Clone)]
pub struct SimInterceptor {
    pub latency: Latency,
    pub limits: Option<Limits>,
    pub calls: Arc<Calls>,
}

/// The SDK's sleeper in simulated time: the task sleeps a thousandth of the wait, and when it
/// wakes the clock moves on by the whole wait (outside a message, it sleeps the whole wait).
/// The SDK also sleeps to time calls out, so the scenario's clients have no timeouts (a
/// thousandth of one would fire while moto answers).
#[derive(Debug, Clone, Copy)]
pub struct SimSleep;

impl AsyncSleep for SimSleep {
    fn sleep(&self, wait: Duration) -> Sleep {
        match CLOCK.try_with(Clock::clone) {
            Ok(clock) => Sleep::new(async move {
                tokio::time::sleep(wait / 1000).await;
                clock.advance(wait.as_secs_f64());
            }),
            Err(_) => Sleep::new(tokio::time::sleep(wait)),
        }
    }
}

fn operation(target: Option<&str>) -> String {
    target.and_then(|t| t.split('.').next_back()).unwrap_or_default().to_string()
}

impl Intercept for SimInterceptor {
    fn name(&self) -> &'static str {
        "SimulatedTime"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<Attempt>().map_or(1, |a| a.0 + 1);
        cfg.interceptor_state().store_put(Attempt(attempt));
        self.calls.attempts.fetch_add(1, Ordering::Relaxed);
        let req = ctx.request_mut();
        let op = operation(req.headers().get("x-amz-target"));
        *self.calls.by_op.lock().unwrap_or_else(|p| p.into_inner()).entry(op.clone()).or_default() += 1;
        cfg.interceptor_state().store_put(Operation(op));
        let Ok(clock) = CLOCK.try_with(Clock::clone) else { return Ok(()) };
        if attempt > 1 {
            // The SDK waited its backoff before this attempt (in `SimSleep`).
            self.calls.retries.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(l) = self.limits {
            let header = format!("t={:.6};w={};r={}", clock.now(), l.write_units, l.read_units);
            req.headers_mut().insert("x-inbox-sim", header);
        }
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &aws_sdk_dynamodb::config::interceptors::AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Operation>().map(|o| o.0.clone()).unwrap_or_default();
        let res = ctx.response();
        let body = res.body().bytes().map(String::from_utf8_lossy).unwrap_or_default();
        if res.status().as_u16() == 400 {
            if body.contains("ProvisionedThroughputExceededException") {
                self.calls.throttled.fetch_add(1, Ordering::Relaxed);
            } else if body.contains("TransactionCanceledException") {
                let counter = if body.contains("ThrottlingError") { &self.calls.throttled_transactions } else { &self.calls.conflicts };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        } else if op == "BatchGetItem"
            && serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["UnprocessedKeys"].as_object().map(|o| !o.is_empty()))
                .unwrap_or(false)
        {
            self.calls.unprocessed.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        _: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = cfg.load::<Operation>().map(|o| o.0.clone()).unwrap_or_default();
        if let Ok(clock) = CLOCK.try_with(Clock::clone) {
            clock.advance(self.latency.of(&op));
        }
        Ok(())
    }
}

/// Clients whose calls keep simulated time: DynamoDB (throttled by the proxy at `limits`, and
/// metered) and SQS.
pub fn clients(
    sdk: &aws_config::SdkConfig,
    interceptor: &SimInterceptor,
    meter: &inbox_aws::dynamo::CapacityMeter,
) -> (aws_sdk_dynamodb::Client, aws_sdk_sqs::Client) {
    let sleep = SharedAsyncSleep::new(SimSleep);
    let (no_timeouts, no_stall_checks) =
        (aws_config::timeout::TimeoutConfig::disabled(), aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled());
    let dynamodb = meter
        .config(sdk)
        .retry_config(inbox_aws::sdk::retries())
        .sleep_impl(sleep.clone())
        .timeout_config(no_timeouts.clone())
        .stalled_stream_protection(no_stall_checks.clone())
        .interceptor(interceptor.clone())
        .build();
    let sqs = aws_sdk_sqs::config::Builder::from(sdk)
        .retry_config(inbox_aws::sdk::retries())
        .sleep_impl(sleep)
        .timeout_config(no_timeouts)
        .stalled_stream_protection(no_stall_checks)
        .interceptor(SimInterceptor { limits: None, ..interceptor.clone() })
        .build();
    (aws_sdk_dynamodb::Client::from_conf(dynamodb), aws_sdk_sqs::Client::from_conf(sqs))
}
