//! Counts the capacity units the adapter's DynamoDB requests cost, as on-demand billing counts
//! them, from the requests and responses themselves (an SDK interceptor on the client), so that
//! `docs/aws.md`'s cost per event is measured, not only worked out by reading the code, and a
//! test can hold it.
//!
//! Why not `ReturnConsumedCapacity`: DynamoDB reports exact units, but moto (where the tests
//! run) reports made-up ones (every put 1, every get ½, transactions nothing). The rules here
//! are DynamoDB's published ones:
//! - item size: the UTF-8 length of each attribute name plus its value (strings their UTF-8
//!   length, numbers about half their digits plus one, lists and maps 3 bytes plus their
//!   elements and 1 per element);
//! - a write costs 1 write unit (WRU) per KB of the item written, a transaction twice that
//!   (a condition check in it is charged as a write), and a write whose condition fails costs
//!   the same as one that succeeds;
//! - a read costs 1 read unit (RRU) per 4 KB read strongly consistently, half of that
//!   eventually consistently; a query rounds the total size of what it returned, a batch get
//!   each item, a get of a missing item costs as a get of a small one; a transaction read twice.
//!
//! Per key: every unit is also put on the partition key it lands on (the table's `pk`; a global
//! index's partition key for the index's own writes and queries; a local index's writes on the
//! table's key, whose partition it shares and keeps from splitting), per second of the meter's
//! clock, so that a scenario reports each key's peak read and write units per second against
//! DynamoDB's per-partition limits ([`READ_UNITS_PER_KEY`], [`WRITE_UNITS_PER_KEY`]): a key
//! with a rising sort key is never split, so its limit is that of one partition.
//!
//! Index writes are counted apart, as a lower bound: each written record that carries an
//! index's key attribute costs 1 index write unit; a write that moves a record within an index
//! (its sort key changed) costs one more, which the request alone cannot tell (the old record
//! is not in it) except for updates that set an index key.

use super::schema;
use aws_sdk_dynamodb::config::interceptors::{AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// DynamoDB's throughput limit of one partition: read units per second (strongly consistent
/// 4 KB reads; eventually consistent ones count half).
pub const READ_UNITS_PER_KEY: f64 = 3000.0;
/// Write units per second one partition takes (1 KB writes).
pub const WRITE_UNITS_PER_KEY: f64 = 1000.0;

/// Where a partition key lives: the table, or a global index by name.
pub const TABLE: &str = "table";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The attributes whose presence puts a record into one of the table's indexes (their
/// partition keys).
fn index_keys() -> impl Iterator<Item = &'static str> {
    schema::GLOBAL_INDEXES.iter().map(|(_, pk, _)| *pk)
}

/// Sort keys of the indexes (not the table's own): an update that sets one moves the record
/// within the index.
fn index_sort_keys() -> impl Iterator<Item = &'static str> {
    let mut keys: Vec<&'static str> = schema::GLOBAL_INDEXES.iter().map(|(_, _, sk)| *sk).filter(|sk| *sk != "sk").collect();
    keys.dedup();
    keys.into_iter()
}

/// What the requests made through a metered client cost so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Units {
    pub requests: u64,
    /// Read units (halves for eventually consistent reads).
    pub read_units: f64,
    pub write_units: u64,
    /// Lower bound of the index writes (see the module's notes).
    pub index_write_units: u64,
}

impl std::ops::Sub for Units {
    type Output = Units;
    fn sub(self, earlier: Units) -> Units {
        Units {
            requests: self.requests - earlier.requests,
            read_units: self.read_units - earlier.read_units,
            write_units: self.write_units - earlier.write_units,
            index_write_units: self.index_write_units - earlier.index_write_units,
        }
    }
}

/// The meter's clock: whole seconds (of wall time, or of a scenario's simulated time).
pub type Seconds = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Units one partition key took in one second: (read halves, write units).
type PerSecond = HashMap<i64, (u64, u64)>;

struct Counters {
    requests: AtomicU64,
    read_halves: AtomicU64,
    write_units: AtomicU64,
    index_write_units: AtomicU64,
    /// (place, partition key) → its units per second.
    keys: Mutex<HashMap<(String, String), PerSecond>>,
    clock: Seconds,
}

impl Default for Counters {
    fn default() -> Self {
        Self {
            requests: Default::default(),
            read_halves: Default::default(),
            write_units: Default::default(),
            index_write_units: Default::default(),
            keys: Default::default(),
            clock: Arc::new(|| chrono::Utc::now().timestamp()),
        }
    }
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters").field("requests", &self.requests).finish_non_exhaustive()
    }
}

/// One partition key's busiest second, and whether it is over what one partition takes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyPeak {
    /// [`TABLE`], or a global index's name.
    pub place: String,
    pub key: String,
    pub peak_read_units: f64,
    pub peak_write_units: u64,
    /// Units over the whole run.
    pub read_units: f64,
    pub write_units: u64,
    /// Over 3,000 read or 1,000 write units in some second: DynamoDB throttles it.
    pub over_limit: bool,
}

/// Shared counters; clone it freely. `interceptor()` goes on a DynamoDB client's config.
#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Counters>);

impl CapacityMeter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A meter whose per-second buckets follow `clock` (a scenario's simulated seconds).
    pub fn with_clock(clock: Seconds) -> Self {
        Self(Arc::new(Counters { clock, ..Default::default() }))
    }

    fn on_key(&self, place: &str, key: &str, read_halves: u64, writes: u64) {
        if key.is_empty() || (read_halves == 0 && writes == 0) {
            return;
        }
        let second = (self.0.clock)();
        let mut keys = self.0.keys.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = keys.entry((place.to_string(), key.to_string())).or_default().entry(second).or_default();
        bucket.0 += read_halves;
        bucket.1 += writes;
    }

    /// Every partition key's peak second, busiest first (by its share of its limit).
    pub fn key_peaks(&self) -> Vec<KeyPeak> {
        let keys = self.0.keys.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<KeyPeak> = keys
            .iter()
            .map(|((place, key), seconds)| {
                let peak_read_units = seconds.values().map(|(r, _)| *r).max().unwrap_or(0) as f64 / 2.0;
                let peak_write_units = seconds.values().map(|(_, w)| *w).max().unwrap_or(0);
                KeyPeak {
                    place: place.clone(),
                    key: key.clone(),
                    peak_read_units,
                    peak_write_units,
                    read_units: seconds.values().map(|(r, _)| *r).sum::<u64>() as f64 / 2.0,
                    write_units: seconds.values().map(|(_, w)| *w).sum(),
                    over_limit: peak_read_units > READ_UNITS_PER_KEY || peak_write_units as f64 > WRITE_UNITS_PER_KEY,
                }
            })
            .collect();
        let share = |k: &KeyPeak| (k.peak_read_units / READ_UNITS_PER_KEY).max(k.peak_write_units as f64 / WRITE_UNITS_PER_KEY);
        out.sort_by(|a, b| share(b).total_cmp(&share(a)).then_with(|| a.key.cmp(&b.key)));
        out
    }

    pub fn units(&self) -> Units {
        Units {
            requests: self.0.requests.load(Ordering::Relaxed),
            read_units: self.0.read_halves.load(Ordering::Relaxed) as f64 / 2.0,
            write_units: self.0.write_units.load(Ordering::Relaxed),
            index_write_units: self.0.index_write_units.load(Ordering::Relaxed),
        }
    }

    /// A DynamoDB client like `aws_sdk_dynamodb::Client::new(sdk)` whose requests this meter counts.
    pub fn client(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(self.config(sdk).build())
    }

    /// The configuration of such a client, for more settings before it is built.
    pub fn config(&self, sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::config::Builder {
        aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(MeterInterceptor(self.clone()))
    }

    /// Counts one request (its operation, e.g. `PutItem`, and its JSON body); returns how its
    /// answer is to be read.
    fn request(&self, op: &str, body: &Value) -> Pending {
        let c = &self.0;
        c.requests.fetch_add(1, Ordering::Relaxed);
        let mut writes = 0;
        let mut index = 0;
        let mut count_write = |item_bytes: usize, factor: u64, record: &Value, update: Option<&Value>| {
            let units = factor * kb_units(item_bytes, 1024);
            writes += units;
            index += index_writes(record, update);
            // The table's key takes the write; each global index its own (records written
            // without their attributes, updates and deletes, are counted on the table only: the
            // request does not show the old record's keys).
            self.on_key(TABLE, &string_of(&record["pk"]), 0, units);
            for (name, pk, _) in schema::GLOBAL_INDEXES {
                if let Some(v) = record.get(pk) {
                    self.on_key(name, &string_of(v), 0, 1);
                }
            }
        };
        match op {
            "PutItem" => count_write(item_size(&body["Item"]), 1, &body["Item"], None),
            "UpdateItem" => count_write(update_size(body), 1, &body["Key"], Some(body)),
            "DeleteItem" => count_write(item_size(&body["Key"]), 1, &body["Key"], None),
            "BatchWriteItem" => {
                for requests in body["RequestItems"].as_object().into_iter().flat_map(|m| m.values()) {
                    for r in requests.as_array().into_iter().flatten() {
                        if let Some(item) = r.get("PutRequest").map(|p| &p["Item"]) {
                            count_write(item_size(item), 1, item, None);
                        } else if let Some(key) = r.get("DeleteRequest").map(|d| &d["Key"]) {
                            count_write(item_size(key), 1, key, None);
                        }
                    }
                }
            }
            "TransactWriteItems" => {
                for t in body["TransactItems"].as_array().into_iter().flatten() {
                    if let Some(item) = t.get("Put").map(|p| &p["Item"]) {
                        count_write(item_size(item), 2, item, None);
                    } else if let Some(u) = t.get("Update") {
                        count_write(update_size(u), 2, &u["Key"], Some(u));
                    } else if let Some(d) = t.get("Delete") {
                        count_write(item_size(&d["Key"]), 2, &d["Key"], None);
                    } else if let Some(c) = t.get("ConditionCheck") {
                        // Charged as a transactional write of the item it checks.
                        count_write(item_size(&c["Key"]), 2, &c["Key"], None);
                    }
                }
            }
            _ => {}
        }
        c.write_units.fetch_add(writes, Ordering::Relaxed);
        c.index_write_units.fetch_add(index, Ordering::Relaxed);
        let consistent = body["ConsistentRead"].as_bool().unwrap_or(false);
        let batch_consistent =
            body["RequestItems"].as_object().map(|m| m.values().any(|t| t["ConsistentRead"].as_bool().unwrap_or(false))).unwrap_or(false);
        let read = match op {
            "GetItem" => Some(Read::Get { consistent }),
            "Query" | "Scan" => Some(Read::Query { consistent }),
            "BatchGetItem" => Some(Read::Batch { consistent: batch_consistent }),
            "TransactGetItems" => Some(Read::Transaction),
            _ => None,
        };
        let key = match op {
            "GetItem" => Some((TABLE.to_string(), string_of(&body["Key"]["pk"]))),
            "Query" => Some(query_key(body)),
            _ => None,
        };
        Pending { read, key }
    }

    /// Counts what a read returned (on `key`, the partition it read, when known).
    fn response(&self, read: Read, key: Option<(String, String)>, body: &Value) {
        let halves_per_unit = |consistent: bool| if consistent { 2 } else { 1 };
        let halves = match read {
            Read::Get { consistent } => kb_units(item_size(&body["Item"]), 4096) * halves_per_unit(consistent),
            Read::Query { consistent } => {
                let total: usize = body["Items"].as_array().into_iter().flatten().map(item_size).sum();
                kb_units(total, 4096) * halves_per_unit(consistent)
            }
            Read::Batch { consistent } => {
                body["Responses"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                    .flat_map(|v| v.as_array().into_iter().flatten())
                    .map(|i| kb_units(item_size(i), 4096))
                    .sum::<u64>()
                    * halves_per_unit(consistent)
            }
            Read::Transaction => {
                body["Responses"].as_array().into_iter().flatten().map(|r| kb_units(item_size(&r["Item"]), 4096) * 4).sum::<u64>()
            }
        };
        self.0.read_halves.fetch_add(halves, Ordering::Relaxed);
        if let Some((place, key)) = key {
            self.on_key(&place, &key, halves, 0);
        }
    }
}

/// A key attribute's value as text (`S` or `N`).
fn string_of(v: &Value) -> String {
    v.get("S").or_else(|| v.get("N")).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// The index (or table) a query reads and the partition key it names: the value its key
/// condition compares the partition key attribute with (`pk = :p`, `g1pk = :a AND ...`).
fn query_key(body: &Value) -> (String, String) {
    let index = body["IndexName"].as_str();
    let (place, pk_attr) = match index.and_then(|i| schema::GLOBAL_INDEXES.iter().find(|(n, _, _)| *n == i)) {
        Some((name, pk, _)) => (name.to_string(), *pk),
        // The table, or its local index (the table's partition key).
        None => (TABLE.to_string(), "pk"),
    };
    let condition = body["KeyConditionExpression"].as_str().unwrap_or_default();
    let names = body["ExpressionAttributeNames"].as_object();
    let value = condition.split("AND").find_map(|clause| {
        let (left, right) = clause.split_once('=')?;
        let left = left.trim();
        let attr = names.and_then(|m| m.get(left)).and_then(Value::as_str).unwrap_or(left);
        (attr == pk_attr).then(|| right.trim().to_string())
    });
    let key = value.map(|placeholder| string_of(&body["ExpressionAttributeValues"][placeholder.as_str()])).unwrap_or_default();
    (place, key)
}

/// Whole units of `per` bytes, at least one.
fn kb_units(bytes: usize, per: usize) -> u64 {
    bytes.div_ceil(per).max(1) as u64
}

/// DynamoDB's size of an item (a map of attribute name to value, in its JSON form).
pub fn item_size(item: &Value) -> usize {
    item.as_object().map(|m| m.iter().map(|(k, v)| k.len() + value_size(v)).sum()).unwrap_or(0)
}

fn value_size(v: &Value) -> usize {
    let Some((kind, inner)) = v.as_object().and_then(|m| m.iter().next()) else { return 0 };
    match kind.as_str() {
        "S" => inner.as_str().map_or(0, str::len),
        "N" => inner.as_str().map_or(0, |n| n.trim_start_matches('-').len().div_ceil(2) + 1),
        "B" => inner.as_str().map_or(0, |b| b.len() * 3 / 4),
        "BOOL" | "NULL" => 1,
        "SS" | "NS" | "BS" => inner.as_array().into_iter().flatten().map(|s| s.as_str().map_or(0, str::len)).sum(),
        "L" => 3 + inner.as_array().into_iter().flatten().map(|e| value_size(e) + 1).sum::<usize>(),
        "M" => 3 + inner.as_object().into_iter().flatten().map(|(k, e)| k.len() + value_size(e) + 1).sum::<usize>(),
        _ => 0,
    }
}

/// An update is charged for the whole item after it; the request holds only the key and the
/// new values, which is what this counts (the adapter's updates touch small records: claims,
/// leases, counters, health).
fn update_size(u: &Value) -> usize {
    item_size(&u["Key"]) + u["ExpressionAttributeValues"].as_object().map(|m| m.values().map(value_size).sum()).unwrap_or(0)
}

/// Index writes of one written record: 1 per index it is in; an update that sets an index's
/// sort key moves the entry (a delete and a put).
fn index_writes(record: &Value, update: Option<&Value>) -> u64 {
    match update {
        None => index_keys().filter(|k| record.get(*k).is_some()).count() as u64,
        Some(u) => {
            let expr = u["UpdateExpression"].as_str().unwrap_or_default();
            let names: Vec<&str> =
                u["ExpressionAttributeNames"].as_object().map(|m| m.values().filter_map(Value::as_str).collect()).unwrap_or_default();
            let sets = |attr: &str| names.contains(&attr) || expr.split(|c: char| !c.is_alphanumeric()).any(|w| w == attr);
            let touched_keys = index_keys().filter(|k| sets(k)).count() as u64;
            let moved = index_sort_keys().filter(|k| sets(k)).count() as u64;
            touched_keys.max(moved) + moved
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Read {
    Get { consistent: bool },
    Query { consistent: bool },
    Batch { consistent: bool },
    Transaction,
}

/// What `read_before_transmit` learnt about a request, for `read_after_deserialization`.
#[derive(Debug, Clone)]
struct Pending {
    read: Option<Read>,
    key: Option<(String, String)>,
}

impl Storable for Pending {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
struct MeterInterceptor(CapacityMeter);

impl Intercept for MeterInterceptor {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = ctx.request();
        let op = req.headers().get("x-amz-target").and_then(|t| t.split('.').next_back()).unwrap_or_default().to_string();
        let body = req.body().bytes().and_then(|b| serde_json::from_slice::<Value>(b).ok()).unwrap_or(Value::Null);
        let pending = self.0.request(&op, &body);
        cfg.interceptor_state().store_put(pending);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(pending) = cfg.load::<Pending>() else { return Ok(()) };
        let Some(read) = pending.read else { return Ok(()) };
        let key = pending.key.clone();
        let res = ctx.response();
        if !res.status().is_success() {
            return Ok(());
        }
        if let Some(body) = res.body().bytes().and_then(|b| serde_json::from_slice::<Value>(b).ok()) {
            self.0.response(read, key, &body);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_follow_dynamodbs_rules() {
        assert_eq!(item_size(&json!({"pk": {"S": "abc"}})), 2 + 3);
        assert_eq!(item_size(&json!({"n": {"N": "12345"}})), 1 + 4);
        assert_eq!(item_size(&json!({"é": {"S": "ü"}})), 2 + 2);
        assert_eq!(item_size(&json!({"m": {"M": {"a": {"BOOL": true}}}})), 1 + 3 + 1 + 1 + 1);
        assert_eq!(item_size(&json!({"l": {"L": [{"S": "xy"}, {"NULL": true}]}})), 1 + 3 + 3 + 2);
    }

    #[test]
    fn writes_reads_and_transactions_are_charged_as_on_demand_bills_them() {
        let m = CapacityMeter::new();
        let big = "x".repeat(1500);
        m.request("PutItem", &json!({"Item": {"pk": {"S": "C#1"}, "doc": {"S": big}, "g1pk": {"S": "a"}}}));
        assert_eq!(m.units(), Units { requests: 1, read_units: 0.0, write_units: 2, index_write_units: 1 });
        m.request("TransactWriteItems", &json!({"TransactItems": [
            {"Put": {"Item": {"pk": {"S": "C#1"}, "g1pk": {"S": "a"}, "g2pk": {"S": "b"}}}},
            {"Update": {"Key": {"pk": {"S": "G#1"}}, "UpdateExpression": "SET iid = :i", "ExpressionAttributeValues": {":i": {"S": "x"}}}},
            {"ConditionCheck": {"Key": {"pk": {"S": "T#1"}}}}
        ]}));
        let u = m.units();
        assert_eq!((u.write_units, u.index_write_units, u.read_units), (2 + 2 + 2 + 2, 1 + 2, 0.0));
        let p = m.request("GetItem", &json!({"Key": {"pk": {"S": "a"}}, "ConsistentRead": true}));
        m.response(p.read.unwrap(), p.key.clone(), &json!({"Item": {"doc": {"S": "x".repeat(5000)}}}));
        let p = m.request("Query", &json!({"IndexName": "by_status"}));
        m.response(p.read.unwrap(), p.key.clone(), &json!({"Items": [{"doc": {"S": "x".repeat(3000)}}, {"doc": {"S": "x".repeat(3000)}}]}));
        let p = m.request("GetItem", &json!({"Key": {"pk": {"S": "missing"}}}));
        m.response(p.read.unwrap(), p.key.clone(), &json!({}));
        assert_eq!(m.units().read_units, 2.0 + 1.0 + 0.5);
        m.request("UpdateItem", &json!({"Key": {"pk": {"S": "L#1"}}, "UpdateExpression": "SET #s = :n", "ExpressionAttributeNames": {"#s": "g3sk"}, "ExpressionAttributeValues": {":n": {"N": "1"}}}));
        assert_eq!(m.units().index_write_units, 3 + 2, "a moved poll schedule is a delete and a put in its index");
        assert_eq!(m.units().requests, 6);
    }

    #[test]
    fn each_partition_key_has_its_peak_second_against_one_partitions_limits() {
        let now = Arc::new(std::sync::atomic::AtomicI64::new(100));
        let clock = now.clone();
        let m = CapacityMeter::with_clock(Arc::new(move || clock.load(Ordering::Relaxed)));
        // 1,200 one-unit writes to one conversation's feed key in one second: over 1,000.
        for i in 0..1200 {
            m.request("PutItem", &json!({"Item": {"pk": {"S": format!("C#{i}")}, "g1pk": {"S": "acc_1#open"}, "g1sk": {"S": "x"}}}));
        }
        now.store(101, Ordering::Relaxed);
        for i in 0..300 {
            m.request("PutItem", &json!({"Item": {"pk": {"S": format!("C#x{i}")}, "g1pk": {"S": "acc_1#open"}}}));
        }
        // A second write of one conversation's record.
        m.request("PutItem", &json!({"Item": {"pk": {"S": "C#1"}, "sk": {"S": "C"}}}));
        // Reads: a strongly consistent get and a query of an index, on their keys.
        let p = m.request("GetItem", &json!({"Key": {"pk": {"S": "A#acc_1"}, "sk": {"S": "A"}}, "ConsistentRead": true}));
        m.response(p.read.unwrap(), p.key.clone(), &json!({"Item": {"doc": {"S": "x".repeat(100)}}}));
        let q = json!({"IndexName": "by_status", "KeyConditionExpression": "#p = :p AND g1sk < :s",
            "ExpressionAttributeNames": {"#p": "g1pk"}, "ExpressionAttributeValues": {":p": {"S": "acc_1#open"}, ":s": {"S": "z"}}});
        let p = m.request("Query", &q);
        assert_eq!(p.key, Some(("by_status".into(), "acc_1#open".into())));
        m.response(p.read.unwrap(), p.key.clone(), &json!({"Items": [{"doc": {"S": "x".repeat(5000)}}]}));

        let peaks = m.key_peaks();
        let feed = &peaks[0];
        assert_eq!((feed.place.as_str(), feed.key.as_str()), ("by_status", "acc_1#open"), "the busiest first: {peaks:?}");
        assert_eq!((feed.peak_write_units, feed.write_units, feed.over_limit), (1200, 1500, true));
        assert_eq!(feed.peak_read_units, 1.0, "an eventually consistent 5 KB query: 2 halves");
        let conv = peaks.iter().find(|k| k.place == TABLE && k.key == "C#1").unwrap();
        assert_eq!((conv.peak_write_units, conv.write_units, conv.over_limit), (1, 2, false), "one write in each of two seconds");
        let account = peaks.iter().find(|k| k.key == "A#acc_1").unwrap();
        assert_eq!(account.peak_read_units, 1.0);
        assert_eq!(peaks.iter().filter(|k| k.over_limit).count(), 1);
    }
}
