//! lambda-start: how long each Lambda function takes from exec to its first request to the
//! Lambda Runtime API (`GET /2018-06-01/runtime/invocation/next`), beside `hello-lambda`, the
//! smallest `lambda_runtime` function, built the same way and started in the same run.
//!
//! ```sh
//! cargo lambda build --release --bin webhook --bin api ... --bin hello-lambda   # x86_64 here
//! cargo run --release -p inbox-bench --bin lambda-start -- --dir target/lambda --runs 30
//! ```
//!
//! One loopback server plays the Runtime API and SSM Parameter Store (the HTTP functions read
//! their secrets at start with `GetParametersByPath`; `AWS_ENDPOINT_URL` points the SDK at it),
//! so a start here is everything the function does before it can take its first event:
//! configuration, SDK clients, secrets, router, minus the network's round trips (on Lambda an
//! SSM call in the same region adds some milliseconds). Any other request a function makes at
//! start is counted and reported: a start should make none. Each function's resident memory
//! when it asks for its first event and its file size are reported too.

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use clap::Parser;
use inbox_bench::stats::Summary;
use inbox_bench::sys::status_kb_of;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Every function the template deploys, and the baseline.
const FUNCTIONS: &[&str] = &["hello-lambda", "webhook", "api", "ingest", "notifier", "actions", "poller", "integrations", "deliveries"];

/// The secrets the HTTP functions require (any value does: nothing is verified at start).
const SECRETS: &[&str] =
    &["meta-app-secret", "meta-verify-token", "x-consumer-secret", "linkedin-client-secret", "cursor-key", "jwt-secret"];

#[derive(Parser)]
#[command(about = "Start-up time of each Lambda function beside a hello-world lambda_runtime binary")]
struct Args {
    /// Where the built functions are, in cargo lambda's layout: `<dir>/<function>/bootstrap`.
    #[arg(long, default_value = "target/lambda")]
    dir: PathBuf,
    /// Starts per function (they alternate between functions, so a slow moment of the machine
    /// is spread over all of them).
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Write every figure as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Functions to start (default: all of them and hello-lambda).
    functions: Vec<String>,
}

struct Fake {
    /// A request to `/runtime/invocation/next`, when it arrived.
    next: mpsc::UnboundedSender<Instant>,
    ssm_calls: AtomicUsize,
    unexpected: std::sync::Mutex<Vec<String>>,
}

async fn next_invocation(fake: axum::extract::State<Arc<Fake>>) -> impl IntoResponse {
    let _ = fake.next.send(Instant::now());
    // Never answers: the function waits for an event until the bench stops it.
    std::future::pending::<()>().await;
    StatusCode::NO_CONTENT
}

async fn aws_json(fake: axum::extract::State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if target != "AmazonSSM.GetParametersByPath" {
        fake.unexpected.lock().unwrap().push(format!("POST / {target}"));
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/x-amz-json-1.1")],
            json!({"__type": "UnknownOperationException"}).to_string(),
        );
    }
    fake.ssm_calls.fetch_add(1, Ordering::Relaxed);
    let path = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["Path"].as_str().map(String::from)).unwrap_or_default();
    let parameters: Vec<Value> = SECRETS
        .iter()
        .map(|s| json!({"Name": format!("{path}/{s}"), "Type": "SecureString", "Value": format!("bench-{s}"), "Version": 1}))
        .collect();
    (StatusCode::OK, [("content-type", "application/x-amz-json-1.1")], json!({"Parameters": parameters}).to_string())
}

async fn unexpected(fake: axum::extract::State<Arc<Fake>>, uri: Uri) -> impl IntoResponse {
    fake.unexpected.lock().unwrap().push(format!("{uri}"));
    StatusCode::NOT_FOUND
}

struct Figures {
    name: String,
    bytes: u64,
    starts_ms: Vec<f64>,
    rss_kb: Vec<u64>,
}

/// The start-up times' percentiles, ranked as the other benches rank latencies.
fn summary(starts_ms: &[f64]) -> Summary {
    Summary::of(starts_ms.iter().map(|ms| (ms * 1000.0).round() as u32).collect())
}

fn rss_kb(pid: u32) -> u64 {
    status_kb_of(&pid.to_string(), "VmRSS").unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let names: Vec<String> =
        if args.functions.is_empty() { FUNCTIONS.iter().map(|s| s.to_string()).collect() } else { args.functions.clone() };
    let mut figures = Vec::new();
    for name in &names {
        let path = args.dir.join(name).join("bootstrap");
        let bytes = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e} (build it with cargo lambda build --release --bin {name})", path.display()))?
            .len();
        figures.push(Figures { name: name.clone(), bytes, starts_ms: Vec::new(), rss_kb: Vec::new() });
    }

    let (tx, mut rx) = mpsc::unbounded_channel();
    let fake = Arc::new(Fake { next: tx, ssm_calls: AtomicUsize::new(0), unexpected: Default::default() });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
        .route("/", post(aws_json))
        .fallback(unexpected)
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });

    let endpoint = format!("http://{addr}");
    for run in 0..args.runs {
        for f in figures.iter_mut() {
            while rx.try_recv().is_ok() {}
            let mut cmd = tokio::process::Command::new(args.dir.join(&f.name).join("bootstrap"));
            cmd.env_clear()
                .envs([
                    ("AWS_LAMBDA_RUNTIME_API", addr.to_string()),
                    ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
                    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
                    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
                    ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", f.name)),
                    ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
                    ("AWS_REGION", "us-east-1".into()),
                    ("AWS_ACCESS_KEY_ID", "bench".into()),
                    ("AWS_SECRET_ACCESS_KEY", "bench".into()),
                    ("AWS_SESSION_TOKEN", "bench".into()),
                    ("AWS_EC2_METADATA_DISABLED", "true".into()),
                    ("AWS_ENDPOINT_URL", endpoint.clone()),
                    ("INBOX_TABLE", "inbox".into()),
                    ("INBOX_SECRETS_PATH", format!("/inbox/bench/{}", f.name)),
                    ("INBOX_MAIL_FROM", "inbox@example.com".into()),
                ])
                .envs(
                    ["INGEST", "ACTIONS", "NOTIFY", "EVENTS"].map(|q| (format!("INBOX_QUEUE_{q}"), format!("{endpoint}/000000000000/{q}"))),
                )
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .kill_on_drop(true);
            let t0 = Instant::now();
            let mut child = cmd.spawn()?;
            let pid = child.id().unwrap_or(0);
            tokio::select! {
                hit = tokio::time::timeout(Duration::from_secs(10), rx.recv()) => {
                    let at = hit.map_err(|_| format!("{} did not ask for an event within 10 s", f.name))?.ok_or("the fake runtime stopped")?;
                    f.starts_ms.push(at.duration_since(t0).as_secs_f64() * 1e3);
                    f.rss_kb.push(rss_kb(pid));
                }
                status = child.wait() => {
                    let out = child.wait_with_output().await.ok().map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_default();
                    return Err(format!("{} exited ({:?}) before asking for an event (run {run}): {out}", f.name, status.ok()).into());
                }
            }
            child.kill().await?;
        }
    }

    let hello = figures.iter().find(|f| f.name == "hello-lambda").map(|f| summary(&f.starts_ms).p50_ms);
    println!("start-up, exec -> first GET /runtime/invocation/next ({} runs each, loopback fake Runtime API and SSM)", args.runs);
    println!("{:<14} {:>10} {:>9} {:>9} {:>9} {:>12} {:>9}", "function", "size", "median", "p90", "min", "vs hello", "RSS");
    let mut out = Vec::new();
    for f in &figures {
        let s = summary(&f.starts_ms);
        let min = f.starts_ms.iter().copied().min_by(f64::total_cmp).unwrap_or(f64::NAN);
        let (p50, p90) = (s.p50_ms, s.p90_ms);
        let rss = f.rss_kb.iter().copied().max().unwrap_or(0);
        let extra = hello.map(|h| p50 - h);
        println!(
            "{:<14} {:>7.1} MB {:>6.2} ms {:>6.2} ms {:>6.2} ms {:>9} {:>6.1} MB",
            f.name,
            f.bytes as f64 / 1e6,
            p50,
            p90,
            min,
            extra.filter(|_| f.name != "hello-lambda").map(|e| format!("{e:+.2} ms")).unwrap_or_else(|| "-".into()),
            rss as f64 / 1024.0
        );
        out.push(json!({"function": f.name, "bytes": f.bytes, "median_ms": p50, "p90_ms": p90, "min_ms": min, "over_hello_ms": extra, "rss_kb": rss, "starts_ms": f.starts_ms}));
    }
    let unexpected = fake.unexpected.lock().unwrap().clone();
    println!(
        "SSM calls: {} (one per start of webhook and api); other requests at start: {}",
        fake.ssm_calls.load(Ordering::Relaxed),
        unexpected.len()
    );
    for u in unexpected.iter().take(10) {
        println!("  unexpected: {u}");
    }
    if let Some(path) = args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&json!({"runs": args.runs, "functions": out, "unexpected_requests": unexpected}))?)?;
    }
    Ok(())
}
