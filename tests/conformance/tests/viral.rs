//! The viral spike scenario (`benches/viral`), run small: its model must keep its books on
//! every run (each comment and reply sent is stored exactly once once the queues drain, every
//! receive is accounted for), so that the figures the bench reports can be trusted. The full
//! run is a bench, not a test: `bash scripts/viral.sh`.

#[path = "../benches/viral/scenario.rs"]
mod scenario;
#[path = "../benches/viral/sim.rs"]
mod sim;

/// A DynamoDB client whose requests the proxy throttles at `limits` (in the simulated time of
/// the message they are made in), and what its calls met.
fn throttled_client(sdk: &aws_config::SdkConfig, limits: sim::Limits) -> (aws_sdk_dynamodb::Client, std::sync::Arc<sim::Calls>) {
    let calls = std::sync::Arc::new(sim::Calls::default());
    let interceptor = sim::SimInterceptor { latency: sim::Latency::default(), limits: Some(limits), calls: calls.clone() };
    let (client, _) = sim::clients(sdk, &interceptor, &inbox_aws::dynamo::CapacityMeter::new());
    (client, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_spike_drains_with_every_event_stored_once() {
    let o = scenario::Options { scale: 0.01, secs: 3, agents: 100, drain_limit: 1800.0, ..Default::default() };
    let r = scenario::run(&o).await;
    println!("{}", serde_json::to_string_pretty(&r).unwrap());
    assert_eq!((r.comments_sent, r.replies_sent), (60, 30), "2,000 and 1,000 a second at 1%, for 3 s");
    assert!(r.drained, "the queues drain: {r:?}");
    assert_eq!((r.missing, r.duplicated), (0, 0), "every event once: {r:?}");
    assert_eq!(r.items_stored, r.comments_sent + r.replies_sent);
    assert_eq!(r.conversations_created, 60, "a conversation per top-level comment");
    assert_eq!(r.x_thread_items, 30);
    let ingest = &r.sources[0].1;
    // Every receive is a message's last, a failure or a hand-back (refused for throughput).
    assert_eq!(ingest.receives, ingest.messages + ingest.failed_receives + ingest.handed_back - ingest.dead_letters, "{ingest:?}");
    assert!(r.feed_reads >= 1 && r.feed_errors == 0, "the agents read their feeds: {r:?}");
    assert!(r.write_units > 0 && !r.hot_keys.is_empty(), "the meter saw the run per key");
}

/// The limits the scenario relies on, as the SDK meets them from the proxy in front of moto
/// (`scripts/dynamo_throttle.py`): a key takes its write units a second and no more, the SDK
/// retries the refusal and gives up, a transaction names the throttled action, an index's key
/// is throttled on its own, a batch read hands back what it could not read, and a request
/// without the scenario's header is never throttled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_throttles_a_hot_key_as_dynamodb_does() {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
    use inbox_conformance::moto;

    let sdk = moto::sdk_config().await;
    let (plain, table) = moto::table(&sdk).await;
    let (client, calls) = throttled_client(&sdk, sim::Limits { write_units: 0.2, read_units: 2.0 });
    let s = |v: &str| AttributeValue::S(v.to_string());
    let record = |pk: &str, sk: &str| {
        [("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))].into_iter().collect::<std::collections::HashMap<_, _>>()
    };
    let put = |pk: &str, sk: &str| client.put_item().table_name(&table).set_item(Some(record(pk, sk)));

    sim::run_at(0.0, async {
        // A fifth of a unit a second: the first write puts the key in debt for 4 s, longer than
        // the SDK's backoff (under 1 s, then under 2 s) before its two retries.
        put("hot", "0").send().await.expect("the key has units");
        let e = put("hot", "1").send().await.expect_err("the key is out of units");
        assert_eq!(e.code(), Some("ProvisionedThroughputExceededException"), "{e:?}");
        put("cold", "1").send().await.expect("another key has its own limit");
    })
    .await;
    assert_eq!(sim::Calls::get(&calls.throttled), 3, "the SDK's standard mode tries 3 times");
    assert_eq!(sim::Calls::get(&calls.retries), 2);

    let tx = |pk: &str, sk: &str| {
        TransactWriteItem::builder().put(Put::builder().table_name(&table).set_item(Some(record(pk, sk))).build().unwrap()).build()
    };
    sim::run_at(0.05, async {
        let e = client
            .transact_write_items()
            .transact_items(tx("fresh", "1"))
            .transact_items(tx("hot", "t"))
            .send()
            .await
            .expect_err("throttled");
        let reasons: Vec<_> = match e.as_service_error() {
            Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c)) => {
                c.cancellation_reasons().iter().map(|r| r.code().unwrap_or_default().to_string()).collect()
            }
            other => panic!("a cancelled transaction, not {other:?}"),
        };
        assert_eq!(reasons, ["None", "ThrottlingError"]);
    })
    .await;
    assert_eq!(sim::Calls::get(&calls.throttled_transactions), 1, "the SDK does not retry a cancelled transaction");

    // A global index's key is a partition of its own: records of many table keys that share
    // one feed key are throttled there.
    let feed = |i: usize| {
        let mut r = record(&format!("C#{i}"), "C");
        r.insert("g1pk".into(), s("acc#open"));
        r.insert("g1sk".into(), s(&format!("{i:04}")));
        client.put_item().table_name(&table).set_item(Some(r))
    };
    sim::run_at(10.0, async {
        feed(0).send().await.expect("the index key has units");
        let e = feed(1).send().await.expect_err("the index key is out of units");
        assert!(e.message().unwrap_or_default().contains("global secondary indexes"), "{e:?}");
    })
    .await;

    // Reads: a batch hands back the keys whose partition is out of read units.
    sim::run_at(20.0, async {
        // Two units a second, a little refill in the calls' own time: the third read puts the
        // key in debt.
        for i in 0..3 {
            let key = record("hot", &i.to_string());
            client.get_item().table_name(&table).set_key(Some(key)).consistent_read(true).send().await.expect("within the read units");
        }
        let keys =
            KeysAndAttributes::builder().set_keys(Some(vec![record("hot", "0"), record("hot", "1"), record("cold", "1")])).build().unwrap();
        let got = client.batch_get_item().request_items(&table, keys).send().await.expect("the cold key is read");
        let read = got.responses().and_then(|r| r.get(&table)).map_or(0, Vec::len);
        let left = got.unprocessed_keys().and_then(|u| u.get(&table)).map_or(0, |k| k.keys().len());
        assert_eq!((read, left), (1, 2), "the hot keys come back unprocessed");
    })
    .await;
    assert_eq!(sim::Calls::get(&calls.unprocessed), 1);

    // Without the scenario's header nothing is throttled.
    for i in 0..20 {
        plain.put_item().table_name(&table).set_item(Some(record("hot", &format!("plain{i}")))).send().await.expect("not throttled");
    }
}

/// A transaction cancelled because an item was throttled is tried again in the function after
/// a jittered backoff (the SDK never retries a cancelled transaction): the append succeeds once
/// the key has units again, instead of failing the message back to its queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_transaction_is_tried_again_after_a_backoff() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_conformance::moto;
    use inbox_conformance::store::{conversation, create, item, update};
    use inbox_domain::ports::ConversationStore;

    let sdk = moto::sdk_config().await;
    let (_, table) = moto::table(&sdk).await;
    let (client, calls) = throttled_client(&sdk, sim::Limits { write_units: 20.0, read_units: 3000.0 });
    let store = inbox_aws::DynamoDbStore::new(client.clone(), &table);

    let (written, _) = sim::run_at(0.0, async {
        store.write(create(conversation("cnv_t", "t1", 0), vec![item("itm_1", "cnv_t", Some("p1"), "first", 0)])).await.unwrap();
        // 21 units on the conversation's partition: its bucket (20 a second) is a unit in debt,
        // which it pays back in 50 ms.
        let big = [
            ("pk".to_string(), AttributeValue::S("C#cnv_t".into())),
            ("sk".to_string(), AttributeValue::S("Z#ballast".into())),
            ("x".to_string(), AttributeValue::S("x".repeat(20 * 1024 + 100))),
        ];
        client.put_item().table_name(&table).set_item(Some(big.into_iter().collect())).send().await.expect("the bucket had units");
        let mut next = conversation("cnv_t", "t1", 1);
        next.version = 1;
        store.write(update(next, vec![item("itm_2", "cnv_t", Some("p2"), "second", 1)])).await
    })
    .await;
    written.expect("the append waits for the key rather than failing");
    assert!(sim::Calls::get(&calls.throttled_transactions) >= 1, "it was throttled first");
    let items = store.items(&"cnv_t".into()).await.unwrap();
    assert_eq!(items.len(), 2, "both items, once each");
}
