//! The networks' sign-in (`SignIn`): the authorization-code flow of Facebook Login, X (OAuth
//! 2.0 with PKCE), LinkedIn and Google, the presences a signed-in user may connect, the
//! per-channel webhook subscription, and token renewal (`../shared/spec/platforms/oauth.md`).
//!
//! Client secrets go in the request body (or X's `Authorization: Basic`), or, where Meta asks
//! for them in the query of its token endpoint, in a URL that never reaches a log or an error:
//! every error is said without its URL and scrubbed of the secrets and tokens of the call.

use crate::config::NetworkConfig;
use async_trait::async_trait;
use inbox_domain::connect::scopes;
use inbox_domain::ports::{Clock, Grant, SignIn, SignInError, SignedInPresence};
use inbox_domain::{Network, PresenceKind, SecretString, Timestamp, Tokens};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use std::sync::Arc;

/// An app registered with a network.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppCredentials({}, <secret>)", self.client_id)
    }
}

/// The Meta webhook fields a Page is subscribed to (what the inbox reads: Page feed and
/// mentions, Messenger with echoes, handover and standby).
pub const META_PAGE_FIELDS: &str = "feed,mention,messages,message_echoes,messaging_postbacks,messaging_handovers,standby";

/// Where the sign-in pages and token endpoints are, and the apps registered with each network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInConfig {
    pub meta: Option<AppCredentials>,
    pub x: Option<AppCredentials>,
    pub linkedin: Option<AppCredentials>,
    pub google: Option<AppCredentials>,
    /// Facebook Login's dialog, with the Graph version: `https://www.facebook.com/v21.0`.
    pub facebook_dialog_base: String,
    pub x_authorize_url: String,
    /// LinkedIn's OAuth pages and token endpoint: `https://www.linkedin.com/oauth/v2`.
    pub linkedin_oauth_base: String,
    pub google_authorize_url: String,
    pub google_token_url: String,
    /// The Account Activity webhook new X channels are subscribed to (none: X channels are
    /// polled, and the subscription is made by hand; see the README).
    pub x_webhook_id: Option<String>,
    /// The Google app is still in testing: its refresh tokens end 7 days after consent.
    pub google_testing: bool,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            meta: None,
            x: None,
            linkedin: None,
            google: None,
            facebook_dialog_base: "https://www.facebook.com/v21.0".into(),
            x_authorize_url: "https://x.com/i/oauth2/authorize".into(),
            linkedin_oauth_base: "https://www.linkedin.com/oauth/v2".into(),
            google_authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".into(),
            google_token_url: "https://oauth2.googleapis.com/token".into(),
            x_webhook_id: None,
            google_testing: false,
        }
    }
}

impl SignInConfig {
    /// Every sign-in page and token endpoint on one server (the simulator), at the paths the
    /// real ones have.
    pub fn all_at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        let version = crate::config::DEFAULT_GRAPH_BASE.rsplit('/').next().unwrap_or("v21.0");
        Self {
            facebook_dialog_base: format!("{base}/{version}"),
            x_authorize_url: format!("{base}/i/oauth2/authorize"),
            linkedin_oauth_base: format!("{base}/oauth/v2"),
            google_authorize_url: format!("{base}/o/oauth2/v2/auth"),
            google_token_url: format!("{base}/token"),
            ..Self::default()
        }
    }

    /// The apps from `INBOX_META_APP_ID` and `meta_secret`, `INBOX_X_CLIENT_ID` and
    /// `INBOX_X_CLIENT_SECRET`, `INBOX_LINKEDIN_CLIENT_ID` and `linkedin_secret`,
    /// `INBOX_GOOGLE_CLIENT_ID` and `INBOX_GOOGLE_CLIENT_SECRET`; `INBOX_X_WEBHOOK_ID`,
    /// `INBOX_GOOGLE_APP_TESTING` (`true`), and the pages' addresses (`INBOX_FACEBOOK_DIALOG_BASE`,
    /// `INBOX_X_AUTHORIZE_URL`, `INBOX_LINKEDIN_OAUTH_BASE`, `INBOX_GOOGLE_AUTHORIZE_URL`,
    /// `INBOX_GOOGLE_TOKEN_URL`). An app is configured only with both its id and secret.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        meta_secret: Option<SecretString>,
        linkedin_secret: Option<SecretString>,
    ) -> Self {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let app = |id: Option<String>, secret: Option<SecretString>| match (id, secret) {
            (Some(client_id), Some(client_secret)) if !client_secret.expose().is_empty() => {
                Some(AppCredentials { client_id, client_secret })
            }
            _ => None,
        };
        let d = Self::default();
        let url = |k: &str, d: String| get(k).map(|v| v.trim_end_matches('/').to_string()).unwrap_or(d);
        Self {
            meta: app(get("INBOX_META_APP_ID"), meta_secret),
            x: app(get("INBOX_X_CLIENT_ID"), get("INBOX_X_CLIENT_SECRET").map(SecretString::new)),
            linkedin: app(get("INBOX_LINKEDIN_CLIENT_ID"), linkedin_secret),
            google: app(get("INBOX_GOOGLE_CLIENT_ID"), get("INBOX_GOOGLE_CLIENT_SECRET").map(SecretString::new)),
            facebook_dialog_base: url("INBOX_FACEBOOK_DIALOG_BASE", d.facebook_dialog_base),
            x_authorize_url: url("INBOX_X_AUTHORIZE_URL", d.x_authorize_url),
            linkedin_oauth_base: url("INBOX_LINKEDIN_OAUTH_BASE", d.linkedin_oauth_base),
            google_authorize_url: url("INBOX_GOOGLE_AUTHORIZE_URL", d.google_authorize_url),
            google_token_url: url("INBOX_GOOGLE_TOKEN_URL", d.google_token_url),
            x_webhook_id: get("INBOX_X_WEBHOOK_ID"),
            google_testing: get("INBOX_GOOGLE_APP_TESTING").is_some_and(|v| v == "true" || v == "1"),
        }
    }
}

/// Pages of 100 a Pages listing reads at most.
const MAX_PAGE_PAGES: usize = 10;

/// The sign-in over HTTP.
pub struct HttpSignIn {
    http: reqwest::Client,
    networks: NetworkConfig,
    config: SignInConfig,
    clock: Arc<dyn Clock>,
}

impl HttpSignIn {
    pub fn new(networks: NetworkConfig, config: SignInConfig, clock: Arc<dyn Clock>) -> Result<Self, crate::SetupError> {
        // No redirects: a token endpoint's answer is read where it was asked.
        let http = crate::http::client(&networks, reqwest::redirect::Policy::none())?;
        Ok(Self { http, networks, config, clock })
    }

    pub fn config(&self) -> &SignInConfig {
        &self.config
    }

    fn app(&self, network: Network) -> Result<&AppCredentials, SignInError> {
        let (app, what) = match network {
            Network::Facebook | Network::Instagram => {
                (&self.config.meta, "a Meta app: set INBOX_META_APP_ID and INBOX_META_APP_SECRET (the app's id and secret)")
            }
            Network::Twitter => (&self.config.x, "an X app with OAuth 2.0: set INBOX_X_CLIENT_ID and INBOX_X_CLIENT_SECRET"),
            Network::Linkedin => (&self.config.linkedin, "a LinkedIn app: set INBOX_LINKEDIN_CLIENT_ID and INBOX_LINKEDIN_CLIENT_SECRET"),
            Network::Youtube => (&self.config.google, "a Google OAuth client: set INBOX_GOOGLE_CLIENT_ID and INBOX_GOOGLE_CLIENT_SECRET"),
        };
        app.as_ref().ok_or_else(|| SignInError::NotConfigured(format!("connecting through {} needs {what}", network.label())))
    }

    fn expires(&self, seconds: Option<i64>) -> Option<Timestamp> {
        seconds.filter(|s| *s > 0).map(|s| self.clock.now() + chrono::Duration::seconds(s))
    }

    /// Sends a request and reads its JSON answer; `secrets` are scrubbed from every error.
    async fn call(&self, rb: RequestBuilder, what: &str, secrets: &[&str]) -> Result<Value, SignInError> {
        // Each secret out (`errors::scrub`: also on one line, at most 300 characters).
        let scrub = |s: String| crate::errors::scrub(&secrets.iter().fold(s, |s, x| crate::errors::scrub(&s, Some(x))), None);
        let answer = rb.send().await.map_err(|e| SignInError::Transient(scrub(format!("{what}: {}", e.without_url()))))?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(|e| SignInError::Transient(scrub(format!("{what}: {}", e.without_url()))))?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(json);
        }
        let said = scrub(error_words(&json).unwrap_or_else(|| format!("HTTP {}", status.as_u16())));
        if app_refused(&json) {
            // The app's own id or secret was refused (rotated, mistyped): no token is at fault,
            // and nothing is marked until the deployment is fixed.
            return Err(SignInError::NotConfigured(format!("{what}: the network refused this app's client id or secret ({said})")));
        }
        Err(match status {
            StatusCode::TOO_MANY_REQUESTS => SignInError::Transient(format!("{what}: rate limited ({said})")),
            s if s.is_server_error() => SignInError::Transient(format!("{what}: {said}")),
            _ => SignInError::Refused(format!("{what}: {said}")),
        })
    }

    fn bearer(&self, method: Method, url: &str, token: &SecretString) -> RequestBuilder {
        self.http.request(method, url).bearer_auth(token.expose())
    }

    /// A token endpoint's answer (RFC 6749 §5.1; Meta's and LinkedIn's have the same names).
    fn grant(v: &Value) -> Result<Grant, SignInError> {
        let access = v.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
        let Some(access) = access else {
            return Err(SignInError::Refused("the token endpoint answered no access_token".into()));
        };
        let secs = |k: &str| v.get(k).and_then(|x| x.as_i64().or_else(|| x.as_str().and_then(|s| s.parse().ok())));
        Ok(Grant {
            access_token: SecretString::new(access),
            refresh_token: v.get("refresh_token").and_then(Value::as_str).filter(|t| !t.is_empty()).map(SecretString::new),
            expires_in: secs("expires_in"),
            refresh_expires_in: secs("refresh_token_expires_in"),
            scope: v.get("scope").and_then(Value::as_str).map(String::from),
        })
    }

    /// The tokens a presence of the grant's user acts with.
    fn tokens_of(&self, network: Network, grant: &Grant) -> Tokens {
        let refresh_expires_at = match network {
            Network::Youtube if self.config.google_testing && grant.refresh_token.is_some() => self.expires(Some(7 * 24 * 3600)),
            _ => self.expires(grant.refresh_expires_in),
        };
        Tokens {
            access_token: grant.access_token.clone(),
            token_secret: None,
            refresh_token: grant.refresh_token.clone(),
            expires_at: self.expires(grant.expires_in),
            refresh_expires_at,
        }
    }

    async fn meta_pages(&self, user_token: &SecretString) -> Result<Vec<SignedInPresence>, SignInError> {
        let base = &self.networks.graph_base;
        // The linked Instagram account comes with each Page (field expansion): one call per 100
        // Pages, not one more per Page (`oauth.md` §1.3 reads it per Page; the same field).
        let mut url = format!(
            "{base}/me/accounts?fields=id,name,access_token,category,category_list,tasks,instagram_business_account{{id,username}}&limit=100"
        );
        let mut out = Vec::new();
        for _ in 0..MAX_PAGE_PAGES {
            let v = self.call(self.bearer(Method::GET, &url, user_token), "listing your Pages", &[user_token.expose()]).await?;
            for page in v.get("data").and_then(Value::as_array).into_iter().flatten() {
                let (Some(id), Some(token)) = (page.get("id").and_then(Value::as_str), page.get("access_token").and_then(Value::as_str))
                else {
                    continue;
                };
                let name = page.get("name").and_then(Value::as_str).unwrap_or(id).to_string();
                let tasks: Vec<&str> =
                    page.get("tasks").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
                let why_not = (!tasks.contains(&"MODERATE")).then(|| {
                    "your role on this Page cannot moderate comments (Meta's MODERATE task); ask its admin for a fuller role".to_string()
                });
                let page_token = SecretString::new(token);
                out.push(SignedInPresence {
                    network: Network::Facebook,
                    external_id: id.to_string(),
                    name: name.clone(),
                    handle: String::new(),
                    kind: PresenceKind::Page,
                    tokens: Tokens { access_token: page_token.clone(), ..Default::default() },
                    why_not: why_not.clone(),
                });
                if let Some(account) = page.get("instagram_business_account")
                    && let Some(ig_id) = account.get("id").and_then(Value::as_str)
                {
                    let username = account.get("username").and_then(Value::as_str).unwrap_or_default().to_string();
                    out.push(SignedInPresence {
                        network: Network::Instagram,
                        external_id: ig_id.to_string(),
                        name: if username.is_empty() { format!("Instagram of {name}") } else { username.clone() },
                        handle: username,
                        kind: PresenceKind::InstagramAccount,
                        tokens: Tokens { access_token: page_token.clone(), ..Default::default() },
                        why_not,
                    });
                }
            }
            match v.pointer("/paging/next").and_then(Value::as_str) {
                // Only ever Meta's own next page: the user token goes with it.
                Some(next) if next.starts_with(&format!("{base}/")) => url = next.to_string(),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn linkedin_organizations(&self, grant: &Grant) -> Result<Vec<SignedInPresence>, SignInError> {
        let base = &self.networks.linkedin_base;
        let token = &grant.access_token;
        let li = |rb: RequestBuilder| {
            rb.header("LinkedIn-Version", &self.networks.linkedin_version).header("X-Restli-Protocol-Version", "2.0.0")
        };
        let mut ids = Vec::new();
        let mut start = 0;
        for _ in 0..crate::client::LINKEDIN_ACL_PAGES {
            let url = format!("{base}/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start={start}&count=100");
            let v = self.call(li(self.bearer(Method::GET, &url, token)), "listing your organisations", &[token.expose()]).await?;
            let body = serde_json::to_vec(&v).unwrap_or_default();
            let (page, next) = inbox_platforms::owners::linkedin_organizations(&body).map_err(SignInError::Refused)?;
            ids.extend(page);
            match next {
                Some(n) => start = n,
                None => break,
            }
        }
        let mut out = Vec::new();
        for id in ids {
            let url = format!("{base}/rest/organizations/{id}");
            let (name, handle) =
                match self.call(li(self.bearer(Method::GET, &url, token)), "reading an organisation", &[token.expose()]).await {
                    Ok(v) => (
                        v.get("localizedName").and_then(Value::as_str).map(String::from).unwrap_or_else(|| format!("Organization {id}")),
                        v.get("vanityName").and_then(Value::as_str).unwrap_or_default().to_string(),
                    ),
                    // A name is nice to have: the id still connects.
                    Err(_) => (format!("Organization {id}"), String::new()),
                };
            out.push(SignedInPresence {
                network: Network::Linkedin,
                external_id: id,
                name,
                handle,
                kind: PresenceKind::Organization,
                tokens: self.tokens_of(Network::Linkedin, grant),
                why_not: None,
            });
        }
        Ok(out)
    }
}

/// The `Authorization: Basic` credentials of an app, as an answer might repeat them.
fn basic_credentials(app: &AppCredentials) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", app.client_id, app.client_secret.expose()))
}

/// Whether an error answer refuses the app itself (RFC 6749 `invalid_client`,
/// `unauthorized_client`; Meta's "Error validating client secret").
fn app_refused(v: &Value) -> bool {
    let error = v.get("error").and_then(Value::as_str).unwrap_or_default();
    let meta = v.pointer("/error/message").and_then(Value::as_str).unwrap_or_default().to_lowercase();
    matches!(error, "invalid_client" | "unauthorized_client") || meta.contains("client secret") || meta.contains("invalid client_id")
}

/// The words of an error answer, in whichever shape the network uses.
fn error_words(v: &Value) -> Option<String> {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
    s("/error_description")
        .map(|d| match s("/error") {
            Some(e) => format!("{e}: {d}"),
            None => d,
        })
        .or_else(|| s("/error/message"))
        .or_else(|| s("/error_message"))
        .or_else(|| s("/error"))
        .or_else(|| s("/message"))
        .or_else(|| s("/detail"))
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", crate::http::encode(v))).collect::<Vec<_>>().join("&")
}

#[async_trait]
impl SignIn for HttpSignIn {
    fn configured(&self, network: Network) -> Result<(), String> {
        self.app(network).map(|_| ()).map_err(|e| e.to_string())
    }

    fn authorize_url(&self, network: Network, state: &str, pkce_challenge: &str, redirect_uri: &str) -> Result<String, SignInError> {
        let app = self.app(network)?;
        let id = app.client_id.as_str();
        Ok(match network {
            Network::Facebook | Network::Instagram => {
                let scope = scopes(network).join(",");
                format!(
                    "{}/dialog/oauth?{}",
                    self.config.facebook_dialog_base,
                    query(&[
                        ("client_id", id),
                        ("redirect_uri", redirect_uri),
                        ("state", state),
                        ("response_type", "code"),
                        ("scope", &scope)
                    ])
                )
            }
            Network::Twitter => format!(
                "{}?{}",
                self.config.x_authorize_url,
                query(&[
                    ("response_type", "code"),
                    ("client_id", id),
                    ("redirect_uri", redirect_uri),
                    ("scope", &scopes(network).join(" ")),
                    ("state", state),
                    ("code_challenge", pkce_challenge),
                    ("code_challenge_method", "S256"),
                ])
            ),
            Network::Linkedin => format!(
                "{}/authorization?{}",
                self.config.linkedin_oauth_base,
                query(&[
                    ("response_type", "code"),
                    ("client_id", id),
                    ("redirect_uri", redirect_uri),
                    ("state", state),
                    ("scope", &scopes(network).join(" ")),
                ])
            ),
            Network::Youtube => format!(
                "{}?{}",
                self.config.google_authorize_url,
                query(&[
                    ("client_id", id),
                    ("redirect_uri", redirect_uri),
                    ("response_type", "code"),
                    ("scope", &scopes(network).join(" ")),
                    ("access_type", "offline"),
                    ("include_granted_scopes", "true"),
                    ("prompt", "consent"),
                    ("state", state),
                    ("code_challenge", pkce_challenge),
                    ("code_challenge_method", "S256"),
                ])
            ),
        })
    }

    async fn exchange(&self, network: Network, code: &str, verifier: &str, redirect_uri: &str) -> Result<Grant, SignInError> {
        let app = self.app(network)?;
        let secret = app.client_secret.expose();
        let hide = [secret, code, verifier];
        match network {
            Network::Facebook | Network::Instagram => {
                let base = &self.networks.graph_base;
                let url = format!(
                    "{base}/oauth/access_token?{}",
                    query(&[("client_id", &app.client_id), ("redirect_uri", redirect_uri), ("client_secret", secret), ("code", code)])
                );
                let short = Self::grant(&self.call(self.http.get(&url), "Facebook's token exchange", &hide).await?)?;
                // The short-lived user token (about an hour) for a long-lived one (about 60
                // days), whose Page tokens do not expire.
                let url = format!(
                    "{base}/oauth/access_token?{}",
                    query(&[
                        ("grant_type", "fb_exchange_token"),
                        ("client_id", &app.client_id),
                        ("client_secret", secret),
                        ("fb_exchange_token", short.access_token.expose()),
                    ])
                );
                let hide = [secret, short.access_token.expose()];
                Self::grant(&self.call(self.http.get(&url), "Facebook's long-lived token exchange", &hide).await?)
            }
            Network::Twitter => {
                let url = format!("{}/2/oauth2/token", self.networks.x_base);
                let form =
                    [("code", code), ("grant_type", "authorization_code"), ("redirect_uri", redirect_uri), ("code_verifier", verifier)];
                let rb = self.http.post(&url).basic_auth(&app.client_id, Some(secret)).form(&form);
                let basic = basic_credentials(app);
                Self::grant(&self.call(rb, "X's token exchange", &[secret, code, verifier, &basic]).await?)
            }
            Network::Linkedin => {
                let url = format!("{}/accessToken", self.config.linkedin_oauth_base);
                let form = [
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", secret),
                    ("redirect_uri", redirect_uri),
                ];
                Self::grant(&self.call(self.http.post(&url).form(&form), "LinkedIn's token exchange", &hide).await?)
            }
            Network::Youtube => {
                let form = [
                    ("code", code),
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", secret),
                    ("redirect_uri", redirect_uri),
                    ("grant_type", "authorization_code"),
                    ("code_verifier", verifier),
                ];
                let rb = self.http.post(&self.config.google_token_url).form(&form);
                Self::grant(&self.call(rb, "Google's token exchange", &hide).await?)
            }
        }
    }

    async fn presences(&self, network: Network, grant: &Grant) -> Result<Vec<SignedInPresence>, SignInError> {
        let token = &grant.access_token;
        match network {
            Network::Facebook | Network::Instagram => self.meta_pages(token).await,
            Network::Twitter => {
                let url = format!("{}/2/users/me", self.networks.x_base);
                let v = self.call(self.bearer(Method::GET, &url, token), "reading your X account", &[token.expose()]).await?;
                let data = v.get("data").ok_or_else(|| SignInError::Refused("X named no user for this sign-in".into()))?;
                let id = data.get("id").and_then(Value::as_str).ok_or_else(|| SignInError::Refused("X named no user id".into()))?;
                let username = data.get("username").and_then(Value::as_str).unwrap_or_default();
                Ok(vec![SignedInPresence {
                    network,
                    external_id: id.to_string(),
                    name: data.get("name").and_then(Value::as_str).unwrap_or(username).to_string(),
                    handle: username.to_string(),
                    kind: PresenceKind::User,
                    tokens: self.tokens_of(network, grant),
                    why_not: None,
                }])
            }
            Network::Linkedin => self.linkedin_organizations(grant).await,
            Network::Youtube => {
                let url = format!("{}/youtube/v3/channels?part=snippet&mine=true", self.networks.youtube_base);
                let v = self.call(self.bearer(Method::GET, &url, token), "reading your YouTube channel", &[token.expose()]).await?;
                let items = v.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
                if items.is_empty() {
                    return Err(SignInError::Refused("this Google account has no YouTube channel".into()));
                }
                Ok(items
                    .iter()
                    .filter_map(|c| {
                        let id = c.get("id").and_then(Value::as_str)?;
                        Some(SignedInPresence {
                            network,
                            external_id: id.to_string(),
                            name: c.pointer("/snippet/title").and_then(Value::as_str).unwrap_or(id).to_string(),
                            handle: c.pointer("/snippet/customUrl").and_then(Value::as_str).unwrap_or_default().to_string(),
                            kind: PresenceKind::Channel,
                            tokens: self.tokens_of(network, grant),
                            why_not: None,
                        })
                    })
                    .collect())
            }
        }
    }

    async fn subscribe(&self, network: Network, external_id: &str, token: &SecretString) -> Result<Option<bool>, SignInError> {
        let hide = [token.expose()];
        match network {
            Network::Facebook | Network::Instagram => {
                let base = &self.networks.graph_base;
                // An Instagram account's webhooks come through its Page: the token is the
                // Page's, and `/me` names it.
                let page = match network {
                    Network::Instagram => {
                        let v =
                            self.call(self.bearer(Method::GET, &format!("{base}/me?fields=id"), token), "finding the Page", &hide).await?;
                        v.get("id")
                            .and_then(Value::as_str)
                            .map(String::from)
                            .ok_or_else(|| SignInError::Refused("Meta named no Page".into()))?
                    }
                    _ => external_id.to_string(),
                };
                let url = format!("{base}/{}/subscribed_apps", crate::http::encode(&page));
                let rb = self.bearer(Method::POST, &url, token).form(&[("subscribed_fields", META_PAGE_FIELDS)]);
                let v = self.call(rb, "subscribing the Page to the inbox's webhooks", &hide).await?;
                Ok(Some(v.get("success").and_then(Value::as_bool).unwrap_or(false)))
            }
            Network::Twitter => {
                let Some(webhook) = &self.config.x_webhook_id else { return Ok(None) };
                let url =
                    format!("{}/2/account_activity/webhooks/{}/subscriptions/all", self.networks.x_base, crate::http::encode(webhook));
                let v = self.call(self.bearer(Method::POST, &url, token), "subscribing the X account to Account Activity", &hide).await?;
                Ok(Some(v.pointer("/data/subscribed").and_then(Value::as_bool).unwrap_or(false)))
            }
            Network::Linkedin | Network::Youtube => Ok(None),
        }
    }

    async fn refresh(&self, network: Network, refresh_token: &SecretString) -> Result<Grant, SignInError> {
        let app = self.app(network)?;
        let secret = app.client_secret.expose();
        let rt = refresh_token.expose();
        let hide = [secret, rt];
        let answer = match network {
            Network::Facebook | Network::Instagram => {
                return Err(SignInError::Refused("Meta tokens have no refresh token: sign in again".into()));
            }
            Network::Twitter => {
                let url = format!("{}/2/oauth2/token", self.networks.x_base);
                let rb = self
                    .http
                    .post(&url)
                    .basic_auth(&app.client_id, Some(secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)]);
                let basic = basic_credentials(app);
                self.call(rb, "X's token renewal", &[secret, rt, &basic]).await
            }
            Network::Linkedin => {
                let url = format!("{}/accessToken", self.config.linkedin_oauth_base);
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", secret),
                ];
                self.call(self.http.post(&url).form(&form), "LinkedIn's token renewal", &hide).await
            }
            Network::Youtube => {
                let form = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                    ("client_id", app.client_id.as_str()),
                    ("client_secret", secret),
                ];
                self.call(self.http.post(&self.config.google_token_url).form(&form), "Google's token renewal", &hide).await
            }
        };
        Self::grant(&answer?)
    }
}
