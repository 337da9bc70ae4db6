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
//! Index writes are counted apart, as a lower bound: each written record that carries an
//! index's key attribute costs 1 index write unit; a write that moves a record within an index
//! (its sort key changed) costs one more, which the request alone cannot tell (the old record
//! is not in it) except for updates that set an index key.

use super::schema;
use aws_sdk_dynamodb::config::interceptors::{AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The attributes whose presence puts a record into one of the table's indexes (their
/// partition keys, and the local index's sort key).
fn index_keys() -> impl Iterator<Item = &'static str> {
    schema::GLOBAL_INDEXES.iter().map(|(_, pk, _)| *pk).chain([schema::LOCAL_SORT_KEY])
}

/// Sort keys of the indexes (not the table's own): an update that sets one moves the record
/// within the index.
fn index_sort_keys() -> impl Iterator<Item = &'static str> {
    let mut keys: Vec<&'static str> =
        schema::GLOBAL_INDEXES.iter().map(|(_, _, sk)| *sk).filter(|sk| *sk != "sk").chain([schema::LOCAL_SORT_KEY]).collect();
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

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    read_halves: AtomicU64,
    write_units: AtomicU64,
    index_write_units: AtomicU64,
}

/// Shared counters; clone it freely. `interceptor()` goes on a DynamoDB client's config.
#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Counters>);

impl CapacityMeter {
    pub fn new() -> Self {
        Self::default()
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
        let conf = aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(MeterInterceptor(self.clone())).build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }

    /// Counts one request (its operation, e.g. `PutItem`, and its JSON body); returns how its
    /// answer is to be read.
    fn request(&self, op: &str, body: &Value) -> Pending {
        let c = &self.0;
        c.requests.fetch_add(1, Ordering::Relaxed);
        let mut writes = 0;
        let mut index = 0;
        let mut count_write = |item_bytes: usize, factor: u64, record: &Value, update: Option<&Value>| {
            writes += factor * kb_units(item_bytes, 1024);
            index += index_writes(record, update);
        };
        match op {
            "PutItem" => count_write(item_size(&body["Item"]), 1, &body["Item"], None),
            "UpdateItem" => count_write(update_size(body), 1, &body["Key"], Some(body)),
            "DeleteItem" => count_write(item_size(&body["Key"]), 1, &Value::Null, None),
            "BatchWriteItem" => {
                for requests in body["RequestItems"].as_object().into_iter().flat_map(|m| m.values()) {
                    for r in requests.as_array().into_iter().flatten() {
                        if let Some(item) = r.get("PutRequest").map(|p| &p["Item"]) {
                            count_write(item_size(item), 1, item, None);
                        } else if let Some(key) = r.get("DeleteRequest").map(|d| &d["Key"]) {
                            count_write(item_size(key), 1, &Value::Null, None);
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
                        count_write(item_size(&d["Key"]), 2, &Value::Null, None);
                    } else if let Some(c) = t.get("ConditionCheck") {
                        // Charged as a transactional write of the item it checks.
                        count_write(item_size(&c["Key"]), 2, &Value::Null, None);
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
        Pending { read }
    }

    /// Counts what a read returned.
    fn response(&self, read: Read, body: &Value) {
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
    }
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
        let Some(read) = cfg.load::<Pending>().and_then(|p| p.read) else { return Ok(()) };
        let res = ctx.response();
        if !res.status().is_success() {
            return Ok(());
        }
        if let Some(body) = res.body().bytes().and_then(|b| serde_json::from_slice::<Value>(b).ok()) {
            self.0.response(read, &body);
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
        m.response(p.read.unwrap(), &json!({"Item": {"doc": {"S": "x".repeat(5000)}}}));
        let p = m.request("Query", &json!({"IndexName": "by_status"}));
        m.response(p.read.unwrap(), &json!({"Items": [{"doc": {"S": "x".repeat(3000)}}, {"doc": {"S": "x".repeat(3000)}}]}));
        let p = m.request("GetItem", &json!({"Key": {"pk": {"S": "missing"}}}));
        m.response(p.read.unwrap(), &json!({}));
        assert_eq!(m.units().read_units, 2.0 + 1.0 + 0.5);
        m.request("UpdateItem", &json!({"Key": {"pk": {"S": "L#1"}}, "UpdateExpression": "SET #s = :n", "ExpressionAttributeNames": {"#s": "g3sk"}, "ExpressionAttributeValues": {":n": {"N": "1"}}}));
        assert_eq!(m.units().index_write_units, 3 + 2, "a moved poll schedule is a delete and a put in its index");
        assert_eq!(m.units().requests, 6);
    }
}
