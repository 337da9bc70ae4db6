//! The original post of a comment conversation, read from each network's answer: a Graph API
//! post or Instagram media object, an X v2 tweet lookup, a LinkedIn post, a YouTube video.
//!
//! Each function takes the answer's raw body and gives the [`Post`] (its `fetched_at` is the
//! caller's), or why the answer is not a post in words.

use crate::json::{id_of, millis, secs, str_of};
use inbox_domain::{Network, Post, Timestamp};
use serde_json::Value;

fn parse(body: &[u8], network: Network) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("{network} answered with a post that is not JSON: {e}"))
}

fn text_of(v: &Value, key: &str) -> Option<String> {
    str_of(v, key).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A link or picture the page may show: `https:` only (never `javascript:` or plain HTTP).
fn https_of(v: &Value, key: &str) -> Option<String> {
    text_of(v, key).filter(|u| u.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")))
}

fn post(id: &str, network: Network, fetched_at: Timestamp) -> Post {
    Post::unavailable(id, network, fetched_at, None)
}

/// The fields asked of a Page post (`GET /{post-id}?fields=...`).
pub const FACEBOOK_POST_FIELDS: &str = "message,story,permalink_url,created_time,full_picture,from,promotion_status,is_published";

/// A Page post; whether it is sponsored is read as in the webhook's `post` object.
pub fn facebook_post(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    let v = parse(body, Network::Facebook)?;
    let mut p = post(id, Network::Facebook, fetched_at);
    p.text = text_of(&v, "message").or_else(|| text_of(&v, "story")).unwrap_or_default();
    p.author_name = v.get("from").and_then(|f| text_of(f, "name"));
    p.permalink = https_of(&v, "permalink_url");
    p.media_url = https_of(&v, "full_picture");
    p.created_at = secs(v.get("created_time"));
    p.sponsored = crate::meta::facebook_post_sponsored(&v);
    Ok(p)
}

/// The fields asked of Instagram media (`GET /{media-id}?fields=...`).
pub const INSTAGRAM_MEDIA_FIELDS: &str = "caption,permalink,media_type,media_url,thumbnail_url,timestamp,username,media_product_type";

/// An Instagram media object: its caption, picture (a video's thumbnail), and whether it is an
/// ad (`media_product_type: AD`).
pub fn instagram_media(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    Ok(media(id, &parse(body, Network::Instagram)?, fetched_at))
}

/// An Instagram media object already read.
fn media(id: &str, v: &Value, fetched_at: Timestamp) -> Post {
    let mut p = post(id, Network::Instagram, fetched_at);
    p.text = text_of(v, "caption").unwrap_or_default();
    p.author_name = text_of(v, "username").map(|u| format!("@{u}"));
    p.permalink = https_of(v, "permalink");
    p.media_url =
        if str_of(v, "media_type") == Some("VIDEO") { https_of(v, "thumbnail_url") } else { None }.or_else(|| https_of(v, "media_url"));
    p.created_at = secs(v.get("timestamp"));
    p.sponsored = str_of(v, "media_product_type").map(|t| t == "AD");
    p
}

/// Instagram media read through our account's mentions: the `mentioned_media` object (a
/// mention in a caption) or the `media` of the `mentioned_comment` (a mention in a comment).
pub fn instagram_mentioned_media(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    let v = parse(body, Network::Instagram)?;
    let media = v
        .get("mentioned_media")
        .or_else(|| v.get("mentioned_comment").and_then(|c| c.get("media")))
        .filter(|m| m.is_object())
        .ok_or("Instagram did not return the media that mentions the account")?;
    Ok(self::media(id, media, fetched_at))
}

/// The query of an X v2 tweet lookup (`GET /2/tweets/:id?...`).
pub const X_TWEET_LOOKUP: &str = "tweet.fields=created_at,author_id,attachments&expansions=author_id,attachments.media_keys&user.fields=name,username&media.fields=url,preview_image_url";

/// A tweet, from the v2 lookup. X does not say there whether a tweet is promoted.
pub fn x_tweet(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    let v = parse(body, Network::Twitter)?;
    let Some(data) = v.get("data").filter(|d| d.is_object()) else {
        let why = v.get("errors").and_then(|e| e.get(0)).and_then(|e| text_of(e, "detail")).unwrap_or_else(|| "no `data`".into());
        return Err(format!("X did not return the tweet: {why}"));
    };
    let mut p = post(id, Network::Twitter, fetched_at);
    p.text = text_of(data, "text").unwrap_or_default();
    p.created_at = secs(data.get("created_at"));
    let includes = v.get("includes");
    let author = id_of(data, "author_id")
        .and_then(|aid| includes?.get("users")?.as_array()?.iter().find(|u| id_of(u, "id").as_deref() == Some(aid.as_str())).cloned());
    if let Some(user) = &author {
        let name = text_of(user, "name");
        let username = text_of(user, "username");
        p.author_name = match (&name, &username) {
            (Some(n), Some(u)) => Some(format!("{n} (@{u})")),
            (n, u) => n.clone().or_else(|| u.as_ref().map(|u| format!("@{u}"))),
        };
        p.permalink = username.map(|u| format!("https://x.com/{u}/status/{id}"));
    }
    p.media_url = includes
        .and_then(|i| i.get("media"))
        .and_then(Value::as_array)
        .and_then(|m| m.first())
        .and_then(|m| https_of(m, "url").or_else(|| https_of(m, "preview_image_url")));
    Ok(p)
}

/// A LinkedIn post (`GET /rest/posts/{urn}`). Sponsored when it is Direct Sponsored Content
/// (`adContext`) or not distributed to the feed (`distribution.feedDistribution: NONE`: a
/// dark post).
pub fn linkedin_post(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    let v = parse(body, Network::Linkedin)?;
    let mut p = post(id, Network::Linkedin, fetched_at);
    p.text = text_of(&v, "commentary").unwrap_or_default();
    p.author_name = text_of(&v, "author");
    p.permalink = Some(format!("https://www.linkedin.com/feed/update/{id}/"));
    p.created_at = millis(v.get("publishedAt")).or_else(|| millis(v.get("createdAt")));
    p.sponsored = Some(linkedin_is_sponsored(&v));
    Ok(p)
}

/// Whether a LinkedIn post is sponsored or dark: what the poller skips (LinkedIn ads are not
/// ingested).
pub fn linkedin_is_sponsored(post: &Value) -> bool {
    let ad = post.get("adContext").is_some_and(|a| {
        a.get("isDsc").and_then(Value::as_bool) == Some(true) || str_of(a, "dscStatus").is_some() || str_of(a, "dscAdAccount").is_some()
    });
    let dark = post.get("distribution").and_then(|d| str_of(d, "feedDistribution")) == Some("NONE");
    ad || dark
}

/// A YouTube video (`GET /youtube/v3/videos?part=snippet&id=...`): its title and description.
pub fn youtube_video(id: &str, body: &[u8], fetched_at: Timestamp) -> Result<Post, String> {
    let v = parse(body, Network::Youtube)?;
    let snippet = v
        .get("items")
        .and_then(Value::as_array)
        .and_then(|items| items.first())
        .and_then(|i| i.get("snippet"))
        .ok_or("YouTube has no such video (deleted or private)")?;
    let mut p = post(id, Network::Youtube, fetched_at);
    p.text = [text_of(snippet, "title"), text_of(snippet, "description")].into_iter().flatten().collect::<Vec<_>>().join("\n\n");
    p.author_name = text_of(snippet, "channelTitle");
    p.permalink = Some(format!("https://www.youtube.com/watch?v={id}"));
    let thumbs = snippet.get("thumbnails");
    p.media_url = ["medium", "high", "default"].iter().find_map(|k| thumbs.and_then(|t| t.get(*k)).and_then(|t| https_of(t, "url")));
    p.created_at = secs(snippet.get("publishedAt"));
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at() -> Timestamp {
        chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn body(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn facebook_sponsorship_follows_promotion_status_and_publication() {
        let read = |v: Value| facebook_post("1_2", &body(v), at()).unwrap().sponsored;
        assert_eq!(read(json!({"message": "m", "promotion_status": "inactive", "is_published": true})), Some(false));
        assert_eq!(read(json!({"message": "m", "promotion_status": "active"})), Some(true));
        assert_eq!(read(json!({"message": "m", "promotion_status": "ineligible"})), Some(true));
        assert_eq!(read(json!({"message": "m", "is_published": false, "promotion_status": "inactive"})), Some(true));
        assert_eq!(read(json!({"message": "m"})), None);
    }

    #[test]
    fn a_facebook_post_reads_whole() {
        let p = facebook_post(
            "1_2",
            &body(json!({"id": "1_2", "message": "Spring sale", "permalink_url": "https://www.facebook.com/1/posts/2",
                "created_time": "2026-11-01T10:00:00+0000", "full_picture": "https://scontent.example/p.jpg",
                "from": {"name": "Demo Page", "id": "1"}})),
            at(),
        )
        .unwrap();
        assert_eq!(p.text, "Spring sale");
        assert_eq!(p.author_name.as_deref(), Some("Demo Page"));
        assert_eq!(p.permalink.as_deref(), Some("https://www.facebook.com/1/posts/2"));
        assert_eq!(p.media_url.as_deref(), Some("https://scontent.example/p.jpg"));
        assert_eq!(p.created_at.unwrap().to_rfc3339(), "2026-11-01T10:00:00+00:00");
        assert!(facebook_post("1_2", b"<html>", at()).unwrap_err().contains("not JSON"));
    }

    #[test]
    fn only_https_links_and_pictures_are_kept() {
        let p = facebook_post(
            "1_2",
            &body(json!({"message": "m", "permalink_url": "javascript:alert(1)", "full_picture": "http://plain.example/p.jpg"})),
            at(),
        )
        .unwrap();
        assert_eq!((p.permalink, p.media_url), (None, None));
        let p = instagram_media("m", &body(json!({"permalink": "HTTPS://www.instagram.com/p/x/"})), at()).unwrap();
        assert_eq!(p.permalink.as_deref(), Some("HTTPS://www.instagram.com/p/x/"));
    }

    #[test]
    fn instagram_videos_show_their_thumbnail_and_ads_are_sponsored() {
        let p = instagram_media(
            "m1",
            &body(json!({"caption": "New drop", "media_type": "VIDEO", "media_url": "https://v.example/v.mp4",
                "thumbnail_url": "https://v.example/t.jpg", "username": "brand", "media_product_type": "AD"})),
            at(),
        )
        .unwrap();
        assert_eq!(
            (p.text.as_str(), p.media_url.as_deref(), p.author_name.as_deref()),
            ("New drop", Some("https://v.example/t.jpg"), Some("@brand"))
        );
        assert_eq!(p.sponsored, Some(true));
        let feed = instagram_media("m2", &body(json!({"caption": "c", "media_product_type": "FEED"})), at()).unwrap();
        assert_eq!(feed.sponsored, Some(false));
    }

    #[test]
    fn a_tweet_names_its_author_and_links_to_itself() {
        let p = x_tweet(
            "19",
            &body(json!({"data": {"id": "19", "text": "Our new app is out", "author_id": "7", "created_at": "2026-11-01T10:00:00.000Z"},
                "includes": {"users": [{"id": "7", "name": "My Brand", "username": "mybrand"}]}})),
            at(),
        )
        .unwrap();
        assert_eq!(p.author_name.as_deref(), Some("My Brand (@mybrand)"));
        assert_eq!(p.permalink.as_deref(), Some("https://x.com/mybrand/status/19"));
        assert_eq!(p.sponsored, None);
        let gone = x_tweet("19", &body(json!({"errors": [{"detail": "Could not find tweet with id: [19]."}]})), at()).unwrap_err();
        assert!(gone.contains("Could not find tweet"), "{gone}");
    }

    #[test]
    fn linkedin_dark_and_sponsored_posts_are_told_apart() {
        let organic = json!({"commentary": "Hiring", "distribution": {"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED"});
        assert!(!linkedin_is_sponsored(&organic));
        assert!(linkedin_is_sponsored(&json!({"distribution": {"feedDistribution": "NONE"}})));
        assert!(linkedin_is_sponsored(&json!({"adContext": {"dscAdAccount": "urn:li:sponsoredAccount:1", "dscStatus": "ACTIVE"}})));
        assert!(linkedin_is_sponsored(&json!({"adContext": {"isDsc": true}})));
        let p = linkedin_post("urn:li:share:1", &body(organic), at()).unwrap();
        assert_eq!((p.text.as_str(), p.sponsored), ("Hiring", Some(false)));
        assert_eq!(p.permalink.as_deref(), Some("https://www.linkedin.com/feed/update/urn:li:share:1/"));
    }

    #[test]
    fn a_video_shows_title_description_and_thumbnail() {
        let p = youtube_video(
            "dQw",
            &body(json!({"items": [{"id": "dQw", "snippet": {"title": "Unboxing", "description": "Our new phone",
                "channelTitle": "Brand TV", "publishedAt": "2026-11-01T10:00:00Z",
                "thumbnails": {"default": {"url": "https://i.ytimg.com/d.jpg"}, "medium": {"url": "https://i.ytimg.com/m.jpg"}}}}]})),
            at(),
        )
        .unwrap();
        assert_eq!(p.text, "Unboxing\n\nOur new phone");
        assert_eq!(p.media_url.as_deref(), Some("https://i.ytimg.com/m.jpg"));
        assert_eq!(p.permalink.as_deref(), Some("https://www.youtube.com/watch?v=dQw"));
        assert!(youtube_video("x", &body(json!({"items": []})), at()).is_err());
    }
}
