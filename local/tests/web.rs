//! The web page and the dev sign-in of the local runner (`local/src/web.rs`), through the
//! router: the page's files and its addresses are served, the API keeps its JSON 404s, and
//! `/api/dev/*` exists only when turned on.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use inbox_local::config::Config;
use inbox_local::web::Site;
use inbox_local::{App, demo};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    cache: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

async fn call(router: &axum::Router, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let res = router.clone().oneshot(req).await.unwrap();
    let header_of = |name| res.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
    let (status, cache, content_type) = (res.status(), header_of(header::CACHE_CONTROL), header_of(header::CONTENT_TYPE));
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    Answer { status, cache, content_type, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// A started app with the demo directory and a tiny built page.
async fn app(dev_auth: bool) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("dist");
    std::fs::create_dir_all(site.join("assets")).unwrap();
    std::fs::write(site.join("index.html"), "<!doctype html><title>Social inbox</title>").unwrap();
    std::fs::write(site.join("assets/index-abc123.js"), "console.log('inbox')").unwrap();
    let mut app = App::start(Config::for_tests(&dir.path().join("data"))).await.unwrap();
    demo::seed_directory(app.state.deps.directory.as_ref()).await.unwrap();
    app.site = Site { dir: Some(site), dev_auth };
    (app, dir)
}

#[tokio::test]
async fn the_page_is_served_at_its_addresses_and_the_api_keeps_json_404s() {
    let (app, _dir) = app(false).await;
    let r = app.router();
    for path in ["/", "/tabs/tab_demo_alice_0", "/tabs/tab_demo_alice_0/conversations/cnv_123"] {
        let a = call(&r, Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.body.contains("<title>Social inbox</title>"), "{path}: {}", a.body);
        assert_eq!(a.cache.as_deref(), Some("no-cache"), "{path}");
    }
    let js = call(&r, Method::GET, "/assets/index-abc123.js", None, None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(js.body, "console.log('inbox')");
    assert!(js.content_type.unwrap_or_default().contains("javascript"));
    assert_eq!(js.cache.as_deref(), Some("public, max-age=31536000, immutable"));
    let head = call(&r, Method::HEAD, "/", None, None).await;
    assert_eq!(head.status, StatusCode::OK);

    // A missing file is a 404, not the page.
    let missing = call(&r, Method::GET, "/assets/gone-000.js", None, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    // The API's paths never get the page.
    for path in ["/api/no-such-route", "/api", "/webhooks/nope", "/api/tabs/x/y/z"] {
        let a = call(&r, Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.json()["error"]["message"], "route not found", "{path}");
    }
    assert_eq!(call(&r, Method::GET, "/health", None, None).await.json(), json!({"status": "ok"}));
    // Other methods on page addresses are the router's, as before.
    let post = call(&r, Method::POST, "/tabs/x", None, Some(json!({}))).await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(post.json()["error"]["code"], "not_found");
    // Dev sign-in is off unless asked for.
    let dev = call(&r, Method::GET, "/api/dev/users", None, None).await;
    assert_eq!(dev.status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn without_a_built_page_the_root_stays_a_json_404() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(Config::for_tests(dir.path())).await.unwrap();
    let a = call(&app.router(), Method::GET, "/", None, None).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.json()["error"]["code"], "not_found");
    assert!(Site::find_dir(Some(dir.path().join("nowhere"))).is_err(), "an explicit --web-dir without index.html is an error");
    app.stop().await;
}

#[tokio::test]
async fn dev_sign_in_lists_the_users_and_hands_out_working_tokens() {
    let (app, _dir) = app(true).await;
    let r = app.router();
    let users = call(&r, Method::GET, "/api/dev/users", None, None).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.body);
    let users = users.json();
    let names: Vec<&str> = users["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Alice Martin", "Bob Stone", "Carol Diaz"]);
    assert_eq!(users["users"][1]["account_name"], "Demo Outdoor Co");
    assert_eq!(users["users"][1]["role"], "member");

    let token = call(&r, Method::POST, "/api/dev/token", None, Some(json!({"user_id": demo::BOB}))).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    let token = token.json()["token"].as_str().unwrap().to_string();
    let me = call(&r, Method::GET, "/api/me", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["email"], "bob@demo.example");

    let unknown = call(&r, Method::POST, "/api/dev/token", None, Some(json!({"user_id": "usr_nobody"}))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json()["error"]["code"], "not_found");
    let malformed = call(&r, Method::POST, "/api/dev/token", None, Some(json!({"user": "x"}))).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{}", malformed.body);
    app.stop().await;
}
