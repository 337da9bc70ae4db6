//! The load generator: HTTP/1.1 keep-alive connections (hyper's connection-level client, one
//! task per connection) on a runtime of its own, in a thread of its own, so that its scheduling
//! does not mix with the server's (both still share the machine's cores).
//!
//! Webhook bodies are real X DM (or Messenger) payloads from the demo's builders, each with its
//! own event id and sender (so each one makes a new conversation). The body of request `i` is
//! rendered from a template by pasting numbers into it (no JSON encoding in the timed window),
//! and its signature is computed before the timed window starts.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use inbox_local::demo;
use inbox_platforms::signature::{META_SIGNATURE_HEADER, X_SIGNATURE_HEADER, sign_meta, sign_x};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc};

use inbox_bench::stats::micros;

/// Which network's webhook to post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// X Account Activity direct messages (`POST /webhooks/x`).
    X,
    /// Meta Messenger messages (`POST /webhooks/meta`).
    Meta,
}

/// Runs `make()` to completion on a fresh single-threaded runtime in a new thread, and waits
/// for it without blocking the caller's runtime.
pub async fn on_client_thread<F, Fut, T>(make: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("load-generator".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("client runtime");
            let _ = tx.send(rt.block_on(make()));
        })
        .expect("load generator thread");
    rx.await.expect("load generator panicked")
}

/// A JSON body with numbered holes: `render(i)` fills each hole with a number derived from `i`.
struct Template {
    parts: Vec<Part>,
    len_hint: usize,
}

enum Part {
    Text(Vec<u8>),
    /// `base + i`, as decimal digits.
    Number(u64),
}

impl Template {
    /// Splits `text` at each marker; marker `k` becomes the number `bases[k] + i`.
    fn new(text: &str, markers: &[(&str, u64)]) -> Template {
        let mut parts = Vec::new();
        let mut rest = text;
        loop {
            let next = markers.iter().filter_map(|(m, base)| rest.find(m).map(|at| (at, m.len(), *base))).min_by_key(|(at, ..)| *at);
            match next {
                Some((at, len, base)) => {
                    parts.push(Part::Text(rest.as_bytes()[..at].to_vec()));
                    parts.push(Part::Number(base));
                    rest = &rest[at + len..];
                }
                None => {
                    parts.push(Part::Text(rest.as_bytes().to_vec()));
                    break;
                }
            }
        }
        Template { parts, len_hint: text.len() + 64 }
    }

    fn render(&self, i: u64, out: &mut Vec<u8>) {
        use std::io::Write;
        for p in &self.parts {
            match p {
                Part::Text(t) => out.extend_from_slice(t),
                Part::Number(base) => {
                    let _ = write!(out, "{}", base + i);
                }
            }
        }
    }
}

/// Signed webhook requests, numbered from 0.
pub struct Webhooks {
    template: Template,
    path: &'static str,
    host: HeaderValue,
    header: HeaderName,
    sign: fn(&[u8], &[u8]) -> String,
    secret: Vec<u8>,
    /// Signatures of requests `0..presigned`, each `sig_len` bytes, back to back.
    sigs: Bytes,
    sig_len: usize,
    presigned: u64,
    /// Requests signed in the timed window because the pre-signed ones ran out.
    signed_inline: AtomicU64,
    /// Index of the first request: lets several runs against one database use fresh ids.
    pub first: u64,
}

/// Signs a body with a secret (`sign_x` or `sign_meta`).
type Signer = fn(&[u8], &[u8]) -> String;

impl Webhooks {
    /// Builds the template for `source` and signs requests `first..first + presign`.
    pub fn new(source: Source, addr: SocketAddr, web: &inbox_web::WebConfig, first: u64, presign: u64) -> Webhooks {
        let at_ms = chrono::Utc::now().timestamp_millis();
        // Markers are replaced by numbers; each request gets its own sender (so its own
        // conversation) and its own event id.
        let (text, path, header, sign, secret): (String, _, _, Signer, _) = match source {
            Source::X => {
                let body = demo::x_dm(
                    "@@EVENT@@",
                    ("@@SENDER@@", "Customer @@ORDER@@", "customer@@ORDER@@"),
                    "Hi, my order @@ORDER@@ has not arrived yet. Tracking says it left the warehouse last week, can you check?",
                    at_ms,
                );
                (body.to_string(), "/webhooks/x", X_SIGNATURE_HEADER, sign_x, web.x_consumer_secret.expose().as_bytes().to_vec())
            }
            Source::Meta => {
                let body = demo::messenger(
                    "@@SENDER@@",
                    "m_bench_@@EVENT@@",
                    "Hi, my order @@ORDER@@ has not arrived yet. Tracking says it left the warehouse last week, can you check?",
                    at_ms,
                );
                (body.to_string(), "/webhooks/meta", META_SIGNATURE_HEADER, sign_meta, web.meta_app_secret.expose().as_bytes().to_vec())
            }
        };
        let template = Template::new(
            &text,
            &[("@@EVENT@@", 1_880_000_000_000_000_000), ("@@SENDER@@", 1_600_000_000_000_000_000), ("@@ORDER@@", 100_000)],
        );
        let mut w = Webhooks {
            template,
            path,
            host: HeaderValue::from_str(&addr.to_string()).expect("host header"),
            header: HeaderName::from_static(header),
            sign,
            secret,
            sigs: Bytes::new(),
            sig_len: 0,
            presigned: 0,
            signed_inline: AtomicU64::new(0),
            first,
        };
        w.presign(presign);
        w
    }

    fn body(&self, i: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.template.len_hint);
        self.template.render(self.first + i, &mut out);
        out
    }

    /// Signs requests `0..n` on every core (before any timed window).
    fn presign(&mut self, n: u64) {
        let sig_len = (self.sign)(&self.secret, b"").len();
        let mut arena = vec![0u8; n as usize * sig_len];
        let threads = std::thread::available_parallelism().map(|t| t.get()).unwrap_or(1).max(1);
        let per = (n as usize).div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (chunk_no, chunk) in arena.chunks_mut(per * sig_len).enumerate() {
                let me = &*self;
                s.spawn(move || {
                    for (k, slot) in chunk.chunks_mut(sig_len).enumerate() {
                        let i = (chunk_no * per + k) as u64;
                        let sig = (me.sign)(&me.secret, &me.body(i));
                        slot.copy_from_slice(sig.as_bytes());
                    }
                });
            }
        });
        self.sigs = Bytes::from(arena);
        self.sig_len = sig_len;
        self.presigned = n;
    }

    /// Bytes held by the pre-signed signatures (load-generator memory).
    pub fn presigned_bytes(&self) -> usize {
        self.sigs.len()
    }

    pub fn signed_inline(&self) -> u64 {
        self.signed_inline.load(Ordering::Relaxed)
    }

    /// The signed request number `i`.
    pub fn request(&self, i: u64) -> Request<Full<Bytes>> {
        let body = self.body(i);
        let sig = if i < self.presigned {
            let at = i as usize * self.sig_len;
            HeaderValue::from_maybe_shared(self.sigs.slice(at..at + self.sig_len)).expect("signature header")
        } else {
            self.signed_inline.fetch_add(1, Ordering::Relaxed);
            HeaderValue::from_str(&(self.sign)(&self.secret, &body)).expect("signature header")
        };
        Request::post(self.path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(self.header.clone(), sig)
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { sender, addr })
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<(StatusCode, Bytes), String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let res = self.sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    }

    /// Opens a new connection after an error.
    async fn reopen(&mut self) -> bool {
        match Conn::open(self.addr).await {
            Ok(c) => {
                *self = c;
                true
            }
            Err(_) => false,
        }
    }

    pub async fn get(&mut self, path_and_query: &str, bearer: &str) -> Result<(StatusCode, Bytes), String> {
        let req = Request::get(path_and_query)
            .header(HOST, self.addr.to_string())
            .header("authorization", format!("Bearer {bearer}"))
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        self.send(req).await
    }
}

async fn open_all(addr: SocketAddr, n: usize) -> Vec<Conn> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(Conn::open(addr).await.expect("connect to the server"));
    }
    conns
}

/// The outcome of a closed-loop run (each connection sends its next request as soon as the
/// previous answer is in).
#[derive(Debug, Default)]
pub struct ClosedRun {
    /// Answer latencies of the requests started in the measured window (µs).
    pub latencies_us: Vec<u32>,
    /// From the start of the measured window to the last answer.
    pub window: Duration,
    /// Requests sent in all (warm-up included).
    pub sent: u64,
    /// Answers other than 200, and transport errors.
    pub errors: u64,
    pub first_error: Option<String>,
}

/// Posts webhooks on `conns` connections: for `warmup` + `window`, or until `total` requests.
pub async fn closed_loop(
    addr: SocketAddr,
    hooks: Arc<Webhooks>,
    conns: usize,
    warmup: Duration,
    window: Option<Duration>,
    total: Option<u64>,
) -> ClosedRun {
    let connections = open_all(addr, conns).await;
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = window.map(|w| measure_from + w);
    let mut tasks = tokio::task::JoinSet::new();
    for mut conn in connections {
        let (hooks, next) = (hooks.clone(), next.clone());
        tasks.spawn(async move {
            let mut lat = Vec::with_capacity(1 << 16);
            let (mut sent, mut errors, mut first_error, mut last_end) = (0u64, 0u64, None, measure_from);
            loop {
                if end.is_some_and(|e| Instant::now() >= e) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if total.is_some_and(|t| i >= t) {
                    break;
                }
                let req = hooks.request(i);
                let t0 = Instant::now();
                let r = conn.send(req).await;
                let t1 = Instant::now();
                sent += 1;
                match r {
                    Ok((StatusCode::OK, _)) => {}
                    Ok((s, body)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{s}: {}", String::from_utf8_lossy(&body)));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                        if !conn.reopen().await {
                            break;
                        }
                    }
                }
                if t0 >= measure_from {
                    lat.push(micros(t1 - t0));
                    last_end = last_end.max(t1);
                }
            }
            (lat, sent, errors, first_error, last_end)
        });
    }
    let mut run = ClosedRun::default();
    let mut last = measure_from;
    while let Some(r) = tasks.join_next().await {
        let (lat, sent, errors, first_error, last_end) = r.expect("connection task");
        run.latencies_us.extend(lat);
        run.sent += sent;
        run.errors += errors;
        if run.first_error.is_none() {
            run.first_error = first_error;
        }
        last = last.max(last_end);
    }
    run.window = last.saturating_duration_since(measure_from);
    run
}

/// The outcome of an open-loop run (requests are due at fixed times whatever the answers do).
#[derive(Debug, Default)]
pub struct OpenRun {
    /// From when each measured request was due to its answer (µs): includes any wait for a
    /// free connection, so a stall shows up in full (no coordinated omission).
    pub from_due_us: Vec<u32>,
    /// From when each measured request was written to its answer (µs).
    pub service_us: Vec<u32>,
    /// From when each measured request was due to when it was written (µs): the load
    /// generator's own lag (waking up, getting the CPU) plus any wait for a free connection.
    pub send_lag_us: Vec<u32>,
    /// From the first due time of the measured window to the last answer.
    pub window: Duration,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Requests due but not yet sent, at worst (the client fell behind by this many).
    pub max_backlog: u64,
}

/// Posts webhooks at `rate` per second for `warmup` + `window` on a pool of `conns` connections.
pub async fn open_loop(addr: SocketAddr, hooks: Arc<Webhooks>, conns: usize, rate: f64, warmup: Duration, window: Duration) -> OpenRun {
    let connections = open_all(addr, conns).await;
    let (tx, rx) = mpsc::unbounded_channel::<(u64, Instant)>();
    let rx = Arc::new(Mutex::new(rx));
    let taken = Arc::new(AtomicU64::new(0));
    let start = Instant::now() + Duration::from_millis(5);
    let measure_from = start + warmup;
    let end = measure_from + window;
    let mut tasks = tokio::task::JoinSet::new();
    for mut conn in connections {
        let (hooks, rx, taken) = (hooks.clone(), rx.clone(), taken.clone());
        tasks.spawn(async move {
            let (mut from_due, mut service, mut lag) =
                (Vec::with_capacity(1 << 15), Vec::with_capacity(1 << 15), Vec::with_capacity(1 << 15));
            let (mut errors, mut first_error, mut last_end) = (0u64, None, measure_from);
            loop {
                let job = rx.lock().await.recv().await;
                let Some((i, due)) = job else { break };
                taken.fetch_add(1, Ordering::Relaxed);
                let req = hooks.request(i);
                let t0 = Instant::now();
                let r = conn.send(req).await;
                let t1 = Instant::now();
                match r {
                    Ok((StatusCode::OK, _)) => {}
                    Ok((s, body)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{s}: {}", String::from_utf8_lossy(&body)));
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                        if !conn.reopen().await {
                            break;
                        }
                    }
                }
                if due >= measure_from {
                    from_due.push(micros(t1 - due));
                    service.push(micros(t1 - t0));
                    lag.push(micros(t0.saturating_duration_since(due)));
                    last_end = last_end.max(t1);
                }
            }
            (from_due, service, lag, errors, first_error, last_end)
        });
    }
    // The dispatcher: request i is due at start + i / rate. It runs on an OS thread of its own
    // and sleeps with the system's high-resolution timer: the runtime's timer ticks every
    // millisecond, which would release requests in bursts up to a millisecond late.
    let dispatcher = std::thread::Builder::new()
        .name("load-dispatcher".into())
        .spawn(move || {
            let mut max_backlog = 0u64;
            let mut i = 0u64;
            loop {
                let due = start + Duration::from_secs_f64(i as f64 / rate);
                if due >= end {
                    break;
                }
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
                if tx.send((i, due)).is_err() {
                    break;
                }
                i += 1;
                max_backlog = max_backlog.max(i - taken.load(Ordering::Relaxed));
            }
            max_backlog
        })
        .expect("dispatcher thread");
    let mut tasks_done = Vec::new();
    while let Some(r) = tasks.join_next().await {
        tasks_done.push(r.expect("connection task"));
    }
    // The connection tasks end when the dispatcher has dropped its sender: it has finished.
    let max_backlog = dispatcher.join().expect("dispatcher");
    let mut run = OpenRun { max_backlog, ..OpenRun::default() };
    let mut last = measure_from;
    for (from_due, service, lag, errors, first_error, last_end) in tasks_done {
        run.from_due_us.extend(from_due);
        run.service_us.extend(service);
        run.send_lag_us.extend(lag);
        run.errors += errors;
        if run.first_error.is_none() {
            run.first_error = first_error;
        }
        last = last.max(last_end);
    }
    run.window = last.saturating_duration_since(measure_from);
    run
}
