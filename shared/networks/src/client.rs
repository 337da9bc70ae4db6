//! [`HttpPlatformClient`]: replies, likes, shares, DMs and Messenger thread control, performed on
//! the networks' real APIs.
//!
//! The domain has already decided what each action acts on (`ActionJob::target`, see
//! `inbox_domain::access::action_target`) and refused what the product does not allow; this
//! client only turns the job into the network's call and the answer into an
//! [`ActionDone`] or an [`ActionError`].

use crate::config::NetworkConfig;
use crate::errors::Failure;
use crate::http::{Answer, Api, Http, SetupError, encode, segment};
use async_trait::async_trait;
use inbox_domain::messages::{ActionJob, HandoverOp};
use inbox_domain::ports::{ActionDone, ActionError, Clock, PlatformClient, SecretCipher, SystemClock};
use inbox_domain::{Action, Conversation, Item, Kind, Network, Post, Profile, SecretString, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// The standard Messenger/Instagram window: a reply within 24 hours of the person's last
/// message is a plain `RESPONSE`.
pub const STANDARD_WINDOW_HOURS: i64 = 24;
/// With the `HUMAN_AGENT` tag, a person may answer for 7 days after the last message.
pub const HUMAN_AGENT_WINDOW_DAYS: i64 = inbox_domain::access::MESSAGING_WINDOW_DAYS;

/// `metadata` sent with thread-control calls (Meta echoes it in the handover webhooks).
pub const TAKE_METADATA: &str = "inbox: an agent took the conversation";
pub const PASS_METADATA: &str = "inbox: the conversation goes back to the bot";

/// How a Messenger or Instagram DM may be sent, given when the person last wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendWindow {
    /// Within 24 hours: `messaging_type: RESPONSE`.
    Response,
    /// Within 7 days: `messaging_type: MESSAGE_TAG`, `tag: HUMAN_AGENT` (a person answers).
    HumanAgent,
}

/// The window a DM falls in, or `None` when even the human-agent window (7 days) is closed.
/// "Within" includes the limit itself: 24 h 00 m 00 s after is still a `RESPONSE`.
pub fn send_window(last_inbound_at: Timestamp, now: Timestamp) -> Option<SendWindow> {
    let elapsed = now - last_inbound_at;
    if elapsed <= chrono::Duration::hours(STANDARD_WINDOW_HOURS) {
        Some(SendWindow::Response)
    } else if elapsed <= chrono::Duration::days(HUMAN_AGENT_WINDOW_DAYS) {
        Some(SendWindow::HumanAgent)
    } else {
        None
    }
}

use inbox_platforms::linkedin::comment_root;

/// The organisation URN of a LinkedIn profile (`external_id` bare or already a URN).
pub fn linkedin_org_urn(external_id: &str) -> String {
    let id = external_id.trim();
    if id.starts_with("urn:li:") { id.to_string() } else { format!("urn:li:organization:{id}") }
}

/// Reads a post out of a network's answer (`inbox_platforms::posts`).
type ReadPost = fn(&str, &[u8], Timestamp) -> Result<Post, String>;

/// Performs actions on Facebook, Messenger, Instagram, X, LinkedIn and YouTube over HTTP.
///
/// Every call carries the profile's token as `Authorization: Bearer <token>` (never in the URL).
pub struct HttpPlatformClient {
    http: Http,
}

impl HttpPlatformClient {
    /// A client on the wall clock, opening the profiles' tokens with `cipher`.
    pub fn new(config: NetworkConfig, cipher: Arc<dyn SecretCipher>) -> Result<Self, SetupError> {
        Self::with_clock(config, Arc::new(SystemClock), cipher)
    }

    /// A client whose messaging-window decisions use `clock`.
    pub fn with_clock(config: NetworkConfig, clock: Arc<dyn Clock>, cipher: Arc<dyn SecretCipher>) -> Result<Self, SetupError> {
        Ok(Self { http: Http::new(config, clock, cipher)? })
    }

    pub fn config(&self) -> &NetworkConfig {
        &self.http.config
    }

    async fn post(&self, api: Api, url: &str, token: &str, body: Option<&Value>) -> Result<Answer, Failure> {
        let rb = self.http.request(api, Method::POST, url, token)?;
        let rb = match body {
            Some(b) => rb.json(b),
            None => rb,
        };
        self.http.send(api, rb, token).await
    }

    async fn get(&self, api: Api, url: &str, token: &str) -> Result<Answer, Failure> {
        let rb = self.http.request(api, Method::GET, url, token)?;
        self.http.send(api, rb, token).await
    }

    /// Reads a post: one GET on the network's post, media, tweet or video.
    async fn read_post(&self, profile: &Profile, conv: &Conversation, post_id: &str, token: &str) -> Result<Post, Failure> {
        use inbox_platforms::posts;
        let c = &self.http.config;
        let id = segment(post_id, "post")?;
        let (api, url, parse): (Api, String, ReadPost) = match profile.network {
            Network::Facebook => {
                (Api::Meta("Facebook"), format!("{}/{id}?fields={}", c.graph_base, posts::FACEBOOK_POST_FIELDS), posts::facebook_post)
            }
            // Media that mentions us is someone else's: it is read through our account's
            // `mentioned_media` (a mention in the caption) or `mentioned_comment` (in a comment).
            Network::Instagram if conv.kind == Kind::Mention => {
                let me = segment(&profile.external_id, "Instagram account")?;
                let fields = if conv.thread_key.trim() == post_id.trim() {
                    format!("mentioned_media.media_id({id}){{{}}}", posts::INSTAGRAM_MEDIA_FIELDS)
                } else {
                    let comment = segment(&conv.thread_key, "comment")?;
                    format!("mentioned_comment.comment_id({comment}){{media{{{}}}}}", posts::INSTAGRAM_MEDIA_FIELDS)
                };
                (Api::Meta("Instagram"), format!("{}/{me}?fields={fields}", c.graph_base), posts::instagram_mentioned_media)
            }
            Network::Instagram => {
                (Api::Meta("Instagram"), format!("{}/{id}?fields={}", c.graph_base, posts::INSTAGRAM_MEDIA_FIELDS), posts::instagram_media)
            }
            Network::Twitter => (Api::X, format!("{}/2/tweets/{id}?{}", c.x_base, posts::X_TWEET_LOOKUP), posts::x_tweet),
            Network::Linkedin => (Api::Linkedin, format!("{}/rest/posts/{id}", c.linkedin_base), posts::linkedin_post),
            // videos.list: 1 quota unit (the use case spends it before calling).
            Network::Youtube => (Api::Youtube, format!("{}/youtube/v3/videos?part=snippet&id={id}", c.youtube_base), posts::youtube_video),
        };
        let answer = self.get(api, &url, token).await?;
        parse(post_id.trim(), &answer.body, self.http.now()).map_err(Failure::Rejected)
    }

    // --- Meta -----------------------------------------------------------------------------

    async fn meta(&self, profile: &Profile, conv: &Conversation, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        let net = profile.network;
        let graph = &self.http.config.graph_base;
        let api = if net == Network::Instagram { Api::Meta("Instagram") } else { Api::Meta("Facebook") };
        match (conv.kind, job.action) {
            (Kind::Dm, Action::Reply | Action::Dm) => self.meta_dm(profile, conv, job, token).await,
            (Kind::Dm, a) => Err(Failure::Rejected(format!("{net} direct-message conversations allow replies only, not a {a}"))),
            (_, Action::Reply) => {
                let edge = if net == Network::Instagram { "replies" } else { "comments" };
                let url = format!("{graph}/{}/{edge}", segment(target(job)?, "comment")?);
                let answer = self.post(api, &url, token, Some(&json!({ "message": text(job)? }))).await?;
                meta_success(&answer, net)?;
                Ok(ActionDone { platform_id: str_at(&answer.json(), &["id"]), dm_recipient: None })
            }
            (_, Action::Like) if net == Network::Facebook => {
                let url = format!("{graph}/{}/likes", segment(target(job)?, "post or comment")?);
                let answer = self.post(api, &url, token, None).await?;
                meta_success(&answer, net)?;
                Ok(ActionDone::default())
            }
            (_, Action::Dm) => {
                // A private reply: one DM to the author of the comment.
                let url = format!("{graph}/{}/messages", segment(&profile.external_id, "page")?);
                let body = json!({
                    "recipient": { "comment_id": target(job)? },
                    "message": { "text": text(job)? },
                    "metadata": metadata(job),
                });
                let answer = self.post(api, &url, token, Some(&body)).await?;
                let v = answer.json();
                Ok(ActionDone { platform_id: str_at(&v, &["message_id"]), dm_recipient: str_at(&v, &["recipient_id"]) })
            }
            (_, a) => Err(Failure::Rejected(format!("{net} does not allow a {a} from the inbox"))),
        }
    }

    /// A Messenger or Instagram DM to the conversation's participant, within the window.
    async fn meta_dm(&self, profile: &Profile, conv: &Conversation, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        let net = profile.network;
        let api = if net == Network::Instagram { Api::Meta("Instagram") } else { Api::Meta("Messenger") };
        let window = send_window(conv.last_inbound_at, self.http.now()).ok_or_else(|| {
            Failure::Rejected(format!(
                "the {net} messaging window closed: the person last wrote more than {HUMAN_AGENT_WINDOW_DAYS} days ago; \
                 wait for them to write again"
            ))
        })?;
        let recipient = conv.thread_key.trim();
        if recipient.is_empty() {
            return Err(Failure::Rejected("the conversation has no participant to write to".into()));
        }
        let mut body = json!({
            "recipient": { "id": recipient },
            "messaging_type": "RESPONSE",
            "message": { "text": text(job)? },
            "metadata": metadata(job),
        });
        if window == SendWindow::HumanAgent {
            body["messaging_type"] = json!("MESSAGE_TAG");
            body["tag"] = json!("HUMAN_AGENT");
        }
        let url = format!("{}/{}/messages", self.http.config.graph_base, segment(&profile.external_id, "page")?);
        let answer = self.post(api, &url, token, Some(&body)).await?;
        Ok(ActionDone { platform_id: str_at(&answer.json(), &["message_id"]), dm_recipient: None })
    }

    // --- X ---------------------------------------------------------------------------------

    async fn x(&self, profile: &Profile, conv: &Conversation, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        let base = &self.http.config.x_base;
        let me = || segment(&profile.external_id, "X account");
        match (conv.kind, job.action) {
            (Kind::Dm, Action::Reply | Action::Dm) => self.x_dm(&conv.thread_key, job, token).await,
            (Kind::Dm, a) => Err(Failure::Rejected(format!("X direct-message conversations allow replies only, not a {a}"))),
            (_, Action::Dm) => self.x_dm(&conv.author.id, job, token).await,
            (_, Action::Reply) => {
                let body = json!({ "text": text(job)?, "reply": { "in_reply_to_tweet_id": target(job)? } });
                let answer = self.post(Api::X, &format!("{base}/2/tweets"), token, Some(&body)).await?;
                Ok(ActionDone { platform_id: str_at(&answer.json(), &["data", "id"]), dm_recipient: None })
            }
            (_, Action::Like) => {
                let body = json!({ "tweet_id": target(job)? });
                let answer = self.post(Api::X, &format!("{base}/2/users/{}/likes", me()?), token, Some(&body)).await?;
                x_confirmed(&answer, "liked", "like")?;
                Ok(ActionDone::default())
            }
            (_, Action::Share) => {
                let body = json!({ "tweet_id": target(job)? });
                let answer = self.post(Api::X, &format!("{base}/2/users/{}/retweets", me()?), token, Some(&body)).await?;
                x_confirmed(&answer, "retweeted", "repost")?;
                Ok(ActionDone::default())
            }
        }
    }

    async fn x_dm(&self, participant: &str, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        let participant = participant.trim();
        let url = format!("{}/2/dm_conversations/with/{}/messages", self.http.config.x_base, segment(participant, "X user")?);
        let answer = self.post(Api::X, &url, token, Some(&json!({ "text": text(job)? }))).await?;
        Ok(ActionDone { platform_id: str_at(&answer.json(), &["data", "dm_event_id"]), dm_recipient: Some(participant.to_string()) })
    }

    // --- LinkedIn --------------------------------------------------------------------------

    async fn linkedin(&self, profile: &Profile, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        let base = &self.http.config.linkedin_base;
        let actor = linkedin_org_urn(&profile.external_id);
        let target = target(job)?.trim();
        match job.action {
            Action::Reply => {
                // A reply is a nested comment under the comment it answers; on a post URN it is a
                // top-level comment.
                let root = comment_root(target);
                let body = match &root {
                    Some(root) => json!({
                        "actor": actor,
                        "object": root,
                        "parentComment": target,
                        "message": { "text": text(job)? },
                    }),
                    None => json!({ "actor": actor, "object": target, "message": { "text": text(job)? } }),
                };
                let url = format!("{base}/rest/socialActions/{}/comments", segment(target, "post or comment")?);
                let answer = self.post(Api::Linkedin, &url, token, Some(&body)).await?;
                let v = answer.json();
                let id = answer
                    .header("x-restli-id")
                    .filter(|h| !h.trim().is_empty())
                    .or_else(|| str_at(&v, &["commentUrn"]))
                    .or_else(|| str_at(&v, &["id"]))
                    .map(|id| match (&root, id.starts_with("urn:")) {
                        (_, true) => id,
                        (Some(root), false) => format!("urn:li:comment:({root},{id})"),
                        (None, false) => format!("urn:li:comment:({target},{id})"),
                    });
                Ok(ActionDone { platform_id: id, dm_recipient: None })
            }
            Action::Like => {
                let url = format!("{base}/rest/reactions?actor={}", encode(&actor));
                self.post(Api::Linkedin, &url, token, Some(&json!({ "root": target, "reactionType": "LIKE" }))).await?;
                Ok(ActionDone::default())
            }
            a => Err(Failure::Rejected(format!("LinkedIn does not allow a {a} from the inbox"))),
        }
    }

    // --- YouTube ---------------------------------------------------------------------------

    async fn youtube(&self, job: &ActionJob, token: &str) -> Result<ActionDone, Failure> {
        match job.action {
            Action::Reply => {
                // comments.insert: 50 quota units.
                let url = format!("{}/youtube/v3/comments?part=snippet", self.http.config.youtube_base);
                let body = json!({ "snippet": { "parentId": target(job)?, "textOriginal": text(job)? } });
                let answer = self.post(Api::Youtube, &url, token, Some(&body)).await?;
                Ok(ActionDone { platform_id: str_at(&answer.json(), &["id"]), dm_recipient: None })
            }
            a => Err(Failure::Rejected(format!("YouTube does not allow a {a} from the inbox"))),
        }
    }
}

#[async_trait]
impl PlatformClient for HttpPlatformClient {
    async fn perform(
        &self,
        profile: &Profile,
        conversation: &Conversation,
        _items: &[Item],
        job: &ActionJob,
    ) -> Result<ActionDone, ActionError> {
        if conversation.network != profile.network {
            return Err(ActionError::Rejected(format!(
                "the conversation is on {} but its profile is on {}",
                conversation.network, profile.network
            )));
        }
        let token = self.http.token(profile).await?;
        let token = token.expose();
        let done = match profile.network {
            Network::Facebook | Network::Instagram => self.meta(profile, conversation, job, token).await,
            Network::Twitter => self.x(profile, conversation, job, token).await,
            Network::Linkedin => self.linkedin(profile, job, token).await,
            Network::Youtube => self.youtube(job, token).await,
        };
        done.map_err(|f| ActionError::from(f.scrubbed(Some(token))))
    }

    async fn handover(&self, profile: &Profile, conversation: &Conversation, op: HandoverOp) -> Result<(), ActionError> {
        if !(profile.network == Network::Facebook && conversation.network == Network::Facebook && conversation.kind == Kind::Dm) {
            return Err(ActionError::Rejected("thread control (handover) applies to Messenger conversations only".into()));
        }
        let token = self.http.token(profile).await?;
        let token = token.expose();
        let run = async {
            let psid = conversation.thread_key.trim();
            if psid.is_empty() {
                return Err(Failure::Rejected("the conversation has no participant".into()));
            }
            let (edge, body) = match op {
                HandoverOp::Take => ("take_thread_control", json!({ "recipient": { "id": psid }, "metadata": TAKE_METADATA })),
                HandoverOp::PassToBot => {
                    let app = profile
                        .bot_app_id
                        .as_deref()
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .ok_or_else(|| Failure::Rejected("this Page has no chatbot to give the conversation back to".into()))?;
                    let body = json!({ "recipient": { "id": psid }, "target_app_id": app_id(app), "metadata": PASS_METADATA });
                    ("pass_thread_control", body)
                }
            };
            let url = format!("{}/{}/{edge}", self.http.config.graph_base, segment(&profile.external_id, "page")?);
            let answer = self.post(Api::Meta("Messenger"), &url, token, Some(&body)).await?;
            meta_success(&answer, Network::Facebook)
        };
        run.await.map_err(|f| ActionError::from(f.scrubbed(Some(token))))
    }

    async fn fetch_post(&self, profile: &Profile, conversation: &Conversation) -> Result<Post, ActionError> {
        let post_id =
            conversation.post_id.as_deref().ok_or_else(|| ActionError::Rejected("the conversation is not under a post".into()))?;
        let token = self.http.token(profile).await?;
        let token = token.expose();
        self.read_post(profile, conversation, post_id, token).await.map_err(|f| ActionError::from(f.scrubbed(Some(token))))
    }

    async fn token_owners(&self, network: Network, token: &SecretString) -> Result<Vec<String>, ActionError> {
        let token = token.expose().trim();
        if token.is_empty() {
            return Err(ActionError::NeedsReconnect(format!("there is no {network} access token to check")));
        }
        self.read_owners(network, token).await.map_err(|f| ActionError::from(f.scrubbed(Some(token))))
    }
}

impl HttpPlatformClient {
    /// One identity call per network (LinkedIn: one per page of 100 organisations, at most
    /// [`LINKEDIN_ACL_PAGES`]); the answer read by `inbox_platforms::owners`.
    async fn read_owners(&self, network: Network, token: &str) -> Result<Vec<String>, Failure> {
        use inbox_platforms::owners;
        let c = &self.http.config;
        let bad = |e: String| Failure::Rejected(e);
        match network {
            Network::Facebook => {
                let answer = self.get(Api::Meta("Facebook"), &format!("{}/me?fields=id,name", c.graph_base), token).await?;
                owners::facebook_page(&answer.body).map_err(bad)
            }
            Network::Instagram => {
                let url = format!("{}/me?fields={}", c.graph_base, owners::META_ME_FIELDS);
                let answer = self.get(Api::Meta("Instagram"), &url, token).await?;
                owners::instagram_account(&answer.body).map_err(bad)
            }
            Network::Twitter => {
                let answer = self.get(Api::X, &format!("{}/2/users/me", c.x_base), token).await?;
                owners::x_user(&answer.body).map_err(bad)
            }
            Network::Linkedin => {
                let mut all = Vec::new();
                let mut start = 0;
                for _ in 0..LINKEDIN_ACL_PAGES {
                    let url = format!(
                        "{}/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start={start}&count=100",
                        c.linkedin_base
                    );
                    let answer = self.get(Api::Linkedin, &url, token).await?;
                    let (ids, next) = owners::linkedin_organizations(&answer.body).map_err(bad)?;
                    all.extend(ids);
                    match next {
                        Some(n) => start = n,
                        None => break,
                    }
                }
                Ok(all)
            }
            // channels.list costs 1 unit of the application's daily quota.
            Network::Youtube => {
                let url = format!("{}/youtube/v3/channels?part=id&mine=true", c.youtube_base);
                let answer = self.get(Api::Youtube, &url, token).await?;
                owners::youtube_channels(&answer.body).map_err(bad)
            }
        }
    }
}

/// Pages of 100 organisations read when checking a LinkedIn member's token.
pub const LINKEDIN_ACL_PAGES: usize = 10;

fn text(job: &ActionJob) -> Result<&str, Failure> {
    job.text.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| Failure::Rejected("there is no text to send".into()))
}

fn target(job: &ActionJob) -> Result<&str, Failure> {
    job.target
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Failure::Rejected(format!("there is no message left to {}: the person's messages were deleted", job.action)))
}

/// What Meta echoes back with our send, so the echo is matched to the outbound item.
fn metadata(job: &ActionJob) -> String {
    format!("inbox:{}", job.item_id)
}

/// Meta app ids are numbers on the wire (`"target_app_id": 263902037430900`).
fn app_id(id: &str) -> Value {
    id.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::from(id))
}

fn str_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    match cur {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A 2xx with `{"success": false}` did not happen.
fn meta_success(answer: &Answer, net: Network) -> Result<(), Failure> {
    match answer.json().get("success").and_then(Value::as_bool) {
        Some(false) => Err(Failure::Rejected(format!("{net} answered that the request did not succeed"))),
        _ => Ok(()),
    }
}

/// X answers likes and reposts with `{"data":{"liked":true}}`; `false` means it did not happen.
fn x_confirmed(answer: &Answer, field: &str, what: &str) -> Result<(), Failure> {
    match answer.json().get("data").and_then(|d| d.get(field)).and_then(Value::as_bool) {
        Some(false) => Err(Failure::Rejected(format!("X did not record the {what}"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_window_edges() {
        let last = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let at = |mins: i64| last + chrono::Duration::minutes(mins);
        assert_eq!(send_window(last, at(-5)), Some(SendWindow::Response));
        assert_eq!(send_window(last, at(23 * 60 + 59)), Some(SendWindow::Response));
        assert_eq!(send_window(last, at(24 * 60)), Some(SendWindow::Response));
        assert_eq!(send_window(last, at(24 * 60 + 1)), Some(SendWindow::HumanAgent));
        assert_eq!(send_window(last, at(6 * 24 * 60 + 23 * 60)), Some(SendWindow::HumanAgent));
        assert_eq!(send_window(last, at(7 * 24 * 60)), Some(SendWindow::HumanAgent));
        assert_eq!(send_window(last, at(7 * 24 * 60 + 1)), None);
    }

    #[test]
    fn linkedin_urns() {
        assert_eq!(
            comment_root("urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000101)").as_deref(),
            Some("urn:li:activity:7300000000000000009")
        );
        assert_eq!(comment_root("urn:li:comment:(urn:li:ugcPost:1,2)").as_deref(), Some("urn:li:ugcPost:1"));
        assert_eq!(comment_root("urn:li:share:1"), None);
        assert_eq!(comment_root("urn:li:comment:(nonsense)"), None);
        assert_eq!(linkedin_org_urn("5515715"), "urn:li:organization:5515715");
        assert_eq!(linkedin_org_urn("urn:li:organization:5515715"), "urn:li:organization:5515715");
    }

    #[test]
    fn app_ids_go_as_numbers_when_they_are() {
        assert_eq!(app_id("263902037430900"), json!(263902037430900u64));
        assert_eq!(app_id("bot-app"), json!("bot-app"));
    }
}
