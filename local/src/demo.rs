//! Demo data: an account with three users and one profile per network, and conversations that
//! arrive through the real ingestion path, as signed webhooks posted to the running server.
//! Seeding twice stores nothing twice: the second run's webhooks are duplicates.

use crate::anyhow_lite::{Error, Result};
use chrono::{Duration, Utc};
use inbox_domain::ports::SecretCipher;
use inbox_domain::*;
use inbox_platforms::signature::{META_SIGNATURE_HEADER, X_SIGNATURE_HEADER, sign_meta, sign_x};
use inbox_web::WebConfig;
use serde_json::{Value, json};
use std::net::SocketAddr;

pub const ACCOUNT: &str = "acc_demo";
pub const ALICE: &str = "usr_demo_alice";
pub const BOB: &str = "usr_demo_bob";
pub const CAROL: &str = "usr_demo_carol";
pub const FB_PAGE: &str = "104857600000001";
pub const X_USER: &str = "2244994945";
pub const LINKEDIN_ORG: &str = "5515715";
/// The organisation post whose comments the demo's LinkedIn poller reads.
pub const LINKEDIN_POST: &str = "urn:li:share:7300000000000000001";

async fn profile(cipher: &dyn SecretCipher, id: &str, network: Network, ext: &str, name: &str, handle: &str) -> Result<Profile> {
    let token = SecretString::new(crate::sim_token::sim_token(network, &[ext]));
    let access_token = Some(cipher.seal(&presence_context(network, ext), &token).await?);
    Ok(Profile {
        id: ProfileId::from(id),
        account_id: AccountId::from(ACCOUNT),
        network,
        external_id: ext.into(),
        name: name.into(),
        handle: handle.into(),
        // The simulator's own token for this presence (it answers whom the token belongs to);
        // the real networks need the Page's or account's own. LinkedIn's tokens last 60 days;
        // the others' Page/account tokens do not expire.
        credentials: Credentials {
            access_token,
            expires_at: (network == Network::Linkedin).then(|| Utc::now() + chrono::Duration::days(60)),
            ..Default::default()
        },
        bot_app_id: None,
        created_at: Utc::now(),
    })
}

fn user(id: &str, name: &str, email: &str, role: Role, profiles: &[&str]) -> User {
    User {
        id: UserId::from(id),
        account_id: AccountId::from(ACCOUNT),
        name: name.into(),
        email: email.into(),
        role,
        inbox_access: true,
        email_notifications: true,
        profile_ids: profiles.iter().map(|p| ProfileId::from(*p)).collect(),
        created_at: Utc::now(),
    }
}

/// Creates the demo account, users and profiles. Returns false if they existed already.
pub async fn seed_directory(deps: &inbox_domain::usecases::Deps) -> Result<bool> {
    let (directory, cipher) = (deps.directory.as_ref(), deps.cipher.as_ref());
    if directory.get_account(&AccountId::from(ACCOUNT)).await?.is_some() {
        return Ok(false);
    }
    directory.put_account(&Account { id: AccountId::from(ACCOUNT), name: "Demo Outdoor Co".into(), created_at: Utc::now() }).await?;
    let profiles = [
        profile(cipher, "prf_demo_facebook", Network::Facebook, FB_PAGE, "Demo Outdoor Co", "demooutdoor").await?,
        profile(cipher, "prf_demo_instagram", Network::Instagram, "17841400000000001", "Demo Outdoor", "demo.outdoor").await?,
        profile(cipher, "prf_demo_twitter", Network::Twitter, X_USER, "Demo Outdoor", "DemoOutdoor").await?,
        profile(cipher, "prf_demo_linkedin", Network::Linkedin, "5515715", "Demo Outdoor Co", "demo-outdoor-co").await?,
        profile(cipher, "prf_demo_youtube", Network::Youtube, "UCdemo00000000000000000001", "Demo Outdoor TV", "@demooutdoor").await?,
    ];
    for p in &profiles {
        directory.put_profile(p).await?;
    }
    directory.put_user(&user(ALICE, "Alice Martin", "alice@demo.example", Role::Admin, &[])).await?;
    directory
        .put_user(&user(
            BOB,
            "Bob Stone",
            "bob@demo.example",
            Role::Member,
            &["prf_demo_facebook", "prf_demo_instagram", "prf_demo_twitter"],
        ))
        .await?;
    directory
        .put_user(&user(
            CAROL,
            "Carol Diaz",
            "carol@demo.example",
            Role::Member,
            &["prf_demo_twitter", "prf_demo_linkedin", "prf_demo_youtube"],
        ))
        .await?;
    // Two saved replies, so that `/` in a reply box finds something on the first visit.
    for (id, title, text) in [
        ("rpl_demo_thanks", "Thanks", "Thanks {first_name}! Glad we could help. {agent_first_name}, {profile_name}"),
        (
            "rpl_demo_returns",
            "Returns",
            "Hi {first_name}, anything can come back within 60 days for your money back: reply here and we will send a label. {agent_first_name}",
        ),
    ] {
        let now = Utc::now();
        let reply = inbox_domain::saved_replies::SavedReply {
            id: id.into(),
            account_id: ACCOUNT.into(),
            title: title.into(),
            text: text.into(),
            created_by: ALICE.into(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        deps.saved_replies.insert_saved_reply(&reply, inbox_domain::saved_replies::MAX_PER_ACCOUNT).await?;
    }
    Ok(true)
}

/// A comment on one of the demo Page's posts.
pub struct FbComment<'a> {
    pub post: &'a str,
    pub comment: &'a str,
    /// The comment it answers, for replies.
    pub parent: Option<&'a str>,
    /// (id, name) of the author.
    pub from: (&'a str, &'a str),
    pub message: &'a str,
    /// UNIX seconds.
    pub at: i64,
    /// `add`, `edited` or `remove`.
    pub verb: &'a str,
    /// `inactive` (organic), `active` (boosted) or `ineligible` (an ad).
    pub promotion_status: &'a str,
}

/// Starts polling the demo profiles of polled networks (LinkedIn, YouTube, X).
pub async fn schedule_polls(deps: &inbox_domain::usecases::Deps) -> Result<()> {
    for p in deps.directory.list_profiles(&AccountId::from(ACCOUNT)).await? {
        inbox_domain::usecases::schedule_polls(deps, &p).await.map_err(|e| Error(e.to_string()))?;
    }
    Ok(())
}

/// A Facebook Page feed comment webhook body.
pub fn fb_comment(c: FbComment<'_>) -> Value {
    let FbComment { post, comment, parent, from, message, at, verb, promotion_status } = c;
    let post_id = format!("{FB_PAGE}_{post}");
    json!({"object": "page", "entry": [{"id": FB_PAGE, "time": at + 2, "changes": [{"field": "feed", "value": {
        "from": {"id": from.0, "name": from.1},
        "post": {"status_type": "added_photos", "is_published": promotion_status != "ineligible", "promotion_status": promotion_status, "id": post_id},
        "message": message, "post_id": post_id, "comment_id": format!("{post}_{comment}"),
        "created_time": at, "item": "comment", "parent_id": parent.map(|p| format!("{post}_{p}")).unwrap_or(post_id.clone()), "verb": verb
    }}]}]})
}

/// A Messenger message webhook body.
pub fn messenger(psid: &str, mid: &str, text: &str, at_ms: i64) -> Value {
    json!({"object": "page", "entry": [{"id": FB_PAGE, "time": at_ms + 100, "messaging": [{
        "sender": {"id": psid}, "recipient": {"id": FB_PAGE}, "timestamp": at_ms, "message": {"mid": mid, "text": text}
    }]}]})
}

/// An X Account Activity mention (or reply, with `in_reply_to`).
pub fn x_tweet(id: &str, user: (&str, &str, &str), text: &str, at_ms: i64, in_reply_to: Option<&str>) -> Value {
    json!({"for_user_id": X_USER, "user_has_blocked": false, "tweet_create_events": [{
        "created_at": "Thu Jan 01 01:00:00 +0000 2026", "id_str": id, "text": text, "truncated": false,
        "in_reply_to_status_id_str": in_reply_to, "in_reply_to_user_id_str": in_reply_to.map(|_| X_USER),
        "user": {"id_str": user.0, "name": user.1, "screen_name": user.2},
        "entities": {"hashtags": [], "urls": [], "user_mentions": [{"screen_name": "DemoOutdoor", "name": "Demo Outdoor", "id_str": X_USER, "indices": [0, 12]}]},
        "timestamp_ms": at_ms.to_string()
    }]})
}

/// An X direct message event.
pub fn x_dm(id: &str, sender: (&str, &str, &str), text: &str, at_ms: i64) -> Value {
    json!({"for_user_id": X_USER, "direct_message_events": [{
        "type": "message_create", "id": id, "created_timestamp": at_ms.to_string(),
        "message_create": {"target": {"recipient_id": X_USER}, "sender_id": sender.0, "message_data": {"text": text}}
    }], "users": {
        sender.0: {"id": sender.0, "name": sender.1, "screen_name": sender.2},
        X_USER: {"id": X_USER, "name": "Demo Outdoor", "screen_name": "DemoOutdoor"}
    }})
}

/// The demo's webhook deliveries, oldest first: (path, body).
pub fn deliveries() -> Vec<(&'static str, Value)> {
    let now = Utc::now();
    let s = |mins: i64| (now - Duration::minutes(mins)).timestamp();
    let ms = |mins: i64| (now - Duration::minutes(mins)).timestamp_millis();
    let fb = |post, comment, parent, from, message, at, verb, promotion_status| {
        fb_comment(FbComment { post, comment, parent, from, message, at, verb, promotion_status })
    };
    vec![
        (
            "/webhooks/meta",
            fb(
                "122100000000000001",
                "1900000000000001",
                None,
                ("26100000000000001", "Jane Customer"),
                "Hi, is the Trailblazer tent still available in size M?",
                s(300),
                "add",
                "inactive",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000001",
                "1900000000000002",
                Some("1900000000000001"),
                ("26100000000000002", "Bob Other"),
                "I asked the same thing, any news?",
                s(290),
                "add",
                "inactive",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000001",
                "1900000000000003",
                None,
                ("26100000000000003", "Sam Rivers"),
                "My order #1234 arrived damaged, I want a refund please",
                s(240),
                "add",
                "inactive",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000001",
                "1900000000000003",
                None,
                ("26100000000000003", "Sam Rivers"),
                "My order #1234 arrived damaged, I want a refund or a replacement please",
                s(235),
                "edited",
                "inactive",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000009",
                "1900000000000010",
                None,
                ("26100000000000004", "Lee Park"),
                "Does the winter sale include sleeping bags?",
                s(200),
                "add",
                "active",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000042",
                "1900000000000020",
                None,
                ("26100000000000005", "Ana Costa"),
                "Saw this ad - do you ship to Portugal?",
                s(180),
                "add",
                "ineligible",
            ),
        ),
        (
            "/webhooks/meta",
            fb(
                "122100000000000001",
                "1900000000000030",
                None,
                ("26100000000000006", "Spam Bot"),
                "Click here for free followers!!!",
                s(170),
                "add",
                "inactive",
            ),
        ),
        (
            "/webhooks/meta",
            fb("122100000000000001", "1900000000000030", None, ("26100000000000006", "Spam Bot"), "", s(165), "remove", "inactive"),
        ),
        ("/webhooks/meta", messenger("7312345678901234", "m_demo_0001", "Hello, my order #1234 has not arrived", ms(150))),
        ("/webhooks/meta", messenger("7312345678901234", "m_demo_0002", "It was supposed to be delivered on Monday. Any update?", ms(148))),
        ("/webhooks/meta", messenger("7399999999999999", "m_demo_0003", "Do you have a store in Lyon?", ms(120))),
        (
            "/webhooks/x",
            x_tweet(
                "1875000000000000001",
                ("1500000000000000001", "Jane Customer", "janecustomer"),
                "@DemoOutdoor my package never arrived, order 1234",
                ms(100),
                None,
            ),
        ),
        (
            "/webhooks/x",
            x_tweet(
                "1875000000000000002",
                ("1500000000000000002", "Marco Velo", "marcovelo"),
                "@DemoOutdoor is the Trailblazer tent available in blue?",
                ms(90),
                Some("1874999999999999999"),
            ),
        ),
        (
            "/webhooks/x",
            x_tweet(
                "1875000000000000003",
                ("1500000000000000003", "Priya N", "priya_hikes"),
                "@DemoOutdoor love the new rain jacket, great customer service!",
                ms(60),
                None,
            ),
        ),
        (
            "/webhooks/x",
            x_dm(
                "1875000000000000100",
                ("1500000000000000001", "Jane Customer", "janecustomer"),
                "Hi, can you check order 1234? Tracking says delivered but nothing here.",
                ms(45),
            ),
        ),
        (
            "/webhooks/x",
            x_dm("1875000000000000101", ("1500000000000000004", "Tom Beck", "tombeck"), "Is there a discount code for students?", ms(20)),
        ),
        ("/webhooks/linkedin", linkedin_comment(7300000000000000301, "Do you offer a warranty on the stoves?", ms(70))),
        // A retried delivery: stored once.
        (
            "/webhooks/x",
            x_tweet(
                "1875000000000000003",
                ("1500000000000000003", "Priya N", "priya_hikes"),
                "@DemoOutdoor love the new rain jacket, great customer service!",
                ms(60),
                None,
            ),
        ),
        ("/webhooks/meta", messenger("7312345678901234", "m_demo_0004", "Still waiting for an answer about my refund...", ms(5))),
    ]
}

/// A LinkedIn organisation social action notification: a comment on the demo post.
pub fn linkedin_comment(id: u64, text: &str, at_ms: i64) -> Value {
    json!({"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [{
        "notificationId": id, "organizationalEntity": format!("urn:li:organization:{LINKEDIN_ORG}"), "action": "COMMENT",
        "sourcePost": LINKEDIN_POST, "lastModifiedAt": at_ms,
        "generatedActivity": format!("urn:li:comment:(urn:li:activity:7300000000000000009,{id})"),
        "decoratedGeneratedActivity": {"comment": {"text": text, "owner": "urn:li:person:DemoFan77"}},
        "subscriber": "urn:li:person:AdminPerson1"
    }]})
}

/// The signature header and value of a webhook body for `path` (`/webhooks/meta`, `/x` or
/// `/linkedin`), signed with `web`'s secrets as the network would sign it.
pub fn signed(path: &str, web: &WebConfig, body: &[u8]) -> (&'static str, String) {
    use inbox_platforms::signature::{LINKEDIN_SIGNATURE_HEADER, sign_linkedin};
    if path.ends_with("meta") {
        (META_SIGNATURE_HEADER, sign_meta(web.meta_app_secret.expose().as_bytes(), body))
    } else if path.ends_with("linkedin") {
        (LINKEDIN_SIGNATURE_HEADER, sign_linkedin(web.linkedin_client_secret.expose().as_bytes(), body))
    } else {
        (X_SIGNATURE_HEADER, sign_x(web.x_consumer_secret.expose().as_bytes(), body))
    }
}

/// Posts the demo webhooks, signed, to the server at `addr`.
pub async fn send_webhooks(addr: SocketAddr, web: &WebConfig) -> Result<usize> {
    let client = reqwest::Client::new();
    let mut n = 0;
    for (path, body) in deliveries() {
        let bytes = serde_json::to_vec(&body).expect("serialisable");
        let (header, sig) = signed(path, web, &bytes);
        let res = client
            .post(format!("http://{addr}{path}"))
            .header("content-type", "application/json")
            .header(header, sig)
            .body(bytes)
            .send()
            .await
            .map_err(|e| Error(format!("demo webhook failed: {e}")))?;
        if !res.status().is_success() {
            return Err(Error(format!("demo webhook {path} answered {}", res.status())));
        }
        n += 1;
    }
    Ok(n)
}

/// A few things a team would have done already, through the API: an assignment, a closed
/// conversation, a note that mentions a colleague.
pub async fn team_activity(addr: SocketAddr, web: &WebConfig) -> Result<()> {
    let client = reqwest::Client::new();
    let token = inbox_web::auth::mint(web.jwt_secret.expose(), &UserId::from(ALICE), &AccountId::from(ACCOUNT), Duration::minutes(5));
    let base = format!("http://{addr}/api");
    let feed: Value = client
        .get(format!("{base}/conversations?status=any&limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| Error(e.to_string()))?
        .json()
        .await
        .map_err(|e| Error(e.to_string()))?;
    let convs = feed["conversations"].as_array().cloned().unwrap_or_default();
    let find = |needle: &str| {
        convs.iter().find(|c| c["excerpt"].as_str().is_some_and(|e| e.contains(needle))).and_then(|c| c["id"].as_str()).map(String::from)
    };
    let post = |path: String, body: Value| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            client
                .post(path)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map(|_| ())
                .map_err(|e| Error(e.to_string()))
        }
    };
    if let Some(id) = find("Trailblazer tent available in blue") {
        post(format!("{base}/conversations/{id}/assign"), json!({"user_id": BOB})).await?;
    }
    if let Some(id) = find("love the new rain jacket") {
        post(format!("{base}/conversations/{id}/status"), json!({"status": "closed"})).await?;
    }
    if let Some(id) = find("do you ship to Portugal") {
        post(format!("{base}/conversations/{id}/notes"), json!({"text": "@bob can you check with logistics whether we ship to Portugal?"}))
            .await?;
    }
    Ok(())
}
