//! `HttpPlatformClient::fetch_post` on the wire: the one GET each network answers with a post
//! (method, path, exact query, headers), what is read from the answer, and the failures.

mod common;

use common::*;
use inbox_domain::ports::{ActionError, PlatformClient};
use inbox_domain::{Conversation, Kind, Network};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A comment conversation under `post`.
fn under(network: Network, post: &str) -> Conversation {
    let mut c = conversation(network, Kind::Comment, "c1", "1", now());
    c.post_id = Some(post.into());
    c
}

async fn expect_get(server: &MockServer, at: &str, query: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(query_is(query))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_facebook_post_is_read_with_its_promotion_status() {
    let server = MockServer::start().await;
    let post = "104857600000001_122100000000000042";
    expect_get(
        &server,
        &format!("/v21.0/{post}"),
        "fields=message,story,permalink_url,created_time,full_picture,from,promotion_status,is_published",
        ok_json(&json!({"id": post, "message": "20% off every stove", "promotion_status": "ineligible", "is_published": false,
            "permalink_url": "https://www.facebook.com/104857600000001/posts/122100000000000042", "from": {"name": "Demo Outdoor"},
            "created_time": "2026-01-01T10:00:00+0000"})),
    )
    .await;
    let p = client(&server).fetch_post(&profile(Network::Facebook, "104857600000001"), &under(Network::Facebook, post)).await.unwrap();
    assert_eq!((p.id.as_str(), p.text.as_str(), p.sponsored), (post, "20% off every stove", Some(true)));
    assert_eq!(p.author_name.as_deref(), Some("Demo Outdoor"));
    server.verify().await;
}

#[tokio::test]
async fn instagram_media_is_read_with_its_caption() {
    let server = MockServer::start().await;
    expect_get(
        &server,
        "/v21.0/17900000000000001",
        "fields=caption,permalink,media_type,media_url,thumbnail_url,timestamp,username,media_product_type",
        ok_json(&json!({"id": "17900000000000001", "caption": "Sunrise at the lake", "media_type": "IMAGE",
            "media_url": "https://cdn.example/1.jpg", "username": "demooutdoor", "media_product_type": "FEED"})),
    )
    .await;
    let p = client(&server)
        .fetch_post(&profile(Network::Instagram, "17841400000000001"), &under(Network::Instagram, "17900000000000001"))
        .await
        .unwrap();
    assert_eq!(
        (p.text.as_str(), p.media_url.as_deref(), p.sponsored),
        ("Sunrise at the lake", Some("https://cdn.example/1.jpg"), Some(false))
    );
    server.verify().await;
}

/// Media that mentions us is someone else's: read through our account's mentions.
#[tokio::test]
async fn instagram_mentions_read_the_media_through_the_account() {
    let server = MockServer::start().await;
    let fields = inbox_platforms::posts::INSTAGRAM_MEDIA_FIELDS;
    let media = json!({"id": "17918195224117851", "caption": "Loving my new tent @demo.outdoor", "username": "hiker",
        "media_type": "IMAGE", "media_url": "https://cdn.example/m.jpg"});
    Mock::given(method("GET"))
        .and(path("/v21.0/17841400000000001"))
        .and(query_param("fields", format!("mentioned_media.media_id(17918195224117851){{{fields}}}")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ok_json(&json!({"mentioned_media": media, "id": "17841400000000001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/17841400000000001"))
        .and(query_param("fields", format!("mentioned_comment.comment_id(17894227972186120){{media{{{fields}}}}}")))
        .respond_with(ok_json(&json!({"mentioned_comment": {"text": "@demo.outdoor look", "media": media}, "id": "17841400000000001"})))
        .expect(1)
        .mount(&server)
        .await;
    let ig = profile(Network::Instagram, "17841400000000001");
    // In the caption: the mention is the media itself.
    let mut c = conversation(Network::Instagram, Kind::Mention, "17918195224117851", "1", now());
    c.post_id = Some("17918195224117851".into());
    let p = client(&server).fetch_post(&ig, &c).await.unwrap();
    assert_eq!((p.text.as_str(), p.author_name.as_deref()), ("Loving my new tent @demo.outdoor", Some("@hiker")));
    // In a comment on it.
    c.thread_key = "17894227972186120".into();
    let p = client(&server).fetch_post(&ig, &c).await.unwrap();
    assert_eq!(p.id, "17918195224117851");
    assert_eq!(p.media_url.as_deref(), Some("https://cdn.example/m.jpg"));
    server.verify().await;
}

#[tokio::test]
async fn a_tweet_is_looked_up_with_its_author() {
    let server = MockServer::start().await;
    expect_get(
        &server,
        "/2/tweets/1874999999999999999",
        "tweet.fields=created_at,author_id,attachments&expansions=author_id,attachments.media_keys&user.fields=name,username&media.fields=url,preview_image_url",
        ok_json(&json!({"data": {"id": "1874999999999999999", "text": "Winter catalogue", "author_id": "2244994945"},
            "includes": {"users": [{"id": "2244994945", "name": "Demo Outdoor", "username": "DemoOutdoor"}]}})),
    )
    .await;
    let p = client(&server)
        .fetch_post(&profile(Network::Twitter, "2244994945"), &under(Network::Twitter, "1874999999999999999"))
        .await
        .unwrap();
    assert_eq!(p.permalink.as_deref(), Some("https://x.com/DemoOutdoor/status/1874999999999999999"));
    server.verify().await;
}

#[tokio::test]
async fn a_linkedin_post_is_read_with_the_version_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/posts/urn%3Ali%3Ashare%3A7300000000000000001"))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", "202509"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .respond_with(ok_json(&json!({"commentary": "Join our webinar", "author": "urn:li:organization:5515715",
            "distribution": {"feedDistribution": "MAIN_FEED"}, "createdAt": 1767230000000_i64})))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.linkedin_version = "202509".into();
    let p = client_with(cfg)
        .fetch_post(&profile(Network::Linkedin, "5515715"), &under(Network::Linkedin, "urn:li:share:7300000000000000001"))
        .await
        .unwrap();
    assert_eq!((p.text.as_str(), p.sponsored), ("Join our webinar", Some(false)));
    server.verify().await;
}

#[tokio::test]
async fn a_youtube_video_is_read_and_a_missing_one_is_refused() {
    let server = MockServer::start().await;
    expect_get(
        &server,
        "/youtube/v3/videos",
        "part=snippet&id=demoVideo01",
        ok_json(&json!({"items": [{"id": "demoVideo01", "snippet": {"title": "Stove review", "channelTitle": "Demo Outdoor"}}]})),
    )
    .await;
    expect_get(&server, "/youtube/v3/videos", "part=snippet&id=gone", ok_json(&json!({"items": []}))).await;
    let c = client(&server);
    let yt = profile(Network::Youtube, "UCdemo");
    assert_eq!(c.fetch_post(&yt, &under(Network::Youtube, "demoVideo01")).await.unwrap().text, "Stove review");
    let e = c.fetch_post(&yt, &under(Network::Youtube, "gone")).await.unwrap_err();
    assert!(matches!(&e, ActionError::Rejected(why) if why.contains("no such video")), "{e:?}");
    server.verify().await;
}

#[tokio::test]
async fn failures_say_what_to_do_and_never_carry_the_token() {
    let server = MockServer::start().await;
    // (A network that echoes the token back in its error: the words must not carry it.)
    let expired = json!({"error": {"message": format!("Error validating access token {TOKEN}: Session has expired"),
        "type": "OAuthException", "code": 190}});
    expect_get(
        &server,
        "/v21.0/1_2",
        &format!("fields={}", inbox_platforms::posts::FACEBOOK_POST_FIELDS),
        ResponseTemplate::new(400).set_body_json(&expired),
    )
    .await;
    let e = client(&server).fetch_post(&profile(Network::Facebook, "1"), &under(Network::Facebook, "1_2")).await.unwrap_err();
    assert!(matches!(e, ActionError::NeedsReconnect(_)), "{e:?}");
    assert!(!e.to_string().contains(TOKEN));

    // A post id that would move the request to another endpoint is refused before any call.
    let e = client(&server).fetch_post(&profile(Network::Facebook, "1"), &under(Network::Facebook, "..")).await.unwrap_err();
    assert!(matches!(e, ActionError::Rejected(_)), "{e:?}");
    server.verify().await;
}
