//! The store value every DynamoDB adapter is a part of ([`DynamoDbStore`]), and what they
//! share: the record codec (attribute values, JSON documents, times), the key builders
//! ([`key`], [`feed_sk`]), the read budget ([`FeedBudget`]) and the mapping of SDK errors to
//! port errors. The adapters (one module per port group) sit above it and never reach into
//! each other.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::AsyncSleep;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use inbox_domain::Timestamp;
use inbox_domain::error::{PortError, PortResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;

use super::schema;

pub(crate) type Record = HashMap<String, AttributeValue>;

/// A conversation record's search signature as stored (`None`: no attribute; `signature.rs`).
pub(crate) type SignatureSet = Option<std::collections::BTreeSet<u32>>;

/// Every store port on one table.
#[derive(Clone)]
pub struct DynamoDbStore {
    pub(crate) client: Client,
    pub(crate) table: Arc<str>,
    pub(crate) budget: FeedBudget,
    /// Lookups kept for a while, when [`Self::with_lookup_cache`] asked for it.
    pub(crate) lookups: Option<Arc<super::cache::Lookups>>,
    /// Where this process last saw each conversation's feed index entry (the activity time in
    /// its sort key, µs): an append moves it at most once a second ([`FEED_MOVE_US`]).
    pub(crate) feed_marks: Arc<super::cache::TtlMap<String, i64>>,
    /// Each conversation's search signature as this process last read or wrote its record, with
    /// the record's version: a whole write at that version keeps it (`signature.rs`).
    pub(crate) signatures: Arc<super::cache::TtlMap<String, (u64, SignatureSet)>>,
    /// The table's stream sends what each change tells others ([`Self::fanning_out_from_stream`]).
    pub(crate) fanout_from_stream: bool,
}

/// How far an append lets a conversation's activity run ahead of its feed index entry before it
/// moves the entry (a delete and a put in the index, 2 write units): a thread taking 500 replies
/// a second moves it once a second per process, not 500 times. The feed's order is that much
/// behind for such a thread; its activity time (what "seen" compares) never is.
pub(crate) const FEED_MOVE_US: i64 = 1_000_000;

impl DynamoDbStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: Arc::from(table.into()),
            budget: FeedBudget::default(),
            lookups: None,
            feed_marks: Arc::new(super::cache::TtlMap::new(std::time::Duration::from_secs(60))),
            signatures: Arc::new(super::cache::TtlMap::new(std::time::Duration::from_secs(60))),
            fanout_from_stream: false,
        }
    }

    /// The same store, telling the use cases that the table's stream sends the notifications
    /// and domain events of every change (`functions/fanout`, see `stream.rs`): they send only
    /// the outbound jobs after a write. `INBOX_FANOUT=stream` on AWS, where the template makes
    /// the stream and its function.
    pub fn fanning_out_from_stream(mut self) -> Self {
        self.fanout_from_stream = true;
        self
    }

    /// The same store (table, budget) through another client.
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = client;
        self
    }

    /// The same store keeping the lookups a function repeats for each event (a profile by its
    /// network id, an account's subscriptions and Salesforce connection) for `ttl`: for the
    /// functions that consume events, see `cache.rs`.
    pub fn with_lookup_cache(mut self, ttl: std::time::Duration) -> Self {
        self.lookups = Some(Arc::new(super::cache::Lookups::new(ttl)));
        self
    }

    /// Forgets the kept profiles when dropped: held by a write of a profile, so that what
    /// this process reads next is what it wrote.
    pub(crate) fn forgetting_profiles(&self) -> Forget {
        Forget(self.lookups.clone(), None)
    }

    /// Forgets what is kept of `account` (its subscriptions and Salesforce connection) when
    /// dropped: held by a write of those.
    pub(crate) fn forgetting_account(&self, account: &str) -> Forget {
        Forget(self.lookups.clone(), Some(account.to_string()))
    }

    /// The same store with another search budget (tests use a small one).
    pub fn with_feed_budget(mut self, budget: FeedBudget) -> Self {
        self.budget = budget;
        self
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// One record by key, read strongly consistently.
    pub(crate) async fn get(&self, key: (String, String)) -> PortResult<Option<Record>> {
        self.get_reading(key, true).await
    }

    /// One record by key; eventually consistent (half the units) when not `consistent`: for a
    /// read whose outcome a conditional write checks again (a stale copy is refused, and read
    /// again strongly).
    pub(crate) async fn get_reading(&self, (pk, sk): (String, String), consistent: bool) -> PortResult<Option<Record>> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// The document of one record by key (read as [`get`](Self::get) does).
    pub(crate) async fn get_doc<T: DeserializeOwned>(&self, key: (String, String)) -> PortResult<Option<T>> {
        self.get(key).await?.map(|r| from_doc(&r)).transpose()
    }

    /// Every record of a partition whose sort key starts with `prefix` (all of them for ""),
    /// read consistently.
    pub(crate) async fn query_prefix(&self, pk: &str, prefix: &str) -> PortResult<Vec<Record>> {
        self.query_prefix_reading(pk, prefix, true).await
    }

    /// [`Self::query_prefix`], strongly consistent or not (half the units: what a search
    /// matches its words against, like the feed page it filters, may be a second old).
    pub(crate) async fn query_prefix_reading(&self, pk: &str, prefix: &str, consistent: bool) -> PortResult<Vec<Record>> {
        let q = self.new_query().expression_attribute_values(":pk", s(pk)).consistent_read(consistent);
        let q = if prefix.is_empty() {
            q.key_condition_expression("pk = :pk")
        } else {
            q.key_condition_expression("pk = :pk AND begins_with(sk, :prefix)").expression_attribute_values(":prefix", s(prefix))
        };
        self.query_all(q).await
    }

    /// Deletes the record at `pk`/`sk`; whether there was one.
    pub(crate) async fn delete(&self, (pk, sk): (String, String)) -> PortResult<bool> {
        let out = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Puts a versioned record: a new one (`expected` `None`: `AlreadyExists` when the key is
    /// taken) or the next version of the stored one (`Some(v)`: `Conflict` unless its `ver` is
    /// still `v`).
    pub(crate) async fn put_versioned(&self, record: Record, expected: Option<u64>) -> PortResult<()> {
        let put = self.put_record().set_item(Some(record));
        let put = match expected {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(v) => put.condition_expression("ver = :v").expression_attribute_values(":v", n(v)),
        };
        match applied(put.send().await)? {
            true => Ok(()),
            false if expected.is_some() => Err(PortError::Conflict),
            false => Err(PortError::AlreadyExists),
        }
    }

    /// An update of the record at `pk`/`sk`.
    pub(crate) fn update_at(&self, pk: impl Into<String>, sk: impl Into<String>) -> UpdateItemFluentBuilder {
        self.client.update_item().table_name(&*self.table).key("pk", s(pk)).key("sk", s(sk))
    }

    /// A put into the table.
    pub(crate) fn put_record(&self) -> PutItemFluentBuilder {
        self.client.put_item().table_name(&*self.table)
    }

    /// A query of the table (`.index_name(…)` for an index), for `query_pages`/`query_all`.
    pub(crate) fn new_query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(&*self.table)
    }

    /// Runs `q` page by page, handing each record to `keep` until it answers false or the
    /// records end.
    pub(crate) async fn query_pages(&self, q: QueryFluentBuilder, mut keep: impl FnMut(Record) -> PortResult<bool>) -> PortResult<()> {
        let mut start: Option<Record> = None;
        loop {
            let page = q.clone().set_exclusive_start_key(start.take()).send().await.map_err(unavailable)?;
            for r in page.items.unwrap_or_default() {
                if !keep(r)? {
                    return Ok(());
                }
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(()),
            }
        }
    }

    /// The records of a schedule in the `due_polls` index (`POLL`, `DLV`, `RENEW`) due by `now`
    /// (µs) and not leased, earliest first, at most `limit`. A schedule is spread over
    /// [`key::DUE_SHARDS`] partitions (`<schedule>#<shard>`, see [`key::due_pk`]) so that a spike
    /// of deliveries does not write one index partition past its 1,000 units a second; each is
    /// read for its earliest `limit`, with the unsharded partition of records written before,
    /// and the lot merged.
    pub(crate) async fn due_unleased(&self, schedule: &str, now: i64, limit: usize) -> PortResult<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let partitions = std::iter::once(schedule.to_string()).chain((0..key::DUE_SHARDS).map(|shard| format!("{schedule}#{shard}")));
        for partition in partitions {
            let q = self
                .new_query()
                .index_name(schema::DUE_POLLS)
                .key_condition_expression("g3pk = :p AND g3sk <= :now")
                .expression_attribute_values(":p", s(partition))
                .expression_attribute_values(":now", n(now))
                .limit(limit.min(100) as i32);
            let mut found = 0;
            self.query_pages(q, |r| {
                if get_n::<i64>(&r, "lease").unwrap_or(0) <= now {
                    out.push(r);
                    found += 1;
                }
                Ok(found < limit)
            })
            .await?;
        }
        out.sort_by_key(|r| get_n::<i64>(r, "g3sk").unwrap_or(i64::MAX));
        out.truncate(limit);
        Ok(out)
    }

    /// Every record `q` finds, through all its pages.
    pub(crate) async fn query_all(&self, q: QueryFluentBuilder) -> PortResult<Vec<Record>> {
        let mut out = Vec::new();
        self.query_pages(q, |r| {
            out.push(r);
            Ok(true)
        })
        .await?;
        Ok(out)
    }

    /// Runs a transaction; `Err` carries the cancellation reason codes, one per action.
    ///
    /// A transaction cancelled because one of its items was throttled (`ThrottlingError`, and
    /// no condition failed) is tried again here, after a jittered backoff (the SDK retries a
    /// throttled single request itself, but never a cancelled transaction): a hot key in a
    /// spike costs a wait of a second or two, not the message's return to its queue.
    pub(crate) async fn transact(&self, actions: Vec<TransactWriteItem>) -> Result<(), TxError> {
        if actions.len() > 100 {
            return Err(TxError::Other(PortError::Unavailable(format!(
                "a transaction of {} writes is over DynamoDB's 100",
                actions.len()
            ))));
        }
        let mut attempt = 0;
        loop {
            let result = match self.client.transact_write_items().set_transact_items(Some(actions.clone())).send().await {
                Ok(_) => Ok(()),
                Err(e) => match e.as_service_error() {
                    Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c)) => {
                        Err(TxError::Canceled(c.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_string()).collect()))
                    }
                    _ => Err(TxError::Other(unavailable(e))),
                },
            };
            match result {
                Err(e) if e.throttled() && attempt < THROTTLED_TRANSACTION_RETRIES => {
                    attempt += 1;
                    self.back_off(attempt).await;
                }
                other => return other,
            }
        }
    }

    /// Waits before retry `attempt` (1, 2, ...): full jitter under a ceiling that doubles from
    /// 50 ms up to 2 s. Through the SDK's sleeper, as the SDK's own retries wait.
    pub(crate) async fn back_off(&self, attempt: u32) {
        let ceiling = (0.05 * 2f64.powi(attempt as i32 - 1)).min(2.0);
        let wait = std::time::Duration::from_secs_f64(fastrand::f64() * ceiling);
        match self.client.config().sleep_impl() {
            Some(sleep) => sleep.sleep(wait).await,
            None => tokio::time::sleep(wait).await,
        }
    }
}

/// See [`DynamoDbStore::forgetting_profiles`] and [`DynamoDbStore::forgetting_account`].
pub(crate) struct Forget(Option<Arc<super::cache::Lookups>>, Option<String>);

impl Drop for Forget {
    fn drop(&mut self) {
        let Some(l) = &self.0 else { return };
        match &self.1 {
            None => l.profiles.forget_all(),
            Some(acc) => {
                l.subscriptions.forget(acc);
                l.connections.forget(acc);
            }
        }
    }
}

/// How many times a throttled transaction is tried again before the function gives up (about
/// 1.6 s of backoff in all on average, at most 3.2 s; the message then goes back to its queue).
pub(crate) const THROTTLED_TRANSACTION_RETRIES: u32 = 6;

/// Why a transaction did not happen.
#[derive(Debug)]
pub(crate) enum TxError {
    /// Cancelled: the reason code of each action (`None`, `ConditionalCheckFailed`,
    /// `TransactionConflict`, ...).
    Canceled(Vec<String>),
    Other(PortError),
}

impl TxError {
    /// Whether action `i` failed its condition.
    pub(crate) fn failed(&self, i: usize) -> bool {
        matches!(self, TxError::Canceled(codes) if codes.get(i).is_some_and(|c| c == "ConditionalCheckFailed"))
    }

    /// Cancelled because an item was throttled, and for no other reason.
    pub(crate) fn throttled(&self) -> bool {
        matches!(self, TxError::Canceled(codes)
            if codes.iter().any(|c| c == "ThrottlingError") && codes.iter().all(|c| c == "ThrottlingError" || c == "None"))
    }

    pub(crate) fn conflicted(&self) -> bool {
        matches!(self, TxError::Canceled(codes) if codes.iter().any(|c| c == "TransactionConflict"))
    }

    pub(crate) fn into_port(self) -> PortError {
        if self.throttled() {
            // Throttled past the retries in `transact`: worth handing back for a moment.
            let words = "dynamodb: transaction cancelled: ThrottlingError".to_string();
            return PortError::Busy { source: words.clone().into(), words };
        }
        match self {
            TxError::Canceled(codes) if codes.iter().any(|c| c == "TransactionConflict") => PortError::Conflict,
            TxError::Canceled(codes) if codes.iter().any(|c| c == "ConditionalCheckFailed") => PortError::Conflict,
            TxError::Canceled(codes) => PortError::Unavailable(format!("transaction cancelled: {}", codes.join(", "))),
            TxError::Other(e) => e,
        }
    }
}

/// An SDK error as a port error: the service's code and message, never a panic.
pub(crate) fn unavailable<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(e: SdkError<E>) -> PortError {
    crate::sdk::sdk_unavailable("dynamodb", e)
}

/// Whether an SDK error is a failed condition (`ConditionalCheckFailedException`).
/// A conditional write's outcome: `true` applied, `false` its condition failed (no error: the
/// caller decides what a refused condition means), any other failure `Unavailable`.
pub(crate) fn applied<T, E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    r: Result<T, SdkError<E>>,
) -> PortResult<bool> {
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failed(&e) => Ok(false),
        Err(e) => Err(unavailable(e)),
    }
}

pub(crate) fn is_condition_failed<E: ProvideErrorMetadata>(e: &SdkError<E>) -> bool {
    e.as_service_error().and_then(|s| s.code()).is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// The record a failed condition saw (with `ReturnValuesOnConditionCheckFailure::AllOld`).
pub(crate) fn condition_item(e: &SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError>) -> Option<Record> {
    match e.as_service_error() {
        Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c)) => c.item().cloned(),
        _ => None,
    }
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn get_s<'a>(r: &'a Record, k: &str) -> Option<&'a str> {
    r.get(k).and_then(|v| v.as_s().ok()).map(String::as_str)
}

pub(crate) fn get_n<T: std::str::FromStr>(r: &Record, k: &str) -> Option<T> {
    r.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

pub(crate) fn get_bool(r: &Record, k: &str) -> Option<bool> {
    r.get(k).and_then(|v| v.as_bool().ok()).copied()
}

pub(crate) fn to_doc<T: Serialize>(v: &T) -> AttributeValue {
    s(serde_json::to_string(v).expect("serialisable"))
}

pub(crate) fn from_doc<T: DeserializeOwned>(r: &Record) -> PortResult<T> {
    let doc = get_s(r, "doc").ok_or_else(|| PortError::Corrupt("a stored record has no document".into()))?;
    serde_json::from_str(doc).map_err(|e| PortError::Corrupt(format!("stored document does not parse: {e}")))
}

/// Microseconds since the epoch (what sort keys and conditions compare).
pub(crate) fn us(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_us(v: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// Epoch seconds `days` after `t`: a TTL attribute value. DynamoDB deletes such records some
/// time after that (hours to days later), so readers check it themselves.
pub(crate) fn ttl_after(t: Timestamp, days: i64) -> i64 {
    (t + chrono::Duration::days(days)).timestamp()
}

/// Whether a record with a TTL has expired at `now` (DynamoDB may not have removed it yet).
pub(crate) fn expired(r: &Record, now: Timestamp) -> bool {
    get_n::<i64>(r, "ttl").is_some_and(|t| t <= now.timestamp())
}

pub(crate) use super::keys as key;
pub(crate) use super::keys::feed_sk;

/// A record with its key set.
pub(crate) fn record((pk, sk): (String, String)) -> Record {
    let mut r = Record::new();
    r.insert("pk".into(), s(pk));
    r.insert("sk".into(), s(sk));
    r
}

/// Builders of transaction actions, with the table name filled in.
pub(crate) mod tx {
    use super::*;
    use aws_sdk_dynamodb::types::{Delete, Put, Update};

    pub fn put(table: &str, item: Record, condition: Option<&str>, values: Vec<(&str, AttributeValue)>) -> TransactWriteItem {
        let mut b = Put::builder().table_name(table).set_item(Some(item)).set_condition_expression(condition.map(str::to_string));
        for (k, v) in values {
            b = b.expression_attribute_values(k, v);
        }
        TransactWriteItem::builder().put(b.build().expect("table and item are set")).build()
    }

    pub fn update(
        table: &str,
        (pk, sk): (String, String),
        expression: &str,
        condition: Option<&str>,
        names: Vec<(&str, &str)>,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let mut b = Update::builder()
            .table_name(table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression(expression)
            .set_condition_expression(condition.map(str::to_string));
        for (k, v) in names {
            b = b.expression_attribute_names(k, v);
        }
        for (k, v) in values {
            b = b.expression_attribute_values(k, v);
        }
        TransactWriteItem::builder().update(b.build().expect("table, key and expression are set")).build()
    }

    pub fn delete(
        table: &str,
        (pk, sk): (String, String),
        condition: Option<&str>,
        values: Vec<(&str, AttributeValue)>,
    ) -> TransactWriteItem {
        let mut b =
            Delete::builder().table_name(table).key("pk", s(pk)).key("sk", s(sk)).set_condition_expression(condition.map(str::to_string));
        for (k, v) in values {
            b = b.expression_attribute_values(k, v);
        }
        TransactWriteItem::builder().delete(b.build().expect("table and key are set")).build()
    }
}

/// How much one feed or search page may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedBudget {
    /// Index entries a feed page reads before answering (150 to 370 bytes each with their
    /// search signature: 1,000 cost 19 to 45 RRU, eventually consistent; about 40 measured).
    /// A tab whose filters few conversations pass, polled by an open page, costs this much
    /// each time: kept small.
    pub max_examined: usize,
    /// Index entries a search page reads before answering: more, since a search rules most of
    /// them out from their search signature, unread (`signature.rs`), and a rare word
    /// otherwise takes a page for every thousand conversations (entries with a signature are
    /// up to 220 bytes larger: 5,000 cost 90 to 230 RRU).
    pub max_examined_searching: usize,
    /// Conversations whose items a search reads before answering (each one query of its
    /// partition, about 1 RCU for a short thread).
    pub max_searched: usize,
    /// Index entries asked for per query.
    pub index_page: i32,
}

impl Default for FeedBudget {
    fn default() -> Self {
        Self { max_examined: 1_000, max_examined_searching: 5_000, max_searched: 200, index_page: 500 }
    }
}

/// The records at `keys` (those that exist), in batches of DynamoDB's 100, the keys it leaves
/// unprocessed (throttled) asked again after a jittered wait. A feed reads eventually
/// consistently (half the cost: a snapshot that refreshes every few seconds, re-read
/// consistently when opened); a decision, strongly.
pub(crate) async fn batch_get(
    store: &DynamoDbStore,
    keys: Vec<(String, String)>,
    consistent: bool,
) -> PortResult<HashMap<(String, String), Record>> {
    let mut out = HashMap::new();
    for chunk in keys.chunks(100) {
        let mut ka = aws_sdk_dynamodb::types::KeysAndAttributes::builder().consistent_read(consistent);
        for (pk, sk) in chunk {
            ka = ka.keys(HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))]));
        }
        let mut request = Some(HashMap::from([(store.table.to_string(), ka.build().map_err(|e| PortError::failed(e.to_string(), e))?)]));
        for attempt in 0..10u32 {
            let Some(items) = request.take().filter(|r| !r.is_empty()) else { break };
            let res = store.client.batch_get_item().set_request_items(Some(items)).send().await.map_err(unavailable)?;
            for r in res.responses.unwrap_or_default().into_values().flatten() {
                if let (Some(pk), Some(sk)) = (get_s(&r, "pk"), get_s(&r, "sk")) {
                    out.insert((pk.to_string(), sk.to_string()), r);
                }
            }
            request = res.unprocessed_keys.filter(|u| !u.is_empty());
            if request.is_some() {
                store.back_off(attempt + 1).await;
            }
        }
        if request.is_some() {
            return Err(PortError::Unavailable("dynamodb left keys unprocessed after 10 tries".into()));
        }
    }
    Ok(out)
}
