//! The OpenAPI document (generated from the handlers and their types, `fn_api::openapi_document`,
//! served at `GET /api/openapi.json`) against the router: every documented operation reaches a
//! real route. The API's and the webhooks' routes are registered with their operations
//! (`OpenApiRouter`), so they cannot go undocumented; the routes registered the plain axum way
//! (`/health`, the runner's own) are read from the source with a small parser, so that one added
//! without documenting it fails here.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use inbox_tests::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The files that register routes, relative to this crate: every `.rs` file of a directory, or
/// one file. `local/src/lib.rs` merges the routers of the other two; `shared/web/src/app.rs`
/// adds the routes every deployment has (`/health`).
const ROUTER_SOURCES: &[&str] =
    &["../functions/api/src", "../functions/webhook/src/lib.rs", "../local/src/lib.rs", "../shared/web/src/app.rs"];

/// The routers `.merge(...)` may pull in: the ones whose sources are in `ROUTER_SOURCES`.
const KNOWN_MERGES: &[&str] = &["fn_webhook::router()", "fn_api::router()"];

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options", "trace", "connect"];

// ---------------------------------------------------------------------------------------
// A small reader of Rust source: enough to find `.route("<path>", <method router>)` calls.

/// The source with comments blanked out, and for each byte whether it is inside a string or
/// char literal.
struct Source {
    text: Vec<u8>,
    in_literal: Vec<bool>,
}

impl Source {
    fn new(src: &str) -> Source {
        let b = src.as_bytes();
        let mut text = b.to_vec();
        let mut in_literal = vec![false; b.len()];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    while i < b.len() && b[i] != b'\n' {
                        text[i] = b' ';
                        i += 1;
                    }
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    let mut depth = 0;
                    while i < b.len() {
                        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                            depth += 1;
                            text[i] = b' ';
                            text[i + 1] = b' ';
                            i += 2;
                        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                            depth -= 1;
                            text[i] = b' ';
                            text[i + 1] = b' ';
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        } else {
                            if b[i] != b'\n' {
                                text[i] = b' ';
                            }
                            i += 1;
                        }
                    }
                }
                // Raw strings: r"...", r#"..."#, br"...".
                b'r' if (i == 0 || !is_ident(b[i - 1]) || (b[i - 1] == b'b' && (i < 2 || !is_ident(b[i - 2]))))
                    && matches!(b.get(i + 1), Some(b'"' | b'#')) =>
                {
                    let mut j = i + 1;
                    while b.get(j) == Some(&b'#') {
                        j += 1;
                    }
                    if b.get(j) != Some(&b'"') {
                        i += 1;
                        continue;
                    }
                    let hashes = j - i - 1;
                    let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
                    let start = i;
                    j += 1;
                    while j < b.len() && !b[j..].starts_with(&close) {
                        j += 1;
                    }
                    let end = (j + close.len()).min(b.len());
                    in_literal[start..end].iter_mut().for_each(|x| *x = true);
                    i = end;
                }
                b'"' => {
                    let start = i;
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    let end = (i + 1).min(b.len());
                    in_literal[start..end].iter_mut().for_each(|x| *x = true);
                    i = end;
                }
                // A char literal ('x', '\n', '\u{..}'); otherwise a lifetime.
                b'\'' => {
                    if b.get(i + 1) == Some(&b'\\') {
                        let start = i;
                        i += 2;
                        while i < b.len() && b[i] != b'\'' {
                            i += 1;
                        }
                        let end = (i + 1).min(b.len());
                        in_literal[start..end].iter_mut().for_each(|x| *x = true);
                        i = end;
                    } else {
                        let len = src[i + 1..].chars().next().map_or(0, char::len_utf8);
                        if len > 0 && b.get(i + 1 + len) == Some(&b'\'') {
                            in_literal[i..i + len + 2].iter_mut().for_each(|x| *x = true);
                            i += len + 2;
                        } else {
                            i += 1;
                        }
                    }
                }
                _ => i += 1,
            }
        }
        Source { text, in_literal }
    }

    /// Positions right after each code (not literal) occurrence of `needle`.
    fn find_all(&self, needle: &str) -> Vec<usize> {
        let n = needle.as_bytes();
        (0..self.text.len().saturating_sub(n.len() - 1))
            .filter(|&i| &self.text[i..i + n.len()] == n && !self.in_literal[i])
            .map(|i| i + n.len())
            .collect()
    }

    /// The arguments of a call whose `(` was just before `start`, split at top-level commas,
    /// each as (start, end) byte ranges.
    fn call_args(&self, start: usize) -> Vec<(usize, usize)> {
        let mut args = Vec::new();
        let (mut depth, mut from) = (0i32, start);
        for i in start..self.text.len() {
            if self.in_literal[i] {
                continue;
            }
            match self.text[i] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b')' => {
                    // A trailing comma leaves nothing after it.
                    if args.is_empty() || !self.text[from..i].iter().all(u8::is_ascii_whitespace) {
                        args.push((from, i));
                    }
                    return args;
                }
                b',' if depth == 0 => {
                    args.push((from, i));
                    from = i + 1;
                }
                _ => {}
            }
        }
        panic!("unbalanced parentheses after byte {start}");
    }

    fn slice(&self, (a, b): (usize, usize)) -> String {
        String::from_utf8_lossy(&self.text[a..b]).trim().to_string()
    }

    /// Identifiers directly followed by `(` at the top level of `range` (the calls of a method
    /// chain such as `get(a).post(b)` or `axum::routing::get(|| async { .. })`).
    fn top_level_calls(&self, (a, b): (usize, usize)) -> Vec<String> {
        let mut calls = Vec::new();
        let mut depth = 0;
        let mut i = a;
        while i < b {
            let c = self.text[i];
            if self.in_literal[i] {
                i += 1;
                continue;
            }
            match c {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ => {}
            }
            if depth == 0 && (c.is_ascii_alphabetic() || c == b'_') && (i == a || !is_ident(self.text[i - 1])) {
                let mut j = i;
                while j < b && is_ident(self.text[j]) {
                    j += 1;
                }
                let mut k = j;
                while k < b && self.text[k].is_ascii_whitespace() {
                    k += 1;
                }
                if k < b && self.text[k] == b'(' {
                    calls.push(String::from_utf8_lossy(&self.text[i..j]).into_owned());
                }
                i = j;
                continue;
            }
            i += 1;
        }
        calls
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The `.route(path, methods)` registrations of one source file, as (METHOD, path) pairs.
/// Panics on constructs the parser does not understand, so that it never silently misses routes.
fn routes_in(file: &str, src: &str) -> BTreeSet<(String, String)> {
    let s = Source::new(src);
    for unsupported in [".nest(", ".nest_service(", ".route_service(", ".fallback_service("] {
        assert!(s.find_all(unsupported).is_empty(), "{file}: `{unsupported}` is not understood by this test's route parser; extend it");
    }
    let mut out = BTreeSet::new();
    for start in s.find_all(".route(") {
        let args = s.call_args(start);
        assert_eq!(args.len(), 2, "{file}: a .route(..) call without two arguments: {:?}", s.slice((start, args.last().unwrap().1)));
        let path_lit = s.slice(args[0]);
        let path = path_lit
            .strip_prefix('"')
            .and_then(|p| p.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{file}: a route path that is not a string literal: {path_lit}"));
        let mut methods = Vec::new();
        for call in s.top_level_calls(args[1]) {
            let name = call.strip_suffix("_service").unwrap_or(&call);
            if HTTP_METHODS.contains(&name) {
                methods.push(name.to_uppercase());
            } else {
                assert!(
                    !matches!(name, "any" | "on" | "method_routing"),
                    "{file}: route {path} uses `{call}(..)`, which this test cannot map to methods; extend it"
                );
            }
        }
        assert!(!methods.is_empty(), "{file}: no HTTP method found for route {path}: {}", s.slice(args[1]));
        for m in methods {
            assert!(out.insert((m.clone(), path.to_string())), "{file}: {m} {path} registered twice");
        }
    }
    out
}

/// The `.merge(...)` arguments of one source file.
fn merges_in(src: &str) -> Vec<String> {
    let s = Source::new(src);
    s.find_all(".merge(").into_iter().map(|start| s.slice(s.call_args(start)[0])).collect()
}

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn router_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for rel in ROUTER_SOURCES {
        let p = crate_path(rel);
        if p.is_dir() {
            let mut in_dir: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .map(|e| e.expect("dir entry").path())
                .filter(|f| f.extension().is_some_and(|x| x == "rs"))
                .collect();
            in_dir.sort();
            files.extend(in_dir);
        } else {
            assert!(p.is_file(), "{} is missing", p.display());
            files.push(p);
        }
    }
    files
}

/// Every (METHOD, path) the router registers, read from its sources.
fn router_routes() -> BTreeSet<(String, String)> {
    let api_modules: BTreeSet<String> = std::fs::read_dir(crate_path("../functions/api/src"))
        .expect("functions/api/src")
        .filter_map(|e| e.ok()?.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut all = BTreeSet::new();
    for file in router_files() {
        let src = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.display().to_string();
        for merged in merges_in(&src) {
            let known = KNOWN_MERGES.contains(&merged.as_str())
                || merged.strip_suffix("::routes()").is_some_and(|m| api_modules.contains(m) && name.contains("functions/api/src"));
            assert!(known, "{name}: merges `{merged}`, whose routes this test does not read; add its source to ROUTER_SOURCES");
        }
        for route in routes_in(&name, &src) {
            assert!(all.insert(route.clone()), "{route:?} is registered in two places");
        }
    }
    all
}

// ---------------------------------------------------------------------------------------
// The document

/// `{name}` path parameters written `{}`: `/a/{id}` and `/a/{key}` are the same route.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

const DOC_METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Every (METHOD, path template) of the document, with its operation object.
fn doc_operations(doc: &Value) -> BTreeMap<(String, String), Value> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    let mut ops = BTreeMap::new();
    for (path, item) in paths {
        for (key, op) in item.as_object().unwrap_or_else(|| panic!("path item {path} is not an object")) {
            if DOC_METHODS.contains(&key.as_str()) {
                ops.insert((key.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    ops
}

/// Follows a local `$ref` (`#/a/b`).
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

fn each_ref(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| each_ref(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| each_ref(x, out)),
        _ => {}
    }
}

async fn served_document(t: &TestApp) -> Value {
    let (status, doc) = t.request(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let generated: Value = serde_json::from_str(fn_api::openapi_document()).expect("the generated document is JSON");
    assert_eq!(doc, generated, "the served document is not the one generated from the handlers");
    doc
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_paths_and_resolvable_references() {
    let t = TestApp::spawn().await;
    let doc = served_document(&t).await;
    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3.1."), "expected OpenAPI 3.1.x, got {version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string(), "info needs a title and a version");
    let ops = doc_operations(&doc);
    assert!(!ops.is_empty(), "the document has no operations");

    let mut refs = Vec::new();
    each_ref(&doc, &mut refs);
    for r in refs {
        assert!(resolve(&doc, &r).is_some(), "$ref {r} does not resolve");
    }
    let bearer = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!((bearer["type"].as_str(), bearer["scheme"].as_str()), (Some("http"), Some("bearer")), "bearerAuth: {bearer}");

    let mut ids = BTreeSet::new();
    for ((method, path), op) in &ops {
        assert!(path.starts_with('/'), "{path}");
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(!responses.is_empty(), "{method} {path} has no responses");
        // Every {param} of the template is a declared path parameter.
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(doc["paths"][path]["parameters"].as_array().into_iter().flatten())
            .map(|p| if let Some(r) = p["$ref"].as_str() { resolve(&doc, r).expect("parameter $ref") } else { p })
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        for param in path.split('{').skip(1).filter_map(|s| s.split_once('}')).map(|(name, _)| name) {
            assert!(declared.contains(param), "{method} {path}: path parameter {param} is not declared");
        }
        // The user API needs a bearer token; the document itself, health, webhooks and an email's
        // one-click unsubscribe (its link's MAC names the user) do not.
        let bearer_required = op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearerAuth").is_some()));
        let wants_bearer = path.starts_with("/api/") && path != "/api/openapi.json" && path != "/api/unsubscribe";
        assert_eq!(bearer_required, wants_bearer, "{method} {path}: bearerAuth security is {bearer_required}");
        if wants_bearer {
            assert!(responses.contains_key("401"), "{method} {path} does not document its 401");
        }
    }
    t.stop().await;
}

/// The generated components are what the types serialise to: no `allOf` is left (a struct
/// that flattens another is one object), and every object with named fields is closed, as a
/// serde struct writes exactly its fields and a request body denies unknown ones.
#[tokio::test]
async fn every_component_object_is_one_closed_object() {
    let t = TestApp::spawn().await;
    let doc = served_document(&t).await;
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        assert!(schema.get("allOf").is_none(), "{name} is still an allOf: {schema}");
        if schema["properties"].as_object().is_some_and(|p| !p.is_empty()) {
            assert_eq!(schema["additionalProperties"], Value::Bool(false), "{name} is open: {schema}");
            let props: BTreeSet<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            for required in schema["required"].as_array().into_iter().flatten() {
                assert!(props.contains(required.as_str().unwrap()), "{name} requires {required}, which it does not have");
            }
        }
    }
    t.stop().await;
}

#[tokio::test]
async fn every_route_of_the_router_is_documented() {
    let t = TestApp::spawn().await;
    let doc = served_document(&t).await;
    let documented: BTreeSet<(String, String)> = doc_operations(&doc).into_keys().map(|(m, p)| (m, normalise(&p))).collect();
    let routes = router_routes();
    // The parser sees the routes registered the plain axum way (or this test proves nothing);
    // the API's and the webhooks' are registered with their operations (`OpenApiRouter`), so
    // they are in the document by construction: a few of them are checked to be there.
    assert!(routes.contains(&("GET".to_string(), "/health".to_string())), "the route parser missed GET /health: {routes:?}");
    for expected in [("POST", "/webhooks/meta"), ("GET", "/api/openapi.json"), ("DELETE", "/api/tabs/{}"), ("GET", "/health")] {
        let key = (expected.0.to_string(), expected.1.to_string());
        assert!(documented.contains(&key), "{expected:?} is not in the document: {documented:?}");
    }
    let missing: Vec<String> =
        routes.iter().filter(|(m, p)| !documented.contains(&(m.clone(), normalise(p)))).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(missing.is_empty(), "routes missing from the OpenAPI document: {missing:#?}");
    t.stop().await;
}

/// A concrete path for a template: every `{param}` replaced by `value`.
fn fill_template(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        out.push_str(value);
        rest = after.split_once('}').map_or("", |(_, r)| r);
    }
    out.push_str(rest);
    out
}

/// The router's answer for an unknown route (its fallback), which a documented operation must
/// never get.
fn is_route_fallback(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::METHOD_NOT_ALLOWED
        || (status == StatusCode::NOT_FOUND && body["error"]["code"] == "not_found" && body["error"]["message"] == "route not found")
}

#[tokio::test]
async fn every_documented_operation_reaches_a_real_route() {
    let t = TestApp::spawn().await;
    let doc = served_document(&t).await;
    // The fallback looks like this, so that the check below means something.
    let (status, body) = t.request(Method::GET, "/api/no-such-route", Some(ALICE), None).await;
    assert!(is_route_fallback(status, &body), "{status} {body}");
    let (status, body) = t.request(Method::PUT, "/api/me", Some(ALICE), None).await;
    assert!(is_route_fallback(status, &body), "{status} {body}");

    let mut unreachable = Vec::new();
    for ((method, template), op) in doc_operations(&doc) {
        // Path parameters: a plausible id, and one that is not UTF-8 once decoded.
        let has_params = template.contains('{');
        let probes: &[&str] = if has_params { &["openapi-probe", "%FF"] } else { &["openapi-probe"] };
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        'probes: for probe in probes {
            let path = fill_template(&template, probe);
            for user in [None, Some(ALICE)] {
                let req = Request::builder().method(m.clone()).uri(&path);
                let req = match user {
                    Some(u) => req.header("authorization", format!("Bearer {}", t.token(u))),
                    None => req,
                };
                let (status, body) = t.call(req.body(Body::empty()).unwrap()).await;
                if is_route_fallback(status, &body) {
                    unreachable.push(format!("{method} {template} ({path}) answered {status} {body}"));
                    break 'probes;
                }
                // Whatever it answers is documented for it, and every error is JSON.
                assert!(
                    op["responses"].get(status.as_str()).is_some() || op["responses"].get("default").is_some(),
                    "{method} {path} as {user:?} answered {status} {body}, which the document does not list"
                );
                if status.is_client_error() || status.is_server_error() {
                    assert!(
                        body["error"]["code"].is_string() && body["error"]["message"].is_string(),
                        "{method} {path} as {user:?} answered {status} without a JSON error: {body}"
                    );
                }
                if user.is_none() && op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token: {body}");
                }
            }
        }
    }
    assert!(unreachable.is_empty(), "documented operations that no route serves: {unreachable:#?}");
    t.stop().await;
}

#[test]
fn the_route_parser_reads_method_chains_and_ignores_comments_and_strings() {
    let src = r#"
        // .route("/commented", get(a))
        /* .route("/blocked", post(b)) */
        fn r() -> Router {
            let s = ".route(\"/in-a-string\", get(x))";
            let c = '"';
            Router::new()
                .route("/a/{id}", get(show).put(update).delete(remove))
                .route("/b", axum::routing::post(|| async { q.get("k"); Json(json!({"get": 1})) }))
                .route(
                    "/c",
                    patch(edit),
                )
        }
    "#;
    let got: Vec<String> = routes_in("inline", src).into_iter().map(|(m, p)| format!("{m} {p}")).collect();
    assert_eq!(got, ["DELETE /a/{id}", "GET /a/{id}", "PATCH /c", "POST /b", "PUT /a/{id}"]);
    assert_eq!(merges_in("Router::new().merge(a::routes()) .merge( fn_api::router() )"), ["a::routes()", "fn_api::router()"]);
    assert_eq!(normalise("/x/{id}/y/{other}"), "/x/{}/y/{}");
    assert_eq!(fill_template("/x/{id}/y/{other}", "v"), "/x/v/y/v");
    assert_eq!(fill_template("/x", "v"), "/x");
}

#[test]
#[should_panic(expected = "cannot map to methods")]
fn the_route_parser_refuses_what_it_cannot_read() {
    routes_in("inline", r#"Router::new().route("/any", any(handler))"#);
}
