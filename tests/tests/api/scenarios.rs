//! Whole-loop scenarios on the network simulator: the real clients and pollers talk to fake
//! network APIs on loopback, which answer as the networks do and send echoes back as webhooks.

use crate::support::*;
use axum::http::StatusCode;
use chrono::Utc;
use inbox_domain::usecases;
use inbox_local::simulator::Recorded;
use inbox_tests::*;
use serde_json::{Value, json};

fn calls(t: &TestApp, suffix: &str) -> Vec<Recorded> {
    sim_calls(t, "POST", suffix)
}

/// Waits for the simulator's echoes (sent a moment after each call) to be ingested.
async fn echoes(t: &TestApp) {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    t.settle().await;
}

fn fixture_body(name: &str) -> Value {
    fixture_json(name)["response"]["body"].clone()
}

#[tokio::test]
async fn the_same_mention_by_webhook_twice_and_by_poll_once_is_one_item() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let page = fixture_body("x_v2_mentions_page.json");
    sim(&t).script(|s| {
        s.x_mentions = page["data"].as_array().unwrap().clone();
        s.x_users = page["includes"]["users"].as_array().unwrap().clone();
    });
    let deps = &t.app.state.deps;
    let p = deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_twitter".into()).await.unwrap().unwrap();
    usecases::schedule_polls(deps, &p).await.unwrap();
    let round = usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    assert_eq!((round.polled, round.events, round.failed), (1, 2, 0), "{round:?}");
    let mention = t.find(ALICE, "package never arrived").await;
    assert_eq!(t.detail(ALICE, &id(&mention)).await["items"].as_array().unwrap().len(), 1);
    // The reply in the page, missed by webhooks, is reconciled by the poll.
    let reply = t.find(ALICE, "available in blue").await;
    assert_eq!(reply["kind"], "reply");
    // The poll asked X for mentions of our account.
    let polls: Vec<_> = sim(&t).requests().into_iter().filter(|r| r.path == "/2/users/2244994945/mentions").collect();
    assert_eq!(polls.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn every_poll_fixture_goes_through_the_poller_into_conversations() {
    let t = TestApp::spawn().await;
    let mut li = fixture_body("linkedin_comments_page.json");
    // The poller reads back a week on its first poll: make the fixture's comments recent.
    let recent = Utc::now().timestamp_millis() - 3_600_000;
    for (i, e) in li["elements"].as_array_mut().unwrap().iter_mut().enumerate() {
        e["created"]["time"] = json!(recent + i as i64 * 60_000);
        e["lastModified"]["time"] = json!(recent + i as i64 * 60_000);
    }
    let yt = fixture_body("youtube_comment_threads_page.json");
    sim(&t).script(|s| {
        s.linkedin.insert(inbox_local::demo::LINKEDIN_POST.into(), li["elements"].as_array().unwrap().clone());
        s.youtube = yt["items"].as_array().unwrap().clone();
    });
    let deps = &t.app.state.deps;
    for p in ["prf_demo_linkedin", "prf_demo_youtube"] {
        let p = deps.directory.get_profile(&ACCOUNT.into(), &p.into()).await.unwrap().unwrap();
        usecases::schedule_polls(deps, &p).await.unwrap();
    }
    let round = usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    assert_eq!((round.polled, round.failed), (2, 0), "{round:?}");
    // LinkedIn: the customer's comment and our organisation's reply in one conversation.
    let c = t.find(CAROL, "webinar be recorded").await;
    assert_eq!((c["network"].as_str(), c["kind"].as_str()), (Some("linkedin"), Some("comment")));
    let items = t.detail(CAROL, &id(&c)).await["items"].clone();
    let dirs: Vec<_> = items.as_array().unwrap().iter().map(|i| i["direction"].clone()).collect();
    assert_eq!(dirs, [json!("inbound"), json!("outbound")]);
    // YouTube: one conversation per comment thread.
    let yts: Vec<_> = everything(&t, CAROL).await.into_iter().filter(|c| c["network"] == "youtube").collect();
    assert_eq!(yts.len(), 2, "{yts:?}");
    assert!(t.find(CAROL, "work on Linux").await["kind"] == "comment");
    // Polling again stores nothing twice.
    for p in ["prf_demo_linkedin", "prf_demo_youtube"] {
        let mut s = deps.polls.poll_state(&p.into()).await.unwrap().unwrap();
        s.next_at = Utc::now() - chrono::Duration::seconds(1);
        deps.polls.finish_poll(&s).await.unwrap();
    }
    let again = usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    assert_eq!((again.polled, again.stored), (2, 0), "{again:?}");
    t.stop().await;
}

#[tokio::test]
async fn our_reply_is_sent_and_its_echo_neither_reopens_nor_doubles() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    let (status, body) =
        t.post(&format!("/api/conversations/{conv}/reply"), BOB, json!({"text": "Sorry Jane! DM us your order number"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle().await;
    let (status, _) = t.post(&format!("/api/conversations/{conv}/status"), BOB, json!({"status": "closed"})).await;
    assert_eq!(status, StatusCode::OK);
    echoes(&t).await;
    let d = t.detail(ALICE, &conv).await;
    assert_eq!(d["status"], "closed", "our own echo never reopens");
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let ours = &items[1];
    assert_eq!((ours["state"].as_str(), ours["direction"].as_str()), (Some("sent"), Some("outbound")));
    let tweet = calls(&t, "/2/tweets");
    assert_eq!(tweet.len(), 1);
    assert_eq!(
        tweet[0].body,
        json!({"text": "Sorry Jane! DM us your order number", "reply": {"in_reply_to_tweet_id": "1875000000000000001"}})
    );
    // The id X answered (the simulator numbers the tweets it creates from 1990000000000000000),
    // not the tweet replied to: what lets the echo be recognised as ours.
    let id: u64 = ours["platform_id"].as_str().and_then(|s| s.parse().ok()).expect("a platform id");
    assert!(id > 1_990_000_000_000_000_000, "{id}");
    // A new reply from the customer reopens it, unseen, at the top.
    x(
        &t,
        &x_tweet(
            "1875000000000000777",
            Some(ours["platform_id"].as_str().unwrap()),
            XJANE,
            "@MyBrand thanks, sent it",
            Utc::now().timestamp_millis(),
        ),
    )
    .await;
    let top = &t.feed(BOB, "status=open").await[0];
    assert_eq!((top["id"].as_str(), top["status"].as_str(), top["seen"].as_bool()), (Some(conv.as_str()), Some("open"), Some(false)));
    t.stop().await;
}

#[tokio::test]
async fn a_messenger_reply_uses_the_standard_window_then_the_human_agent_tag_and_stops_after_7_days() {
    let t = TestApp::spawn().await;
    let now = Utc::now();
    let cases = [
        ("7300000000000001", 23 * 60 + 59, Some(json!({"messaging_type": "RESPONSE"}))),
        ("7300000000000002", 24 * 60 + 1, Some(json!({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}))),
        ("7300000000000003", 7 * 24 * 60 - 5, Some(json!({"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}))),
        ("7300000000000004", 7 * 24 * 60 + 5, None),
    ];
    for (psid, minutes_ago, _) in &cases {
        let at = (now - chrono::Duration::minutes(*minutes_ago)).timestamp_millis();
        meta(&t, &messenger(psid, &format!("m_window_{psid}"), &format!("window test {psid}"), at)).await;
    }
    for (psid, _, expected) in &cases {
        let conv = id(&t.find(ALICE, &format!("window test {psid}")).await);
        let (status, body) = t.post(&format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "We are on it"})).await;
        match expected {
            Some(_) => assert_eq!(status, StatusCode::ACCEPTED, "{psid}: {body}"),
            None => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{psid}: {body}");
                assert!(body["error"]["message"].as_str().unwrap().contains("window closed"), "{body}");
            }
        }
    }
    t.settle().await;
    let sends = calls(&t, "/104857600000001/messages");
    assert_eq!(sends.len(), 3, "nothing was sent for the closed window");
    for (psid, _, expected) in cases.iter().filter(|c| c.2.is_some()) {
        let send = sends.iter().find(|s| s.body["recipient"]["id"] == *psid).expect("sent");
        let e = expected.as_ref().unwrap();
        assert_eq!(send.body["messaging_type"], e["messaging_type"], "{psid}");
        assert_eq!(send.body.get("tag"), e.get("tag"), "{psid}");
        assert!(send.body["metadata"].as_str().unwrap().starts_with("inbox:itm_"), "the echo can be matched: {}", send.body);
    }
    // The echoes carry our metadata: matched to our items, nothing doubled.
    echoes(&t).await;
    for (psid, _, expected) in &cases {
        let conv = id(&t.find(ALICE, &format!("window test {psid}")).await);
        let items = t.detail(ALICE, &conv).await["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), if expected.is_some() { 2 } else { 1 }, "{psid}: {items:?}");
    }
    t.stop().await;
}

/// The caller hears of the text before the network's rules: a blank reply on a Messenger DM
/// whose window closed is 400 for its text, a real one 422 for the window.
#[tokio::test]
async fn a_blank_reply_is_refused_for_its_text_before_the_messaging_window() {
    let t = TestApp::spawn().await;
    let psid = "7300000000000009";
    let at = (Utc::now() - chrono::Duration::days(8)).timestamp_millis();
    meta(&t, &messenger(psid, "m_blank_window", "blank window test", at)).await;
    let conv = id(&t.find(ALICE, "blank window test").await);
    let (status, body) = t.post(&format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "   "})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("non-empty"), "{body}");
    let (status, body) = t.post(&format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": "We are on it"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("window closed"), "{body}");
    t.stop().await;
}

#[tokio::test]
async fn a_dm_to_the_author_shows_as_a_conversation_once_they_answer_with_our_dm_and_their_answer() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let public = id(&t.find(ALICE, "package").await);
    let (status, body) =
        t.post(&format!("/api/conversations/{public}/dm"), ALICE, json!({"text": "Hi Jane, can you send your order number?"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle().await;
    let dm_call = calls(&t, "/2/dm_conversations/with/1500000000000000001/messages");
    assert_eq!(dm_call.len(), 1);
    assert_eq!(everything(&t, ALICE).await.len(), 1, "no DM conversation until Jane answers");
    x(&t, &x_dm("1875000000000000900", XJANE, "Sure, it's 1234", Utc::now().timestamp_millis())).await;
    let convs = everything(&t, ALICE).await;
    assert_eq!(convs.len(), 2);
    let dm = convs.iter().find(|c| c["kind"] == "dm").unwrap();
    let items: Vec<_> =
        t.detail(ALICE, &id(dm)).await["items"].as_array().unwrap().iter().map(|i| (i["direction"].clone(), i["text"].clone())).collect();
    assert_eq!(
        items,
        [(json!("outbound"), json!("Hi Jane, can you send your order number?")), (json!("inbound"), json!("Sure, it's 1234"))]
    );
    t.stop().await;
}

#[tokio::test]
async fn closing_a_messenger_conversation_the_inbox_holds_passes_the_thread_back_to_the_bot() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let mut page = deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    page.bot_app_id = Some("555000111".into());
    deps.directory.put_profile(&page).await.unwrap();
    meta(&t, &messenger("7312345678901234", "m_bot_1", "I want a human please", Utc::now().timestamp_millis())).await;
    let conv = id(&t.find(ALICE, "human please").await);
    let (status, _) = t.post(&format!("/api/conversations/{conv}/handover"), ALICE, json!({"action": "take"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    t.settle().await;
    assert_eq!(t.detail(ALICE, &conv).await["thread_owner"], "inbox");
    let (status, _) = t.post(&format!("/api/conversations/{conv}/status"), ALICE, json!({"status": "closed"})).await;
    assert_eq!(status, StatusCode::OK);
    t.settle().await;
    let pass = calls(&t, "/pass_thread_control");
    assert_eq!(pass.len(), 1);
    assert_eq!(pass[0].body["recipient"]["id"], "7312345678901234");
    assert_eq!(pass[0].body["target_app_id"].to_string().trim_matches('"'), "555000111");
    assert_eq!(t.detail(ALICE, &conv).await["thread_owner"], "555000111");
    // Release from the API passes it back as well (after taking it again).
    t.post(&format!("/api/conversations/{conv}/handover"), ALICE, json!({"action": "take"})).await;
    t.settle().await;
    let (status, _) = t.post(&format!("/api/conversations/{conv}/handover"), ALICE, json!({"action": "release"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    t.settle().await;
    assert_eq!(calls(&t, "/pass_thread_control").len(), 2);
    t.stop().await;
}

#[tokio::test]
async fn an_edit_seen_only_by_polling_updates_the_stored_comment() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let p = deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_youtube".into()).await.unwrap().unwrap();
    usecases::schedule_polls(deps, &p).await.unwrap();
    usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    let c = t.find(CAROL, "zipper on mine broke").await;
    // The viewer edits the comment; the next poll sees it edited.
    sim(&t).script(|s| {
        for thread in &mut s.youtube {
            let sn = &mut thread["snippet"]["topLevelComment"]["snippet"];
            if sn["textOriginal"].as_str().unwrap_or("").contains("zipper") {
                sn["textOriginal"] = json!("The zipper on mine broke after a week. Sorted now, thanks!");
                sn["updatedAt"] = json!(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
        }
    });
    let mut s = deps.polls.poll_state(&p.id).await.unwrap().unwrap();
    s.next_at = Utc::now() - chrono::Duration::seconds(1);
    deps.polls.finish_poll(&s).await.unwrap();
    usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    let items = t.detail(CAROL, &id(&c)).await["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0]["text"].as_str(), items[0]["edited"].as_bool()),
        (Some("The zipper on mine broke after a week. Sorted now, thanks!"), Some(true))
    );
    t.stop().await;
}

#[tokio::test]
async fn a_page_that_lost_its_webhook_subscription_shows_it_in_channel_health() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let page = deps.directory.get_profile(&ACCOUNT.into(), &"prf_demo_facebook".into()).await.unwrap().unwrap();
    usecases::schedule_polls(deps, &page).await.unwrap();
    usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    let channel = |body: &Value| body["channels"].as_array().unwrap().iter().find(|c| c["network"] == "facebook").unwrap().clone();
    let fb = channel(&t.get("/api/channels", ALICE).await.1);
    assert_eq!(fb["webhook_subscribed"], true);
    assert!(fb["webhook_checked_at"].is_string());
    let checks: Vec<_> = sim(&t).requests().into_iter().filter(|r| r.path == "/v21.0/104857600000001/subscribed_apps").collect();
    assert_eq!(checks.len(), 1);
    // Meta drops the subscription after failed deliveries; the next check shows it.
    sim(&t).script(|s| s.meta_unsubscribed = true);
    let mut s = deps.polls.poll_state(&page.id).await.unwrap().unwrap();
    assert!(s.next_at > Utc::now() + chrono::Duration::hours(5), "checked every 6 hours");
    s.next_at = Utc::now() - chrono::Duration::seconds(1);
    deps.polls.finish_poll(&s).await.unwrap();
    usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    assert_eq!(channel(&t.get("/api/channels", ALICE).await.1)["webhook_subscribed"], false);
    t.stop().await;
}

/// YouTube's 10,000 units a day belong to the application: a reply spends 50 from the same
/// daily count as the polls, and one that would pass it fails in words instead of going out.
#[tokio::test]
async fn youtube_replies_spend_the_shared_daily_quota_and_never_pass_it() {
    let t = TestApp::spawn().await;
    polled_comment(
        &t,
        inbox_domain::Network::Youtube,
        "UgzQuota0000000001",
        "You Tuber",
        "Which lens was this shot with?",
        Utc::now().timestamp(),
    )
    .await;
    let conv = id(&t.find(ALICE, "Which lens").await);
    // Polls (and earlier replies) spent all but one reply's worth today.
    let deps = &t.app.state.deps;
    let room = inbox_domain::poll::YOUTUBE_DAILY_QUOTA - inbox_domain::poll::YOUTUBE_WRITE_UNITS;
    assert!(
        deps.polls.spend_quota(inbox_domain::Network::Youtube, Utc::now(), room, inbox_domain::poll::YOUTUBE_DAILY_QUOTA).await.unwrap()
    );
    for text in ["A 35 mm prime.", "And a polarising filter."] {
        let (status, body) = t.post(&format!("/api/conversations/{conv}/reply"), ALICE, json!({"text": text})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        t.settle().await;
    }
    let items = t.detail(ALICE, &conv).await["items"].as_array().unwrap().clone();
    let states: Vec<_> =
        items.iter().skip(1).map(|i| (i["text"].as_str().unwrap().to_string(), i["state"].as_str().unwrap().to_string())).collect();
    assert_eq!(
        states,
        [("A 35 mm prime.".to_string(), "sent".to_string()), ("And a polarising filter.".to_string(), "failed".to_string())]
    );
    assert!(items[2]["failure"].as_str().unwrap().contains("quota"), "{}", items[2]);
    assert_eq!(calls(&t, "/youtube/v3/comments").len(), 1, "the second reply never reached YouTube");
    t.stop().await;
}

/// Waits for the actions worker to have fetched a conversation's original post.
async fn post_of(t: &TestApp, user: &str, conv: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = t.get(&format!("/api/conversations/{conv}/post"), user).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] != "fetching" {
            return body;
        }
        t.settle().await;
    }
    panic!("the post of {conv} was never fetched");
}

/// A comment's original post is fetched from its network when the conversation is created
/// (one GET, through the actions worker), cached, and shown; a post that is gone says why.
#[tokio::test]
async fn the_original_post_of_a_comment_is_fetched_once_and_shown() {
    let t = TestApp::spawn().await;
    let post = "104857600000001_122100000000000001";
    sim(&t).script(|s| {
        s.posts.insert(
            post.into(),
            json!({"id": post, "message": "The Trailblazer tent is back in stock", "promotion_status": "inactive", "is_published": true,
                "permalink_url": "https://www.facebook.com/104857600000001/posts/122100000000000001", "from": {"name": "Demo Page"}}),
        );
    });
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    t.settle().await;
    let c = t.find(ALICE, "size M").await;
    assert_eq!(c["post_id"], post);
    let body = post_of(&t, ALICE, &id(&c)).await;
    assert_eq!(body["status"], "ready", "{body}");
    assert_eq!(body["post"]["text"], "The Trailblazer tent is back in stock");
    assert_eq!(body["post"]["author_name"], "Demo Page");
    assert_eq!(body["post"]["sponsored"], false);
    // Asked of the Graph API once, with the fields it reads.
    let reads: Vec<_> = sim(&t).requests().into_iter().filter(|r| r.method == "GET" && r.path == format!("/v21.0/{post}")).collect();
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert!(reads[0].query.as_deref().unwrap().contains("promotion_status"), "{reads:?}");
    // Opening it again is read from the cache.
    assert_eq!(post_of(&t, ALICE, &id(&c)).await, body);
    t.settle().await;
    assert_eq!(sim(&t).requests().into_iter().filter(|r| r.method == "GET" && r.path == format!("/v21.0/{post}")).count(), 1);
    // Not a post: a DM. Another account's user: no such conversation.
    meta(&t, &fixture("meta_messages.json")).await;
    let dm = id(&t.feed(ALICE, "kind=dm").await[0]);
    assert_eq!(t.get(&format!("/api/conversations/{dm}/post"), ALICE).await.1, json!({"status": "none", "post": null}));
    assert_eq!(t.get(&format!("/api/conversations/{}/post", id(&c)), OLGA).await.0, StatusCode::NOT_FOUND);
    t.stop().await;
}

/// A comment whose webhook does not say the post is an ad (no `post` object) is marked
/// sponsored once the post is read; a post the network no longer has says so in words.
#[tokio::test]
async fn a_comment_on_a_post_that_turns_out_to_be_an_ad_becomes_sponsored() {
    let t = TestApp::spawn().await;
    let mut body = fixture_json("meta_feed_comment_add.json");
    body["entry"][0]["changes"][0]["value"].as_object_mut().unwrap().remove("post");
    let post = "104857600000001_122100000000000001";
    sim(&t).script(|s| {
        s.posts.insert(
            post.into(),
            json!({"id": post, "message": "20% off this weekend", "promotion_status": "ineligible", "is_published": false}),
        );
    });
    meta(&t, body.to_string().as_bytes()).await;
    t.settle().await;
    let c = t.find(ALICE, "size M").await;
    let fetched = post_of(&t, ALICE, &id(&c)).await;
    assert_eq!(fetched["post"]["sponsored"], true, "{fetched}");
    let c = t.detail(ALICE, &id(&c)).await;
    assert_eq!(c["sponsored"], true);
    assert_eq!(ids(&t.feed(ALICE, "sponsored=true").await), vec![id(&c)]);
    // A second comment on the same ad: the post is not read again, the comment is sponsored.
    let mut second = body.clone();
    let v = &mut second["entry"][0]["changes"][0]["value"];
    v["comment_id"] = json!("122100000000000001_1900000000000555");
    v["message"] = json!("Is the discount on in Lyon?");
    meta(&t, second.to_string().as_bytes()).await;
    t.settle().await;
    let second = t.find(ALICE, "discount on in Lyon").await;
    assert_eq!(second["sponsored"], true, "{second}");
    let reads = sim(&t).requests().into_iter().filter(|r| r.method == "GET" && r.path == format!("/v21.0/{post}")).count();
    assert_eq!(reads, 1, "one read of the post for both comments");

    // A post the network does not have (deleted since).
    let mut gone = fixture_json("meta_feed_comment_add.json");
    let v = &mut gone["entry"][0]["changes"][0]["value"];
    v["post_id"] = json!("104857600000001_122100000000000077");
    v["comment_id"] = json!("122100000000000077_1900000000000077");
    v["parent_id"] = json!("104857600000001_122100000000000077");
    v["message"] = json!("Where did the post go?");
    v.as_object_mut().unwrap().remove("post");
    meta(&t, gone.to_string().as_bytes()).await;
    t.settle().await;
    let g = t.find(ALICE, "Where did the post go").await;
    let body = post_of(&t, ALICE, &id(&g)).await;
    assert_eq!(body["status"], "unavailable", "{body}");
    assert!(body["post"]["error"].as_str().unwrap().contains("does not exist"), "{body}");
    assert_eq!(t.detail(ALICE, &id(&g)).await["sponsored"], false);
    t.stop().await;
}

/// Replies to our promoted-only tweets are sponsored: X's webhook says it of our tweet
/// (`scopes.followers: false`) and never of the replies, so the inbox remembers the tweet.
/// Whichever arrives first.
#[tokio::test]
async fn replies_to_our_promoted_tweet_are_sponsored_in_either_order() {
    let t = TestApp::spawn().await;
    let ours = |id: &str| {
        json!({"for_user_id": "2244994945", "tweet_create_events": [{
            "created_at": "Thu Jan 01 01:00:00 +0000 2026", "id_str": id, "text": "Winter sale: 30% off every tent", "timestamp_ms": "1767229200000",
            "in_reply_to_status_id_str": null, "scopes": {"followers": false},
            "user": {"id_str": "2244994945", "name": "Demo Outdoor", "screen_name": "DemoOutdoor"}}]})
    };
    let reply = |id: &str, to: &str, text: &str| {
        json!({"for_user_id": "2244994945", "tweet_create_events": [{
            "created_at": "Thu Jan 01 01:05:00 +0000 2026", "id_str": id, "text": text, "timestamp_ms": "1767229500000",
            "in_reply_to_status_id_str": to, "in_reply_to_user_id_str": "2244994945",
            "user": {"id_str": "1500000000000000077", "name": "Tess Buyer", "screen_name": "tessbuyer"}}]})
    };
    // Ours first, then a reply.
    x(&t, ours("1990000000000000501").to_string().as_bytes()).await;
    x(&t, reply("1990000000000000502", "1990000000000000501", "@DemoOutdoor does the sale include stoves?").to_string().as_bytes()).await;
    t.settle().await;
    let first = t.find(ALICE, "include stoves").await;
    assert_eq!((first["kind"].as_str(), first["sponsored"].as_bool()), (Some("reply"), Some(true)), "{first}");
    // A reply first (deliveries are unordered), then ours.
    x(&t, reply("1990000000000000602", "1990000000000000601", "@DemoOutdoor ships to Belgium?").to_string().as_bytes()).await;
    t.settle().await;
    let early = t.find(ALICE, "ships to Belgium").await;
    assert_eq!(early["sponsored"], false);
    x(&t, ours("1990000000000000601").to_string().as_bytes()).await;
    t.settle().await;
    assert_eq!(t.detail(ALICE, &id(&early)).await["sponsored"], true);
    // An organic tweet of ours: its replies are not.
    let mut organic = ours("1990000000000000701");
    organic["tweet_create_events"][0]["scopes"] = json!({"followers": true});
    x(&t, organic.to_string().as_bytes()).await;
    x(&t, reply("1990000000000000702", "1990000000000000701", "@DemoOutdoor love the new logo").to_string().as_bytes()).await;
    t.settle().await;
    assert_eq!(t.find(ALICE, "new logo").await["sponsored"], false);
    assert_eq!(ids(&t.feed(ALICE, "sponsored=true&network=twitter").await).len(), 2);
    t.stop().await;
}

/// A private reply to a Facebook or Instagram comment (one DM to its author) opens no DM
/// conversation by itself, nor does its echo; the author's answer does, holding our DM and the
/// answer, on the DM thread of the person the network said the DM reached.
#[tokio::test]
async fn a_private_reply_to_a_comment_shows_as_a_dm_conversation_once_the_author_answers() {
    let t = TestApp::spawn().await;
    for (network, comment_fixture, needle) in [("facebook", "meta_feed_comment_add.json", "size M"), ("instagram", "ig_comment.json", "")] {
        // Made now: a private reply is possible for 7 days after the comment.
        let mut comment = fixture_json(comment_fixture);
        comment["entry"][0]["time"] = json!(Utc::now().timestamp());
        if network == "facebook" {
            comment["entry"][0]["changes"][0]["value"]["created_time"] = json!(Utc::now().timestamp());
        }
        meta(&t, comment.to_string().as_bytes()).await;
        t.settle().await;
        let public = t.feed(ALICE, &format!("network={network}&kind=comment")).await;
        let public = public.iter().find(|c| c["excerpt"].as_str().unwrap().contains(needle)).expect("the comment's conversation");
        let text = format!("Hi, we sent you the details in private ({network})");
        let (status, body) = t.post(&format!("/api/conversations/{}/dm", id(public)), ALICE, json!({"text": text})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        t.settle().await;
        // One call: a private reply to the comment, on the account's messages edge.
        let sent: Vec<_> = calls(&t, "/messages").into_iter().filter(|r| r.body["message"]["text"] == text.as_str()).collect();
        assert_eq!(sent.len(), 1, "{sent:?}");
        let comment_id = t.detail(ALICE, &id(public)).await["items"][0]["platform_id"].clone();
        assert_eq!(sent[0].body["recipient"], json!({"comment_id": comment_id}));
        echoes(&t).await;
        assert!(t.feed(ALICE, &format!("network={network}&kind=dm")).await.is_empty(), "no DM conversation before the author answers");

        // The author answers from the id the network said the private reply reached.
        let items = t.detail(ALICE, &id(public)).await["items"].as_array().unwrap().clone();
        let ours = items.iter().find(|i| i["direction"] == "outbound").unwrap();
        assert_eq!(ours["state"], "sent", "{ours}");
        let answer = format!("Thanks, here is my order number 5678 ({network})");
        // (The simulator makes up the commenter's messaging id from the comment id, as Meta's
        // answer names it: `recipient_id`.)
        let psid = inbox_local::simulator::commenter_psid(comment_id.as_str().unwrap());
        let mut body = fixture_json(if network == "facebook" { "meta_messages.json" } else { "ig_messages.json" });
        let mut m = body["entry"][0]["messaging"][0].clone();
        m["sender"]["id"] = json!(psid);
        m["timestamp"] = json!(Utc::now().timestamp_millis());
        m["message"] = json!({"mid": format!("m_answer_{network}"), "text": answer});
        let mut entry = body["entry"][0].clone();
        entry["messaging"] = json!([m]);
        entry["time"] = json!(Utc::now().timestamp_millis());
        body["entry"] = json!([entry]);
        meta(&t, body.to_string().as_bytes()).await;
        t.settle().await;
        let dms = t.feed(ALICE, &format!("network={network}&kind=dm")).await;
        assert_eq!(dms.len(), 1, "{dms:?}");
        let thread: Vec<_> = t.detail(ALICE, &id(&dms[0])).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["direction"].as_str().unwrap().to_string(), i["text"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(thread, [("outbound".to_string(), text.clone()), ("inbound".to_string(), answer.clone())]);
        // Its reply box goes to the person, within the messaging window.
        assert!(dms[0]["available_actions"].as_array().unwrap().contains(&json!("reply")), "{}", dms[0]);
    }
    t.stop().await;
}

/// However often the page asks for a post being read, one read is queued (a placeholder
/// remembers it was asked for); the page is told it is being fetched meanwhile.
#[tokio::test]
async fn asking_for_a_post_again_and_again_queues_one_read() {
    use inbox_domain::messages::QueueName;
    let t = TestApp::spawn_with(|c| c.paused = vec![QueueName::Actions]).await;
    let mut body = fixture_json("meta_feed_comment_add.json");
    body["entry"][0]["changes"][0]["value"]["message"] = json!("Paused actions, one read");
    assert_eq!(t.meta_webhook(body.to_string().as_bytes()).await, StatusCode::OK);
    t.settle_queue(QueueName::Ingest).await;
    let queue = &t.app.queue;
    assert_eq!(queue.depth(QueueName::Actions).await.unwrap(), 1, "the ingest queued the read of the new conversation's post");
    let conv = id(&t.find(ALICE, "Paused actions").await);
    for _ in 0..5 {
        let (status, answer) = t.get(&format!("/api/conversations/{conv}/post"), ALICE).await;
        assert_eq!((status, answer), (StatusCode::OK, json!({"status": "fetching", "post": null})));
    }
    assert_eq!(queue.depth(QueueName::Actions).await.unwrap(), 2, "the page's first ask queued one more read, the others none");
    t.stop().await;
}

/// A new comment under a post read in the last hour takes its sponsorship from that copy and
/// queues no read of its own (a post with many comments is read once an hour, not per comment).
#[tokio::test]
async fn a_comment_under_a_post_read_lately_queues_no_read_and_takes_its_sponsorship() {
    use inbox_domain::messages::QueueName;
    let t = TestApp::spawn_with(|c| c.paused = vec![QueueName::Actions]).await;
    let post = "104857600000001_122100000000000001";
    let ad = inbox_domain::Post {
        text: "20% off this weekend".into(),
        sponsored: Some(true),
        ..inbox_domain::Post::unavailable(post, inbox_domain::Network::Facebook, Utc::now(), None)
    };
    t.app.state.deps.conversations.put_post(&"prf_demo_facebook".into(), &ad).await.unwrap();
    let mut body = fixture_json("meta_feed_comment_add.json");
    let v = &mut body["entry"][0]["changes"][0]["value"];
    v.as_object_mut().unwrap().remove("post");
    v["message"] = json!("Under an ad read lately");
    assert_eq!(t.meta_webhook(body.to_string().as_bytes()).await, StatusCode::OK);
    t.settle_queue(QueueName::Ingest).await;
    let c = t.find(ALICE, "Under an ad read lately").await;
    assert_eq!(c["sponsored"], true, "{c}");
    assert_eq!(t.app.queue.depth(QueueName::Actions).await.unwrap(), 0, "no read queued");
    let (_, answer) = t.get(&format!("/api/conversations/{}/post", id(&c)), ALICE).await;
    assert_eq!((answer["status"].as_str(), answer["post"]["text"].as_str()), (Some("ready"), Some("20% off this weekend")));
    t.stop().await;
}

/// Reading a video (the original post of a YouTube comment) spends 1 unit of the shared daily
/// quota; when the quota is spent it is not read, and the page is told why in words.
#[tokio::test]
async fn reading_a_video_spends_one_quota_unit_and_none_when_the_quota_is_spent() {
    use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
    use inbox_domain::poll::YOUTUBE_DAILY_QUOTA;
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let comment = |id: &str, video: &str, text: &str| InboundEvent {
        network: inbox_domain::Network::Youtube,
        profile_external_id: "UCdemo00000000000000000001".into(),
        platform_id: id.into(),
        thread: ThreadRef {
            kind: inbox_domain::Kind::Comment,
            thread_key: id.into(),
            parent_platform_id: None,
            post_id: Some(video.into()),
        },
        occurred_at: Utc::now(),
        change: Change::Posted {
            direction: inbox_domain::Direction::Inbound,
            text: text.into(),
            author: inbox_domain::Author { id: "UCviewer".into(), name: "Viewer".into(), handle: String::new() },
            correlation: None,
        },
        sponsored: false,
    };
    let video = json!({"items": [{"id": "vidQuota1", "snippet": {"title": "Tent pitching in the wind", "channelTitle": "Demo Outdoor"}}]});
    sim(&t).script(|s| {
        s.posts.insert("vidQuota1".into(), video);
    });
    let spent = || async { deps.polls.quota_spent(inbox_domain::Network::Youtube, Utc::now()).await.unwrap() };
    usecases::ingest(deps, &comment("UgzQuotaRead1", "vidQuota1", "Which pegs are these?")).await.unwrap();
    let first = id(&t.find(ALICE, "Which pegs").await);
    let before = spent().await;
    let body = post_of(&t, ALICE, &first).await;
    assert_eq!((body["status"].as_str(), body["post"]["text"].as_str()), (Some("ready"), Some("Tent pitching in the wind")), "{body}");
    assert_eq!(spent().await - before, 1, "one unit for the read");

    // Spent: another video is not read, and the answer says why.
    usecases::ingest(deps, &comment("UgzQuotaRead2", "vidQuota2", "Is there a part two?")).await.unwrap();
    let second = id(&t.find(ALICE, "part two").await);
    let room = YOUTUBE_DAILY_QUOTA - spent().await;
    assert!(deps.polls.spend_quota(inbox_domain::Network::Youtube, Utc::now(), room, YOUTUBE_DAILY_QUOTA).await.unwrap());
    let body = post_of(&t, ALICE, &second).await;
    assert_eq!(body["status"], "unavailable", "{body}");
    assert!(body["post"]["error"].as_str().unwrap().contains("quota"), "{body}");
    let reads: Vec<_> = sim(&t).requests().into_iter().filter(|r| r.path == "/youtube/v3/videos").collect();
    assert_eq!(reads.len(), 1, "the second video was never asked for: {reads:?}");
    assert_eq!(spent().await, YOUTUBE_DAILY_QUOTA, "never past the quota");
    t.stop().await;
}

/// An old copy whose refresh the network refuses stays what is shown, with the time it was
/// really read; the network is not asked again for a while.
#[tokio::test]
async fn a_refused_refresh_keeps_the_old_copy_and_waits_before_asking_again() {
    let t = TestApp::spawn().await;
    // A post the simulator does not have (deleted since it was read).
    let post = "104857600000001_122100000000000088";
    let mut body = fixture_json("meta_feed_comment_add.json");
    let v = &mut body["entry"][0]["changes"][0]["value"];
    v["post_id"] = json!(post);
    v["parent_id"] = json!(post);
    v["comment_id"] = json!("122100000000000088_1900000000000088");
    v["message"] = json!("On a post read long ago");
    v.as_object_mut().unwrap().remove("post");
    meta(&t, body.to_string().as_bytes()).await;
    t.settle().await;
    let c = id(&t.find(ALICE, "read long ago").await);
    let read_at = Utc::now() - chrono::Duration::hours(2);
    let old = inbox_domain::Post {
        text: "Read two hours ago".into(),
        ..inbox_domain::Post::unavailable(post, inbox_domain::Network::Facebook, read_at, None)
    };
    t.app.state.deps.conversations.put_post(&"prf_demo_facebook".into(), &old).await.unwrap();
    let reads = || sim(&t).requests().into_iter().filter(|r| r.method == "GET" && r.path == format!("/v21.0/{post}")).count();
    let before = reads(); // (the read when the conversation was made, refused)
    // Old: shown, and read again in the background (the simulator has no such post).
    let (_, first) = t.get(&format!("/api/conversations/{c}/post"), ALICE).await;
    assert_eq!(first["post"]["text"], "Read two hours ago");
    t.settle().await;
    assert_eq!(reads(), before + 1);
    let (_, second) = t.get(&format!("/api/conversations/{c}/post"), ALICE).await;
    assert_eq!((second["status"].as_str(), second["post"]["text"].as_str()), (Some("ready"), Some("Read two hours ago")));
    let shown = chrono::DateTime::parse_from_rfc3339(second["post"]["fetched_at"].as_str().unwrap()).unwrap();
    assert_eq!(shown.timestamp(), read_at.timestamp(), "the time it was really read");
    t.settle().await;
    assert_eq!(reads(), before + 1, "not asked again at once");
    t.stop().await;
}
