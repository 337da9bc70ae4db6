//! `HttpSignIn` on the wire, against the oauth fixtures: each network's consent address, its
//! code exchange (method, path, form or query, client authentication), the listings a sign-in
//! reads, the Page subscription, and renewal with its refusals (`oauth.md` §6).

mod common;

use common::*;
use inbox_domain::ports::{SignIn, SignInError};
use inbox_domain::{Network, PresenceKind, SecretString};
use inbox_networks::{AppCredentials, HttpSignIn, SignInConfig};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SECRET: &str = "app-SECRET-0123456789";

fn app(id: &str) -> Option<AppCredentials> {
    Some(AppCredentials { client_id: id.into(), client_secret: SecretString::new(SECRET) })
}

fn signin(server: &MockServer) -> HttpSignIn {
    let config = SignInConfig {
        meta: app("123456789012345"),
        x: app("M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ"),
        linkedin: app("77fakeclientid1"),
        google: app("123456789012-fakeclient.apps.googleusercontent.com"),
        x_webhook_id: Some("1146654567674912769".into()),
        ..SignInConfig::all_at(&server.uri())
    };
    HttpSignIn::new(common::config(server), config, Arc::new(FixedClock(now()))).expect("sign-in")
}

/// The form fields of a request body.
fn form(r: &Request) -> HashMap<String, String> {
    url_pairs(std::str::from_utf8(&r.body).unwrap_or_default())
}

fn url_pairs(q: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{q}")).unwrap().query_pairs().into_owned().collect()
}

fn expects_form(expected: Value) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    move |r: &Request| {
        let want: HashMap<String, String> = expected
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("<CLIENT_SECRET>", SECRET)))
            .collect();
        form(r) == want
    }
}

#[tokio::test]
async fn consent_addresses_carry_the_scopes_state_and_pkce_each_network_asks() {
    let server = MockServer::start().await;
    let s = signin(&server);
    let redirect = "https://inbox.example.com/connect/callback";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let q = |network| {
        let url = s.authorize_url(network, "flw_1.secret", challenge, redirect).unwrap();
        let u = reqwest::Url::parse(&url).unwrap();
        (u.path().to_string(), u.query_pairs().into_owned().collect::<HashMap<_, _>>())
    };
    let (p, fb) = q(Network::Facebook);
    assert_eq!(p, "/v21.0/dialog/oauth");
    assert_eq!(
        (fb["client_id"].as_str(), fb["redirect_uri"].as_str(), fb["response_type"].as_str()),
        ("123456789012345", redirect, "code")
    );
    assert!(fb["scope"].contains("pages_manage_metadata,") && fb["scope"].contains("instagram_manage_comments"), "{fb:?}");
    let (p, x) = q(Network::Twitter);
    let fixture_x = fixture("oauth_x_token.json");
    assert_eq!(p, "/i/oauth2/authorize");
    assert_eq!(x["scope"], fixture_x["authorize_redirect"]["query"]["scope"].as_str().unwrap(), "the fixture's scopes");
    assert_eq!((x["code_challenge"].as_str(), x["code_challenge_method"].as_str()), (challenge, "S256"));
    assert_eq!(x["state"], "flw_1.secret");
    let (p, li) = q(Network::Linkedin);
    assert_eq!(p, "/oauth/v2/authorization");
    assert!(li["scope"].contains("rw_organization_admin"), "{li:?}");
    let (p, g) = q(Network::Youtube);
    assert_eq!(p, "/o/oauth2/v2/auth");
    assert_eq!((g["access_type"].as_str(), g["prompt"].as_str(), g["code_challenge_method"].as_str()), ("offline", "consent", "S256"));
    assert_eq!(g["scope"], "https://www.googleapis.com/auth/youtube.force-ssl");

    // Not registered: said in words, naming what to set.
    let bare = HttpSignIn::new(common::config(&server), SignInConfig::default(), Arc::new(FixedClock(now()))).unwrap();
    let e = bare.configured(Network::Twitter).unwrap_err();
    assert!(e.contains("INBOX_X_CLIENT_ID") && e.contains("INBOX_X_CLIENT_SECRET"), "{e}");
    assert!(matches!(bare.authorize_url(Network::Youtube, "s", "c", redirect), Err(SignInError::NotConfigured(_))));
}

#[tokio::test]
async fn facebook_login_exchanges_the_code_for_a_long_lived_token_and_lists_pages_with_their_instagram_accounts() {
    let server = MockServer::start().await;
    let token = fixture("oauth_meta_token.json");
    let long = fixture("oauth_meta_long_lived_exchange.json");
    let pages = fixture("oauth_meta_list_pages.json");
    let redirect = token["request"]["query"]["redirect_uri"].as_str().unwrap().to_string();
    let code = token["request"]["query"]["code"].as_str().unwrap().to_string();
    let (r1, c1) = (redirect.clone(), code.clone());
    Mock::given(method("GET"))
        .and(path("/v21.0/oauth/access_token"))
        .and(move |r: &Request| {
            let q = url_pairs(r.url.query().unwrap_or_default());
            q.get("code") == Some(&c1) && q.get("redirect_uri") == Some(&r1) && q.get("client_secret").map(String::as_str) == Some(SECRET)
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(&token["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/oauth/access_token"))
        .and(|r: &Request| {
            let q = url_pairs(r.url.query().unwrap_or_default());
            q.get("grant_type").map(String::as_str) == Some("fb_exchange_token")
                && q.get("fb_exchange_token").map(String::as_str) == Some("EAAGfakeSHORTlivedUSERtoken0001")
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(&long["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    // The fixture's Pages, each with its Instagram account as the per-Page lookup answers it,
    // asked for in the one listing (field expansion).
    let mut listing = pages["response"]["body"].clone();
    listing["data"][0]["instagram_business_account"] = pages["instagram_lookup"]["response"]["body"]["instagram_business_account"].clone();
    Mock::given(method("GET"))
        .and(path("/v21.0/me/accounts"))
        .and(query_is("fields=id,name,access_token,category,category_list,tasks,instagram_business_account{id,username}&limit=100"))
        .and(header("authorization", "Bearer EAAGfakeLONGlivedUSERtoken0001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&listing))
        .expect(1)
        .mount(&server)
        .await;
    let s = signin(&server);
    let grant = s.exchange(Network::Facebook, &code, "unused", &redirect).await.unwrap();
    assert_eq!(grant.access_token.expose(), "EAAGfakeLONGlivedUSERtoken0001");
    assert_eq!(grant.expires_in, Some(5183944));
    let found = s.presences(Network::Facebook, &grant).await.unwrap();
    let summary: Vec<(Network, &str, PresenceKind, &str, bool)> =
        found.iter().map(|p| (p.network, p.external_id.as_str(), p.kind, p.tokens.access_token.expose(), p.why_not.is_none())).collect();
    assert_eq!(
        summary,
        [
            (Network::Facebook, "104857600000001", PresenceKind::Page, "EAAGfakePAGEtoken_page1", true),
            (Network::Instagram, "17841400000000001", PresenceKind::InstagramAccount, "EAAGfakePAGEtoken_page1", true),
            (Network::Facebook, "104857600000002", PresenceKind::Page, "EAAGfakePAGEtoken_page2", true),
        ]
    );
    assert_eq!(found[1].handle, "acme.shoes");
    assert!(found.iter().all(|p| p.tokens.expires_at.is_none()), "Page tokens from a long-lived token do not expire");
}

#[tokio::test]
async fn a_page_is_subscribed_with_its_own_token_and_the_fields_the_inbox_reads() {
    let server = MockServer::start().await;
    let sub = fixture("oauth_meta_subscribed_apps.json");
    let fields = sub["request"]["form"]["subscribed_fields"].as_str().unwrap().to_string();
    Mock::given(method("POST"))
        .and(path("/v21.0/104857600000001/subscribed_apps"))
        .and(header("authorization", "Bearer EAAGfakePAGEtoken_page1"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!("subscribed_fields={}", fields.replace(',', "%2C"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(&sub["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let s = signin(&server);
    let page_token = SecretString::new("EAAGfakePAGEtoken_page1");
    assert_eq!(s.subscribe(Network::Facebook, "104857600000001", &page_token).await.unwrap(), Some(true));
    assert_eq!(s.subscribe(Network::Linkedin, "5515715", &page_token).await.unwrap(), None, "LinkedIn's webhooks are the app's");
}

#[tokio::test]
async fn x_exchanges_with_basic_auth_and_pkce_and_rotates_refresh_tokens() {
    let server = MockServer::start().await;
    let token = fixture("oauth_x_token.json");
    let refresh = fixture("oauth_x_refresh.json");
    let me = fixture("oauth_x_users_me.json");
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ:{SECRET}"))
    );
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(header("authorization", basic.as_str()))
        .and(expects_form(token["request"]["form"].clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&token["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(header("authorization", basic.as_str()))
        .and(expects_form(refresh["request"]["form"].clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&refresh["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        // The fixture's reuse of a spent token (…0001 after …0002 was issued), sent again here as …0000.
        .and(|r: &Request| form(r).get("refresh_token").map(String::as_str) == Some("bWRWfakeXrefresh0000"))
        .respond_with(ResponseTemplate::new(400).set_body_json(&refresh["reuse_of_old_refresh_token"]["body"]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&me["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let s = signin(&server);
    let f = &token["request"]["form"];
    let grant = s
        .exchange(Network::Twitter, f["code"].as_str().unwrap(), f["code_verifier"].as_str().unwrap(), f["redirect_uri"].as_str().unwrap())
        .await
        .unwrap();
    assert!(grant.refresh_token.is_some());
    let found = s.presences(Network::Twitter, &grant).await.unwrap();
    assert_eq!((found.len(), found[0].kind), (1, PresenceKind::User));
    assert_eq!(found[0].tokens.expires_at, Some(now() + chrono::Duration::seconds(7200)));
    let renewed = s.refresh(Network::Twitter, &SecretString::new("bWRWfakeXrefresh0001")).await.unwrap();
    assert_eq!(renewed.refresh_token.unwrap().expose(), "bWRWfakeXrefresh0002", "a new refresh token with each renewal");
    // A spent refresh token: refused in the network's words, and no secret in them.
    let spent = s.refresh(Network::Twitter, &SecretString::new("bWRWfakeXrefresh0000")).await.unwrap_err();
    match spent {
        SignInError::Refused(why) => {
            assert!(why.contains("Value passed for the token was invalid"), "{why}");
            assert!(!why.contains(SECRET) && !why.contains("bWRWfake"), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn linkedin_and_google_exchange_in_the_form_and_renew_and_refusals_are_told_apart_from_outages() {
    let server = MockServer::start().await;
    let li = fixture("oauth_linkedin_token.json");
    let g = fixture("oauth_google_token.json");
    let g_refresh = fixture("oauth_google_refresh.json");
    let g_expired = fixture("oauth_google_error_expired.json");
    Mock::given(method("POST"))
        .and(path("/oauth/v2/accessToken"))
        .and(expects_form(li["request"]["form"].clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(&li["response_partner_app"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let mut g_form = g["request"]["form"].clone();
    g_form["code_verifier"] = Value::String("a-verifier".into());
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(expects_form(g_form))
        .respond_with(ResponseTemplate::new(200).set_body_json(&g["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(|r: &Request| form(r).get("refresh_token").map(String::as_str) == Some("revoked"))
        .respond_with(ResponseTemplate::new(400).set_body_json(&g_expired["refresh_invalid_grant"]["body"]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(|r: &Request| {
            form(r).get("grant_type").map(String::as_str) == Some("refresh_token")
                && form(r).get("refresh_token").map(String::as_str) != Some("revoked")
                && form(r).get("refresh_token").map(String::as_str) != Some("outage")
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(&g_refresh["response"]["body"]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(|r: &Request| form(r).get("refresh_token").map(String::as_str) == Some("outage"))
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .mount(&server)
        .await;
    let s = signin(&server);
    let f = &li["request"]["form"];
    let grant = s.exchange(Network::Linkedin, f["code"].as_str().unwrap(), "unused", f["redirect_uri"].as_str().unwrap()).await.unwrap();
    assert_eq!((grant.expires_in, grant.refresh_expires_in), (Some(5183999), Some(31535999)));
    let f = &g["request"]["form"];
    let grant = s.exchange(Network::Youtube, f["code"].as_str().unwrap(), "a-verifier", f["redirect_uri"].as_str().unwrap()).await.unwrap();
    assert!(grant.refresh_token.is_some() && grant.expires_in == Some(3599));
    let renewed = s.refresh(Network::Youtube, grant.refresh_token.as_ref().unwrap()).await.unwrap();
    assert_eq!(renewed.access_token.expose(), "ya29.fakeGoogleAccess0002");
    assert!(renewed.refresh_token.is_none(), "Google does not repeat the refresh token: the stored one is kept");
    assert!(
        matches!(s.refresh(Network::Youtube, &SecretString::new("revoked")).await, Err(SignInError::Refused(w)) if w.contains("invalid_grant"))
    );
    assert!(matches!(s.refresh(Network::Youtube, &SecretString::new("outage")).await, Err(SignInError::Transient(_))));
    assert!(matches!(s.refresh(Network::Facebook, &SecretString::new("x")).await, Err(SignInError::Refused(_))), "Meta has no refresh");
}

/// An error answer that repeats what it was sent (some do) never carries a secret, a code, a
/// verifier or a token into the inbox's words.
#[tokio::test]
async fn secrets_a_network_echoes_in_an_error_are_redacted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(|r: &Request| {
            let f = form(r);
            let echoed = format!(
                "bad request: code={} verifier={} refresh={} auth={}",
                f.get("code").cloned().unwrap_or_default(),
                f.get("code_verifier").cloned().unwrap_or_default(),
                f.get("refresh_token").cloned().unwrap_or_default(),
                r.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default(),
            );
            ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_request", "error_description": echoed}))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(|r: &Request| {
            let f = form(r);
            let echoed = format!("client_secret {} is wrong", f.get("client_secret").cloned().unwrap_or_default());
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "invalid_client", "error_description": echoed}))
        })
        .mount(&server)
        .await;
    let s = signin(&server);
    let e = s.exchange(Network::Twitter, "CODE-abcdef123", "VERIFIER-abcdef123", "https://x/connect/callback").await.unwrap_err();
    let words = e.to_string();
    assert!(matches!(e, SignInError::Refused(_)), "{e:?}");
    assert!(words.contains("bad request") && words.contains("<redacted>"), "{words}");
    assert!(!words.contains("CODE-abcdef123") && !words.contains("VERIFIER-abcdef123"), "{words}");
    let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ:{SECRET}"));
    assert!(!words.contains(&basic), "the app's Basic credentials: {words}");
    let e = s.refresh(Network::Twitter, &SecretString::new("REFRESH-abcdef123")).await.unwrap_err();
    assert!(!e.to_string().contains("REFRESH-abcdef123"), "{e}");
    // The app's own secret refused: a configuration to fix, not a token to give up on.
    let e = s.refresh(Network::Youtube, &SecretString::new("1//refresh")).await.unwrap_err();
    assert!(matches!(&e, SignInError::NotConfigured(w) if !w.contains(SECRET) && w.contains("<redacted>")), "{e:?}");
}

/// A Google app still in testing: its refresh tokens end 7 days after consent, and the
/// channel's tokens say so (the admins are warned ahead of it).
#[tokio::test]
async fn a_google_app_in_testing_gives_refresh_tokens_of_seven_days() {
    let server = MockServer::start().await;
    let channels = fixture("oauth_google_channels_mine.json");
    Mock::given(method("GET"))
        .and(path("/youtube/v3/channels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&channels["response"]["body"]))
        .mount(&server)
        .await;
    let grant = |refresh: bool| inbox_domain::ports::Grant {
        access_token: SecretString::new("ya29.a"),
        refresh_token: refresh.then(|| SecretString::new("1//r")),
        expires_in: Some(3599),
        ..Default::default()
    };
    let testing = HttpSignIn::new(
        common::config(&server),
        SignInConfig { google: app("g"), google_testing: true, ..SignInConfig::all_at(&server.uri()) },
        Arc::new(FixedClock(now())),
    )
    .unwrap();
    let found = testing.presences(Network::Youtube, &grant(true)).await.unwrap();
    assert_eq!(found[0].tokens.refresh_expires_at, Some(now() + chrono::Duration::days(7)));
    assert_eq!(found[0].tokens.expires_at, Some(now() + chrono::Duration::seconds(3599)));
    let published = signin(&server).presences(Network::Youtube, &grant(true)).await.unwrap();
    assert_eq!(published[0].tokens.refresh_expires_at, None, "a published app's refresh tokens have no end of their own");
}
