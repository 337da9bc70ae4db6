//! The simulated networks' sign-in: consent pages (Facebook Login, X, LinkedIn, Google) that a
//! person clicks through, token endpoints that check what the real ones check (the app's id
//! and secret, the redirect address, a single-use code, PKCE) and issue tokens with real
//! lifetimes, renewal with X's rotation (a spent refresh token is refused), and the listings a
//! sign-in reads (a user's Pages and their Instagram accounts, a member's organisations, a
//! Google account's channel). Tokens are simulator tokens (`crate::sim_token`), so every other
//! simulated call knows whom they act for.

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use inbox_domain::mail::escape;
use inbox_domain::{Network, percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

/// The app the simulator knows for each network: (client id, client secret). The runner's
/// simulated mode registers the inbox with these.
pub const APPS: [(Network, &str, &str); 4] = [
    (Network::Facebook, "sim-facebook-app", "sim-facebook-app-secret"),
    (Network::Twitter, "sim-x-client", "sim-x-client-secret"),
    (Network::Linkedin, "sim-linkedin-client", "sim-linkedin-client-secret"),
    (Network::Youtube, "sim-google-client.apps.googleusercontent.com", "sim-google-client-secret"),
];

/// A Facebook Page the simulated user manages: id, name, tasks, Instagram account (id, username).
pub struct SimPage {
    pub id: &'static str,
    pub name: &'static str,
    pub tasks: &'static [&'static str],
    pub instagram: Option<(&'static str, &'static str)>,
}

const FULL: &[&str] = &["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"];

/// The Pages of the simulated Facebook user: the demo's own, a second shop with its Instagram
/// account, and one where the user may only look (it cannot be connected).
pub const PAGES: [SimPage; 3] = [
    SimPage { id: crate::demo::FB_PAGE, name: "Demo Outdoor Co", tasks: FULL, instagram: Some(("17841400000000001", "demo.outdoor")) },
    SimPage { id: "104857600000777", name: "Demo Outdoor Shop", tasks: FULL, instagram: Some(("17841400000000777", "demo.outdoor.shop")) },
    SimPage { id: "104857600000778", name: "Demo Outdoor Fans", tasks: &["ANALYZE"], instagram: None },
];

/// Accounts one may sign in as on X and Google: (id, name, handle).
pub const X_ACCOUNTS: [(&str, &str, &str); 2] =
    [(crate::demo::X_USER, "Demo Outdoor", "DemoOutdoor"), ("1500000000000000777", "Demo Outdoor Deals", "DemoDeals")];
pub const YOUTUBE_CHANNELS: [(&str, &str, &str); 2] = [
    ("UCdemo00000000000000000001", "Demo Outdoor TV", "@demooutdoor"),
    ("UCdemo00000000000000000002", "Demo Outdoor Shorts", "@demooutdoorshorts"),
];
/// The organisations the simulated LinkedIn member administers: (id, name, vanity name).
pub const ORGANIZATIONS: [(&str, &str, &str); 2] =
    [(crate::demo::LINKEDIN_ORG, "Demo Outdoor Co", "demo-outdoor-co"), ("5515716", "Demo Outdoor Careers", "demo-outdoor-careers")];

/// Lifetimes as the networks give them (`oauth.md`).
const X_ACCESS_SECS: i64 = 7200;
const GOOGLE_ACCESS_SECS: i64 = 3599;
const LINKEDIN_ACCESS_SECS: i64 = 5_183_999;
const LINKEDIN_REFRESH_SECS: i64 = 31_535_999;
const META_SHORT_SECS: i64 = 3600;
const META_LONG_SECS: i64 = 5_183_944;
/// X wants its code exchanged within 30 seconds; the others within minutes.
const X_CODE_SECS: i64 = 30;
const CODE_SECS: i64 = 600;

struct Code {
    network: Network,
    redirect_uri: String,
    challenge: Option<String>,
    /// Who signed in (the X or Google account picked; empty for Facebook and LinkedIn).
    account: String,
    at: DateTime<Utc>,
}

struct Issued {
    network: Network,
    expires_at: DateTime<Utc>,
}

struct Refresh {
    network: Network,
    account: String,
    spent: bool,
}

/// What the simulated sign-in remembers.
#[derive(Default)]
pub(super) struct SignInState {
    codes: Mutex<HashMap<String, Code>>,
    access: Mutex<HashMap<String, Issued>>,
    refresh: Mutex<HashMap<String, Refresh>>,
    /// Tokens the network no longer accepts (a password change, a lost role, the app removed).
    revoked: Mutex<HashMap<String, Network>>,
    next: std::sync::atomic::AtomicU64,
}

/// The sign-in pages and token endpoints (no bearer token: they are where tokens come from).
pub(super) fn routes() -> Router<Arc<SignInState>> {
    Router::new()
        .route("/{version}/dialog/oauth", get(|s, q| consent(s, Network::Facebook, q)))
        .route("/i/oauth2/authorize", get(|s, q| consent(s, Network::Twitter, q)))
        .route("/oauth/v2/authorization", get(|s, q| consent(s, Network::Linkedin, q)))
        .route("/o/oauth2/v2/auth", get(|s, q| consent(s, Network::Youtube, q)))
        .route("/_signin/decide", post(decide))
        .route("/{version}/oauth/access_token", get(meta_token))
        .route("/2/oauth2/token", post(x_token))
        .route("/oauth/v2/accessToken", post(linkedin_token))
        .route("/token", post(google_token))
}

/// The calls a signed-in user's token makes (behind the simulator's bearer check).
pub(super) fn api_routes() -> Router<Arc<SignInState>> {
    Router::new()
        .route("/{version}/me/accounts", get(meta_pages))
        .route("/rest/organizations/{id}", get(linkedin_organization))
        .route("/2/account_activity/webhooks/{id}/subscriptions/all", post(x_subscribe))
}

impl SignInState {
    fn id(&self) -> u64 {
        self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    fn token(&self, network: Network, account: &str, secs: i64) -> String {
        let t = match network {
            Network::Linkedin => crate::sim_token::sim_token(network, &ORGANIZATIONS.map(|o| o.0)),
            _ => crate::sim_token::sim_token(network, &[account]),
        };
        let t = format!("{t}:a{}", self.id());
        self.access.lock().expect("lock").insert(t.clone(), Issued { network, expires_at: Utc::now() + Duration::seconds(secs) });
        t
    }

    fn refresh_token(&self, network: Network, account: &str) -> String {
        let t = format!("sim-refresh:{network}:{account}:r{}", self.id());
        self.refresh.lock().expect("lock").insert(t.clone(), Refresh { network, account: account.into(), spent: false });
        t
    }

    /// Whether a bearer token the simulator issued has expired (tokens it did not issue, such
    /// as the demo's, are left to the other checks).
    pub(super) fn expired(&self, token: &str) -> Option<Network> {
        if let Some(network) = self.revoked.lock().expect("lock").get(token) {
            return Some(*network);
        }
        let access = self.access.lock().expect("lock");
        access.get(token).filter(|i| i.expires_at <= Utc::now()).map(|i| i.network)
    }

    /// The network stops accepting `token` (any token, the demo's too).
    pub(super) fn revoke(&self, network: Network, token: &str) {
        self.revoked.lock().expect("lock").insert(token.to_string(), network);
    }

    /// Makes every access token of `network` it issued expire now (tests: "after a 401").
    pub(super) fn expire_all(&self, network: Network) -> usize {
        let mut access = self.access.lock().expect("lock");
        let mut n = 0;
        for i in access.values_mut().filter(|i| i.network == network) {
            i.expires_at = Utc::now() - Duration::seconds(1);
            n += 1;
        }
        n
    }

    /// Revokes every refresh token of `network` (the user removed the app).
    pub(super) fn revoke_refresh(&self, network: Network) {
        for r in self.refresh.lock().expect("lock").values_mut().filter(|r| r.network == network) {
            r.spent = true;
        }
    }

    /// How many refresh grants `network`'s token endpoint answered with a new token.
    pub(super) fn refreshes_spent(&self, network: Network) -> usize {
        self.refresh.lock().expect("lock").values().filter(|r| r.network == network && r.spent).count()
    }
}

/// The answer a network gives a call with an expired token.
pub(super) fn expired_answer(network: Network) -> Response {
    let body = match network {
        Network::Facebook | Network::Instagram => json!({"error": {"message": "Error validating access token: Session has expired.",
            "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "Asim"}}),
        Network::Twitter => json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}),
        Network::Linkedin => {
            json!({"status": 401, "serviceErrorCode": 65601, "code": "REVOKED_ACCESS_TOKEN", "message": "The token used in the request has expired"})
        }
        Network::Youtube => json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
            "errors": [{"reason": "authError"}], "status": "UNAUTHENTICATED"}}),
    };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn app(network: Network) -> (&'static str, &'static str) {
    let (_, id, secret) = APPS.iter().find(|(n, _, _)| *n == network).expect("every sign-in has an app");
    (id, secret)
}

/// Only the inbox on this machine may be sent back to (as only registered addresses may be).
fn registered(redirect_uri: &str) -> bool {
    let Some((host, path)) = redirect_uri.strip_prefix("http://").and_then(|r| r.split_once('/')) else { return false };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !port.is_empty() => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]") && path == "connect/callback"
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({"error": error, "error_description": description}))).into_response()
}

/// The consent page: who is asking, for what, as whom; Allow or Cancel.
async fn consent(State(_sim): State<Arc<SignInState>>, network: Network, Query(q): Query<HashMap<String, String>>) -> Response {
    let (id, _) = app(network);
    let got = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if got("client_id") != id {
        return (StatusCode::BAD_REQUEST, Html("<h1>Invalid app ID</h1><p>The app asking to sign in is not known.</p>".to_string()))
            .into_response();
    }
    let redirect = got("redirect_uri");
    if !registered(redirect) {
        return (
            StatusCode::BAD_REQUEST,
            Html("<h1>URL blocked</h1><p>The redirect address is not registered for this app.</p>".to_string()),
        )
            .into_response();
    }
    if network == Network::Twitter && (got("code_challenge").is_empty() || got("code_challenge_method") != "S256") {
        return (StatusCode::BAD_REQUEST, Html("<h1>Something went wrong</h1><p>PKCE is required.</p>".to_string())).into_response();
    }
    let (title, who, choice) = match network {
        Network::Facebook => (
            "Facebook",
            format!(
                "<p>Alex Admin manages these Pages:</p><ul>{}</ul>",
                PAGES.iter().map(|p| format!("<li>{}</li>", escape(p.name))).collect::<String>()
            ),
            String::new(),
        ),
        Network::Twitter => ("X", String::new(), accounts_choice("Sign in as", &X_ACCOUNTS)),
        Network::Linkedin => (
            "LinkedIn",
            format!(
                "<p>Alex Admin administers:</p><ul>{}</ul>",
                ORGANIZATIONS.iter().map(|o| format!("<li>{}</li>", escape(o.1))).collect::<String>()
            ),
            String::new(),
        ),
        Network::Youtube => ("Google", String::new(), accounts_choice("Choose an account", &YOUTUBE_CHANNELS)),
        Network::Instagram => ("Instagram", String::new(), String::new()),
    };
    let scope = got("scope");
    let hidden = ["redirect_uri", "state", "code_challenge"]
        .iter()
        .map(|k| format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", escape(got(k))))
        .collect::<String>();
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in with {title} (simulated)</title>\
         <style>body{{font:16px system-ui;max-width:36rem;margin:3rem auto;padding:0 1rem}}button{{font:inherit;padding:.5rem 1rem;margin-right:.5rem}}</style>\
         </head><body><main><h1>Sign in with {title}</h1><p><strong>Social inbox</strong> (app {app}) asks to:</p>\
         <ul>{scopes}</ul>{who}<form method=\"post\" action=\"/_signin/decide\">\
         <input type=\"hidden\" name=\"network\" value=\"{network}\">{hidden}{choice}\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button></form>\
         <p><small>This is the inbox's network simulator, standing in for {title}.</small></p></main></body></html>",
        app = escape(id),
        scopes = scope.split([' ', ',']).filter(|s| !s.is_empty()).map(|s| format!("<li>{}</li>", escape(s))).collect::<String>(),
    );
    Html(page).into_response()
}

fn accounts_choice(legend: &str, accounts: &[(&str, &str, &str)]) -> String {
    let options = accounts
        .iter()
        .enumerate()
        .map(|(i, (id, name, handle))| {
            format!(
                "<div><input type=\"radio\" name=\"account\" id=\"acct{i}\" value=\"{}\"{}><label for=\"acct{i}\">{} ({})</label></div>",
                escape(id),
                if i == 0 { " checked" } else { "" },
                escape(name),
                escape(handle)
            )
        })
        .collect::<String>();
    format!("<fieldset><legend>{}</legend>{options}</fieldset>", escape(legend))
}

#[derive(Deserialize)]
struct Decision {
    network: String,
    decision: String,
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    account: String,
}

/// Allow: a single-use code back to the inbox; Cancel: `access_denied`.
async fn decide(State(sim): State<Arc<SignInState>>, Form(d): Form<Decision>) -> Response {
    let Some(network) = Network::parse(&d.network) else { return StatusCode::BAD_REQUEST.into_response() };
    if !registered(&d.redirect_uri) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let state = percent_encode(&d.state);
    if d.decision != "allow" {
        let to =
            format!("{}?error=access_denied&error_reason=user_denied&error_description=Permissions+error&state={state}", d.redirect_uri);
        return Redirect::to(&to).into_response();
    }
    let account = match network {
        Network::Twitter => X_ACCOUNTS.iter().find(|a| a.0 == d.account).unwrap_or(&X_ACCOUNTS[0]).0,
        Network::Youtube => YOUTUBE_CHANNELS.iter().find(|a| a.0 == d.account).unwrap_or(&YOUTUBE_CHANNELS[0]).0,
        _ => "",
    };
    let code = format!("sim-code-{}-{}", network, uuid::Uuid::new_v4().simple());
    sim.codes.lock().expect("lock").insert(
        code.clone(),
        Code {
            network,
            redirect_uri: d.redirect_uri.clone(),
            challenge: (!d.code_challenge.is_empty()).then(|| d.code_challenge.clone()),
            account: account.to_string(),
            at: Utc::now(),
        },
    );
    Redirect::to(&format!("{}?code={}&state={state}", d.redirect_uri, percent_encode(&code))).into_response()
}

/// Spends a code: it must be this network's, unspent, fresh, for this redirect, and (PKCE)
/// match the verifier.
fn spend_code(sim: &SignInState, network: Network, code: &str, redirect_uri: &str, verifier: Option<&str>) -> Result<Code, String> {
    let Some(c) = sim.codes.lock().expect("lock").remove(code) else {
        return Err("the authorization code is unknown or was used already".into());
    };
    let ttl = if network == Network::Twitter { X_CODE_SECS } else { CODE_SECS };
    if c.network != network || c.at + Duration::seconds(ttl) < Utc::now() {
        return Err("the authorization code expired".into());
    }
    if c.redirect_uri != redirect_uri {
        return Err("redirect_uri does not match the one the code was issued for".into());
    }
    if let Some(challenge) = &c.challenge {
        let v = verifier.unwrap_or_default();
        let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()));
        if &computed != challenge {
            return Err("code_verifier does not match the code_challenge".into());
        }
    }
    Ok(c)
}

fn basic_client(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let (id, secret) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Facebook Login's token endpoint: a code for a short-lived user token, or
/// `fb_exchange_token` for a long-lived one.
async fn meta_token(State(sim): State<Arc<SignInState>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let (id, secret) = app(Network::Facebook);
    let got = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let refuse = |message: &str| {
        (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": message, "type": "OAuthException", "code": 100, "fbtrace_id": "Asim"}})))
            .into_response()
    };
    if got("client_id") != id || got("client_secret") != secret {
        return refuse("Error validating client secret.");
    }
    if got("grant_type") == "fb_exchange_token" {
        let short = got("fb_exchange_token");
        if !short.starts_with("sim-user:facebook:") || short.ends_with(":long") {
            return refuse("Invalid OAuth access token - Cannot parse access token");
        }
        let long = format!("{}:long", short);
        return Json(json!({"access_token": long, "token_type": "bearer", "expires_in": META_LONG_SECS})).into_response();
    }
    match spend_code(&sim, Network::Facebook, got("code"), got("redirect_uri"), None) {
        Ok(_) => {
            let token = format!("sim-user:facebook:u{}", sim.id());
            Json(json!({"access_token": token, "token_type": "bearer", "expires_in": META_SHORT_SECS})).into_response()
        }
        Err(why) => refuse(&format!("Invalid verification code format: {why}")),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: Option<String>,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

/// X's token endpoint: a confidential client (Basic), PKCE, refresh tokens that rotate.
async fn x_token(State(sim): State<Arc<SignInState>>, headers: HeaderMap, Form(f): Form<TokenForm>) -> Response {
    let (id, secret) = app(Network::Twitter);
    if basic_client(&headers) != Some((id.to_string(), secret.to_string())) {
        return oauth_error(StatusCode::UNAUTHORIZED, "unauthorized_client", "Missing valid authorization header");
    }
    let account = match f.grant_type.as_str() {
        "authorization_code" => match spend_code(&sim, Network::Twitter, &f.code, &f.redirect_uri, f.code_verifier.as_deref()) {
            Ok(c) => c.account,
            Err(_) => {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Value passed for the authorization code was invalid.");
            }
        },
        "refresh_token" => match spend_refresh(&sim, Network::Twitter, &f.refresh_token, true) {
            Some(account) => account,
            None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Value passed for the token was invalid."),
        },
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type is not supported"),
    };
    let access = sim.token(Network::Twitter, &account, X_ACCESS_SECS);
    let refresh = sim.refresh_token(Network::Twitter, &account);
    let scope = inbox_domain::connect::scopes(Network::Twitter).join(" ");
    Json(json!({"token_type": "bearer", "expires_in": X_ACCESS_SECS, "access_token": access, "scope": scope, "refresh_token": refresh}))
        .into_response()
}

/// A refresh token's account, if it may be used; `rotate`: it is spent by this use.
fn spend_refresh(sim: &SignInState, network: Network, token: &str, rotate: bool) -> Option<String> {
    let mut refresh = sim.refresh.lock().expect("lock");
    let r = refresh.get_mut(token).filter(|r| r.network == network && !r.spent)?;
    if rotate {
        r.spent = true;
    }
    Some(r.account.clone())
}

/// LinkedIn's token endpoint, as for an approved (refresh-token) partner app.
async fn linkedin_token(State(sim): State<Arc<SignInState>>, Form(f): Form<TokenForm>) -> Response {
    let (id, secret) = app(Network::Linkedin);
    if f.client_id != id || f.client_secret != secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed");
    }
    let first = match f.grant_type.as_str() {
        "authorization_code" => match spend_code(&sim, Network::Linkedin, &f.code, &f.redirect_uri, None) {
            Ok(_) => true,
            Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &why),
        },
        "refresh_token" => match spend_refresh(&sim, Network::Linkedin, &f.refresh_token, false) {
            Some(_) => false,
            None => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The provided authorization grant or refresh token is invalid, expired or revoked.",
                );
            }
        },
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "grant_type is not supported"),
    };
    let access = sim.token(Network::Linkedin, "", LINKEDIN_ACCESS_SECS);
    let mut body = json!({"access_token": access, "expires_in": LINKEDIN_ACCESS_SECS,
        "scope": inbox_domain::connect::scopes(Network::Linkedin).join(",")});
    if first {
        body["refresh_token"] = json!(sim.refresh_token(Network::Linkedin, ""));
        body["refresh_token_expires_in"] = json!(LINKEDIN_REFRESH_SECS);
    } else {
        // The refresh token keeps its string and its clock.
        body["refresh_token"] = json!(f.refresh_token);
    }
    Json(body).into_response()
}

/// Google's token endpoint: PKCE, and refresh tokens that are not rotated.
async fn google_token(State(sim): State<Arc<SignInState>>, Form(f): Form<TokenForm>) -> Response {
    let (id, secret) = app(Network::Youtube);
    if f.client_id != id || f.client_secret != secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    }
    match f.grant_type.as_str() {
        "authorization_code" => match spend_code(&sim, Network::Youtube, &f.code, &f.redirect_uri, f.code_verifier.as_deref()) {
            Ok(c) => {
                let access = sim.token(Network::Youtube, &c.account, GOOGLE_ACCESS_SECS);
                let refresh = sim.refresh_token(Network::Youtube, &c.account);
                Json(json!({"access_token": access, "expires_in": GOOGLE_ACCESS_SECS, "token_type": "Bearer",
                    "scope": inbox_domain::connect::scopes(Network::Youtube).join(" "), "refresh_token": refresh}))
                .into_response()
            }
            Err(_) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Malformed auth code."),
        },
        "refresh_token" => match spend_refresh(&sim, Network::Youtube, &f.refresh_token, false) {
            Some(account) => {
                let access = sim.token(Network::Youtube, &account, GOOGLE_ACCESS_SECS);
                Json(json!({"access_token": access, "expires_in": GOOGLE_ACCESS_SECS, "token_type": "Bearer",
                    "scope": inbox_domain::connect::scopes(Network::Youtube).join(" ")}))
                .into_response()
            }
            None => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked."),
        },
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type"),
    }
}

fn bearer(headers: &HeaderMap) -> &str {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default()
}

/// `GET /me/accounts` with a long-lived user token: the user's Pages, each with its token.
async fn meta_pages(headers: HeaderMap) -> Response {
    if !bearer(&headers).starts_with("sim-user:facebook:") {
        return expired_answer(Network::Facebook);
    }
    let data: Vec<Value> = PAGES
        .iter()
        .map(|p| {
            let mut page = json!({"access_token": crate::sim_token::sim_token(Network::Facebook, &[p.id]), "category": "Outdoor & Sporting Goods Company",
                "category_list": [{"id": "2250", "name": "Outdoor & Sporting Goods Company"}], "name": p.name, "id": p.id, "tasks": p.tasks});
            if let Some((id, username)) = p.instagram {
                page["instagram_business_account"] = json!({"id": id, "username": username});
            }
            page
        })
        .collect();
    Json(json!({"data": data, "paging": {"cursors": {"before": "QVFIsimBefore", "after": "QVFIsimAfter"}}})).into_response()
}

/// `GET /{page-id}?fields=instagram_business_account{id,username}`: the Page's Instagram account.
pub(super) fn meta_page_instagram(page: &str) -> Response {
    match PAGES.iter().find(|p| p.id == page) {
        Some(SimPage { instagram: Some((id, username)), .. }) => {
            Json(json!({"instagram_business_account": {"id": id, "username": username}, "id": page})).into_response()
        }
        Some(_) => Json(json!({"id": page})).into_response(),
        None => (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "Unsupported get request.", "code": 100}}))).into_response(),
    }
}

/// The Instagram account linked to a simulated Page, if any.
pub(super) fn instagram_of(page: &str) -> Option<&'static str> {
    PAGES.iter().find(|p| p.id == page).and_then(|p| p.instagram.map(|i| i.0))
}

async fn linkedin_organization(Path(id): Path<String>) -> Response {
    match ORGANIZATIONS.iter().find(|o| o.0 == id) {
        Some((id, name, vanity)) => {
            Json(json!({"id": id.parse::<u64>().unwrap_or(0), "localizedName": name, "vanityName": vanity})).into_response()
        }
        None => (StatusCode::NOT_FOUND, Json(json!({"status": 404, "message": "Not found"}))).into_response(),
    }
}

async fn x_subscribe(Path(_webhook): Path<String>) -> Response {
    Json(json!({"data": {"subscribed": true}})).into_response()
}

/// A channel's title and handle, for `channels.list?part=snippet`.
pub(super) fn youtube_snippet(id: &str) -> Value {
    match YOUTUBE_CHANNELS.iter().find(|c| c.0 == id) {
        Some((_, title, handle)) => json!({"title": title, "customUrl": handle}),
        None => json!({"title": "Simulated channel"}),
    }
}
