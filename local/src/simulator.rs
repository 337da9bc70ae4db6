//! The network simulator: fake Graph, X, LinkedIn and YouTube APIs on a loopback port, so the
//! whole loop runs on one machine without real accounts. The real `inbox-networks` clients and
//! pollers are pointed at it (`NetworkConfig::all_at`). It
//! - answers every outbound call the clients make, with new platform ids, and records it;
//! - serves poll answers (LinkedIn comments, YouTube comment threads, X mentions) from a script;
//! - when it knows the inbox's address, sends back what the networks would: a signed echo of
//!   each Messenger message and X tweet we post, as webhooks.

mod signin;

pub use signin::{
    APPS as SIGN_IN_APPS, ORGANIZATIONS as SIGN_IN_ORGANIZATIONS, PAGES as SIGN_IN_PAGES, X_ACCOUNTS as SIGN_IN_X_ACCOUNTS,
    YOUTUBE_CHANNELS as SIGN_IN_YOUTUBE_CHANNELS,
};

use crate::demo;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use inbox_domain::Network;
use inbox_web::WebConfig;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One call the simulator received.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Value,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// The status it was answered with when the simulated network was down or limiting
    /// (`None`: handed to the network's handler).
    pub refused: Option<u16>,
}

/// What the simulated networks have to say when polled.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// LinkedIn comments per post URN (elements of `socialActions/{urn}/comments`).
    pub linkedin: HashMap<String, Vec<Value>>,
    /// YouTube comment threads (items of `commentThreads.list`).
    pub youtube: Vec<Value>,
    /// X mentions (`data` of `users/{id}/mentions`) and their authors.
    pub x_mentions: Vec<Value>,
    pub x_users: Vec<Value>,
    /// Answer `subscribed_apps` with no app, as for a Page that lost its webhook subscription.
    pub meta_unsubscribed: bool,
    /// Posts by id, each as its network answers a read of it (a Graph post or media object,
    /// an X v2 tweet lookup, a LinkedIn post, a YouTube `videos.list`). Other ids are not found.
    pub posts: HashMap<String, Value>,
    /// The networks are down: every call answers 503.
    pub down: bool,
    /// The next call answers 429 with `Retry-After` (and X's `x-rate-limit-reset`) of this many
    /// seconds; the ones after it are answered as usual.
    pub rate_limit_next: Option<u64>,
}

struct Sim {
    requests: Mutex<Vec<Recorded>>,
    next: AtomicU64,
    script: Mutex<Script>,
    /// Where to send echoes, once the inbox listens; and the secrets to sign them.
    inbox: Mutex<Option<(SocketAddr, WebConfig)>>,
    http: reqwest::Client,
    signin: Arc<signin::SignInState>,
}

/// A running simulator.
#[derive(Clone)]
pub struct Simulator {
    pub addr: SocketAddr,
    sim: Arc<Sim>,
}

impl Simulator {
    /// Starts the simulator on a free loopback port.
    pub async fn start(script: Script) -> std::io::Result<Simulator> {
        let sim = Arc::new(Sim {
            requests: Mutex::new(vec![]),
            next: AtomicU64::new(1),
            script: Mutex::new(script),
            inbox: Mutex::new(None),
            http: reqwest::Client::new(),
            signin: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let router = routes()
            .merge(signin::api_routes().with_state(sim.signin.clone()))
            .layer(axum::middleware::from_fn_with_state(sim.clone(), authorize_and_record))
            // The sign-in pages and token endpoints take no bearer token: recorded only.
            .merge(signin::routes().with_state(sim.signin.clone()).layer(axum::middleware::from_fn_with_state(sim.clone(), record_only)))
            .with_state(sim.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Simulator { addr, sim })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Echo what we post back to the inbox at `addr`, signed with its secrets.
    pub fn echo_to(&self, addr: SocketAddr, web: WebConfig) {
        *self.sim.inbox.lock().expect("lock") = Some((addr, web));
    }

    /// Every call received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.sim.requests.lock().expect("lock").clone()
    }

    pub fn script(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.sim.script.lock().expect("lock"));
    }

    /// Makes every access token the simulated sign-in of `network` issued expire now: the next
    /// call with one is answered 401, as the network answers an expired token.
    pub fn expire_access_tokens(&self, network: Network) -> usize {
        self.sim.signin.expire_all(network)
    }

    /// `network` stops accepting `token` (a password change, a lost Page role, the app removed):
    /// every call with it is answered as an expired token is.
    pub fn revoke_token(&self, network: Network, token: &str) {
        self.sim.signin.revoke(network, token)
    }

    /// Revokes every refresh token `network`'s sign-in issued (the user removed the app).
    pub fn revoke_refresh_tokens(&self, network: Network) {
        self.sim.signin.revoke_refresh(network)
    }

    /// Refresh tokens of `network` spent (X) or revoked so far.
    pub fn refresh_tokens_spent(&self, network: Network) -> usize {
        self.sim.signin.refreshes_spent(network)
    }
}

/// The inbox registered with the simulated networks' sign-in at `base`.
pub fn sign_in_config(base: &str) -> inbox_networks::SignInConfig {
    let app = |network| {
        SIGN_IN_APPS.iter().find(|(n, _, _)| *n == network).map(|(_, id, secret)| inbox_networks::AppCredentials {
            client_id: id.to_string(),
            client_secret: inbox_domain::SecretString::new(*secret),
        })
    };
    inbox_networks::SignInConfig {
        meta: app(Network::Facebook),
        x: app(Network::Twitter),
        linkedin: app(Network::Linkedin),
        google: app(Network::Youtube),
        x_webhook_id: Some("1500000000000000001".into()),
        ..inbox_networks::SignInConfig::all_at(base)
    }
}

/// Records a sign-in call (they carry no bearer token).
async fn record_only(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    sim.record(&parts.method, &parts.uri, &bytes, None);
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/_sim/requests", get(list_requests))
        // Whom a token belongs to (connecting a profile)
        .route("/{version}/me", get(graph_me))
        .route("/2/users/me", get(x_me))
        .route("/rest/organizationAcls", get(linkedin_acls))
        .route("/youtube/v3/channels", get(youtube_channels))
        // Graph API (Facebook, Messenger, Instagram): POST /{version}/{object}/{edge}
        .route("/{version}/{object}/{edge}", post(graph).get(graph_read))
        .route("/{version}/{object}", get(graph_object))
        // X API v2
        .route("/2/tweets", post(x_tweet))
        .route("/2/users/{id}/likes", post(x_like))
        .route("/2/users/{id}/retweets", post(x_retweet))
        .route("/2/dm_conversations/with/{participant}/messages", post(x_dm))
        .route("/2/users/{id}/mentions", get(x_mentions))
        .route("/2/tweets/{id}", get(read_post))
        // LinkedIn
        .route("/rest/socialActions/{urn}/comments", post(linkedin_comment).get(linkedin_comments))
        .route("/rest/reactions", post(linkedin_reaction))
        .route("/rest/posts/{urn}", get(read_post))
        .route("/rest/posts", get(linkedin_posts_batch))
        // YouTube
        .route("/youtube/v3/comments", post(youtube_comment))
        .route("/youtube/v3/commentThreads", get(youtube_threads))
        .route("/youtube/v3/videos", get(read_post))
}

/// Every call to a simulated network: refused without a bearer token (as the networks refuse
/// it), else recorded (for tests to check) and handed on.
async fn authorize_and_record(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    if let Some(r) = unauthorized_without_bearer(request.headers()) {
        return r;
    }
    let token =
        request.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
    if let Some(network) = sim.signin.expired(token) {
        sim.record(request.method(), request.uri(), &Bytes::new(), Some(401));
        return signin::expired_answer(network);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let refusal = {
        let mut script = sim.script.lock().expect("lock");
        if script.down {
            Some((StatusCode::SERVICE_UNAVAILABLE, None))
        } else {
            script.rate_limit_next.take().map(|secs| (StatusCode::TOO_MANY_REQUESTS, Some(secs)))
        }
    };
    sim.record(&parts.method, &parts.uri, &bytes, refusal.map(|(status, _)| status.as_u16()));
    match refusal {
        None => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Some((status, None)) => {
            (status, Json(json!({"error": {"message": "Service temporarily unavailable", "code": 2, "is_transient": true}})))
                .into_response()
        }
        Some((status, Some(secs))) => {
            let reset = (Utc::now().timestamp() + secs as i64).to_string();
            let body = json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429,
                "error": {"message": "(#4) Application request limit reached", "code": 4}});
            (status, [("retry-after", secs.to_string()), ("x-rate-limit-reset", reset), ("x-rate-limit-remaining", "0".into())], Json(body))
                .into_response()
        }
    }
}

/// A request body as JSON (`Null` when it is not).
fn json_of(body: &Bytes) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

impl Sim {
    fn record(&self, method: &Method, uri: &Uri, body: &Bytes, refused: Option<u16>) {
        let body = json_of(body);
        self.requests.lock().expect("lock").push(Recorded {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().map(String::from),
            body,
            at: Utc::now(),
            refused,
        });
    }

    fn id(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Posts `body` to the inbox as a signed webhook, in the background (as a network would,
    /// a moment after answering the API call).
    fn echo(self: &Arc<Self>, path: &'static str, body: Value) {
        let Some((addr, web)) = self.inbox.lock().expect("lock").clone() else { return };
        let sim = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            let bytes = serde_json::to_vec(&body).expect("serialisable");
            let (header, sig) = demo::signed(path, &web, &bytes);
            let url = format!("http://{addr}{path}");
            if let Err(e) = sim.http.post(url).header("content-type", "application/json").header(header, sig).body(bytes).send().await {
                tracing::warn!(error = %e, "the simulator could not deliver an echo");
            }
        });
    }
}

async fn list_requests(State(sim): State<Arc<Sim>>) -> Json<Vec<Recorded>> {
    Json(sim.requests.lock().expect("lock").clone())
}

fn unauthorized_without_bearer(headers: &HeaderMap) -> Option<Response> {
    let ok = headers.get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
    (!ok).then(|| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}})),
        )
            .into_response()
    })
}

/// The network and presences of a simulator token, from the request's bearer token.
fn token_owner(headers: &HeaderMap) -> Option<(Network, Vec<String>)> {
    let token = headers.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?;
    let (network, rest) = token.strip_prefix("sim-token:")?.split_once(':')?;
    let ids = rest.split(':').next().unwrap_or_default();
    let network = Network::parse(network)?;
    let ids: Vec<String> = ids.split(',').filter(|i| !i.is_empty()).map(String::from).collect();
    Some((network, ids))
}

fn owner_of(headers: &HeaderMap, network: Network) -> Option<Vec<String>> {
    token_owner(headers).filter(|(n, _)| *n == network).map(|(_, ids)| ids)
}

/// `GET /me` with a Page token: the Page, and its Instagram business account.
async fn graph_me(headers: HeaderMap) -> Response {
    let graph_refusal = || {
        let e = json!({"error": {"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException", "code": 190, "fbtrace_id": "Asim"}});
        (StatusCode::BAD_REQUEST, Json(e)).into_response()
    };
    if let Some(ids) = owner_of(&headers, Network::Facebook) {
        let Some(page) = ids.first() else { return graph_refusal() };
        // A Page token of a Page with an Instagram account answers it too (Facebook Login).
        return match signin::instagram_of(page) {
            Some(ig) => Json(json!({"id": page, "name": "Simulated Page", "instagram_business_account": {"id": ig}})).into_response(),
            None => Json(json!({"id": page, "name": "Simulated Page"})).into_response(),
        };
    }
    if let Some(ids) = owner_of(&headers, Network::Instagram) {
        let Some(ig) = ids.first() else { return graph_refusal() };
        return Json(json!({"id": format!("1{}", &ig[ig.len().saturating_sub(14)..]), "name": "Simulated Page", "instagram_business_account": {"id": ig}}))
            .into_response();
    }
    graph_refusal()
}

async fn x_me(headers: HeaderMap) -> Response {
    match owner_of(&headers, Network::Twitter).and_then(|ids| ids.into_iter().next()) {
        Some(id) => {
            let (name, username) =
                SIGN_IN_X_ACCOUNTS.iter().find(|a| a.0 == id).map(|a| (a.1, a.2)).unwrap_or(("Simulated account", "simulated"));
            Json(json!({"data": {"id": id, "name": name, "username": username}})).into_response()
        }
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})),
        )
            .into_response(),
    }
}

async fn linkedin_acls(headers: HeaderMap) -> Response {
    match owner_of(&headers, Network::Linkedin) {
        Some(ids) => {
            let elements: Vec<Value> = ids
                .iter()
                .map(|id| json!({"roleAssignee": "urn:li:person:SimMember1", "state": "APPROVED", "role": "ADMINISTRATOR", "organization": format!("urn:li:organization:{id}")}))
                .collect();
            Json(json!({"paging": {"start": 0, "count": 100, "links": [], "total": elements.len()}, "elements": elements})).into_response()
        }
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN", "message": "Invalid access token"})),
        )
            .into_response(),
    }
}

async fn youtube_channels(headers: HeaderMap) -> Response {
    match owner_of(&headers, Network::Youtube) {
        Some(ids) => {
            let items: Vec<Value> =
                ids.iter().map(|id| json!({"kind": "youtube#channel", "id": id, "snippet": signin::youtube_snippet(id)})).collect();
            Json(json!({"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": items.len(), "resultsPerPage": 5}, "items": items})).into_response()
        }
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.", "errors": [{"reason": "authError"}], "status": "UNAUTHENTICATED"}})),
        )
            .into_response(),
    }
}

/// The Messenger id the simulator gives the author of comment `comment_id` (what Meta answers a
/// private reply with as `recipient_id`).
pub fn commenter_psid(comment_id: &str) -> String {
    format!("73{:014}", comment_id.bytes().map(u64::from).sum::<u64>())
}

/// Whether a simulator token was granted read permissions only (`sim-token:facebook:<page>:read-only`):
/// it passes the identity check, and every write is refused as Meta refuses a Page token without
/// `pages_manage_engagement`.
fn read_only(headers: &HeaderMap) -> bool {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    token.starts_with("Bearer sim-token:") && token.ends_with(":read-only")
}

async fn graph(
    State(sim): State<Arc<Sim>>,
    Path((_version, object, edge)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if read_only(&headers) {
        let e = json!({"error": {"message": "(#200) The user hasn't authorized the application to perform this action", "type": "OAuthException", "code": 200, "fbtrace_id": "Asim"}});
        return (StatusCode::FORBIDDEN, Json(e)).into_response();
    }
    let req = json_of(&body);
    let n = sim.id();
    match edge.as_str() {
        "comments" | "replies" => {
            Json(json!({"id": format!("{}_{}", object.rsplit('_').next().unwrap_or(&object), 8_000_000 + n)})).into_response()
        }
        "likes" => Json(json!({"success": true})).into_response(),
        // Only the Page's own token subscribes its app (Meta: `pages_manage_metadata`).
        "subscribed_apps" => match owner_of(&headers, Network::Facebook) {
            Some(ids) if ids.contains(&object) => Json(json!({"success": true})).into_response(),
            _ => (
                StatusCode::FORBIDDEN,
                Json(json!({"error": {"message": "(#210) A page access token is required to request this resource.",
                "type": "OAuthException", "code": 210, "fbtrace_id": "Asim"}})),
            )
                .into_response(),
        },
        "take_thread_control" | "pass_thread_control" => Json(json!({"success": true})).into_response(),
        "messages" => {
            let mid = format!("m_sim_{n}");
            let psid = match (&req["recipient"]["id"], &req["recipient"]["comment_id"]) {
                (Value::String(id), _) => id.clone(),
                // A private reply reaches the commenter, whose PSID the simulator makes up.
                (_, Value::String(c)) => commenter_psid(c),
                _ => {
                    return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "recipient missing", "code": 100}})))
                        .into_response();
                }
            };
            let echo = json!({"object": "page", "entry": [{"id": object, "time": Utc::now().timestamp_millis(), "messaging": [{
                "sender": {"id": object}, "recipient": {"id": psid}, "timestamp": Utc::now().timestamp_millis(),
                "message": {"is_echo": true, "app_id": 1, "mid": mid, "text": req["message"]["text"], "metadata": req["metadata"]}
            }]}]});
            sim.echo("/webhooks/meta", echo);
            Json(json!({"recipient_id": psid, "message_id": mid})).into_response()
        }
        _ => (StatusCode::NOT_FOUND, Json(json!({"error": {"message": format!("unknown edge {edge}"), "code": 100}}))).into_response(),
    }
}

async fn graph_read(State(sim): State<Arc<Sim>>, Path((_version, _object, edge)): Path<(String, String, String)>) -> Response {
    match edge.as_str() {
        "subscribed_apps" => {
            let fields = if sim.script.lock().expect("lock").meta_unsubscribed {
                vec![]
            } else {
                vec![
                    json!({"id": "987654321098765", "name": "Social inbox", "subscribed_fields": ["feed", "mention", "messages", "message_echoes", "standby", "messaging_handovers"]}),
                ]
            };
            Json(json!({"data": fields})).into_response()
        }
        _ => (StatusCode::NOT_FOUND, Json(json!({"error": {"message": format!("unknown edge {edge}"), "code": 100}}))).into_response(),
    }
}

async fn x_tweet(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let req = json_of(&body);
    let id = format!("{}", 1_990_000_000_000_000_000u64 + sim.id());
    let replying_to = req["reply"]["in_reply_to_tweet_id"].as_str().map(String::from);
    let echo = json!({"for_user_id": demo::X_USER, "tweet_create_events": [{
        "id_str": id, "text": req["text"], "in_reply_to_status_id_str": replying_to,
        "user": {"id_str": demo::X_USER, "name": "Demo Outdoor", "screen_name": "DemoOutdoor"},
        "entities": {"user_mentions": []}, "timestamp_ms": Utc::now().timestamp_millis().to_string()
    }]});
    sim.echo("/webhooks/x", echo);
    (StatusCode::CREATED, Json(json!({"data": {"id": id, "text": req["text"], "edit_history_tweet_ids": [id]}}))).into_response()
}

async fn x_like() -> Response {
    Json(json!({"data": {"liked": true}})).into_response()
}

async fn x_retweet() -> Response {
    Json(json!({"data": {"retweeted": true}})).into_response()
}

async fn x_dm(State(sim): State<Arc<Sim>>, Path(participant): Path<String>) -> Response {
    let (a, b) = if participant.as_str() < demo::X_USER {
        (participant.clone(), demo::X_USER.to_string())
    } else {
        (demo::X_USER.to_string(), participant.clone())
    };
    (StatusCode::CREATED, Json(json!({"data": {"dm_conversation_id": format!("{a}-{b}"), "dm_event_id": format!("{}", 1_980_000_000_000_000_000u64 + sim.id())}})))
        .into_response()
}

async fn x_mentions(State(sim): State<Arc<Sim>>, Path(_id): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let script = sim.script.lock().expect("lock").clone();
    let since: u128 = q.get("since_id").and_then(|s| s.parse().ok()).unwrap_or(0);
    let data: Vec<Value> =
        script.x_mentions.into_iter().filter(|t| t["id"].as_str().and_then(|i| i.parse::<u128>().ok()).unwrap_or(0) > since).collect();
    let newest = data.iter().filter_map(|t| t["id"].as_str()).max_by_key(|i| i.parse::<u128>().unwrap_or(0)).map(String::from);
    let meta = json!({"result_count": data.len(), "newest_id": newest});
    Json(json!({"data": data, "includes": {"users": script.x_users}, "meta": meta})).into_response()
}

/// A read of a post, media object, tweet or video: the scripted answer, or the network's own
/// "not found".
async fn read_post(
    State(sim): State<Arc<Sim>>,
    path: Option<Path<HashMap<String, String>>>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let params = path.map(|Path(p)| p).unwrap_or_default();
    let id = params.get("object").or(params.get("id")).or(params.get("urn")).or(q.get("id")).cloned().unwrap_or_default();
    if let Some(post) = sim.script.lock().expect("lock").posts.get(&id).cloned() {
        return Json(post).into_response();
    }
    let path = uri.path();
    if path.starts_with("/youtube/") {
        Json(json!({"kind": "youtube#videoListResponse", "items": []})).into_response()
    } else if path.starts_with("/2/") {
        Json(json!({"errors": [{"detail": format!("Could not find tweet with id: [{id}]."), "title": "Not Found Error"}]})).into_response()
    } else if path.starts_with("/rest/") {
        (StatusCode::NOT_FOUND, Json(json!({"status": 404, "message": format!("Not found: {id}")}))).into_response()
    } else {
        let message = format!("Unsupported get request. Object with ID '{id}' does not exist");
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": message, "type": "GraphMethodException", "code": 100, "error_subcode": 33}})),
        )
            .into_response()
    }
}

/// A Graph object: a Page's Instagram account (the sign-in asks), or a post.
async fn graph_object(
    state: State<Arc<Sim>>,
    path: Option<Path<HashMap<String, String>>>,
    query: Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    if query.get("fields").is_some_and(|f| f.contains("instagram_business_account")) {
        let object = path.as_ref().and_then(|Path(p)| p.get("object").cloned()).unwrap_or_default();
        return signin::meta_page_instagram(&object);
    }
    read_post(state, path, query, uri).await
}

/// `BATCH_GET /rest/posts?ids=List(...)`: the scripted posts, the others as errors.
async fn linkedin_posts_batch(State(sim): State<Arc<Sim>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let ids = q.get("ids").and_then(|l| l.strip_prefix("List(")).and_then(|l| l.strip_suffix(')')).unwrap_or_default();
    let posts = sim.script.lock().expect("lock").posts.clone();
    let (mut results, mut errors) = (serde_json::Map::new(), serde_json::Map::new());
    for id in ids.split(',').filter(|i| !i.is_empty()) {
        match posts.get(id) {
            Some(p) => results.insert(id.to_string(), p.clone()),
            None => errors.insert(id.to_string(), json!({"status": 404, "message": "Not found"})),
        };
    }
    Json(json!({"results": results, "statuses": {}, "errors": errors})).into_response()
}

async fn linkedin_comment(State(sim): State<Arc<Sim>>, Path(urn): Path<String>) -> Response {
    let activity = inbox_platforms::linkedin::comment_root(&urn).unwrap_or(urn);
    let id = format!("{}", 7_390_000_000_000_000_000u64 + sim.id());
    let comment_urn = format!("urn:li:comment:({activity},{id})");
    (StatusCode::CREATED, [("x-restli-id", comment_urn.clone())], Json(json!({"commentUrn": comment_urn, "id": id}))).into_response()
}

async fn linkedin_comments(State(sim): State<Arc<Sim>>, Path(urn): Path<String>) -> Response {
    let elements = sim.script.lock().expect("lock").linkedin.get(&urn).cloned().unwrap_or_default();
    let total = elements.len();
    Json(json!({"paging": {"start": 0, "count": total.max(1), "total": total, "links": []}, "elements": elements})).into_response()
}

async fn linkedin_reaction() -> Response {
    StatusCode::CREATED.into_response()
}

async fn youtube_comment(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let req = json_of(&body);
    let parent = req["snippet"]["parentId"].as_str().unwrap_or("parent").to_string();
    Json(json!({"kind": "youtube#comment", "id": format!("{parent}.sim{}", sim.id()), "snippet": req["snippet"]})).into_response()
}

async fn youtube_threads(State(sim): State<Arc<Sim>>) -> Response {
    let items = sim.script.lock().expect("lock").youtube.clone();
    Json(json!({"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": items.len(), "resultsPerPage": 100}, "items": items})).into_response()
}

/// The posts the demo's comments and replies are under, as each network answers a read of them.
fn demo_posts(now: DateTime<Utc>) -> HashMap<String, Value> {
    let rfc = |days: i64| (now - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let page = demo::FB_PAGE;
    let fb = |post: &str, message: &str, days: i64, promotion: &str| {
        let id = format!("{page}_{post}");
        let v = json!({"id": id, "message": message, "created_time": rfc(days), "from": {"id": page, "name": "Demo Outdoor"},
            "permalink_url": format!("https://www.facebook.com/{page}/posts/{post}"), "promotion_status": promotion,
            "is_published": promotion != "ineligible"});
        (id, v)
    };
    let mut posts: HashMap<String, Value> = [
        fb("122100000000000001", "The Trailblazer tent is back in stock, in sizes S, M and L. Which colour is yours?", 3, "inactive"),
        fb("122100000000000009", "Our autumn hiking guide: ten trails within an hour of Lyon.", 6, "active"),
        fb("122100000000000042", "20% off every stove this weekend only. Shop now.", 2, "ineligible"),
    ]
    .into_iter()
    .collect();
    posts.insert(
        "1874999999999999999".into(),
        json!({"data": {"id": "1874999999999999999", "text": "Our winter catalogue is out: new jackets, lighter tents, warmer bags.",
            "author_id": demo::X_USER, "created_at": rfc(1)},
            "includes": {"users": [{"id": demo::X_USER, "name": "Demo Outdoor", "username": "DemoOutdoor"}]}}),
    );
    posts.insert(
        demo::LINKEDIN_POST.into(),
        json!({"id": demo::LINKEDIN_POST, "author": format!("urn:li:organization:{}", demo::LINKEDIN_ORG),
            "commentary": "We will be at the Lyon outdoor trade fair next month, come and see the new tent range!",
            "createdAt": (now - Duration::days(4)).timestamp_millis(), "lifecycleState": "PUBLISHED", "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED"}}),
    );
    posts.insert(
        "demoVideo01".into(),
        json!({"kind": "youtube#videoListResponse", "items": [{"id": "demoVideo01", "snippet": {"title": "Ultralight stove review: 3 months on the trail",
            "description": "We took the new stove up the Alps. Here is what worked and what did not.", "channelTitle": "Demo Outdoor",
            "publishedAt": rfc(10)}}]}),
    );
    posts
}

/// The demo's poll answers: a LinkedIn post with comments, YouTube comments, and an X mention
/// that its webhook never delivered (the reconciliation finds it).
pub fn demo_script(now: DateTime<Utc>) -> Script {
    let ms = |mins: i64| (now - Duration::minutes(mins)).timestamp_millis();
    let rfc = |mins: i64| (now - Duration::minutes(mins)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let li = |id: u64, actor: &str, text: &str, mins: i64| {
        json!({"actor": actor, "commentUrn": format!("urn:li:comment:(urn:li:activity:7300000000000000009,{id})"), "id": id.to_string(),
               "object": "urn:li:activity:7300000000000000009", "created": {"actor": actor, "time": ms(mins)},
               "lastModified": {"actor": actor, "time": ms(mins)}, "message": {"attributes": [], "text": text}})
    };
    let yt = |id: &str, author: &str, text: &str, mins: i64| {
        json!({"kind": "youtube#commentThread", "id": id, "snippet": {"channelId": "UCdemo00000000000000000001", "videoId": "demoVideo01",
            "topLevelComment": {"kind": "youtube#comment", "id": id, "snippet": {"channelId": "UCdemo00000000000000000001", "videoId": "demoVideo01",
                "textDisplay": text, "textOriginal": text, "authorDisplayName": author, "authorChannelUrl": format!("http://www.youtube.com/@{}", author.to_lowercase().replace(' ', "")),
                "authorChannelId": {"value": format!("UC{}", author.len())}, "publishedAt": rfc(mins), "updatedAt": rfc(mins)}},
            "canReply": true, "totalReplyCount": 0, "isPublic": true}})
    };
    let mut linkedin = HashMap::new();
    linkedin.insert(
        demo::LINKEDIN_POST.to_string(),
        vec![
            li(7300000000000000201, "urn:li:person:AbCdEf123", "Will the new tent range be at the Lyon trade fair?", 200),
            li(7300000000000000202, "urn:li:person:GhIjKl456", "Are you hiring product designers this year?", 80),
        ],
    );
    Script {
        linkedin,
        youtube: vec![
            yt("UgzDemoThread0000000001", "Hike With Mia", "Great review! Does the stove fit in the small pack?", 140),
            yt("UgzDemoThread0000000002", "Ben Trails", "The zipper on mine broke after a week, how do I get a replacement?", 35),
        ],
        x_mentions: vec![
            json!({"id": "1875000000000000050", "text": "@DemoOutdoor your Lyon store was closed today, opening hours wrong on the website?",
            "author_id": "1500000000000000009", "created_at": rfc(25), "conversation_id": "1875000000000000050"}),
        ],
        x_users: vec![json!({"id": "1500000000000000009", "name": "Lou Garnier", "username": "lougarnier"})],
        meta_unsubscribed: false,
        posts: demo_posts(now),
        down: false,
        rate_limit_next: None,
    }
}
