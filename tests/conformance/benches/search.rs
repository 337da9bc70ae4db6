//! What a search costs on DynamoDB as an account grows (`docs/aws.md`, "Search"): an account
//! of N conversations (1–3 messages each, words from a small vocabulary, one conversation with
//! a rare word) is seeded on moto, then searches run through the store's feed walk on a
//! metered client: a rare word (every page to the end: the walk's whole cost), a common word
//! and a phrase (their first page). The meter counts units as DynamoDB bills them; the walk is
//! linear in the conversations it examines, so the report also gives the cost per 1,000
//! conversations, and what that makes at 100,000 and at 10,000,000.
//!
//! ```text
//! bash scripts/search-bench.sh --conversations 2000      # starts moto, runs this
//! MOTO_ENDPOINT=… cargo bench -p inbox-conformance --bench search -- --conversations 2000
//! ```

use inbox_aws::dynamo::{CapacityMeter, DynamoDbStore};
use inbox_conformance::{moto, store};
use inbox_domain::ports::{ConversationStore, FeedQuery};
use inbox_domain::search::SearchQuery;
use serde_json::json;
use std::sync::Arc;

const VOCABULARY: &[&str] = &[
    "tent",
    "order",
    "size",
    "delivery",
    "refund",
    "sleeping",
    "bag",
    "camping",
    "waterproof",
    "price",
    "shipping",
    "colour",
    "green",
    "blue",
    "stock",
    "when",
    "back",
    "thanks",
    "love",
    "great",
    "broken",
    "zip",
    "pole",
    "return",
    "store",
    "online",
    "weekend",
    "trip",
    "lake",
    "mountain",
    "rain",
    "wind",
    "sale",
    "discount",
    "code",
    "question",
    "answer",
    "hello",
    "please",
    "help",
];
const RARE: &str = "zeppelin";

/// Words of message `i` (a deterministic mix: no RNG, the same account every run).
fn text(i: usize, part: usize) -> String {
    let n = 8 + (i * 7 + part * 3) % 13;
    (0..n).map(|k| VOCABULARY[(i * 31 + part * 17 + k * 11) % VOCABULARY.len()]).collect::<Vec<_>>().join(" ")
}

async fn seed(store: Arc<DynamoDbStore>, n: usize) {
    let mut set = tokio::task::JoinSet::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(n.div_ceil(8).max(1)) {
        let (store, chunk) = (store.clone(), chunk.to_vec());
        set.spawn(async move {
            for i in chunk {
                let id = format!("cnv_s{i:07}");
                let items = (0..1 + i % 3)
                    .map(|part| {
                        let mut t = text(i, part);
                        if i == n / 2 && part == 0 {
                            t.push(' ');
                            t.push_str(RARE);
                        }
                        store::item(&format!("itm_s{i:07}_{part}"), &id, Some(&format!("s{i}_{part}")), &t, i as i64)
                    })
                    .collect();
                store.write(store::create(store::conversation(&id, &id, i as i64), items)).await.expect("seed");
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("seeding task");
    }
}

fn query(search: &str) -> FeedQuery {
    FeedQuery { search: SearchQuery::parse(search), limit: 25, ..store::feed_query(&["prf_1"]) }
}

/// Runs `search` page after page (all of them, or the first `max_pages`) and reports its cost.
async fn measure(store: &DynamoDbStore, meter: &CapacityMeter, search: &str, max_pages: usize, n: usize) -> serde_json::Value {
    let before = meter.units();
    let mut q = query(search);
    let (mut pages, mut found) = (0, 0);
    loop {
        let page = store.feed(&q).await.expect("a search page");
        pages += 1;
        found += page.entries.len();
        match page.next {
            Some(next) if pages < max_pages => q.after = Some(next),
            _ => break,
        }
    }
    let u = meter.units() - before;
    let per_thousand = u.read_units * 1000.0 / n as f64;
    // On-demand reads, us-east-1: $0.125 per million read units.
    let dollars = |rru: f64| rru * 0.125 / 1e6;
    json!({
        "search": search,
        "pages": pages,
        "found": found,
        "requests": u.requests,
        "read_units": u.read_units,
        "read_units_per_1000_conversations": if max_pages == usize::MAX { json!(per_thousand) } else { json!(null) },
        "dollars": dollars(u.read_units),
        "at_100k": if max_pages == usize::MAX { json!({"read_units": per_thousand * 100.0, "dollars": dollars(per_thousand * 100.0), "pages": pages as f64 * 100_000.0 / n as f64}) } else { json!(null) },
        "at_10m": if max_pages == usize::MAX { json!({"read_units": per_thousand * 10_000.0, "dollars": dollars(per_thousand * 10_000.0), "pages": pages as f64 * 10_000_000.0 / n as f64}) } else { json!(null) },
    })
}

fn main() {
    let mut n = 2000usize;
    let mut json_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--conversations" => n = value().parse().expect("--conversations <n>"),
            "--json" => json_out = Some(value()),
            "--bench" => {}
            other => panic!("unknown argument {other} (see benches/search.rs)"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let report = rt.block_on(async {
        let sdk = moto::sdk_config().await;
        let (client, table) = moto::table(&sdk).await;
        let started = std::time::Instant::now();
        seed(Arc::new(DynamoDbStore::new(client, table.clone())), n).await;
        eprintln!("seeded {n} conversations in {:.0} s", started.elapsed().as_secs_f64());
        let meter = CapacityMeter::new();
        let store = DynamoDbStore::new(meter.client(&sdk), table);
        json!({
            "conversations": n,
            "budget": format!("{:?}", inbox_aws::FeedBudget::default()),
            "queries": [
                measure(&store, &meter, RARE, usize::MAX, n).await,
                measure(&store, &meter, "tent", 1, n).await,
                measure(&store, &meter, "\"sleeping bag\"", 1, n).await,
                measure(&store, &meter, "", 1, n).await,
            ],
        })
    });
    let text = serde_json::to_string_pretty(&report).expect("json");
    println!("{text}");
    if let Some(path) = json_out {
        std::fs::write(&path, &text).expect("write the report");
    }
}
