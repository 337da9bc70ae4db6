//! [`HttpPlatformPoller`]: reads what webhooks do not deliver (YouTube, LinkedIn) or may have
//! missed (X mentions), and turns the answers into events with the pure normalisers of
//! `inbox_platforms`.
//!
//! Cursors are this poller's own strings, saved by the domain once the events are stored:
//! - X: the first page's `meta.newest_id` (the next `since_id`);
//! - YouTube: JSON `{"since": <RFC 3339>}`, plus `"resume": {"page_token", "newest"}` while a
//!   backlog larger than one poll's page cap is being read (see [`PollingConfig`]);
//! - LinkedIn: JSON `{"posts": {"<post urn>": <RFC 3339 of the newest comment seen>}}`.

use crate::config::{NetworkConfig, PollingConfig};
use crate::errors::Failure;
use crate::http::{Api, Http, SetupError, encode, segment};
use async_trait::async_trait;
use inbox_domain::ingest::InboundEvent;
use inbox_domain::ports::{ActionError, Clock, PlatformPoller, PollError, PollPage, SecretCipher, SystemClock};
use inbox_domain::{Network, Profile, Timestamp};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// How far before the watermark a poll still reads, for comments that show up late.
pub const OVERLAP: chrono::Duration = chrono::Duration::minutes(10);

/// What a YouTube poll asks for.
const YOUTUBE_PAGE_SIZE: u32 = 100;
/// What an X poll asks for (the maximum).
const X_PAGE_SIZE: u32 = 100;
/// `tweet.fields` of X mention polls: what `normalize_mentions_page` reads (`note_tweet` for
/// the whole text of long posts).
pub const X_TWEET_FIELDS: &str = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,note_tweet";

/// Post URN kinds whose comments LinkedIn polls read. Anything else (sponsored content,
/// ad creatives) is skipped: LinkedIn ads are not ingested.
const LINKEDIN_ORGANIC_POSTS: [&str; 3] = ["urn:li:share:", "urn:li:ugcPost:", "urn:li:activity:"];

/// Polls X mentions, YouTube comment threads and LinkedIn post comments over HTTP.
pub struct HttpPlatformPoller {
    http: Http,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct YoutubeCursor {
    since: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resume: Option<YoutubeResume>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct YoutubeResume {
    page_token: String,
    newest: Option<Timestamp>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct LinkedinCursor {
    #[serde(default)]
    posts: BTreeMap<String, Timestamp>,
    /// When each configured post was last checked for being sponsored or dark, and the posts
    /// that were (their comments are not polled: LinkedIn ads are not ingested).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    checked: BTreeMap<String, Timestamp>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    sponsored: BTreeSet<String>,
}

/// How often a configured LinkedIn post is checked again for being sponsored or dark.
const LINKEDIN_POST_CHECK_HOURS: i64 = 24;
/// Posts read in one `BATCH_GET` (a URL stays well under LinkedIn's limits).
const LINKEDIN_BATCH_GET: usize = 20;

impl HttpPlatformPoller {
    pub fn new(config: NetworkConfig, cipher: Arc<dyn SecretCipher>) -> Result<Self, SetupError> {
        Self::with_clock(config, Arc::new(SystemClock), cipher)
    }

    /// A poller whose rate-limit waits are computed from `clock`.
    pub fn with_clock(config: NetworkConfig, clock: Arc<dyn Clock>, cipher: Arc<dyn SecretCipher>) -> Result<Self, SetupError> {
        Ok(Self { http: Http::new(config, clock, cipher)? })
    }

    pub fn config(&self) -> &NetworkConfig {
        &self.http.config
    }

    fn polling(&self) -> &PollingConfig {
        &self.http.config.polling
    }

    async fn get(&self, api: Api, url: &str, token: &str) -> Result<Vec<u8>, Failure> {
        let rb = self.http.request(api, Method::GET, url, token)?;
        Ok(self.http.send(api, rb, token).await?.body)
    }

    /// A GET whose 404 means "nothing there" (`None`).
    async fn get_or_absent(&self, api: Api, url: &str, token: &str) -> Result<Option<Vec<u8>>, Failure> {
        let rb = self.http.request(api, Method::GET, url, token)?;
        Ok(self.http.send_or_absent(api, rb, token).await?.map(|a| a.body))
    }

    // --- Meta ------------------------------------------------------------------------------

    /// Facebook and Instagram push by webhook; polling them checks that the Page is still
    /// subscribed (`GET /{page-id}/subscribed_apps`): a Page can silently lose its subscription
    /// after delivery failures, and then nothing arrives.
    async fn meta_subscription(&self, profile: &Profile, token: &str) -> Result<PollPage, Failure> {
        let product = if profile.network == Network::Instagram { "Instagram" } else { "Facebook" };
        let url = format!("{}/{}/subscribed_apps", self.http.config.graph_base, segment(profile.external_id.trim(), "Page")?);
        let body = self.get(Api::Meta(product), &url, token).await?;
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| Failure::Transient(format!("the {product} answer could not be read: {e}")))?;
        let subscribed = v.get("data").and_then(Value::as_array).is_some_and(|apps| !apps.is_empty());
        Ok(PollPage { webhook_subscribed: Some(subscribed), ..PollPage::default() })
    }

    // --- X ---------------------------------------------------------------------------------

    async fn x(&self, profile: &Profile, cursor: Option<&str>, since: Timestamp, token: &str) -> Result<PollPage, Failure> {
        let user = profile.external_id.trim();
        let base = format!(
            "{}/2/users/{}/mentions?{}max_results={X_PAGE_SIZE}&tweet.fields={X_TWEET_FIELDS}&expansions=author_id&user.fields=username,name",
            self.http.config.x_base,
            segment(user, "X account")?,
            match cursor.map(str::trim).filter(|c| !c.is_empty()) {
                Some(since_id) => format!("since_id={}&", encode(since_id)),
                None => format!("start_time={}&", encode(&since.format("%Y-%m-%dT%H:%M:%SZ").to_string())),
            }
        );
        let mut events = Vec::new();
        let mut newest = None;
        let mut token_next: Option<String> = None;
        for page in 0..self.polling().x_max_pages.max(1) {
            let url = match &token_next {
                Some(t) => format!("{base}&pagination_token={}", encode(t)),
                None => base.clone(),
            };
            let body = self.get(Api::X, &url, token).await?;
            let (normalized, meta) = inbox_platforms::x::normalize_mentions_page(user, &body).map_err(|e| unreadable("X", e))?;
            log_skipped("X", &normalized.skipped);
            events.extend(normalized.events);
            if page == 0 {
                newest = meta.newest_id;
            }
            match meta.next_token {
                Some(t) => token_next = Some(t),
                None => break,
            }
        }
        Ok(PollPage { events, cursor: newest, units: 0, webhook_subscribed: None })
    }

    // --- YouTube ---------------------------------------------------------------------------

    async fn youtube(&self, profile: &Profile, cursor: Option<&str>, backfill_since: Timestamp, token: &str) -> Result<PollPage, Failure> {
        let channel = profile.external_id.trim();
        let saved = parse_youtube_cursor(cursor);
        let watermark = saved.since.unwrap_or(backfill_since);
        let stop_before = watermark - OVERLAP;
        let base = format!(
            "{}/youtube/v3/commentThreads?part=snippet,replies&allThreadsRelatedToChannelId={}&order=time&textFormat=plainText&maxResults={YOUTUBE_PAGE_SIZE}",
            self.http.config.youtube_base,
            encode(channel)
        );
        let mut newest = saved.resume.as_ref().and_then(|r| r.newest);
        let mut page_token = saved.resume.map(|r| r.page_token);
        let mut resuming = page_token.is_some();
        let mut events: Vec<InboundEvent> = Vec::new();
        let mut units = 0;
        let mut reached_watermark = false;
        while units < self.polling().youtube_max_pages.max(1) {
            let url = match &page_token {
                Some(t) => format!("{base}&pageToken={}", encode(t)),
                None => base.clone(),
            };
            units += 1;
            let body = match self.get(Api::Youtube, &url, token).await {
                Ok(body) => body,
                // A saved page token YouTube no longer accepts: read from the top again.
                Err(Failure::Rejected(why)) if resuming => {
                    tracing::info!(channel, reason = %why, "YouTube refused the saved page token; polling from the newest again");
                    resuming = false;
                    page_token = None;
                    newest = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            resuming = false;
            let (normalized, next) =
                inbox_platforms::youtube::normalize_comment_threads(channel, &body).map_err(|e| unreadable("YouTube", e))?;
            log_skipped("YouTube", &normalized.skipped);
            events.extend(normalized.events);
            let times = thread_times(&body);
            newest = newest.max(times.iter().flatten().copied().max());
            // Threads come newest first: once one is older than the watermark, so is the rest.
            let older = times.iter().any(|t| t.is_some_and(|t| t < stop_before));
            page_token = next;
            if older || page_token.is_none() {
                reached_watermark = true;
                break;
            }
        }
        let next = if reached_watermark {
            YoutubeCursor { since: Some(newest.map_or(watermark, |n| n.max(watermark))), resume: None }
        } else {
            // The page cap came first: keep the watermark and go on from this page next time.
            let page_token = page_token.unwrap_or_default();
            YoutubeCursor { since: Some(watermark), resume: Some(YoutubeResume { page_token, newest }) }
        };
        let cursor = serde_json::to_string(&next).expect("a cursor serialises");
        Ok(PollPage { events, cursor: Some(cursor), units, webhook_subscribed: None })
    }

    // --- LinkedIn --------------------------------------------------------------------------

    /// The configured posts of the organisation, organic ones only.
    fn linkedin_posts(&self, org: &str) -> Vec<String> {
        let bare = org.strip_prefix("urn:li:organization:").unwrap_or(org);
        let posts = self.polling().linkedin_posts.iter().filter(|(k, _)| {
            let k = k.trim();
            k == org || k.strip_prefix("urn:li:organization:").unwrap_or(k) == bare
        });
        let mut out: Vec<String> = Vec::new();
        for urn in posts.flat_map(|(_, v)| v).map(|u| u.trim()) {
            if !LINKEDIN_ORGANIC_POSTS.iter().any(|p| urn.starts_with(p)) {
                tracing::debug!(post = urn, "LinkedIn post skipped: not an organic post URN (ads are not ingested)");
            } else if !out.iter().any(|u| u == urn) {
                out.push(urn.to_string());
            }
        }
        out
    }

    /// Reads the configured posts not checked for a day (one batch call) and notes which are
    /// Direct Sponsored Content or dark posts. A check that fails for another reason than the
    /// token leaves the posts as they were (polled, unless found sponsored before) and is tried
    /// again next poll.
    async fn linkedin_check_posts(&self, posts: &[String], state: &mut LinkedinCursor, token: &str) -> Result<(), Failure> {
        let now = self.http.now();
        // Posts no longer configured are forgotten.
        state.checked.retain(|p, _| posts.contains(p));
        state.sponsored.retain(|p| posts.contains(p));
        let due: Vec<&String> = posts
            .iter()
            .filter(|p| state.checked.get(*p).is_none_or(|t| now - *t >= chrono::Duration::hours(LINKEDIN_POST_CHECK_HOURS)))
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        for chunk in due.chunks(LINKEDIN_BATCH_GET) {
            let ids = chunk.iter().map(|u| encode(u)).collect::<Vec<_>>().join(",");
            let url = format!("{}/rest/posts?ids=List({ids})", self.http.config.linkedin_base);
            let rb = self.http.request(Api::Linkedin, Method::GET, &url, token)?.header("X-RestLi-Method", "BATCH_GET");
            let answer = match self.http.send(Api::Linkedin, rb, token).await {
                Ok(a) => a.json(),
                Err(f @ Failure::NeedsReconnect(_)) => return Err(f),
                Err(f) => {
                    tracing::warn!(reason = f.reason(), "could not check which LinkedIn posts are sponsored; polling them as before");
                    return Ok(());
                }
            };
            let results = answer.get("results").and_then(Value::as_object);
            for urn in chunk {
                // A post LinkedIn answers an error for (deleted, forbidden) is checked again in
                // a day, like the others, not on every poll; its comments are read as before.
                state.checked.insert((*urn).clone(), now);
                let post = results.and_then(|r| r.get(urn.as_str()));
                // LinkedIn ads are not ingested (the domain's rule); dark posts are ads.
                if post.is_some_and(inbox_platforms::posts::linkedin_is_sponsored)
                    && !inbox_domain::ingest::sponsored_content_ingested(Network::Linkedin)
                {
                    tracing::info!(post = urn.as_str(), "LinkedIn post is sponsored or dark: its comments are not ingested");
                    state.sponsored.insert((*urn).clone());
                } else {
                    state.sponsored.remove(*urn);
                }
            }
        }
        Ok(())
    }

    async fn linkedin(&self, profile: &Profile, cursor: Option<&str>, backfill_since: Timestamp, token: &str) -> Result<PollPage, Failure> {
        let org = profile.external_id.trim();
        let mut state: LinkedinCursor = cursor.and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
        let posts = self.linkedin_posts(org);
        if posts.is_empty() {
            tracing::debug!(org, "no LinkedIn posts are configured for this organisation: nothing to poll");
            return Ok(PollPage::default());
        }
        self.linkedin_check_posts(&posts, &mut state, token).await?;
        let size = self.polling().linkedin_page_size.clamp(1, 100);
        let mut events = Vec::new();
        for post in posts.iter().filter(|p| !state.sponsored.contains(*p)) {
            let watermark = state.posts.get(post).copied().unwrap_or(backfill_since);
            let keep_from = watermark - OVERLAP;
            let mut newest: Option<Timestamp> = None;
            let mut start = 0u64;
            for _ in 0..self.polling().linkedin_max_pages_per_post.max(1) {
                let url =
                    format!("{}/rest/socialActions/{}/comments?start={start}&count={size}", self.http.config.linkedin_base, encode(post));
                // A post nobody commented on (or one deleted since) may answer 404.
                let Some(body) = self.get_or_absent(Api::Linkedin, &url, token).await? else {
                    break;
                };
                let (normalized, paging) =
                    inbox_platforms::linkedin::normalize_comments_page(org, post, &body).map_err(|e| unreadable("LinkedIn", e))?;
                log_skipped("LinkedIn", &normalized.skipped);
                for event in normalized.events {
                    newest = newest.max(Some(event.occurred_at));
                    if event.occurred_at >= keep_from {
                        events.push(event);
                    }
                }
                match paging.next_start() {
                    Some(next) => start = next,
                    None => break,
                }
            }
            if let Some(n) = newest.filter(|n| *n > watermark) {
                state.posts.insert(post.clone(), n);
            }
        }
        let cursor = serde_json::to_string(&state).expect("a cursor serialises");
        Ok(PollPage { events, cursor: Some(cursor), units: 0, webhook_subscribed: None })
    }
}

#[async_trait]
impl PlatformPoller for HttpPlatformPoller {
    /// YouTube: one unit per `commentThreads.list` call, and a poll makes at most
    /// `polling.youtube_max_pages` of them. The others are not unit-metered (they have rate
    /// limits, answered with [`PollError::RateLimited`]).
    fn units_per_poll(&self, network: Network) -> u32 {
        match network {
            Network::Youtube => self.polling().youtube_max_pages.max(1),
            _ => 0,
        }
    }

    async fn poll(&self, profile: &Profile, cursor: Option<&str>, backfill_since: Timestamp) -> Result<PollPage, PollError> {
        let token = self.http.token(profile).await.map_err(|e| match e {
            ActionError::NeedsReconnect(why) => PollError::NeedsReconnect(why),
            e => PollError::Transient(e.to_string()),
        })?;
        let token = token.expose();
        let page = match profile.network {
            Network::Twitter => self.x(profile, cursor, backfill_since, token).await,
            Network::Youtube => self.youtube(profile, cursor, backfill_since, token).await,
            Network::Linkedin => self.linkedin(profile, cursor, backfill_since, token).await,
            Network::Facebook | Network::Instagram => self.meta_subscription(profile, token).await,
        };
        page.map_err(|f| PollError::from(f.scrubbed(Some(token))))
    }
}

fn unreadable(network: &str, e: inbox_platforms::NormalizeError) -> Failure {
    Failure::Transient(format!("the {network} answer could not be read: {e}"))
}

fn log_skipped(network: &str, skipped: &[String]) {
    for s in skipped {
        tracing::debug!(network, skipped = %s, "polled element not ingested");
    }
}

/// A YouTube cursor; a bare RFC 3339 time is accepted as `{"since": ...}`.
fn parse_youtube_cursor(cursor: Option<&str>) -> YoutubeCursor {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return YoutubeCursor::default();
    };
    serde_json::from_str(c).unwrap_or_else(|_| YoutubeCursor {
        since: chrono::DateTime::parse_from_rfc3339(c).ok().map(|t| t.with_timezone(&chrono::Utc)),
        resume: None,
    })
}

/// The newest time of each thread of a `commentThreads.list` answer: the latest `publishedAt`
/// or `updatedAt` of its top-level comment and listed replies (`None` when it has none).
fn thread_times(body: &[u8]) -> Vec<Option<Timestamp>> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let time = |c: &Value, k: &str| {
        c.get("snippet")
            .and_then(|s| s.get(k))
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    v.get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|thread| {
            let top = thread.get("snippet").and_then(|s| s.get("topLevelComment"));
            let replies = thread.get("replies").and_then(|r| r.get("comments")).and_then(Value::as_array);
            top.into_iter()
                .chain(replies.into_iter().flatten())
                .flat_map(|c| [time(c, "publishedAt"), time(c, "updatedAt")])
                .flatten()
                .max()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_cursors_read_back_and_accept_a_bare_time() {
        let c = parse_youtube_cursor(Some("2026-01-01T00:00:00Z"));
        assert_eq!(c.since.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        let c = parse_youtube_cursor(Some(r#"{"since":"2026-01-01T00:00:00Z","resume":{"page_token":"T","newest":null}}"#));
        assert_eq!(c.resume.unwrap().page_token, "T");
        assert!(parse_youtube_cursor(Some("garbage")).since.is_none());
        assert!(parse_youtube_cursor(None).since.is_none());
    }

    #[test]
    fn thread_times_take_the_newest_comment_of_each_thread() {
        let body = br#"{"items":[
            {"snippet":{"topLevelComment":{"snippet":{"publishedAt":"2026-01-01T02:00:00Z","updatedAt":"2026-01-01T02:00:00Z"}}}},
            {"snippet":{"topLevelComment":{"snippet":{"publishedAt":"2025-12-20T10:00:00Z","updatedAt":"2025-12-21T10:00:00Z"}}},
             "replies":{"comments":[{"snippet":{"publishedAt":"2026-01-01T01:45:00Z"}}]}},
            {"snippet":{}}
        ]}"#;
        let t: Vec<_> = thread_times(body).into_iter().map(|t| t.map(|t| t.to_rfc3339())).collect();
        assert_eq!(t, [Some("2026-01-01T02:00:00+00:00".into()), Some("2026-01-01T01:45:00+00:00".into()), None]);
    }
}
