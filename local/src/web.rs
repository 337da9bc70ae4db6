//! The web inbox on one machine: the page built from `web/` (`npm ci && npm run build` makes
//! `web/dist`) served at `/`, and the local-only sign-in routes of `serve --demo` (or
//! `--dev-auth`).
//!
//! Paths are shared out by prefix: `/api/*`, `/webhooks/*` and `/health` always go to the
//! API router (an unknown one stays a JSON 404); every other GET or HEAD is the page's: a file
//! of the build when the last segment has a dot (`/assets/index-1a2b.js`), else `index.html`,
//! so that the page's own addresses (`/tabs/…/conversations/…`) survive a reload.
//!
//! The dev sign-in routes are registered in this file on purpose. `tests/tests/openapi.rs`
//! reads the router sources of the API every deployment serves (`functions/api/src`,
//! `functions/webhook/src/lib.rs`, `local/src/lib.rs`) and requires each route it finds to be
//! in the OpenAPI document (generated from the handlers), which schemathesis then exercises
//! against `serve --demo`.
//! `/api/dev/*` is not part of that API: it exists only in a local runner started with `--demo`
//! or `--dev-auth`, never on AWS, and it hands out a token for anyone. So it is neither in the
//! document nor in the files the test scans.

use crate::anyhow_lite::{Error, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use inbox_domain::error::PortError;
use inbox_domain::{AccountId, UserId};
use inbox_sqlite::Db;
use inbox_web::AppState;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// What the runner serves besides the API.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The built page: a folder with `index.html` (and `assets/`).
    pub dir: Option<PathBuf>,
    /// Serve `GET /api/dev/users` and `POST /api/dev/token`: sign in as any user, locally.
    pub dev_auth: bool,
    /// Answer dev sign-in whatever `Host` a request names (`--allow-dev-auth-off-loopback`).
    /// Off: only requests addressed to the loopback address the runner listens on.
    pub dev_any_host: bool,
}

/// Why `serve` refuses to start: dev sign-in (or the demo, which turns it on) hands a token for
/// any user to whoever reaches the address, so it listens on loopback only unless the operator
/// says, with `--allow-dev-auth-off-loopback`, that every host that can reach it is trusted.
pub fn check_dev_auth_address(addr: std::net::SocketAddr, dev_auth: bool, allow_off_loopback: bool) -> Result<()> {
    if dev_auth && !addr.ip().is_loopback() && !allow_off_loopback {
        return Err(Error(format!(
            "--dev-auth (and --demo, which turns it on) lets anyone who reaches {addr} sign in as any user, and {} is not a loopback \
             address: listen on 127.0.0.1 (--addr 127.0.0.1:{}), or add --allow-dev-auth-off-loopback if every host that can reach \
             it is trusted",
            addr.ip(),
            addr.port()
        )));
    }
    Ok(())
}

/// Where the page is looked for when `--web-dir` is not given.
pub const DEFAULT_WEB_DIR: &str = "web/dist";

impl Site {
    /// The page's folder: `explicit` (an error if it has no `index.html`), else
    /// `web/dist` under the current directory when it has been built, else none.
    pub fn find_dir(explicit: Option<PathBuf>) -> Result<Option<PathBuf>> {
        match explicit {
            Some(dir) if dir.join("index.html").is_file() => Ok(Some(dir)),
            Some(dir) => Err(Error(format!(
                "--web-dir {}: there is no index.html there; build the page with `cd web && npm ci && npm run build`",
                dir.display()
            ))),
            None => Ok(Some(PathBuf::from(DEFAULT_WEB_DIR)).filter(|d| d.join("index.html").is_file())),
        }
    }
}

/// The API router with the page and, when enabled, the dev sign-in routes. `addr` is where the
/// runner listens (its port is the only one dev sign-in answers), once known.
pub fn attach(api: Router, site: &Site, state: AppState, db: Arc<Db>, addr: Option<std::net::SocketAddr>) -> Router {
    let mut router = api;
    if site.dev_auth {
        let guard = DevGuard { port: addr.map(|a| a.port()), any_host: site.dev_any_host };
        router = router.merge(dev_routes(DevState { state, db }).layer(middleware::from_fn_with_state(guard, dev_guard)));
    }
    match &site.dir {
        Some(dir) => router.layer(middleware::from_fn_with_state(Arc::new(dir.clone()), page)),
        None => router,
    }
}

/// True for the paths the API owns (whatever the method): the page never answers them.
pub fn is_api_path(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/api") || under("/webhooks") || path == "/health"
}

async fn page(State(dir): State<Arc<PathBuf>>, req: Request, next: Next) -> Response {
    if is_api_path(req.uri().path()) || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let last = req.uri().path().rsplit('/').next().unwrap_or("");
    if last.contains('.') {
        let immutable = req.uri().path().starts_with("/assets/");
        let res = match ServeDir::new(dir.as_path()).oneshot(req).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
        if res.status() == StatusCode::NOT_FOUND {
            return ApiError::NotFound("file".into()).into_response();
        }
        // Vite names the files of `assets/` by their content: they never change.
        let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
        return with_cache(res, cache);
    }
    match ServeFile::new(dir.join("index.html")).oneshot(req).await {
        Ok(res) => with_cache(res.map(Body::new), "no-cache"),
        Err(never) => match never {},
    }
}

fn with_cache(mut res: Response, value: &'static str) -> Response {
    if res.status().is_success() {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

// ---------------------------------------------------------------------------------------
// Dev sign-in: only with `serve --demo` or `serve --dev-auth`.

#[derive(Clone)]
struct DevState {
    state: AppState,
    db: Arc<Db>,
}

/// Which requests dev sign-in answers.
#[derive(Debug, Clone, Copy)]
struct DevGuard {
    /// The listening port, once bound.
    port: Option<u16>,
    any_host: bool,
}

/// `localhost`, `127.0.0.1` (any 127/8 address) or `[::1]`, with the port split off.
fn loopback_authority(authority: &str) -> Option<(bool, Option<u16>)> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && (!h.contains(':') || h.ends_with(']')) => (h, Some(p.parse::<u16>().ok()?)),
        _ => (authority, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    Some((loopback, port))
}

/// Refuses dev sign-in to a request not addressed to this runner on loopback. A page on another
/// site that re-points its own name at 127.0.0.1 (DNS rebinding) reaches the runner with its own
/// name in `Host`; and a request a page on another site sends here carries that site in
/// `Origin`. Either would otherwise take a token for any user while `serve --demo` runs.
async fn dev_guard(State(guard): State<DevGuard>, req: Request, next: Next) -> Response {
    if guard.any_host || dev_request_allowed(guard, req.headers()) {
        return next.run(req).await;
    }
    ApiError::Forbidden("dev sign-in answers only requests addressed to this runner's loopback address, from a loopback page".into())
        .into_response()
}

fn dev_request_allowed(guard: DevGuard, headers: &axum::http::HeaderMap) -> bool {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let host_ok = header(header::HOST).and_then(loopback_authority).is_some_and(|(loopback, port)| {
        loopback
            && match (guard.port, port) {
                (Some(want), Some(got)) => want == got,
                (Some(want), None) => want == 80,
                (None, _) => true,
            }
    });
    let origin_ok = match header(header::ORIGIN) {
        None => true,
        Some(o) => o
            .strip_prefix("http://")
            .or_else(|| o.strip_prefix("https://"))
            .and_then(loopback_authority)
            .is_some_and(|(loopback, _)| loopback),
    };
    // A proxy on this machine (the Vite dev server, perhaps open to the network) forwards for
    // someone: only for someone on this machine too.
    let forwarded_ok = headers
        .get_all("x-forwarded-for")
        .iter()
        .chain(headers.get_all(header::FORWARDED).iter())
        .all(|v| v.to_str().is_ok_and(forwarded_for_loopback));
    host_ok && origin_ok && forwarded_ok
}

/// Whether every client an `X-Forwarded-For` or `Forwarded` value names is on this machine.
fn forwarded_for_loopback(value: &str) -> bool {
    value.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).all(|part| {
        let addr = match part.split_once('=') {
            Some((key, v)) if key.trim().eq_ignore_ascii_case("for") => v.trim().trim_matches('"'),
            Some(_) => return true, // by=, proto=, host=: not a client
            None => part,
        };
        loopback_authority(addr).is_some_and(|(loopback, _)| loopback)
    })
}

/// How long a dev sign-in lasts.
const DEV_TOKEN_HOURS: i64 = 12;

fn dev_routes(s: DevState) -> Router {
    Router::new()
        .route("/api/dev/users", get(dev_users))
        .route("/api/dev/token", post(dev_token))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(s)
}

/// Every user of this database, each with their account, for the sign-in screen.
async fn all_users(s: &DevState) -> ApiResult<Vec<(inbox_domain::User, String)>> {
    let accounts: Vec<String> =
        s.db.read(|c| {
            let mut stmt = c
                .prepare("SELECT DISTINCT account_id FROM users ORDER BY account_id")
                .map_err(|e| PortError::Unavailable(e.to_string()))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| PortError::Unavailable(e.to_string()))?;
            rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| PortError::Unavailable(e.to_string()))
        })
        .await?;
    let directory = &s.state.deps.directory;
    let mut out = Vec::new();
    for account in accounts.iter().filter_map(|a| AccountId::parse(a)) {
        let name = directory.get_account(&account).await?.map(|a| a.name).unwrap_or_else(|| account.to_string());
        let mut users = directory.list_users(&account).await?;
        users.sort_by_key(|u| u.name.to_lowercase());
        out.extend(users.into_iter().map(|u| (u, name.clone())));
    }
    Ok(out)
}

async fn dev_users(State(s): State<DevState>) -> ApiResult<axum::Json<Value>> {
    let users: Vec<Value> = all_users(&s)
        .await?
        .into_iter()
        .map(|(u, account_name)| {
            json!({"id": u.id, "name": u.name, "email": u.email, "role": u.role, "inbox_access": u.inbox_access,
                   "account_id": u.account_id, "account_name": account_name})
        })
        .collect();
    Ok(axum::Json(json!({ "users": users })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    user_id: String,
}

async fn dev_token(State(s): State<DevState>, Json(body): Json<TokenRequest>) -> ApiResult<axum::Json<Value>> {
    let wanted = UserId::parse(&body.user_id).ok_or_else(|| ApiError::NotFound("user".into()))?;
    let (user, _) = all_users(&s).await?.into_iter().find(|(u, _)| u.id == wanted).ok_or_else(|| ApiError::NotFound("user".into()))?;
    let token =
        inbox_web::auth::mint(s.state.config.jwt_secret.expose(), &user.id, &user.account_id, chrono::Duration::hours(DEV_TOKEN_HOURS));
    Ok(axum::Json(json!({ "token": token, "expires_in": DEV_TOKEN_HOURS * 3600 })))
}

/// For `--web-dir` defaults in messages.
pub fn describe(dir: &Path) -> String {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()).display().to_string()
}
