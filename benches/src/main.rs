//! `inbox-bench`: performance of the embedded default, end to end, on this machine.
//!
//! Every scenario starts the real runner in-process (`inbox_local::App`: SQLite in WAL mode,
//! the durable queues, the ingest/notify/actions workers, the HTTP router served by axum on a
//! loopback port) on a fresh data dir, and drives it over real HTTP/1.1 from a load generator
//! that runs in the same process, on a thread and runtime of its own. When several scenarios
//! run, each gets a fresh child process (so that each one's peak memory is its own), unless
//! `--in-process` is given.
//!
//! ```text
//! cargo run --release -p inbox-bench -- all --json target/bench.json
//! cargo run --release -p inbox-bench -- webhook --secs 10 --conns 32
//! cargo run --release -p inbox-bench -- all --quick
//! ```
//!
//! See docs/performance.md for what each scenario measures and the figures of this machine.

mod loadgen;
mod seed;

use clap::{Parser, ValueEnum};
use inbox_bench::stats::{Summary, micros, round1, round3};
use inbox_bench::sys;
use inbox_domain::error::PortError;
use inbox_domain::messages::QueueName;
use inbox_local::App;
use inbox_local::config::Config;
use inbox_local::demo;
use inbox_sqlite::{Db, Durability};
use loadgen::{Conn, Source, Webhooks, on_client_thread};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Every scenario below, in order.
    All,
    /// Webhook answers per second at saturation (closed loop), the runner's workers ingesting.
    Webhook,
    /// The same with the queue workers stopped: the webhook path alone (a diagnostic).
    WebhookNoIngest,
    /// Webhook answer latency at a fixed request rate (open loop), the workers ingesting.
    Latency,
    /// The same with the queue workers stopped (a diagnostic).
    LatencyNoIngest,
    /// Events per second from webhook to stored conversation, and nothing lost.
    E2e,
    /// Feed pages and searches over a large account.
    Feed,
    /// One thread growing to 10,000 messages: the cost of an append as the thread grows.
    Thread,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SyncMode {
    /// `synchronous=FULL`: every commit survives a power cut (the runner's default).
    Full,
    /// `synchronous=NORMAL`: commits survive a killed process, not a power cut.
    Normal,
}

#[derive(Debug, Parser)]
#[command(name = "inbox-bench", about = "Throughput, latency and memory of the embedded inbox, over real HTTP on loopback")]
struct Args {
    /// Scenarios to run.
    #[arg(value_enum, default_values_t = [Scenario::All])]
    scenarios: Vec<Scenario>,
    /// Small sizes and short windows: everything in well under 30 s (a smoke test).
    #[arg(long)]
    quick: bool,
    /// Also write the figures as JSON to this path.
    #[arg(long)]
    json: Option<PathBuf>,
    /// SQLite durability of the runner.
    #[arg(long, value_enum, default_value_t = SyncMode::Full)]
    durability: SyncMode,
    /// Webhooks to post.
    #[arg(long, value_enum, default_value_t = Source::X)]
    source: Source,
    /// Keep-alive connections of the load generator [default: 32].
    #[arg(long)]
    conns: Option<usize>,
    /// Measured seconds of the webhook and latency scenarios [default: 10; quick: 2].
    #[arg(long)]
    secs: Option<f64>,
    /// Warm-up seconds before each measured window (requests sent, not recorded) [default: 1; quick: 0.5].
    #[arg(long)]
    warmup: Option<f64>,
    /// Requests per second of the latency scenario [default: 5000].
    #[arg(long)]
    rate: Option<f64>,
    /// Events posted by the end-to-end scenario [default: 20000; quick: 3000].
    #[arg(long)]
    events: Option<usize>,
    /// Conversations in the account of the feed scenario [default: 100000; quick: 10000].
    #[arg(long)]
    conversations: Option<usize>,
    /// Feed page requests timed [default: 500; quick: 100].
    #[arg(long)]
    feed_requests: Option<usize>,
    /// Searches timed [default: 200; quick: 40].
    #[arg(long)]
    searches: Option<usize>,
    /// Messages appended to the one thread of the thread scenario [default: 10000; quick: 2000].
    #[arg(long)]
    thread_items: Option<usize>,
    /// Signatures computed before the saturation window, per second of it (more are signed
    /// in the window if the server is faster than this).
    #[arg(long, default_value_t = 40_000)]
    presign_rate: u64,
    /// Where to make the scenarios' data dirs (deleted afterwards) [default: the system temp dir].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Keep the scenarios' data dirs (their paths are printed), to look into a seeded database.
    #[arg(long)]
    keep_data: bool,
    /// Run every scenario in this one process. By default each scenario of a run of several
    /// runs in a fresh child process, so that its peak memory is its own (memory a scenario
    /// freed is not always handed back to the system, and would count against the next one).
    #[arg(long)]
    in_process: bool,
    /// Internal: this process runs scenarios for a parent; print no table.
    #[arg(long, hide = true)]
    child: bool,
}

impl Args {
    /// The command line of a child process that runs `scenario` with this run's settings.
    fn child_args(&self, scenario: Scenario, json: &std::path::Path) -> Vec<String> {
        let name = scenario.to_possible_value().expect("scenario name").get_name().to_string();
        let mut a = vec![name, "--child".into(), "--json".into(), json.display().to_string()];
        let mut opt = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                a.push(format!("--{k}"));
                a.push(v);
            }
        };
        opt("durability", self.durability.to_possible_value().map(|v| v.get_name().to_string()));
        opt("source", self.source.to_possible_value().map(|v| v.get_name().to_string()));
        opt("conns", self.conns.map(|v| v.to_string()));
        opt("secs", self.secs.map(|v| v.to_string()));
        opt("warmup", self.warmup.map(|v| v.to_string()));
        opt("rate", self.rate.map(|v| v.to_string()));
        opt("events", self.events.map(|v| v.to_string()));
        opt("conversations", self.conversations.map(|v| v.to_string()));
        opt("feed-requests", self.feed_requests.map(|v| v.to_string()));
        opt("searches", self.searches.map(|v| v.to_string()));
        opt("thread-items", self.thread_items.map(|v| v.to_string()));
        opt("presign-rate", Some(self.presign_rate.to_string()));
        opt("data-dir", self.data_dir.as_ref().map(|d| d.display().to_string()));
        if self.quick {
            a.push("--quick".into());
        }
        if self.keep_data {
            a.push("--keep-data".into());
        }
        a
    }
}

/// The sizes a run uses, after `--quick` and explicit flags.
#[derive(Debug, Clone)]
struct Plan {
    conns: usize,
    secs: f64,
    warmup: f64,
    rate: f64,
    events: usize,
    conversations: usize,
    feed_requests: usize,
    searches: usize,
    thread_items: usize,
}

impl Plan {
    fn of(a: &Args) -> Plan {
        let q = a.quick;
        Plan {
            conns: a.conns.unwrap_or(32).max(1),
            secs: a.secs.unwrap_or(if q { 2.0 } else { 10.0 }),
            warmup: a.warmup.unwrap_or(if q { 0.5 } else { 1.0 }),
            rate: a.rate.unwrap_or(5000.0),
            events: a.events.unwrap_or(if q { 3_000 } else { 20_000 }),
            conversations: a.conversations.unwrap_or(if q { 10_000 } else { 100_000 }),
            feed_requests: a.feed_requests.unwrap_or(if q { 100 } else { 500 }),
            searches: a.searches.unwrap_or(if q { 40 } else { 200 }),
            thread_items: a.thread_items.unwrap_or(if q { 2_000 } else { 10_000 }),
        }
    }
}

/// A running inbox on a fresh data dir, listening on a loopback port, demo directory seeded.
struct Server {
    app: App,
    addr: std::net::SocketAddr,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start(args: &Args, workers: bool) -> Server {
        let dir = match &args.data_dir {
            Some(parent) => {
                std::fs::create_dir_all(parent).expect("data dir");
                tempfile::tempdir_in(parent)
            }
            None => tempfile::tempdir(),
        }
        .expect("temp dir");
        let mut config = Config::for_tests(dir.path());
        config.durability = match args.durability {
            SyncMode::Full => Durability::Full,
            SyncMode::Normal => Durability::Normal,
        };
        config.max_attempts = 5;
        config.workers = workers;
        let mut app = App::start(config).await.expect("the inbox starts");
        demo::seed_directory(&app.state.deps).await.expect("demo directory");
        let addr = app.serve().await.expect("the inbox listens");
        Server { app, addr, dir }
    }

    async fn count(&self, sql: &'static str) -> i64 {
        count(&self.app.db, sql).await
    }

    async fn stop(self, keep: bool) {
        self.app.stop().await;
        if keep {
            eprintln!("data kept in {}", self.dir.keep().display());
        }
    }
}

async fn count(db: &Arc<Db>, sql: &'static str) -> i64 {
    db.read(move |c| c.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(|e| PortError::Unavailable(e.to_string())))
        .await
        .expect("count query")
}

const COUNT_CONVERSATIONS: &str = "SELECT COUNT(*) FROM conversations";
const COUNT_ITEMS: &str = "SELECT COUNT(*) FROM items";
const COUNT_DEAD: &str = "SELECT COUNT(*) FROM dead_letters";

/// Peak RSS bookkeeping across scenarios (`VmHWM` is reset at the start of each).
#[derive(Default)]
struct Memory {
    reset_works: bool,
    peaks: Vec<(String, f64)>,
}

impl Memory {
    /// Starts a measured phase: what came before (start-up, pre-signing) is recorded as setup.
    fn begin(&mut self) {
        self.peaks.push(("setup".into(), sys::peak_rss_mb()));
        self.reset_works = sys::reset_peak();
    }
    fn end(&mut self, what: &str) -> f64 {
        let p = sys::peak_rss_mb();
        self.peaks.push((what.to_string(), p));
        p
    }
    fn overall(&self) -> f64 {
        self.peaks.iter().map(|p| p.1).fold(sys::peak_rss_mb(), f64::max)
    }
}

fn duration(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.max(0.0))
}

fn cpu_json(c: sys::CpuUse) -> Value {
    let threads: serde_json::Map<String, Value> = c.threads.iter().map(|(k, v)| (k.clone(), json!(round3(*v)))).collect();
    json!({"bench_process_cores": round3(c.own_cores), "other_processes_cores": round3(c.other_cores), "threads_cores": threads})
}

// ---------------------------------------------------------------------------------------------
// 1. Webhook answers at saturation

async fn webhook(args: &Args, plan: &Plan, mem: &mut Memory, workers: bool) -> Value {
    let server = Server::start(args, workers).await;
    let total_secs = plan.warmup + plan.secs;
    let presign = (total_secs * args.presign_rate as f64).ceil() as u64;
    let hooks = Arc::new(Webhooks::new(args.source, server.addr, &server.app.config.web, 0, presign));
    let presigned_mb = hooks.presigned_bytes() as f64 / 1048576.0;
    mem.begin();
    let cpu = sys::CpuWatch::start();
    let (addr, conns, h) = (server.addr, plan.conns, hooks.clone());
    let (warmup, window) = (duration(plan.warmup), duration(plan.secs));
    let run = on_client_thread(move || loadgen::closed_loop(addr, h, conns, warmup, Some(window), None)).await;
    let cpu = cpu.stop();
    let backlog = server.app.queue.depth(QueueName::Ingest).await.unwrap_or(0);
    let stored = server.count(COUNT_CONVERSATIONS).await;
    let peak = mem.end(if workers { "webhook" } else { "webhook, no ingest" });
    server.stop(args.keep_data).await;
    let lat = Summary::of(run.latencies_us.clone());
    let rps = lat.count as f64 / run.window.as_secs_f64().max(1e-9);
    json!({
        "connections": conns,
        "workers_running": workers,
        "measured_secs": round3(run.window.as_secs_f64()),
        "warmup_secs": plan.warmup,
        "requests_measured": lat.count,
        "requests_sent": run.sent,
        "errors": run.errors,
        "first_error": run.first_error,
        "requests_per_sec": round1(rps),
        "latency": lat.json(),
        "signed_in_window": hooks.signed_inline(),
        "presigned_signatures_mb": round3(presigned_mb),
        "ingested_during_run": stored,
        "ingest_backlog_at_end": backlog,
        "cpu": cpu_json(cpu),
        "peak_rss_mb": round1(peak),
    })
}

// ---------------------------------------------------------------------------------------------
// 2. Latency at a fixed rate

async fn latency(args: &Args, plan: &Plan, mem: &mut Memory, workers: bool) -> Value {
    let server = Server::start(args, workers).await;
    let presign = ((plan.warmup + plan.secs) * plan.rate).ceil() as u64 + 16;
    let hooks = Arc::new(Webhooks::new(args.source, server.addr, &server.app.config.web, 0, presign));
    mem.begin();
    let cpu = sys::CpuWatch::start();
    let (addr, conns, rate) = (server.addr, plan.conns, plan.rate);
    let (warmup, window) = (duration(plan.warmup), duration(plan.secs));
    let h = hooks.clone();
    let run = on_client_thread(move || loadgen::open_loop(addr, h, conns, rate, warmup, window)).await;
    let cpu = cpu.stop();
    let backlog = server.app.queue.depth(QueueName::Ingest).await.unwrap_or(0);
    let peak = mem.end(if workers { "latency" } else { "latency, no ingest" });
    server.stop(args.keep_data).await;
    let from_due = Summary::of(run.from_due_us.clone());
    let service = Summary::of(run.service_us.clone());
    json!({
        "target_rate": rate,
        "connections": conns,
        "workers_running": workers,
        "measured_secs": round3(run.window.as_secs_f64()),
        "requests_measured": from_due.count,
        "achieved_rate": round1(from_due.count as f64 / run.window.as_secs_f64().max(1e-9)),
        "errors": run.errors,
        "first_error": run.first_error,
        "latency_from_due": from_due.json(),
        "latency_on_the_wire": service.json(),
        "send_lag": Summary::of(run.send_lag_us.clone()).json(),
        "client_max_backlog": run.max_backlog,
        "signed_in_window": hooks.signed_inline(),
        "ingest_backlog_at_end": backlog,
        "cpu": cpu_json(cpu),
        "peak_rss_mb": round1(peak),
    })
}

// ---------------------------------------------------------------------------------------------
// 3. End to end: webhook to stored conversation

async fn e2e(args: &Args, plan: &Plan, mem: &mut Memory) -> Value {
    let server = Server::start(args, true).await;
    let n = plan.events as u64;
    let hooks = Arc::new(Webhooks::new(args.source, server.addr, &server.app.config.web, 0, n));
    mem.begin();
    let cpu = sys::CpuWatch::start();
    let start = Instant::now();
    let (addr, conns, h) = (server.addr, plan.conns, hooks.clone());
    let run = on_client_thread(move || loadgen::closed_loop(addr, h, conns, Duration::ZERO, None, Some(n))).await;
    let posted = start.elapsed();
    let stored_at_posted = server.count(COUNT_CONVERSATIONS).await;
    // Wait for the last conversation to be stored.
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut stored = stored_at_posted;
    while stored < n as i64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
        stored = server.count(COUNT_CONVERSATIONS).await;
    }
    let all_stored = start.elapsed();
    let settled = server.app.settle(Duration::from_secs(60)).await;
    let cpu = cpu.stop();
    let conversations = server.count(COUNT_CONVERSATIONS).await;
    let items = server.count(COUNT_ITEMS).await;
    let dead = server.count(COUNT_DEAD).await;
    let peak = mem.end("e2e");
    server.stop(args.keep_data).await;
    // Each event is a DM from a sender of its own: one conversation and one item each.
    let accepted = run.sent - run.errors;
    let lost = accepted as i64 - conversations.min(items);
    json!({
        "events": n,
        "connections": plan.conns,
        "accepted": accepted,
        "webhook_errors": run.errors,
        "first_error": run.first_error,
        "post_secs": round3(posted.as_secs_f64()),
        "post_rate": round1(n as f64 / posted.as_secs_f64()),
        "stored_when_posting_ended": stored_at_posted,
        "total_secs": round3(all_stored.as_secs_f64()),
        "events_per_sec": round1(conversations as f64 / all_stored.as_secs_f64()),
        "queues_drained": settled,
        "conversations": conversations,
        "items": items,
        "dead_letters": dead,
        "lost": lost,
        "all_stored_once": run.errors == 0 && conversations == n as i64 && items == n as i64 && dead == 0,
        "webhook_latency": Summary::of(run.latencies_us).json(),
        "cpu": cpu_json(cpu),
        "peak_rss_mb": round1(peak),
    })
}

// ---------------------------------------------------------------------------------------------
// 4. Feed and search over a large account

use inbox_domain::percent_encode as enc;

struct Timed {
    label: &'static str,
    latency_us: u32,
}

/// Latency summaries by label, in the order the labels first appear.
fn by_label(all: &[Timed]) -> Value {
    let mut labels: Vec<&str> = Vec::new();
    for t in all {
        if !labels.contains(&t.label) {
            labels.push(t.label);
        }
    }
    let out = labels
        .into_iter()
        .map(|l| (l.to_string(), Summary::of(all.iter().filter(|t| t.label == l).map(|t| t.latency_us).collect()).json()))
        .collect::<serde_json::Map<_, _>>();
    Value::Object(out)
}

async fn feed(args: &Args, plan: &Plan, mem: &mut Memory) -> Value {
    let server = Server::start(args, true).await;
    mem.begin();
    let seed_start = Instant::now();
    let seen = seed::seed(server.app.state.deps.conversations.clone(), plan.conversations, 256).await;
    let seed_secs = seed_start.elapsed().as_secs_f64();
    let conversations = server.count(COUNT_CONVERSATIONS).await;
    let items = server.count(COUNT_ITEMS).await;
    let seed_peak = mem.end("feed seeding");
    let db_mb = std::fs::metadata(server.app.db.path()).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;

    let web = &server.app.config.web;
    let token = |user: &str| {
        inbox_web::auth::mint(
            web.jwt_secret.expose(),
            &inbox_domain::UserId::from(user),
            &inbox_domain::AccountId::from(demo::ACCOUNT),
            chrono::Duration::hours(2),
        )
    };
    let (alice, bob) = (token(demo::ALICE), token(demo::BOB));
    let (addr, n_feed, n_search) = (server.addr, plan.feed_requests, plan.searches);
    mem.begin();
    let cpu = sys::CpuWatch::start();
    let (feed_runs, search_runs, hits, errors, first_error) = on_client_thread(move || async move {
        let mut conn = Conn::open(addr).await.expect("connect");
        let (mut first_error, mut errors): (Option<String>, u64) = (None, 0);
        // Times one request (the whole answer read); parses the answer after the clock stops.
        let mut get = async |conn: &mut Conn, path: String, bearer: &str| -> (u32, Value) {
            let t0 = Instant::now();
            let r = conn.get(&path, bearer).await;
            let us = micros(t0.elapsed());
            match r {
                Ok((s, body)) if s.is_success() => (us, serde_json::from_slice(&body).unwrap_or(Value::Null)),
                Ok((s, body)) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{path}: {s} {}", String::from_utf8_lossy(&body)));
                    (us, Value::Null)
                }
                Err(e) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("{path}: {e}"));
                    (us, Value::Null)
                }
            }
        };
        // Warm-up (not recorded): first requests make each user's default tabs.
        for (path, who) in [
            ("/api/conversations?tab=tab_demo_alice_0&limit=25", &alice),
            ("/api/conversations?tab=tab_demo_bob_0&limit=25", &bob),
            ("/api/conversations?status=any&limit=25&q=order", &alice),
        ] {
            for _ in 0..5 {
                get(&mut conn, path.to_string(), who).await;
            }
        }
        // Feed pages: each listing's first page, then its next pages through the cursor.
        let listings: [(&'static str, &'static str, &str, usize); 7] = [
            ("inbox_tab", "tab=tab_demo_alice_0", &alice, 5),
            ("assigned_to_me_tab", "tab=tab_demo_alice_1", &alice, 2),
            ("assigned_to_any_tab", "tab=tab_demo_alice_2", &alice, 2),
            ("inbox_tab_unseen", "tab=tab_demo_alice_0&seen=false", &alice, 2),
            ("inbox_tab_twitter", "tab=tab_demo_alice_0&network=twitter", &alice, 2),
            ("closed", "status=closed", &alice, 1),
            ("member_inbox_tab", "tab=tab_demo_bob_0", &bob, 3),
        ];
        let mut feed_runs: Vec<Timed> = Vec::with_capacity(n_feed);
        'outer: while feed_runs.len() < n_feed {
            for (label, query, who, pages) in listings {
                let mut cursor: Option<String> = None;
                for page in 0..pages {
                    if feed_runs.len() >= n_feed {
                        break 'outer;
                    }
                    let path = match &cursor {
                        None => format!("/api/conversations?{query}&limit=25"),
                        Some(c) => format!("/api/conversations?{query}&limit=25&cursor={}", enc(c)),
                    };
                    let (us, body) = get(&mut conn, path, who).await;
                    feed_runs.push(Timed { label: if page == 0 { label } else { "next_pages" }, latency_us: us });
                    cursor = body["next_cursor"].as_str().map(String::from);
                    if cursor.is_none() {
                        break;
                    }
                }
            }
        }
        // Searches over every conversation of the account (status any, Alice is an admin).
        let common = ["order", "refund", "delivery", "tent", "size"];
        let rare = seed::words(seed::RARE);
        let phrases = ["\"tracking number\"", "\"sleeping bag\"", "\"the order\""];
        let exclusions = ["order -refund", "delivery -late", "tent -pole -stakes"];
        let mut search_runs: Vec<Timed> = Vec::with_capacity(n_search);
        let mut hits: Vec<(String, usize)> = Vec::new();
        for k in 0..n_search {
            let (label, q) = match k % 4 {
                0 => ("common_word", common[k / 4 % common.len()].to_string()),
                1 => ("rare_word", rare[k / 4 % rare.len()].to_string()),
                2 => ("phrase", phrases[k / 4 % phrases.len()].to_string()),
                _ => ("exclusion", exclusions[k / 4 % exclusions.len()].to_string()),
            };
            let (us, body) = get(&mut conn, format!("/api/conversations?status=any&limit=25&q={}", enc(&q)), &alice).await;
            search_runs.push(Timed { label, latency_us: us });
            if !hits.iter().any(|(h, _)| *h == q) {
                hits.push((q, body["conversations"].as_array().map(Vec::len).unwrap_or(0)));
            }
        }
        (feed_runs, search_runs, hits, errors, first_error)
    })
    .await;
    let cpu = cpu.stop();
    let peak = mem.end("feed and search");
    server.stop(args.keep_data).await;
    let feed_all = Summary::of(feed_runs.iter().map(|t| t.latency_us).collect());
    let search_all = Summary::of(search_runs.iter().map(|t| t.latency_us).collect());
    json!({
        "conversations": conversations,
        "items": items,
        "seen_by_alice": seen,
        "seed_secs": round3(seed_secs),
        "seed_rate": round1(conversations as f64 / seed_secs),
        "seed_peak_rss_mb": round1(seed_peak),
        "db_file_mb": round1(db_mb),
        "feed": feed_all.json(),
        "feed_by_listing": by_label(&feed_runs),
        "search": search_all.json(),
        "search_by_kind": by_label(&search_runs),
        "search_first_page_hits": hits.into_iter().map(|(q, n)| json!({"q": q, "hits": n})).collect::<Vec<_>>(),
        "errors": errors,
        "first_error": first_error,
        "cpu": cpu_json(cpu),
        "peak_rss_mb": round1(peak),
    })
}

// ---------------------------------------------------------------------------------------------
// 5. One growing thread

/// Appends `plan.thread_items` replies to one X thread through the ingest use case (what the
/// ingest worker runs for each event), one after the other, and reports the appends per second
/// of each band of 1,000 messages. An append whose cost grows with the thread shows as a falling
/// rate; the ratio of the last band to the first says how much.
async fn thread(args: &Args, plan: &Plan, mem: &mut Memory) -> Value {
    use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
    use inbox_domain::{Author, Direction, Kind, Network};
    let server = Server::start(args, true).await;
    let deps = server.app.state.deps.clone();
    let root = 1_880_000_000_000_000_000u64;
    let start_at = chrono::Utc::now() - chrono::Duration::days(1);
    let event = |i: u64| InboundEvent {
        network: Network::Twitter,
        profile_external_id: demo::X_USER.into(),
        platform_id: (root + i).to_string(),
        thread: ThreadRef {
            kind: if i == 0 { Kind::Mention } else { Kind::Reply },
            thread_key: root.to_string(),
            parent_platform_id: (i > 0).then(|| root.to_string()),
            post_id: None,
        },
        occurred_at: start_at + chrono::Duration::seconds(i as i64),
        change: Change::Posted {
            direction: Direction::Inbound,
            text: format!("reply number {i} to the viral tweet: does the tent come in green, and when is the sale? #tent"),
            author: Author {
                id: format!("{}", 1_500_000_000_000_000_000u64 + i % 997),
                name: format!("Fan {}", i % 997),
                handle: format!("fan{}", i % 997),
            },
            correlation: None,
        },
        sponsored: false,
    };
    mem.begin();
    let cpu = sys::CpuWatch::start();
    let n = plan.thread_items.max(1000) as u64;
    let band = 1_000u64;
    let mut bands: Vec<f64> = Vec::new();
    let mut latencies: Vec<u32> = Vec::new();
    let start = Instant::now();
    let mut band_start = Instant::now();
    for i in 0..n {
        let t0 = Instant::now();
        inbox_domain::usecases::ingest(&deps, &event(i)).await.expect("append");
        latencies.push(micros(t0.elapsed()));
        if (i + 1) % band == 0 {
            bands.push(band as f64 / band_start.elapsed().as_secs_f64());
            band_start = Instant::now();
        }
    }
    let total = start.elapsed().as_secs_f64();
    let settled = server.app.settle(Duration::from_secs(120)).await;
    let cpu = cpu.stop();
    let items = server.count(COUNT_ITEMS).await;
    let conversations = server.count(COUNT_CONVERSATIONS).await;
    let peak = mem.end("thread");
    server.stop(args.keep_data).await;
    let first = Summary::of(latencies[..band as usize].to_vec());
    let last = Summary::of(latencies[latencies.len() - band as usize..].to_vec());
    json!({
        "messages": n,
        "conversations": conversations,
        "items": items,
        "seconds": round3(total),
        "appends_per_sec": round1(n as f64 / total),
        "appends_per_sec_by_band_of_1000": bands.iter().map(|b| round1(*b)).collect::<Vec<_>>(),
        "last_band_over_first": round3(bands.last().copied().unwrap_or(0.0) / bands.first().copied().unwrap_or(1.0)),
        "first_1000": first.json(),
        "last_1000": last.json(),
        "queues_drained": settled,
        "cpu": cpu_json(cpu),
        "peak_rss_mb": round1(peak),
    })
}

// ---------------------------------------------------------------------------------------------
// The report

struct Target {
    name: &'static str,
    goal: String,
    value: Option<f64>,
    unit: &'static str,
    met: Option<bool>,
}

fn target(name: &'static str, goal: &str, value: Option<f64>, unit: &'static str, ok: impl Fn(f64) -> bool) -> Target {
    Target { name, goal: goal.into(), value, unit, met: value.map(ok) }
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(*k)).and_then(Value::as_f64)
}

fn print_report(report: &Value, targets: &[Target]) {
    let line = |k: &str, v: String| println!("  {k:<44} {v}");
    let ms = |v: &Value, p: &[&str]| num(v, p).map(|x| format!("{x:.3} ms")).unwrap_or_else(|| "-".into());
    let threads = |cpu: &Value| {
        let parts: Vec<String> =
            cpu["threads_cores"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} {:.2}", v.as_f64().unwrap_or(0.0))).collect();
        line("  by thread (cores)", parts.join(", "));
    };
    let m = &report["machine"];
    println!();
    println!(
        "inbox-bench  ({} CPUs: {}; {} MB RAM; durability {})",
        m["cpus"],
        m["cpu_model"].as_str().unwrap_or("?"),
        m["mem_total_mb"],
        report["config"]["durability"].as_str().unwrap_or("?")
    );
    for (key, title) in [
        ("webhook", "1. Webhook answers at saturation, workers ingesting as the runner does"),
        ("webhook_no_ingest", "1b. Webhook answers at saturation, queue workers stopped (the webhook path alone)"),
    ] {
        let Some(w) = report.get(key) else { continue };
        println!("\n{title} ({} connections, {} s)", w["connections"], w["measured_secs"]);
        line("requests/s", format!("{}", w["requests_per_sec"]));
        line(
            "latency p50 / p99 / max",
            format!("{} / {} / {}", ms(w, &["latency", "p50_ms"]), ms(w, &["latency", "p99_ms"]), ms(w, &["latency", "max_ms"])),
        );
        line("errors", format!("{}", w["errors"]));
        line("ingested during run / ingest backlog at end", format!("{} / {}", w["ingested_during_run"], w["ingest_backlog_at_end"]));
        line(
            "CPU: bench process / other processes (cores)",
            format!("{} / {}", w["cpu"]["bench_process_cores"], w["cpu"]["other_processes_cores"]),
        );
        threads(&w["cpu"]);
    }
    for (key, title) in [
        ("latency", "2. Webhook latency at a fixed rate, workers ingesting"),
        ("latency_no_ingest", "2b. Webhook latency at a fixed rate, queue workers stopped"),
    ] {
        let Some(l) = report.get(key) else { continue };
        println!("\n{title} ({} req/s, open loop, {} connections)", l["target_rate"], l["connections"]);
        line("achieved rate", format!("{} req/s", l["achieved_rate"]));
        for (label, k) in [
            ("from due time: p50 / p99 / max", "latency_from_due"),
            ("on the wire:   p50 / p99 / max", "latency_on_the_wire"),
            ("send lag:      p50 / p99 / max", "send_lag"),
        ] {
            line(label, format!("{} / {} / {}", ms(l, &[k, "p50_ms"]), ms(l, &[k, "p99_ms"]), ms(l, &[k, "max_ms"])));
        }
        line("errors", format!("{}", l["errors"]));
        line(
            "CPU: bench process / other processes (cores)",
            format!("{} / {}", l["cpu"]["bench_process_cores"], l["cpu"]["other_processes_cores"]),
        );
        threads(&l["cpu"]);
    }
    if let Some(e) = report.get("e2e") {
        println!("\n3. End to end, webhook to stored conversation ({} events)", e["events"]);
        line("posting: seconds / events/s", format!("{} / {}", e["post_secs"], e["post_rate"]));
        line("all stored after (s)", format!("{}", e["total_secs"]));
        line("events/s end to end", format!("{}", e["events_per_sec"]));
        line(
            "conversations / items / dead letters / lost",
            format!("{} / {} / {} / {}", e["conversations"], e["items"], e["dead_letters"], e["lost"]),
        );
        line("every event stored once / queues drained", format!("{} / {}", e["all_stored_once"], e["queues_drained"]));
        line(
            "CPU: bench process / other processes (cores)",
            format!("{} / {}", e["cpu"]["bench_process_cores"], e["cpu"]["other_processes_cores"]),
        );
        threads(&e["cpu"]);
    }
    if let Some(f) = report.get("feed") {
        println!("\n4. Feed and search ({} conversations, {} items, DB {} MB)", f["conversations"], f["items"], f["db_file_mb"]);
        line("seeding: seconds / conversations/s", format!("{} / {}", f["seed_secs"], f["seed_rate"]));
        line("errors", format!("{}", f["errors"]));
        line(
            "feed pages: n / p50 / p99 / max",
            format!(
                "{} / {} / {} / {}",
                f["feed"]["count"],
                ms(f, &["feed", "p50_ms"]),
                ms(f, &["feed", "p99_ms"]),
                ms(f, &["feed", "max_ms"])
            ),
        );
        if let Some(o) = f["feed_by_listing"].as_object() {
            for (k, v) in o {
                line(&format!("  {k}: p50 / p99"), format!("{} / {}", ms(v, &["p50_ms"]), ms(v, &["p99_ms"])));
            }
        }
        line(
            "searches: n / p50 / p99 / max",
            format!(
                "{} / {} / {} / {}",
                f["search"]["count"],
                ms(f, &["search", "p50_ms"]),
                ms(f, &["search", "p99_ms"]),
                ms(f, &["search", "max_ms"])
            ),
        );
        if let Some(o) = f["search_by_kind"].as_object() {
            for (k, v) in o {
                line(&format!("  {k}: p50 / p99"), format!("{} / {}", ms(v, &["p50_ms"]), ms(v, &["p99_ms"])));
            }
        }
    }
    if let Some(t) = report.get("thread") {
        println!("\n5. One thread growing to {} messages (one append at a time, through the ingest use case)", t["messages"]);
        line("appends/s overall", format!("{}", t["appends_per_sec"]));
        line("appends/s by band of 1,000", format!("{}", t["appends_per_sec_by_band_of_1000"]));
        line("last band / first band", format!("{}", t["last_band_over_first"]));
        line("append p50: first 1,000 / last 1,000", format!("{} / {}", ms(t, &["first_1000", "p50_ms"]), ms(t, &["last_1000", "p50_ms"])));
        line("conversations / items", format!("{} / {}", t["conversations"], t["items"]));
    }
    let mem = &report["memory"];
    println!("\n6. Peak resident memory (VmHWM; the load generator runs in the same process)");
    let phases = |v: &Value| {
        for p in v["phases"].as_array().into_iter().flatten() {
            line(&format!("  {}", p["phase"].as_str().unwrap_or("?")), format!("{} MB", p["peak_rss_mb"]));
        }
    };
    match mem["processes"].as_array() {
        Some(ps) => {
            for p in ps {
                line(&format!("{} process", p["scenario"].as_str().unwrap_or("?")), format!("{} MB", p["process_peak_rss_mb"]));
                phases(p);
            }
        }
        None => phases(mem),
    }
    line("highest", format!("{} MB", mem["process_peak_rss_mb"]));
    let other = report["max_other_processes_cores"].as_f64().unwrap_or(0.0);
    if other >= 0.2 {
        println!(
            "\nCONTENTION: other processes used up to {other:.2} of the {} cores during a scenario; the figures above are lower than this machine can do.",
            m["cpus"]
        );
    }
    println!("\nTargets");
    for t in targets {
        let v = t.value.map(|v| format!("{v:.3} {}", t.unit)).unwrap_or_else(|| "not run".into());
        let met = match t.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "-",
        };
        println!("  {:<40} {:<16} {:<22} {met}", t.name, t.goal, v);
    }
    println!();
}

/// Runs `wanted` in this process; answers the report's scenario figures and memory.
fn run_here(args: &Args, plan: &Plan, wanted: &[Scenario], started: Instant) -> Value {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let mut mem = Memory::default();
    let mut report = json!({});
    rt.block_on(async {
        for s in wanted {
            eprintln!("[{:>6.1}s] running {s:?}", started.elapsed().as_secs_f64());
            let (key, v) = match s {
                Scenario::Webhook => ("webhook", webhook(args, plan, &mut mem, true).await),
                Scenario::WebhookNoIngest => ("webhook_no_ingest", webhook(args, plan, &mut mem, false).await),
                Scenario::Latency => ("latency", latency(args, plan, &mut mem, true).await),
                Scenario::LatencyNoIngest => ("latency_no_ingest", latency(args, plan, &mut mem, false).await),
                Scenario::E2e => ("e2e", e2e(args, plan, &mut mem).await),
                Scenario::Feed => ("feed", feed(args, plan, &mut mem).await),
                Scenario::Thread => ("thread", thread(args, plan, &mut mem).await),
                Scenario::All => continue,
            };
            report[key] = v;
        }
    });
    drop(rt);
    let phases: Vec<Value> =
        mem.peaks.iter().filter(|(k, _)| k != "setup").map(|(k, v)| json!({"phase": k, "peak_rss_mb": round1(*v)})).collect();
    report["memory"] = json!({
        "process_peak_rss_mb": round1(mem.overall()),
        "phases": phases,
        "peak_reset_per_phase": mem.reset_works,
    });
    report
}

/// Runs each of `wanted` in a child process of its own and merges their reports.
fn run_children(args: &Args, wanted: &[Scenario], started: Instant) -> Value {
    let exe = std::env::current_exe().expect("own executable");
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut report = json!({});
    let mut processes = Vec::new();
    for (i, s) in wanted.iter().enumerate() {
        let path = tmp.path().join(format!("{i}.json"));
        eprintln!("[{:>6.1}s] running {s:?} in a child process", started.elapsed().as_secs_f64());
        let status = std::process::Command::new(&exe).args(args.child_args(*s, &path)).status().expect("start a child process");
        assert!(status.success(), "the {s:?} scenario failed ({status})");
        let child: Value = serde_json::from_slice(&std::fs::read(&path).expect("child report")).expect("child report JSON");
        report[k_of(*s)] = child[k_of(*s)].clone();
        let m = &child["memory"];
        processes.push(json!({"scenario": k_of(*s), "process_peak_rss_mb": m["process_peak_rss_mb"], "phases": m["phases"]}));
    }
    let peak = processes.iter().filter_map(|p| p["process_peak_rss_mb"].as_f64()).fold(0.0, f64::max);
    report["memory"] = json!({"process_peak_rss_mb": peak, "processes": processes});
    report
}

/// The report key of a scenario.
fn k_of(s: Scenario) -> &'static str {
    match s {
        Scenario::All => "all",
        Scenario::Webhook => "webhook",
        Scenario::WebhookNoIngest => "webhook_no_ingest",
        Scenario::Latency => "latency",
        Scenario::LatencyNoIngest => "latency_no_ingest",
        Scenario::E2e => "e2e",
        Scenario::Feed => "feed",
        Scenario::Thread => "thread",
    }
}

fn main() {
    let args = Args::parse();
    let plan = Plan::of(&args);
    let mut wanted = args.scenarios.clone();
    if wanted.contains(&Scenario::All) {
        wanted = vec![
            Scenario::Webhook,
            Scenario::WebhookNoIngest,
            Scenario::Latency,
            Scenario::LatencyNoIngest,
            Scenario::E2e,
            Scenario::Feed,
            Scenario::Thread,
        ];
    }
    wanted.dedup();
    let machine = sys::machine();
    let started = Instant::now();
    let separate = wanted.len() > 1 && !args.in_process && !args.child;
    let mut report = if separate { run_children(&args, &wanted, started) } else { run_here(&args, &plan, &wanted, started) };
    report["command"] = json!(std::env::args().collect::<Vec<_>>().join(" "));
    report["machine"] = json!({
        "cpus": machine.cpus,
        "cpu_model": machine.cpu_model,
        "mem_total_mb": machine.mem_total_mb,
        "kernel": machine.kernel,
        "loadavg_at_start": machine.loadavg,
    });
    report["config"] = json!({
        "durability": format!("{:?}", args.durability).to_lowercase(),
        "source": format!("{:?}", args.source).to_lowercase(),
        "quick": args.quick,
        "connections": plan.conns,
        "secs": plan.secs,
        "warmup_secs": plan.warmup,
        "rate": plan.rate,
        "events": plan.events,
        "conversations": plan.conversations,
        "feed_requests": plan.feed_requests,
        "searches": plan.searches,
        "thread_items": plan.thread_items,
        "server_runtime_threads": machine.cpus,
        "process_per_scenario": separate,
        "load_generator": "in the scenario's process: hyper HTTP/1.1 client, one task per keep-alive connection, on its own single-threaded runtime",
    });
    report["memory"]["note"] = json!(
        "VmHWM of the process that ran the scenario: the server, its SQLite caches, the workers and the in-process load generator (including its pre-signed signatures)."
    );
    // CPU other processes took while scenarios ran: this machine may be shared.
    let contention = ["webhook", "webhook_no_ingest", "latency", "latency_no_ingest", "e2e", "feed", "thread"]
        .iter()
        .filter_map(|k| report[*k]["cpu"]["other_processes_cores"].as_f64())
        .fold(0.0, f64::max);
    report["max_other_processes_cores"] = json!(round3(contention));
    report["loadavg_at_end"] = json!(sys::loadavg());
    report["total_secs"] = json!(round1(started.elapsed().as_secs_f64()));
    let targets = vec![
        target("webhook req/s at saturation", ">= 20000", num(&report, &["webhook", "requests_per_sec"]), "req/s", |v| v >= 20_000.0),
        target("webhook p99 at 5,000 req/s", "<= 5 ms", num(&report, &["latency", "latency_from_due", "p99_ms"]), "ms", |v| v <= 5.0),
        target("end-to-end events/s", ">= 5000", num(&report, &["e2e", "events_per_sec"]), "events/s", |v| v >= 5000.0),
        target("end-to-end events lost", "0", num(&report, &["e2e", "lost"]), "", |v| v == 0.0),
        target("feed page p99", "<= 5 ms", num(&report, &["feed", "feed", "p99_ms"]), "ms", |v| v <= 5.0),
        target("search p99", "<= 50 ms", num(&report, &["feed", "search", "p99_ms"]), "ms", |v| v <= 50.0),
        target("thread: last 1,000 appends/s over first", ">= 0.8", num(&report, &["thread", "last_band_over_first"]), "", |v| v >= 0.8),
        target("peak resident memory", "<= 200 MB", num(&report, &["memory", "process_peak_rss_mb"]), "MB", |v| v <= 200.0),
    ];
    report["targets"] =
        targets.iter().map(|t| json!({"name": t.name, "goal": t.goal, "value": t.value, "met": t.met})).collect::<Vec<_>>().into();
    if !args.child {
        print_report(&report, &targets);
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report).expect("json")).expect("write the JSON report");
        if !args.child {
            eprintln!("figures written to {}", path.display());
        }
    }
}
