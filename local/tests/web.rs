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
    call_as(router, method, path, token, body, &[(header::HOST, "127.0.0.1")]).await
}

/// A request with the given headers (a browser always sends `Host`).
async fn call_as(
    router: &axum::Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(header::HeaderName, &str)],
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(name, *value);
    }
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
    demo::seed_directory(&app.state.deps).await.unwrap();
    app.site = Site { dir: Some(site), dev_auth, dev_any_host: false };
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

/// Issue #10.5: a page on another site must not take a token while `serve --demo` runs, whether
/// it re-points its own name at 127.0.0.1 (DNS rebinding: its name is in `Host`) or sends the
/// request from its own origin.
#[tokio::test]
async fn dev_sign_in_answers_only_requests_addressed_to_the_loopback_listener() {
    let (mut app, _dir) = app(true).await;
    let addr = app.serve().await.unwrap();
    let r = app.router();
    let port = addr.port();
    let here = format!("127.0.0.1:{port}");
    let refused: Vec<Vec<(header::HeaderName, String)>> = vec![
        vec![(header::HOST, format!("evil.example:{port}"))],
        vec![(header::HOST, "evil.example".into())],
        vec![(header::HOST, format!("127.0.0.1.evil.example:{port}"))],
        vec![(header::HOST, format!("192.168.1.20:{port}"))],
        vec![(header::HOST, "127.0.0.1:1".into())],
        vec![],
        vec![(header::HOST, here.clone()), (header::ORIGIN, "http://evil.example".into())],
        vec![(header::HOST, here.clone()), (header::ORIGIN, "null".into())],
        // Through a proxy on this machine (the Vite dev server opened to the network with
        // `--host`), for someone on the LAN.
        vec![(header::HOST, here.clone()), (header::HeaderName::from_static("x-forwarded-for"), "192.168.1.50".into())],
        vec![(header::HOST, here.clone()), (header::HeaderName::from_static("x-forwarded-for"), "127.0.0.1, 10.0.0.7".into())],
        vec![(header::HOST, here.clone()), (header::FORWARDED, "for=203.0.113.9;proto=http".into())],
    ];
    for headers in &refused {
        let h: Vec<(header::HeaderName, &str)> = headers.iter().map(|(n, v)| (n.clone(), v.as_str())).collect();
        let users = call_as(&r, Method::GET, "/api/dev/users", None, None, &h).await;
        assert_eq!(users.status, StatusCode::FORBIDDEN, "{headers:?}: {}", users.body);
        assert!(!users.body.contains("alice@demo.example"), "{}", users.body);
        let token = call_as(&r, Method::POST, "/api/dev/token", None, Some(json!({"user_id": demo::ALICE})), &h).await;
        assert_eq!(token.status, StatusCode::FORBIDDEN, "{headers:?}: {}", token.body);
        assert!(token.json().get("token").is_none());
    }
    for host in [here.clone(), format!("localhost:{port}"), format!("LOCALHOST:{port}")] {
        let ok = call_as(&r, Method::GET, "/api/dev/users", None, None, &[(header::HOST, host.as_str())]).await;
        assert_eq!(ok.status, StatusCode::OK, "{host}");
    }
    // The page on the Vite dev server (another loopback origin, proxied for this machine) still
    // signs in.
    let vite = [
        (header::HOST, here.as_str()),
        (header::ORIGIN, "http://localhost:5173"),
        (header::HeaderName::from_static("x-forwarded-for"), "127.0.0.1"),
        (header::FORWARDED, "for=\"[::1]:51234\";proto=http"),
    ];
    let token = call_as(&r, Method::POST, "/api/dev/token", None, Some(json!({"user_id": demo::BOB})), &vite).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    // The rest of the API does not care about Host (it needs a bearer token).
    let health = call_as(&r, Method::GET, "/health", None, None, &[(header::HOST, "evil.example")]).await;
    assert_eq!(health.status, StatusCode::OK);
    app.stop().await;
}

/// Issue #10.5: `serve --dev-auth` or `--demo` on an address that is not loopback refuses to
/// start, unless `--allow-dev-auth-off-loopback` says so.
#[test]
fn dev_sign_in_is_refused_off_loopback_unless_explicitly_allowed() {
    use inbox_local::web::check_dev_auth_address;
    let any: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let lan: std::net::SocketAddr = "192.168.1.20:8080".parse().unwrap();
    for addr in [any, lan, "[::]:8080".parse().unwrap()] {
        let e = check_dev_auth_address(addr, true, false).unwrap_err().to_string();
        assert!(e.contains("not a loopback") && e.contains("--allow-dev-auth-off-loopback"), "{e}");
        assert!(check_dev_auth_address(addr, true, true).is_ok());
        assert!(check_dev_auth_address(addr, false, false).is_ok(), "without dev sign-in any address is fine");
    }
    for addr in ["127.0.0.1:8080", "[::1]:8080", "127.0.0.2:9000"] {
        assert!(check_dev_auth_address(addr.parse().unwrap(), true, false).is_ok(), "{addr}");
    }
    // The binary itself: it says why and exits before opening anything.
    let data = tempfile::tempdir().unwrap();
    for flag in ["--demo", "--dev-auth"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_inbox"))
            .args(["serve", flag, "--addr", "0.0.0.0:0", "--data-dir"])
            .arg(data.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a loopback"), "{flag}: {err}");
        assert!(!data.path().join("inbox.db").exists(), "nothing opened");
    }
}
