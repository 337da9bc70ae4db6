//! Test harness: a whole inbox on a temporary data dir, driven in-process through the same
//! router the servers use (`tower::ServiceExt::oneshot`), with the workers running.
//!
//! Seeded like the demo: account `acc_demo` with Alice (admin), Bob (Facebook, Instagram, X)
//! and Carol (X, LinkedIn, YouTube), one profile per network (the Facebook Page and X account
//! ids are the spec fixtures'); and a second account `acc_other` with Olga and her own Page.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::Duration;
use http_body_util::BodyExt;
use inbox_domain::*;
use inbox_local::config::Config;
use inbox_local::{App, demo};
use serde_json::{Value, json};
use tower::ServiceExt;

pub use demo::{ACCOUNT, ALICE, BOB, CAROL};
pub const OTHER_ACCOUNT: &str = "acc_other";
pub const OLGA: &str = "usr_other_olga";
pub const OTHER_PAGE: &str = "999000000000001";

/// Bytes of a fixture copied from the spec into `tests/data/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub struct TestApp {
    pub app: App,
    router: axum::Router,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like `spawn`, with a change to the configuration first.
    pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::for_tests(dir.path());
        change(&mut config);
        let app = App::start(config).await.expect("app starts");
        let directory = app.state.deps.directory.clone();
        demo::seed_directory(&app.state.deps).await.expect("seed");
        let now = chrono::Utc::now();
        directory.put_account(&Account { id: OTHER_ACCOUNT.into(), name: "Other Co".into(), created_at: now }).await.unwrap();
        directory
            .put_profile(&Profile {
                id: "prf_other_facebook".into(),
                account_id: OTHER_ACCOUNT.into(),
                network: Network::Facebook,
                external_id: OTHER_PAGE.into(),
                name: "Other Page".into(),
                handle: "otherpage".into(),
                credentials: Credentials::default(),
                bot_app_id: None,
                created_at: now,
            })
            .await
            .unwrap();
        directory
            .put_user(&User {
                id: OLGA.into(),
                account_id: OTHER_ACCOUNT.into(),
                name: "Olga Other".into(),
                email: "olga@other.example".into(),
                role: Role::Admin,
                inbox_access: true,
                email_notifications: true,
                profile_ids: Default::default(),
                created_at: now,
            })
            .await
            .unwrap();
        let mut app = app;
        // Listen on a free loopback port too, so that the network simulator can send its echoes.
        app.serve().await.expect("listens");
        let router = app.router();
        TestApp { app, router, dir }
    }

    /// A bearer token for a seeded user.
    pub fn token(&self, user: &str) -> String {
        let account = if user == OLGA { OTHER_ACCOUNT } else { ACCOUNT };
        inbox_web::auth::mint(self.app.config.web.jwt_secret.expose(), &UserId::from(user), &AccountId::from(account), Duration::hours(1))
    }

    /// Sends a request through the router; answers (status, JSON body or Null).
    pub async fn call(&self, req: Request<Body>) -> (StatusCode, Value) {
        let res = self.router.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, body)
    }

    pub async fn request(&self, method: Method, path: &str, user: Option<&str>, body: Option<&Value>) -> (StatusCode, Value) {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(u) = user {
            b = b.header("authorization", format!("Bearer {}", self.token(u)));
        }
        let req = match body {
            Some(v) => b.header("content-type", "application/json").body(Body::from(serde_json::to_vec(v).unwrap())).unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.call(req).await
    }

    pub async fn get(&self, path: &str, user: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(user), None).await
    }

    pub async fn post(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(user), Some(&body)).await
    }

    pub async fn put(&self, path: &str, user: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::PUT, path, Some(user), Some(&body)).await
    }

    /// Posts a Meta webhook body signed with the test App Secret.
    pub async fn meta_webhook(&self, body: &[u8]) -> StatusCode {
        self.signed_webhook("/webhooks/meta", body).await
    }

    /// Posts an X webhook body signed with the test consumer secret.
    pub async fn x_webhook(&self, body: &[u8]) -> StatusCode {
        self.signed_webhook("/webhooks/x", body).await
    }

    /// Posts a webhook body to `path`, signed as its network signs it.
    pub async fn signed_webhook(&self, path: &str, body: &[u8]) -> StatusCode {
        let (header, sig) = demo::signed(path, &self.app.config.web, body);
        self.raw_webhook(path, header, &sig, body).await
    }

    pub async fn raw_webhook(&self, path: &str, header: &str, signature: &str, body: &[u8]) -> StatusCode {
        let req = Request::post(path)
            .header("content-type", "application/json")
            .header(header, signature)
            .body(Body::from(body.to_vec()))
            .unwrap();
        self.call(req).await.0
    }

    /// Waits until every queued message has been handled.
    pub async fn settle(&self) {
        assert!(self.app.settle(std::time::Duration::from_secs(20)).await, "queues did not drain");
    }

    /// Waits until one queue is empty.
    pub async fn settle_queue(&self, queue: inbox_domain::messages::QueueName) {
        for _ in 0..2000 {
            if self.app.queue.depth(queue).await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("queue {} did not drain", queue.as_str());
    }

    /// The feed as `user` sees it with the given query string.
    pub async fn feed(&self, user: &str, query: &str) -> Vec<Value> {
        let (status, body) = self.get(&format!("/api/conversations?{query}"), user).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["conversations"].as_array().cloned().unwrap_or_default()
    }

    /// The one conversation whose excerpt contains `needle` (any status), as `user` sees it.
    pub async fn find(&self, user: &str, needle: &str) -> Value {
        let all = self.feed(user, "status=any&limit=100").await;
        let found: Vec<_> = all.into_iter().filter(|c| c["excerpt"].as_str().unwrap_or("").contains(needle)).collect();
        assert_eq!(found.len(), 1, "expected one conversation matching {needle:?}, got {found:?}");
        found.into_iter().next().unwrap()
    }

    pub async fn detail(&self, user: &str, id: &str) -> Value {
        let (status, body) = self.get(&format!("/api/conversations/{id}"), user).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

// ---------------------------------------------------------------------------------------
// Connecting channels through the simulated networks' sign-in.

/// What the admin's browser does at the network: opens the consent page, clicks Allow (as
/// `account` where the network asks), and follows the network back to the inbox; answers the
/// query the inbox's callback page gets.
pub async fn sign_in_at_network(authorize_url: &str, account: Option<&str>, allow: bool) -> (String, Option<String>, Option<String>) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200, "the consent page shows");
    let html = page.text().await.unwrap();
    assert!(html.contains("Allow") && html.contains("Cancel"), "{html}");
    let url = reqwest::Url::parse(authorize_url).unwrap();
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    let network = match url.path() {
        p if p.ends_with("/dialog/oauth") => "facebook",
        "/i/oauth2/authorize" => "twitter",
        "/oauth/v2/authorization" => "linkedin",
        _ => "youtube",
    };
    let mut form = vec![
        ("network", network.to_string()),
        ("decision", if allow { "allow" } else { "cancel" }.to_string()),
        ("redirect_uri", q["redirect_uri"].clone()),
        ("state", q["state"].clone()),
        ("code_challenge", q.get("code_challenge").cloned().unwrap_or_default()),
    ];
    if let Some(a) = account {
        form.push(("account", a.to_string()));
    }
    let decided = http
        .post(format!("{}://{}/_signin/decide", url.scheme(), url.host_str().unwrap().to_owned() + &format!(":{}", url.port().unwrap())))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(decided.status().is_redirection(), "{}", decided.status());
    let back = reqwest::Url::parse(decided.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(back.path(), "/connect/callback", "{back}");
    let q: std::collections::HashMap<String, String> = back.query_pairs().into_owned().collect();
    (q["state"].clone(), q.get("code").cloned(), q.get("error").cloned())
}

/// Starts a sign-in as `user`, goes through the network, and posts the callback.
pub async fn sign_in(t: &TestApp, user: &str, network: &str, profile_id: Option<&str>, account: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"network": network});
    if let Some(p) = profile_id {
        body["profile_id"] = json!(p);
    }
    let (status, started) = t.post("/api/connect", user, body).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let (state, code, _) = sign_in_at_network(started["authorize_url"].as_str().unwrap(), account, true).await;
    t.post("/api/connect/callback", user, json!({"state": state, "code": code})).await
}
