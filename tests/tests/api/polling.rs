//! The poller: leases, daily budgets, cursors, backoff, overlap with webhooks, channel health.
//! The networks' HTTP side is tested against fake servers in `inbox-networks`; here a
//! `PlatformPoller` stands in for it at the port, so the scheduling rules are what is tested.

use crate::support::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
use inbox_domain::ports::{PlatformPoller, PollError, PollPage};
use inbox_domain::usecases::{self, Deps};
use inbox_domain::*;
use inbox_tests::*;
use std::sync::Mutex;

const YT: &str = "UCdemo00000000000000000001";

fn yt_comment(id: &str, text: &str, at: DateTime<Utc>) -> InboundEvent {
    InboundEvent {
        network: Network::Youtube,
        profile_external_id: YT.into(),
        platform_id: id.into(),
        thread: ThreadRef { kind: Kind::Comment, thread_key: id.into(), parent_platform_id: None, post_id: None },
        occurred_at: at,
        change: Change::Posted {
            direction: Direction::Inbound,
            text: text.into(),
            author: Author { id: "UCviewer".into(), name: "Viewer".into(), handle: String::new() },
            correlation: None,
        },
        sponsored: false,
    }
}

/// Answers each poll with the next scripted page and records the cursors it was given.
struct Scripted {
    pages: Mutex<Vec<Result<PollPage, PollError>>>,
    seen_cursors: Mutex<Vec<Option<String>>>,
    units: u32,
}

impl Scripted {
    fn new(units: u32, pages: Vec<Result<PollPage, PollError>>) -> Self {
        Self { pages: Mutex::new(pages), seen_cursors: Mutex::new(vec![]), units }
    }
}

#[async_trait]
impl PlatformPoller for Scripted {
    fn units_per_poll(&self, _: Network) -> u32 {
        self.units
    }
    async fn poll(&self, _: &Profile, cursor: Option<&str>, _: Timestamp) -> Result<PollPage, PollError> {
        self.seen_cursors.lock().unwrap().push(cursor.map(String::from));
        let mut pages = self.pages.lock().unwrap();
        if pages.is_empty() { Ok(PollPage::default()) } else { pages.remove(0) }
    }
}

async fn youtube_profile(t: &TestApp) -> Profile {
    let deps = &t.app.state.deps;
    let p = deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_youtube".into()).await.unwrap().unwrap();
    usecases::schedule_polls(deps, &p).await.unwrap();
    p
}

#[tokio::test]
async fn polled_comments_become_conversations_and_the_cursor_moves_on() {
    let t = TestApp::spawn().await;
    let p = youtube_profile(&t).await;
    let now = Utc::now();
    let page = PollPage {
        events: vec![yt_comment("yt1", "Great video, where is the tent from?", now)],
        cursor: Some("c1".into()),
        units: 1,
        ..PollPage::default()
    };
    let poller = Scripted::new(1, vec![Ok(page)]);
    let round = usecases::poll_due(&t.app.state.deps, &poller, 10).await.unwrap();
    assert_eq!((round.polled, round.events, round.stored), (1, 1, 1));
    assert_eq!(poller.seen_cursors.lock().unwrap().clone(), vec![None], "the first poll is a backfill");
    let c = t.find(ALICE, "where is the tent").await;
    assert_eq!((c["network"].as_str(), c["kind"].as_str(), c["status"].as_str()), (Some("youtube"), Some("comment"), Some("open")));
    let state = t.app.state.deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    assert_eq!(state.cursor.as_deref(), Some("c1"));
    assert!(state.next_at > now, "not due again at once");
    assert_eq!(state.interval_secs, 300, "found something: back to the minimum interval");
    assert_eq!(t.app.state.deps.polls.quota_spent(Network::Youtube, now).await.unwrap(), 1);
}

#[tokio::test]
async fn a_poll_overlapping_a_webhook_or_another_poll_stores_nothing_twice() {
    let t = TestApp::spawn().await;
    youtube_profile(&t).await;
    let now = Utc::now();
    let e = yt_comment("yt2", "Same comment seen twice", now);
    let again = PollPage { events: vec![e.clone()], cursor: Some("c2".into()), units: 1, ..PollPage::default() };
    // The event is already stored (as a webhook or an earlier poll would have stored it).
    usecases::ingest(&t.app.state.deps, &e).await.unwrap();
    let poller = Scripted::new(1, vec![Ok(again)]);
    let round = usecases::poll_due(&t.app.state.deps, &poller, 10).await.unwrap();
    assert_eq!((round.events, round.stored), (1, 0));
    let c = t.find(ALICE, "seen twice").await;
    assert_eq!(t.detail(ALICE, id(&c).as_str()).await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn two_pollers_never_work_one_profile_at_once() {
    let t = TestApp::spawn().await;
    let p = youtube_profile(&t).await;
    let polls = &t.app.state.deps.polls;
    let now = Utc::now();
    assert!(polls.lease_poll(&p.id, now, now + chrono::Duration::minutes(5)).await.unwrap());
    assert!(!polls.lease_poll(&p.id, now, now + chrono::Duration::minutes(5)).await.unwrap(), "held by the first");
    // A poll run meanwhile skips it.
    let poller = Scripted::new(1, vec![]);
    let round = usecases::poll_due(&t.app.state.deps, &poller, 10).await.unwrap();
    assert_eq!(round.polled, 0);
    assert!(poller.seen_cursors.lock().unwrap().is_empty());
    // An abandoned lease expires.
    let later = now + chrono::Duration::minutes(6);
    assert!(polls.lease_poll(&p.id, later, later + chrono::Duration::minutes(5)).await.unwrap());
}

#[tokio::test]
async fn the_daily_budget_is_never_exceeded() {
    let t = TestApp::spawn().await;
    let p = youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    let now = Utc::now();
    // Other channels spent all but 2 units of today's 7,000.
    assert!(deps.polls.spend_quota(Network::Youtube, now, 6_998, 7_000).await.unwrap());
    let poller = Scripted::new(3, vec![]);
    let round = usecases::poll_due(deps, &poller, 10).await.unwrap();
    assert_eq!((round.polled, round.deferred_for_quota), (0, 1));
    assert!(poller.seen_cursors.lock().unwrap().is_empty(), "no call was made");
    assert_eq!(deps.polls.quota_spent(Network::Youtube, now).await.unwrap(), 6_998);
    let state = deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    assert_eq!(state.next_at, inbox_domain::poll::next_quota_day(now), "deferred to the next quota day");
    assert!(state.last_error.unwrap().contains("quota"));
}

#[tokio::test]
async fn rate_limits_back_off_as_the_network_says_and_keep_the_cursor() {
    let t = TestApp::spawn().await;
    let p = youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    let first = PollPage { events: vec![], cursor: Some("keep-me".into()), units: 1, ..PollPage::default() };
    let poller = Scripted::new(1, vec![Ok(first)]);
    usecases::poll_due(deps, &poller, 10).await.unwrap();
    // Make it due again, then the network says "slow down for 15 minutes".
    let mut s = deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    s.next_at = Utc::now() - chrono::Duration::seconds(1);
    deps.polls.finish_poll(&s).await.unwrap();
    let poller = Scripted::new(1, vec![Err(PollError::RateLimited { retry_after_secs: Some(900) })]);
    let before = Utc::now();
    let round = usecases::poll_due(deps, &poller, 10).await.unwrap();
    assert_eq!(round.failed, 1);
    let s = deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    assert_eq!(s.cursor.as_deref(), Some("keep-me"));
    assert_eq!(s.failures, 1);
    let wait = (s.next_at - before).num_seconds();
    assert!((899..=901).contains(&wait), "{wait}");
}

#[tokio::test]
async fn channel_health_shows_last_event_polling_and_a_lost_token() {
    let t = TestApp::spawn().await;
    youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    let now = Utc::now();
    let page = PollPage {
        events: vec![yt_comment("yt9", "hello", now - chrono::Duration::minutes(1))],
        cursor: Some("c".into()),
        units: 1,
        ..PollPage::default()
    };
    usecases::poll_due(deps, &Scripted::new(1, vec![Ok(page)]), 10).await.unwrap();
    let (status, body) = t.get("/api/channels", ALICE).await;
    assert_eq!(status, 200, "{body}");
    let channels = body["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 5, "Alice sees every profile");
    let yt = channels.iter().find(|c| c["network"] == "youtube").unwrap();
    assert!(yt["last_event_at"].is_string());
    assert_eq!(yt["polled"], true);
    assert!(yt["last_poll_ok_at"].is_string());
    assert!(yt["next_poll_at"].is_string());
    assert_eq!(yt["token_state"], "valid");
    assert_eq!(yt["quiet"], false);
    // The token is revoked: the next poll says so, and the channel shows it.
    let mut s = deps.polls.poll_state(&"prf_demo_youtube".into()).await.unwrap().unwrap();
    s.next_at = Utc::now() - chrono::Duration::seconds(1);
    deps.polls.finish_poll(&s).await.unwrap();
    usecases::poll_due(deps, &Scripted::new(1, vec![Err(PollError::NeedsReconnect("token revoked".into()))]), 10).await.unwrap();
    let (_, body) = t.get("/api/channels", ALICE).await;
    let yt = body["channels"].as_array().unwrap().iter().find(|c| c["network"] == "youtube").unwrap().clone();
    assert_eq!(yt["token_state"], "needs_reconnection");
    assert_eq!(yt["token_error"], "token revoked");
    assert_eq!(yt["last_poll_error"], "token revoked");
    // Bob cannot see the YouTube channel at all.
    let (_, body) = t.get("/api/channels", BOB).await;
    assert!(body["channels"].as_array().unwrap().iter().all(|c| c["network"] != "youtube"));
}

/// Reconnects during a call made with the old token: the call's refusal says nothing of the
/// new token, which stays valid.
#[tokio::test]
async fn a_refusal_of_the_old_token_after_a_reconnect_leaves_the_new_one_valid() {
    struct ReconnectedMeanwhile(Deps);
    #[async_trait]
    impl PlatformPoller for ReconnectedMeanwhile {
        fn units_per_poll(&self, _: Network) -> u32 {
            1
        }
        async fn poll(&self, p: &Profile, _: Option<&str>, _: Timestamp) -> Result<PollPage, PollError> {
            let mut fresh = p.clone();
            fresh.credentials.access_token =
                Some(self.0.cipher.seal(&presence_context(p.network, &p.external_id), &SecretString::new("a-new-token")).await.unwrap());
            self.0.directory.put_profile(&fresh).await.unwrap();
            Err(PollError::NeedsReconnect("the old token was revoked".into()))
        }
    }
    let t = TestApp::spawn().await;
    youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    let round = usecases::poll_due(deps, &ReconnectedMeanwhile(deps.clone()), 10).await.unwrap();
    assert_eq!(round.failed, 1);
    let health = deps.health.channel_health(&"prf_demo_youtube".into()).await.unwrap();
    assert_eq!(health.token_state, TokenState::Valid, "{health:?}");
}

#[tokio::test]
async fn units_spent_ahead_and_not_used_are_given_back() {
    let t = TestApp::spawn().await;
    youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    // A poll may cost up to 3 calls; this one needed 1.
    let page = PollPage { events: vec![], cursor: Some("c".into()), units: 1, ..PollPage::default() };
    usecases::poll_due(deps, &Scripted::new(3, vec![Ok(page)]), 10).await.unwrap();
    assert_eq!(deps.polls.quota_spent(Network::Youtube, Utc::now()).await.unwrap(), 1);
}

#[tokio::test]
async fn the_daily_budget_is_configurable_per_network() {
    let t = TestApp::spawn_with(|c| c.settings.poll_budgets = vec![(Network::Youtube, 1)]).await;
    let p = youtube_profile(&t).await;
    let deps = &t.app.state.deps;
    let one_call = || Ok(PollPage { units: 1, ..PollPage::default() });
    let round = usecases::poll_due(deps, &Scripted::new(1, vec![one_call()]), 10).await.unwrap();
    assert_eq!(round.polled, 1);
    let mut s = deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    s.next_at = Utc::now() - chrono::Duration::seconds(1);
    deps.polls.finish_poll(&s).await.unwrap();
    let round = usecases::poll_due(deps, &Scripted::new(1, vec![one_call()]), 10).await.unwrap();
    assert_eq!((round.polled, round.deferred_for_quota), (0, 1), "a budget of 1 unit a day allows one poll");
}
