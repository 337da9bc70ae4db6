//! `HttpPlatformPoller` on the wire: the list calls, paging, the cursors it saves, quota units
//! and rate limits.

mod common;

use common::*;
use inbox_domain::Network;
use inbox_domain::ports::{PlatformPoller, PollError, PollPage};
use serde_json::{Value, json};
use wiremock::matchers::{any, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

// --- X --------------------------------------------------------------------------------------

const X_ME: &str = "2244994945";
const X_QUERY_TAIL: &str = "max_results=100&tweet.fields=created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,note_tweet&expansions=author_id&user.fields=username,name";

fn x_mentions_path() -> String {
    format!("/2/users/{X_ME}/mentions")
}

#[tokio::test]
async fn x_polls_mentions_since_the_cursor_and_saves_the_newest_id() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_mentions_page.json");
    let url = fx["request"]["url"].as_str().unwrap();
    assert_eq!(fixture_path(url), x_mentions_path());
    Mock::given(method("GET"))
        .and(path(x_mentions_path()))
        .and(query_is(&format!("since_id=1874000000000000000&{X_QUERY_TAIL}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let page = poller_with(config(&server), now())
        .poll(&profile(Network::Twitter, X_ME), Some("1874000000000000000"), now() - chrono::Duration::days(2))
        .await
        .unwrap();
    assert_eq!(page.events.len(), 2);
    assert_eq!(page.cursor.as_deref(), Some("1875000000000000002"));
    assert_eq!(page.units, 0);
    assert_eq!(page.events[0].platform_id, "1875000000000000002");
    server.verify().await;
}

#[tokio::test]
async fn x_first_poll_reads_from_the_backfill_time_and_follows_pagination() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_mentions_page.json");
    let mut first = fx["response"]["body"].clone();
    first["data"] = json!([first["data"][0].clone()]);
    first["meta"] =
        json!({"newest_id": "1875000000000000002", "oldest_id": "1875000000000000002", "result_count": 1, "next_token": "NEXT1"});
    let mut second = fx["response"]["body"].clone();
    second["data"] = json!([second["data"][1].clone()]);
    second["meta"] = json!({"newest_id": "1875000000000000001", "oldest_id": "1875000000000000001", "result_count": 1});
    Mock::given(method("GET"))
        .and(path(x_mentions_path()))
        .and(query_is(&format!("start_time=2025-12-31T12%3A00%3A00Z&{X_QUERY_TAIL}")))
        .respond_with(ok_json(&first))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(x_mentions_path()))
        .and(query_is(&format!("start_time=2025-12-31T12%3A00%3A00Z&{X_QUERY_TAIL}&pagination_token=NEXT1")))
        .respond_with(ok_json(&second))
        .expect(1)
        .mount(&server)
        .await;
    let page =
        poller_with(config(&server), now()).poll(&profile(Network::Twitter, X_ME), None, now() - chrono::Duration::days(2)).await.unwrap();
    let ids: Vec<_> = page.events.iter().map(|e| e.platform_id.as_str()).collect();
    assert_eq!(ids, ["1875000000000000002", "1875000000000000001"]);
    // The first page's newest id, not the last page's.
    assert_eq!(page.cursor.as_deref(), Some("1875000000000000002"));
    server.verify().await;
}

#[tokio::test]
async fn x_paging_stops_at_the_page_cap() {
    let server = MockServer::start().await;
    let endless = json!({"data": [], "meta": {"result_count": 0, "newest_id": "9", "next_token": "MORE"}});
    Mock::given(method("GET")).and(path(x_mentions_path())).respond_with(ok_json(&endless)).expect(3).mount(&server).await;
    let mut cfg = config(&server);
    cfg.polling.x_max_pages = 3;
    let page = poller_with(cfg, now()).poll(&profile(Network::Twitter, X_ME), Some("1"), now()).await.unwrap();
    assert_eq!(page.cursor.as_deref(), Some("9"));
    server.verify().await;
}

#[tokio::test]
async fn x_no_new_mentions_keeps_the_cursor() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(x_mentions_path()))
        .and(query_param("since_id", "5"))
        .and(query_param_is_missing("pagination_token"))
        .respond_with(ok_json(&json!({"meta": {"result_count": 0}})))
        .expect(1)
        .mount(&server)
        .await;
    let page = poller_with(config(&server), now()).poll(&profile(Network::Twitter, X_ME), Some("5"), now()).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.cursor, None);
    server.verify().await;
}

#[tokio::test]
async fn x_rate_limit_says_when_to_come_back() {
    let server = MockServer::start().await;
    let fx = fixture("x_errors.json");
    let c = &fx["rate_limited"];
    let mut response = ResponseTemplate::new(429).set_body_json(&c["body"]);
    for (k, v) in c["headers"].as_object().unwrap() {
        response = response.insert_header(k.as_str(), v.as_str().unwrap());
    }
    Mock::given(any()).respond_with(response).expect(1).mount(&server).await;
    // x-rate-limit-reset is 1767230100; the clock says 1767230000.
    let clock = chrono::DateTime::from_timestamp(1_767_230_000, 0).unwrap();
    let e = poller_with(config(&server), clock).poll(&profile(Network::Twitter, X_ME), Some("1"), clock).await;
    assert_eq!(e, Err(PollError::RateLimited { retry_after_secs: Some(100) }));
    server.verify().await;
}

#[tokio::test]
async fn x_revoked_token_needs_reconnecting_and_a_missing_one_too() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"title": "Unauthorized"})))
        .expect(1)
        .mount(&server)
        .await;
    let p = poller_with(config(&server), now());
    let e = p.poll(&profile(Network::Twitter, X_ME), Some("1"), now()).await;
    assert!(matches!(&e, Err(PollError::NeedsReconnect(r)) if !r.contains(TOKEN)), "{e:?}");
    let mut no_token = profile(Network::Twitter, X_ME);
    no_token.credentials.access_token = None;
    assert!(matches!(p.poll(&no_token, None, now()).await, Err(PollError::NeedsReconnect(_))));
    server.verify().await;
}

// --- YouTube --------------------------------------------------------------------------------

const CHANNEL: &str = "UCbrandChannel000000000A";

fn youtube_query() -> String {
    let fx = fixture("youtube_comment_threads_page.json");
    fixture_query(fx["request"]["url"].as_str().unwrap()).unwrap()
}

fn youtube_page_one() -> Value {
    fixture("youtube_comment_threads_page.json")["response"]["body"].clone()
}

fn old_thread_page() -> Value {
    let mut page = youtube_page_one();
    let mut thread = page["items"][0].clone();
    thread["id"] = json!("UgOld");
    thread["snippet"]["topLevelComment"]["id"] = json!("UgOld");
    thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = json!("2025-12-01T00:00:00Z");
    thread["snippet"]["topLevelComment"]["snippet"]["updatedAt"] = json!("2025-12-01T00:00:00Z");
    page["items"] = json!([thread]);
    page.as_object_mut().unwrap().remove("nextPageToken");
    page
}

async fn mount_youtube(server: &MockServer, page_token: Option<&str>, body: ResponseTemplate, times: u64) {
    let query = match page_token {
        Some(t) => format!("{}&pageToken={t}", youtube_query()),
        None => youtube_query(),
    };
    Mock::given(method("GET"))
        .and(path("/youtube/v3/commentThreads"))
        .and(query_is(&query))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(body)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn youtube_pages_until_comments_older_than_the_watermark() {
    let server = MockServer::start().await;
    mount_youtube(&server, None, ok_json(&youtube_page_one()), 1).await;
    mount_youtube(&server, Some("QURTSl9pMnBmRVhBMEhsV0V6"), ok_json(&old_thread_page()), 1).await;
    let backfill = at(2025, 12, 25, 0, 0);
    let page = poller_with(config(&server), now()).poll(&profile(Network::Youtube, CHANNEL), None, backfill).await.unwrap();
    // Page one: two threads (one edited since: posted, then edited), one reply; page two: one
    // old thread.
    assert_eq!(page.events.len(), 5);
    assert_eq!(page.units, 2);
    let cursor: Value = serde_json::from_str(page.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(cursor, json!({"since": "2026-01-01T02:00:00Z"}));
    server.verify().await;
}

#[tokio::test]
async fn youtube_stops_after_one_call_when_the_first_page_reaches_the_cursor() {
    let server = MockServer::start().await;
    mount_youtube(&server, None, ok_json(&youtube_page_one()), 1).await;
    let page = poller_with(config(&server), now())
        .poll(&profile(Network::Youtube, CHANNEL), Some(r#"{"since":"2026-01-01T03:00:00Z"}"#), at(2025, 12, 1, 0, 0))
        .await
        .unwrap();
    assert_eq!(page.units, 1);
    // Already-seen comments come again (the ingest ignores duplicates); the watermark holds.
    assert_eq!(page.events.len(), 4);
    assert_eq!(serde_json::from_str::<Value>(page.cursor.as_deref().unwrap()).unwrap(), json!({"since": "2026-01-01T03:00:00Z"}));
    server.verify().await;
}

#[tokio::test]
async fn youtube_page_cap_keeps_its_place_and_the_next_poll_goes_on_from_there() {
    let server = MockServer::start().await;
    mount_youtube(&server, None, ok_json(&youtube_page_one()), 1).await;
    mount_youtube(&server, Some("QURTSl9pMnBmRVhBMEhsV0V6"), ok_json(&old_thread_page()), 1).await;
    let mut cfg = config(&server);
    cfg.polling.youtube_max_pages = 1;
    let poller = poller_with(cfg, now());
    assert_eq!(poller.units_per_poll(Network::Youtube), 1);
    let backfill = at(2025, 12, 25, 0, 0);
    let first = poller.poll(&profile(Network::Youtube, CHANNEL), None, backfill).await.unwrap();
    assert_eq!(first.units, 1);
    let cursor: Value = serde_json::from_str(first.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        cursor,
        json!({"since": "2025-12-25T00:00:00Z", "resume": {"page_token": "QURTSl9pMnBmRVhBMEhsV0V6", "newest": "2026-01-01T02:00:00Z"}})
    );
    let second = poller.poll(&profile(Network::Youtube, CHANNEL), first.cursor.as_deref(), backfill).await.unwrap();
    assert_eq!(second.units, 1);
    assert_eq!(second.events.len(), 1);
    // The backlog is read: the watermark moves to the newest comment seen when it started.
    assert_eq!(serde_json::from_str::<Value>(second.cursor.as_deref().unwrap()).unwrap(), json!({"since": "2026-01-01T02:00:00Z"}));
    server.verify().await;
}

#[tokio::test]
async fn youtube_starts_again_from_the_top_when_a_saved_page_token_is_refused() {
    let server = MockServer::start().await;
    let invalid = json!({"error": {"code": 400, "errors": [{"reason": "invalidPageToken", "message": "bad token"}]}});
    mount_youtube(&server, Some("STALE"), ResponseTemplate::new(400).set_body_json(invalid), 1).await;
    mount_youtube(&server, None, ok_json(&old_thread_page()), 1).await;
    let cursor = r#"{"since":"2025-12-25T00:00:00Z","resume":{"page_token":"STALE","newest":"2026-01-01T02:00:00Z"}}"#;
    let page = poller_with(config(&server), now()).poll(&profile(Network::Youtube, CHANNEL), Some(cursor), now()).await.unwrap();
    assert_eq!(page.units, 2);
    assert_eq!(serde_json::from_str::<Value>(page.cursor.as_deref().unwrap()).unwrap(), json!({"since": "2025-12-25T00:00:00Z"}));
    server.verify().await;
}

#[tokio::test]
async fn youtube_spent_quota_waits_until_it_resets() {
    let server = MockServer::start().await;
    let fx = fixture("youtube_errors.json");
    mount_youtube(&server, None, ResponseTemplate::new(403).set_body_json(&fx["quota_exceeded"]["body"]), 1).await;
    let e = poller_with(config(&server), at(2026, 1, 2, 7, 30)).poll(&profile(Network::Youtube, CHANNEL), None, now()).await;
    assert_eq!(e, Err(PollError::RateLimited { retry_after_secs: Some(30 * 60) }));
    server.verify().await;
}

#[tokio::test]
async fn only_youtube_is_unit_metered() {
    let p = poller_with(inbox_networks::NetworkConfig::default(), now());
    assert_eq!(p.units_per_poll(Network::Youtube), 2);
    for n in [Network::Twitter, Network::Linkedin, Network::Facebook, Network::Instagram] {
        assert_eq!(p.units_per_poll(n), 0, "{n}");
    }
}

// --- LinkedIn -------------------------------------------------------------------------------

const ORG: &str = "5515715";
const POST: &str = "urn:li:share:7300000000000000001";
const POST_ENC: &str = "urn%3Ali%3Ashare%3A7300000000000000001";

fn linkedin_config(server: &MockServer, posts: &[&str]) -> inbox_networks::NetworkConfig {
    let mut cfg = config(server);
    cfg.linkedin_version = "202509".into();
    cfg.polling.linkedin_page_size = 2;
    cfg.polling.linkedin_posts.insert(ORG.into(), posts.iter().map(|p| p.to_string()).collect());
    cfg
}

fn comments_page() -> Value {
    fixture("linkedin_comments_page.json")["response"]["body"].clone()
}

async fn mount_comments(server: &MockServer, post_enc: &str, query: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(format!("/rest/socialActions/{post_enc}/comments")))
        .and(query_is(query))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", "202509"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn linkedin_pages_through_the_comments_of_each_configured_post() {
    let server = MockServer::start().await;
    let fx = fixture("linkedin_comments_page.json");
    assert_eq!(fixture_path(fx["request"]["url"].as_str().unwrap()), format!("/rest/socialActions/{POST_ENC}/comments"));
    let mut first = comments_page();
    first["paging"] = json!({"start": 0, "count": 2, "total": 3, "links": []});
    let mut second = comments_page();
    second["paging"] = json!({"start": 2, "count": 2, "total": 3, "links": []});
    let mut third = second["elements"][0].clone();
    third["commentUrn"] = json!("urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000103)");
    third["created"]["time"] = json!(1767240000000u64);
    second["elements"] = json!([third]);
    mount_comments(&server, POST_ENC, "start=0&count=2", ok_json(&first), 1).await;
    mount_comments(&server, POST_ENC, "start=2&count=2", ok_json(&second), 1).await;
    // A second post nobody commented on answers 404; a sponsored one is never read, nor a dark
    // post (not distributed to the feed), which one batch read of the posts tells.
    mount_comments(&server, "urn%3Ali%3AugcPost%3A42", "start=0&count=2", ResponseTemplate::new(404), 1).await;
    for never in ["urn%3Ali%3AsponsoredContent%3A9", "urn%3Ali%3AugcPost%3A77"] {
        Mock::given(path(format!("/rest/socialActions/{never}/comments"))).respond_with(ok_json(&first)).expect(0).mount(&server).await;
    }
    let organic = json!({"lifecycleState": "PUBLISHED", "visibility": "PUBLIC", "distribution": {"feedDistribution": "MAIN_FEED"}});
    let dark = json!({"lifecycleState": "PUBLISHED", "distribution": {"feedDistribution": "NONE"},
        "adContext": {"dscAdAccount": "urn:li:sponsoredAccount:5", "dscStatus": "ACTIVE"}});
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .and(query_is("ids=List(urn%3Ali%3Ashare%3A7300000000000000001,urn%3Ali%3AugcPost%3A42,urn%3Ali%3AugcPost%3A77)"))
        .and(header("x-restli-method", "BATCH_GET"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", "202509"))
        .respond_with(ok_json(&json!({"results": {POST: organic, "urn:li:ugcPost:42": organic, "urn:li:ugcPost:77": dark},
            "statuses": {}, "errors": {}})))
        .expect(1)
        .mount(&server)
        .await;

    let cfg = linkedin_config(&server, &[POST, "urn:li:sponsoredContent:9", "urn:li:ugcPost:42", "urn:li:ugcPost:77", POST]);
    let page = poller_with(cfg, now()).poll(&profile(Network::Linkedin, ORG), None, at(2025, 12, 26, 0, 0)).await.unwrap();
    let ids: Vec<_> = page.events.iter().map(|e| e.platform_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000101)",
            "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000102)",
            "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000103)",
        ]
    );
    // Each comment is under the post polled (what the webhook calls `sourcePost`).
    assert!(page.events.iter().all(|e| e.thread.post_id.as_deref() == Some(POST)));
    assert_eq!(page.units, 0);
    let cursor: Value = serde_json::from_str(page.cursor.as_deref().unwrap()).unwrap();
    // 1767240000000 ms is 2026-01-01T04:00:00Z. The posts are checked again in a day.
    let checked = now().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    assert_eq!(
        cursor,
        json!({"posts": {POST: "2026-01-01T04:00:00Z"},
            "checked": {POST: checked, "urn:li:ugcPost:42": checked, "urn:li:ugcPost:77": checked},
            "sponsored": ["urn:li:ugcPost:77"]})
    );
    server.verify().await;

    // The next poll reads no post again (checked within the day), and still not the dark one.
    let server2 = MockServer::start().await;
    mount_comments(&server2, POST_ENC, "start=0&count=2", ok_json(&comments_page()), 1).await;
    mount_comments(&server2, "urn%3Ali%3AugcPost%3A42", "start=0&count=2", ResponseTemplate::new(404), 1).await;
    Mock::given(path("/rest/posts")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server2).await;
    Mock::given(path("/rest/socialActions/urn%3Ali%3AugcPost%3A77/comments")).respond_with(ok_json(&first)).expect(0).mount(&server2).await;
    let cfg = linkedin_config(&server2, &[POST, "urn:li:ugcPost:42", "urn:li:ugcPost:77"]);
    poller_with(cfg, now()).poll(&profile(Network::Linkedin, ORG), page.cursor.as_deref(), at(2025, 12, 26, 0, 0)).await.unwrap();
    server2.verify().await;
}

#[tokio::test]
async fn linkedin_leaves_out_comments_older_than_the_post_watermark() {
    let server = MockServer::start().await;
    mount_comments(&server, POST_ENC, "start=0&count=2", ok_json(&comments_page()), 1).await;
    let cursor = json!({"posts": {POST: "2026-01-01T02:00:00Z"}}).to_string();
    let cfg = linkedin_config(&server, &[POST]);
    let page = poller_with(cfg, now()).poll(&profile(Network::Linkedin, ORG), Some(&cursor), at(2025, 12, 26, 0, 0)).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(serde_json::from_str::<Value>(page.cursor.as_deref().unwrap()).unwrap(), json!({"posts": {POST: "2026-01-01T02:00:00Z"}}));
    server.verify().await;
}

/// An old comment edited after the watermark: its edit is kept (at the time of the edit), the
/// comment itself is not asked for again.
#[tokio::test]
async fn linkedin_keeps_the_edit_of_a_comment_older_than_the_watermark() {
    let server = MockServer::start().await;
    let mut page = comments_page();
    let edited_at = 1767240000000u64; // 2026-01-01T04:00:00Z, after the watermark
    page["elements"][0]["lastModified"]["time"] = json!(edited_at);
    page["elements"][0]["message"]["text"] = json!("Will the webinar be recorded? (edited)");
    mount_comments(&server, POST_ENC, "start=0&count=2", ok_json(&page), 1).await;
    let cursor = json!({"posts": {POST: "2026-01-01T02:00:00Z"}}).to_string();
    let cfg = linkedin_config(&server, &[POST]);
    let polled = poller_with(cfg, now()).poll(&profile(Network::Linkedin, ORG), Some(&cursor), at(2025, 12, 26, 0, 0)).await.unwrap();
    let got: Vec<_> = polled.events.iter().map(|e| (e.platform_id.clone(), e.occurred_at, e.change.clone())).collect();
    assert_eq!(
        got,
        [(
            page["elements"][0]["commentUrn"].as_str().unwrap().to_string(),
            at(2026, 1, 1, 4, 0),
            inbox_domain::ingest::Change::Edited { text: "Will the webinar be recorded? (edited)".into() }
        )]
    );
    assert_eq!(serde_json::from_str::<Value>(polled.cursor.as_deref().unwrap()).unwrap(), json!({"posts": {POST: "2026-01-01T04:00:00Z"}}));
    server.verify().await;
}

#[tokio::test]
async fn linkedin_without_configured_posts_reads_nothing() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let page = poller_with(config(&server), now()).poll(&profile(Network::Linkedin, ORG), None, now()).await.unwrap();
    assert!(page.events.is_empty());
    assert_eq!(page.cursor, None);
    server.verify().await;
}

#[tokio::test]
async fn linkedin_rate_limit_and_lost_access() {
    let server = MockServer::start().await;
    mount_comments(&server, POST_ENC, "start=0&count=2", ResponseTemplate::new(429).insert_header("Retry-After", "30"), 1).await;
    let e = poller_with(linkedin_config(&server, &[POST]), now()).poll(&profile(Network::Linkedin, ORG), None, now()).await;
    assert_eq!(e, Err(PollError::RateLimited { retry_after_secs: Some(30) }));
    server.verify().await;

    let server = MockServer::start().await;
    let denied = json!({"status": 403, "code": "ACCESS_DENIED", "message": "Not enough permissions"});
    mount_comments(&server, POST_ENC, "start=0&count=2", ResponseTemplate::new(403).set_body_json(denied), 1).await;
    let e = poller_with(linkedin_config(&server, &[POST]), now()).poll(&profile(Network::Linkedin, ORG), None, now()).await;
    assert!(matches!(e, Err(PollError::NeedsReconnect(_))), "{e:?}");
    server.verify().await;
}

// --- Others ---------------------------------------------------------------------------------

#[tokio::test]
async fn meta_profiles_are_checked_for_their_webhook_subscription_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v21.0/104857600000001/subscribed_apps"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ok_json(
            &json!({"data": [{"id": "987654321098765", "name": "Social inbox", "subscribed_fields": ["feed", "messages"]}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/17841400000000001/subscribed_apps"))
        .respond_with(ok_json(&json!({"data": []})))
        .expect(1)
        .mount(&server)
        .await;
    let p = poller_with(config(&server), now());
    let fb = p.poll(&profile(Network::Facebook, "104857600000001"), None, now()).await.unwrap();
    assert_eq!(fb, PollPage { webhook_subscribed: Some(true), ..Default::default() });
    let ig = p.poll(&profile(Network::Instagram, "17841400000000001"), None, now()).await.unwrap();
    assert_eq!(ig.webhook_subscribed, Some(false), "a Page that lost its subscription");
    assert!(ig.events.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn unreadable_answers_and_a_network_that_is_down_are_transient() {
    let server = MockServer::start().await;
    mount_youtube(&server, None, ResponseTemplate::new(200).set_body_string("<html>captive portal</html>"), 1).await;
    let e = poller_with(config(&server), now()).poll(&profile(Network::Youtube, CHANNEL), None, now()).await;
    assert!(matches!(e, Err(PollError::Transient(_))), "{e:?}");
    server.verify().await;

    let down = poller_with(inbox_networks::NetworkConfig::all_at(&unused_base()), now());
    let e = down.poll(&profile(Network::Twitter, X_ME), Some("1"), now()).await;
    assert!(matches!(e, Err(PollError::Transient(_))), "{e:?}");
}

/// A configured post LinkedIn answers an error for is checked again in a day like the others,
/// not on every poll; its comments are still read.
#[tokio::test]
async fn a_post_the_batch_read_refuses_is_not_read_again_on_every_poll() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .respond_with(ok_json(&json!({"results": {}, "statuses": {POST: 404}, "errors": {POST: {"status": 404, "message": "Not found"}}})))
        .expect(1)
        .mount(&server)
        .await;
    mount_comments(&server, POST_ENC, "start=0&count=2", ok_json(&comments_page()), 2).await;
    let poller = poller_with(linkedin_config(&server, &[POST]), now());
    let first = poller.poll(&profile(Network::Linkedin, ORG), None, at(2025, 12, 26, 0, 0)).await.unwrap();
    assert_eq!(first.events.len(), 2, "its comments are read as before");
    poller.poll(&profile(Network::Linkedin, ORG), first.cursor.as_deref(), at(2025, 12, 26, 0, 0)).await.unwrap();
    server.verify().await;
}
