//! One test per rule of product.md: what creates a conversation; status, seen and order;
//! actions; assignment, notes, history and notifications; tabs and search.

use crate::support::*;
use axum::http::{Method, StatusCode};
use inbox_domain::Network;
use inbox_tests::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// What creates a conversation

#[tokio::test]
async fn facebook_comment_webhook_creates_an_open_unassigned_unseen_conversation() {
    let t = TestApp::spawn().await;
    assert_eq!(t.meta_webhook(&fixture("meta_feed_comment_add.json")).await, 200);
    t.settle().await;
    let inbox = t.feed(ALICE, "tab=tab_demo_alice_0").await;
    assert_eq!(inbox.len(), 1);
    let c = &inbox[0];
    assert_eq!(c["network"], "facebook");
    assert_eq!(c["kind"], "comment");
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee_id"], json!(null));
    assert_eq!(c["seen"], false);
    assert_eq!(c["author"]["name"], "Jane Customer");
    assert_eq!(c["available_actions"], json!(["reply", "like", "dm"]));
    t.stop().await;
}

#[tokio::test]
async fn facebook_reply_to_a_comment_joins_the_conversation_of_its_top_level_comment() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_feed_comment_reply_add.json")).await;
    let all = everything(&t, ALICE).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let c = &all[0];
    assert_eq!(c["kind"], "comment");
    assert_eq!(c["profile_id"], "prf_demo_facebook");
    assert_eq!(c["author"]["name"], "Jane Customer");
    assert_eq!(c["excerpt"], "@Jane Customer I asked the same thing!");
    assert_eq!(at(&c["last_activity_at"]), secs(1_767_225_900));
    let d = t.detail(ALICE, &id(c)).await;
    let items: Vec<_> = d["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["platform_id"].clone(), i["direction"].clone(), i["author"]["name"].clone(), i["text"].clone()))
        .collect();
    assert_eq!(
        items,
        [
            (
                json!("122100000000000001_1900000000000001"),
                json!("inbound"),
                json!("Jane Customer"),
                json!("Hi, is this still available in size M?")
            ),
            (
                json!("122100000000000001_1900000000000002"),
                json!("inbound"),
                json!("Bob Other"),
                json!("@Jane Customer I asked the same thing!")
            ),
        ]
    );
    assert_eq!(history(&t, ALICE, &id(c)).await, pairs(&[("created", "system"), ("item_received", "system")]));
    t.stop().await;
}

#[tokio::test]
async fn facebook_reply_delivered_before_its_comment_still_makes_one_conversation_of_the_comment_author() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_reply_add.json")).await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let all = everything(&t, ALICE).await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["author"]["name"], "Jane Customer");
    assert_eq!(all[0]["excerpt"], "@Jane Customer I asked the same thing!");
    let d = t.detail(ALICE, &id(&all[0])).await;
    let texts: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| i["text"].clone()).collect();
    assert_eq!(texts, [json!("Hi, is this still available in size M?"), json!("@Jane Customer I asked the same thing!")]);
    t.stop().await;
}

#[tokio::test]
async fn a_tag_of_the_page_in_a_post_or_a_comment_creates_a_tag_conversation_per_tagging_post_or_comment() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_mention_post.json")).await;
    meta(&t, &fixture("meta_mention_comment.json")).await;
    // Delivered again: still one conversation each.
    meta(&t, &fixture("meta_mention_post.json")).await;
    let all = everything(&t, ALICE).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let by_comment = &all[0];
    let by_post = &all[1];
    assert_eq!((by_comment["network"].clone(), by_comment["kind"].clone()), (json!("facebook"), json!("tag")));
    assert_eq!(by_comment["excerpt"], "My Shop can you help?");
    assert_eq!(by_comment["author"]["name"], "Facebook user");
    assert_eq!(at(&by_comment["last_activity_at"]), secs(1_767_300_100));
    assert_eq!((by_post["network"].clone(), by_post["kind"].clone()), (json!("facebook"), json!("tag")));
    assert_eq!(by_post["excerpt"], "Great service from My Shop today");
    assert_eq!(by_post["author"]["name"], "Some Person");
    assert_eq!(at(&by_post["last_activity_at"]), secs(1_767_299_998));
    for c in &all {
        assert_eq!(c["available_actions"], json!(["reply", "like"]));
        assert_eq!(t.detail(ALICE, &id(c)).await["items"].as_array().unwrap().len(), 1);
    }
    t.stop().await;
}

#[tokio::test]
async fn messenger_messages_make_one_dm_conversation_per_psid() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_messages.json")).await;
    meta(&t, &messenger("7399999999999999", "m_other_0001", "Do you have a store in Lyon?", T0 * 1000)).await;
    let all = everything(&t, ALICE).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let psid = all.iter().find(|c| c["author"]["id"] == "7312345678901234").expect("the first PSID's conversation");
    assert_eq!((psid["network"].clone(), psid["kind"].clone()), (json!("facebook"), json!("dm")));
    assert_eq!(psid["available_actions"], json!(["reply"]));
    assert_eq!(psid["excerpt"], "[image] https://scontent.example.invalid/img.jpg");
    let d = t.detail(ALICE, &id(psid)).await;
    let texts: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| i["text"].clone()).collect();
    assert_eq!(
        texts,
        [json!("Hello, my order #1234 has not arrived"), json!("Any update?"), json!("[image] https://scontent.example.invalid/img.jpg")]
    );
    let other = all.iter().find(|c| c["author"]["id"] == "7399999999999999").expect("the second PSID's conversation");
    assert_eq!(other["kind"], "dm");
    assert_eq!(other["excerpt"], "Do you have a store in Lyon?");
    t.stop().await;
}

#[tokio::test]
async fn comments_on_facebook_ads_and_boosted_posts_are_ingested_and_sponsored() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_on_ad.json")).await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let mut boosted = fixture_json("meta_feed_comment_add.json");
    let value = &mut boosted["entry"][0]["changes"][0]["value"];
    value["post"]["promotion_status"] = json!("active");
    value["post"]["id"] = json!("104857600000001_122100000000000009");
    value["post_id"] = json!("104857600000001_122100000000000009");
    value["parent_id"] = json!("104857600000001_122100000000000009");
    value["comment_id"] = json!("122100000000000009_1900000000000010");
    value["message"] = json!("Does the winter sale include sleeping bags?");
    value["created_time"] = json!(T0 + 100);
    meta(&t, &bytes(&boosted)).await;

    let ad = t.find(ALICE, "shipping to Lyon").await;
    assert_eq!((ad["kind"].clone(), ad["sponsored"].clone()), (json!("comment"), json!(true)));
    assert_eq!(ad["available_actions"], json!(["reply", "like", "dm"]));
    assert_eq!(t.find(ALICE, "winter sale").await["sponsored"], true);
    assert_eq!(t.find(ALICE, "size M").await["sponsored"], false);
    // Newest received first.
    assert_eq!(
        excerpts(&t.feed(ALICE, "sponsored=true").await),
        ["Does the winter sale include sleeping bags?", "How much is shipping to Lyon?"]
    );
    assert_eq!(excerpts(&t.feed(ALICE, "sponsored=false").await), ["Hi, is this still available in size M?"]);
    t.stop().await;
}

#[tokio::test]
async fn an_x_mention_creates_a_mention_conversation() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let all = everything(&t, BOB).await;
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!(
        (c["network"].clone(), c["kind"].clone(), c["profile_id"].clone()),
        (json!("twitter"), json!("mention"), json!("prf_demo_twitter"))
    );
    assert_eq!(c["author"], json!({"id": "1500000000000000001", "name": "Jane Customer", "handle": "janecustomer"}));
    assert_eq!(c["excerpt"], "@MyBrand my package never arrived, order 1234");
    assert_eq!(at(&c["last_activity_at"]), secs(1_767_229_200));
    assert_eq!((c["status"].clone(), c["assignee_id"].clone(), c["seen"].clone()), (json!("open"), json!(null), json!(false)));
    assert_eq!(c["available_actions"], json!(["reply", "like", "share", "dm"]));
    assert_eq!(t.detail(BOB, &id(c)).await["items"][0]["platform_id"], "1875000000000000001");
    t.stop().await;
}

#[tokio::test]
async fn x_replies_to_our_tweet_make_one_reply_conversation_per_root_tweet() {
    let t = TestApp::spawn().await;
    // Jane answers our tweet ...1999 (the fixture), Marco answers it too, Jane answers Marco.
    x(&t, &fixture("x_tweet_create_reply.json")).await;
    x(&t, &x_tweet("1875000000000000010", Some("1874999999999999999"), XMARCO, "@MyBrand same question, red?", 1_767_229_300_000)).await;
    x(&t, &x_tweet("1875000000000000011", Some("1875000000000000010"), XJANE, "@marcovelo red would be nice", 1_767_229_400_000)).await;
    // A reply to another of our tweets is another conversation.
    x(&t, &x_tweet("1875000000000000012", Some("1874999999999999000"), XMARCO, "@MyBrand when is the sale?", 1_767_229_500_000)).await;
    let all = everything(&t, CAROL).await;
    assert_eq!(excerpts(&all), ["@MyBrand when is the sale?", "@marcovelo red would be nice"]);
    let thread = &all[1];
    assert_eq!(thread["kind"], "reply");
    assert_eq!(thread["available_actions"], json!(["reply", "like", "share", "dm"]));
    let d = t.detail(CAROL, &id(thread)).await;
    let ids: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| i["platform_id"].clone()).collect();
    assert_eq!(ids, [json!("1875000000000000002"), json!("1875000000000000010"), json!("1875000000000000011")]);
    t.stop().await;
}

#[tokio::test]
async fn x_direct_messages_make_one_dm_conversation_per_other_participant() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_dm_event.json")).await;
    x(&t, &x_dm("1875000000000000101", XJANE, "Still nothing, any news?", 1_767_229_400_000)).await;
    x(&t, &x_dm("1875000000000000102", XMARCO, "Student discount?", 1_767_229_350_000)).await;
    // Jane's public mention is a conversation of its own.
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let all = everything(&t, ALICE).await;
    let kinds: Vec<_> = all.iter().map(|c| (c["kind"].as_str().unwrap(), c["author"]["handle"].as_str().unwrap())).collect();
    // Newest received first: the mention, Marco's DM, then Jane's (whose newest came before).
    assert_eq!(kinds, [("mention", "janecustomer"), ("dm", "marcovelo"), ("dm", "janecustomer")]);
    assert_eq!(all[2]["available_actions"], json!(["reply"]));
    assert_eq!(all[2]["excerpt"], "Still nothing, any news?");
    let d = t.detail(ALICE, &id(&all[2])).await;
    let texts: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| i["text"].clone()).collect();
    assert_eq!(texts, [json!("Hi, can you check order 1234?"), json!("Still nothing, any news?")]);
    t.stop().await;
}

#[tokio::test]
async fn the_same_webhook_delivered_twice_is_stored_once() {
    let t = TestApp::spawn().await;
    for _ in 0..2 {
        meta(&t, &fixture("meta_feed_comment_add.json")).await;
        x(&t, &fixture("x_tweet_create_mention.json")).await;
        x(&t, &fixture("x_dm_event.json")).await;
        meta(&t, &fixture("meta_messages.json")).await;
    }
    let all = everything(&t, ALICE).await;
    assert_eq!(all.len(), 4, "{all:?}");
    let mut counts = Vec::new();
    for c in &all {
        let d = t.detail(ALICE, &id(c)).await;
        let h = history(&t, ALICE, &id(c)).await;
        counts.push((c["kind"].as_str().unwrap().to_string(), d["items"].as_array().unwrap().len(), h.len()));
    }
    counts.sort();
    assert_eq!(counts, [("comment".to_string(), 1, 1), ("dm".to_string(), 1, 1), ("dm".to_string(), 3, 3), ("mention".to_string(), 1, 1)]);
    t.stop().await;
}

#[tokio::test]
async fn a_batched_webhook_repeating_a_comment_stores_each_comment_once() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_feed_batched_multi.json")).await;
    let all = everything(&t, ALICE).await;
    // Carla's new comment and Jane's repeated one; the reaction and the other Page's mention
    // make nothing.
    assert_eq!(excerpts(&all), ["Love it", "Hi, is this still available in size M?"]);
    for c in &all {
        assert_eq!(t.detail(ALICE, &id(c)).await["items"].as_array().unwrap().len(), 1);
        assert_eq!(history(&t, ALICE, &id(c)).await, pairs(&[("created", "system")]));
    }
    assert!(t.app.queue.dead_letters(10).await.unwrap().is_empty());
    t.stop().await;
}

#[tokio::test]
async fn an_edit_updates_the_items_text_and_marks_it_edited() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_feed_comment_edited.json")).await;
    meta(&t, &fixture("meta_feed_comment_edited.json")).await;
    let c = t.find(ALICE, "size M").await;
    assert_eq!(c["excerpt"], "Hi, is this still available in size M or L?");
    let d = t.detail(ALICE, &id(&c)).await;
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["text"], "Hi, is this still available in size M or L?");
    assert_eq!((items[0]["edited"].clone(), items[0]["deleted"].clone()), (json!(true), json!(false)));
    assert_eq!(history(&t, ALICE, &id(&c)).await, pairs(&[("created", "system"), ("item_edited", "system")]));
    assert_eq!(ids(&t.feed(ALICE, "q=%22M%20or%20L%22").await), [id(&c)]);
    t.stop().await;
}

#[tokio::test]
async fn a_removal_on_the_network_marks_the_item_deleted() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let before = t.find(ALICE, "size M").await;
    meta(&t, &fixture("meta_feed_comment_remove.json")).await;
    meta(&t, &fixture("meta_feed_comment_remove.json")).await;
    let d = t.detail(ALICE, &id(&before)).await;
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["platform_id"], "122100000000000001_1900000000000001");
    assert_eq!(items[0]["deleted"], true);
    assert_eq!(d["excerpt"], "(deleted on the network)");
    assert_eq!(d["last_activity_at"], before["last_activity_at"]);
    assert_eq!(history(&t, ALICE, &id(&before)).await, pairs(&[("created", "system"), ("item_deleted", "system")]));
    t.stop().await;
}

#[tokio::test]
async fn a_deletion_that_arrives_before_its_comment_stores_nothing_visible() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_remove.json")).await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_feed_comment_edited.json")).await;
    assert_eq!(everything(&t, ALICE).await, Vec::<Value>::new());
    assert_eq!(t.feed(ALICE, "q=available").await, Vec::<Value>::new());
    t.stop().await;
}

#[tokio::test]
async fn messenger_echoes_of_our_own_messages_never_create_or_reopen_a_conversation() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_message_echoes.json")).await;
    assert_eq!(everything(&t, ALICE).await, Vec::<Value>::new());

    meta(&t, &fixture("meta_messages.json")).await;
    let c = t.find(ALICE, "[image]").await;
    let conv = id(&c);
    mark_seen(&t, ALICE, &conv).await;
    set_status(&t, ALICE, &conv, "closed").await;
    meta(&t, &fixture("meta_message_echoes.json")).await;
    meta(&t, &fixture("meta_message_echoes.json")).await;

    let d = t.detail(ALICE, &conv).await;
    assert_eq!(d["status"], "closed");
    assert_eq!(d["seen"], true);
    assert_eq!(d["last_activity_at"], c["last_activity_at"]);
    let items: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| (i["direction"].clone(), i["text"].clone())).collect();
    assert_eq!(
        items[3..],
        [(json!("outbound"), json!("Hi Jane, a human here - looking into it.")), (json!("outbound"), json!("Thanks, ticket created."))]
    );
    assert_eq!(items.len(), 5);
    assert_eq!(t.feed(ALICE, "").await, Vec::<Value>::new());
    let actions: Vec<_> = history(&t, ALICE, &conv).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["created", "item_received", "item_received", "closed"]);
    t.stop().await;
}

#[tokio::test]
async fn our_own_tweets_never_create_or_reopen_a_conversation() {
    let t = TestApp::spawn().await;
    // A tweet of ours that is not an answer: no conversation.
    x(&t, &x_tweet("1875000000000000500", None, XUS, "Winter sale starts today!", 1_767_229_000_000)).await;
    assert_eq!(everything(&t, ALICE).await, Vec::<Value>::new());

    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let c = t.find(ALICE, "package never arrived").await;
    let conv = id(&c);
    set_status(&t, ALICE, &conv, "closed").await;
    // Our answer, made outside the inbox, delivered twice.
    let ours = x_tweet("1875000000000000501", Some("1875000000000000001"), XUS, "@janecustomer sorry! DM us", 1_767_229_500_000);
    x(&t, &ours).await;
    x(&t, &ours).await;

    let d = t.detail(ALICE, &conv).await;
    assert_eq!(d["status"], "closed");
    assert_eq!(d["last_activity_at"], c["last_activity_at"]);
    let items: Vec<_> = d["items"].as_array().unwrap().iter().map(|i| (i["direction"].clone(), i["platform_id"].clone())).collect();
    assert_eq!(items, [(json!("inbound"), json!("1875000000000000001")), (json!("outbound"), json!("1875000000000000501"))]);
    let actions: Vec<_> = history(&t, ALICE, &conv).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(actions, ["created", "closed"]);
    assert_eq!(everything(&t, ALICE).await.len(), 1);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Status, seen, order

#[tokio::test]
async fn closing_a_conversation_removes_it_from_open_feeds_for_everyone() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let fb = id(&t.find(ALICE, "size M").await);
    let tw = id(&t.find(ALICE, "package").await);
    let closed = set_status(&t, BOB, &fb, "closed").await;
    assert_eq!(closed["status"], "closed");
    for user in [ALICE, BOB] {
        assert_eq!(ids(&t.feed(user, "").await), vec![tw.clone()]);
        assert_eq!(ids(&t.feed(user, "status=open").await), vec![tw.clone()]);
        assert_eq!(ids(&t.feed(user, "status=closed").await), vec![fb.clone()]);
        assert_eq!(ids(&t.feed(user, "status=any").await), [tw.clone(), fb.clone()]);
    }
    assert_eq!(ids(&t.feed(BOB, "tab=tab_demo_bob_0").await), vec![tw.clone()]);
    assert_eq!(t.detail(ALICE, &fb).await["status"], "closed");
    assert_eq!(history(&t, ALICE, &fb).await, pairs(&[("created", "system"), ("closed", BOB)]));
    t.stop().await;
}

#[tokio::test]
async fn new_inbound_activity_on_a_closed_conversation_reopens_it_unseen_at_the_top() {
    let t = TestApp::spawn().await;
    meta(&t, &fb_comment("1900000000000001", JANE, "Is the tent waterproof?", T0)).await;
    x(&t, &x_tweet("1875000000000000001", None, XJANE, "@DemoOutdoor hello", (T0 + 100) * 1000)).await;
    let fb = id(&t.find(ALICE, "waterproof").await);
    let tw = id(&t.find(ALICE, "hello").await);
    assert_eq!(ids(&t.feed(ALICE, "").await), [tw.clone(), fb.clone()]);
    mark_seen(&t, ALICE, &fb).await;
    mark_seen(&t, BOB, &fb).await;
    set_status(&t, ALICE, &fb, "closed").await;

    meta(&t, &fb_feed("1900000000000002", Some("1900000000000001"), JANE, "Hello? Anyone?", T0 + 200, "add")).await;

    for user in [ALICE, BOB] {
        let feed = t.feed(user, "").await;
        assert_eq!(ids(&feed), [fb.clone(), tw.clone()], "{user}");
        assert_eq!((feed[0]["status"].clone(), feed[0]["seen"].clone()), (json!("open"), json!(false)), "{user}");
        assert_eq!(at(&feed[0]["last_activity_at"]), secs(T0 + 200));
    }
    assert_eq!(
        history(&t, ALICE, &fb).await,
        pairs(&[("created", "system"), ("closed", ALICE), ("item_received", "system"), ("reopened", "system")])
    );
    t.stop().await;
}

#[tokio::test]
async fn seen_is_per_user() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    let answer = mark_seen(&t, ALICE, &conv).await;
    assert_eq!(answer["seen"], true);
    assert_eq!(t.detail(ALICE, &conv).await["seen"], true);
    assert_eq!(t.feed(ALICE, "").await[0]["seen"], true);
    assert_eq!(t.detail(BOB, &conv).await["seen"], false);
    assert_eq!(t.feed(BOB, "").await[0]["seen"], false);
    // Bob opening it is his own business.
    mark_seen(&t, BOB, &conv).await;
    assert_eq!(t.detail(BOB, &conv).await["seen"], true);
    assert_eq!(t.detail(ALICE, &conv).await["seen"], true);
    t.stop().await;
}

#[tokio::test]
async fn inbound_activity_delivered_after_the_user_marked_seen_makes_it_unseen_again() {
    let t = TestApp::spawn().await;
    // Times close to now, as live deliveries have: the second comment was written on the
    // network before Alice marked the conversation seen, but reached the inbox after.
    let now = chrono::Utc::now().timestamp();
    meta(&t, &fb_comment("1900000000000001", JANE, "First question", now - 120)).await;
    let conv = id(&t.find(ALICE, "First question").await);
    mark_seen(&t, ALICE, &conv).await;
    assert_eq!(t.detail(ALICE, &conv).await["seen"], true);
    meta(&t, &fb_feed("1900000000000002", Some("1900000000000001"), JANE, "Second question", now - 60, "add")).await;
    assert_eq!(t.detail(ALICE, &conv).await["seen"], false);
    assert_eq!(ids(&t.feed(ALICE, "seen=false").await), vec![conv.clone()]);
    t.stop().await;
}

#[tokio::test]
async fn feeds_are_ordered_by_when_the_inbox_received_the_activity_newest_first() {
    let t = TestApp::spawn().await;
    // Written on the network in one order, received in another: the feed follows what the
    // inbox received (product.md, "Status, seen, order"), and shows the network's times.
    for (c, at) in [("1900000000000030", 30), ("1900000000000010", 10), ("1900000000000040", 40), ("1900000000000020", 20)] {
        meta(&t, &fb_comment(c, JANE, &format!("comment at {at}"), T0 + at)).await;
    }
    let feed = t.feed(ALICE, "").await;
    assert_eq!(excerpts(&feed), ["comment at 20", "comment at 40", "comment at 10", "comment at 30"]);
    assert_eq!(at(&feed[0]["last_activity_at"]), secs(T0 + 20), "the network's time is kept for display");
    // New inbound activity moves a conversation to the top, even written before the others.
    meta(&t, &fb_feed("1900000000000011", Some("1900000000000030"), SAM, "reply at 5", T0 + 5, "add")).await;
    let feed = t.feed(ALICE, "").await;
    assert_eq!(excerpts(&feed), ["comment at 30", "comment at 20", "comment at 40", "comment at 10"]);
    // Our own activity (a reply, a note, an assignment) is not inbound: the order stays.
    let bottom = id(&feed[3]);
    post_ok(&t, &format!("/api/conversations/{bottom}/reply"), ALICE, json!({"text": "Thanks!"})).await;
    note(&t, ALICE, &bottom, "following up").await;
    t.settle().await;
    assert_eq!(excerpts(&t.feed(ALICE, "").await), ["comment at 30", "comment at 20", "comment at 40", "comment at 10"]);
    t.stop().await;
}

#[tokio::test]
async fn feed_pages_follow_next_cursor_without_duplicates_or_gaps() {
    let t = TestApp::spawn().await;
    // Ten mentions; three of them at the same instant.
    let times = [10, 20, 30, 40, 40, 40, 50, 60, 70, 80];
    for (i, s) in times.iter().enumerate() {
        let body = x_tweet(&format!("18750000000000001{i:02}"), None, XJANE, &format!("mention {i}"), (T0 + s) * 1000);
        assert_eq!(t.x_webhook(&body).await, StatusCode::OK);
    }
    t.settle().await;
    let all = t.feed(ALICE, "limit=100").await;
    assert_eq!(all.len(), 10);
    let stamps: Vec<_> = all.iter().map(|c| at(&c["last_activity_at"])).collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            None => "limit=3".to_string(),
            Some(c) => format!("limit=3&cursor={c}"),
        };
        let (status, body) = t.get(&format!("/api/conversations?{query}"), ALICE).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page = body["conversations"].as_array().unwrap().clone();
        sizes.push(page.len());
        seen.extend(ids(&page));
        if sizes.len() == 1 {
            // A new conversation arriving meanwhile goes on top, not into later pages.
            x(&t, &x_tweet("1875000000000000999", None, XMARCO, "late arrival", (T0 + 90) * 1000)).await;
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => {
                assert_eq!(body["next_cursor"], json!(null));
                break;
            }
        }
    }
    assert_eq!(sizes, [3, 3, 3, 1]);
    assert_eq!(seen, ids(&all));
    assert_eq!(t.feed(ALICE, "limit=100").await.len(), 11);
    t.stop().await;
}

#[tokio::test]
async fn seen_and_unseen_filters_select_by_the_callers_seen_mark() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    x(&t, &fixture("x_dm_event.json")).await;
    let fb = id(&t.find(ALICE, "size M").await);
    let dm = id(&t.find(ALICE, "check order").await);
    let mention = id(&t.find(ALICE, "package").await);
    mark_seen(&t, ALICE, &fb).await;
    assert_eq!(ids(&t.feed(ALICE, "seen=true").await), vec![fb.clone()]);
    assert_eq!(ids(&t.feed(ALICE, "seen=false").await), [dm.clone(), mention.clone()]);
    assert_eq!(ids(&t.feed(BOB, "seen=true").await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(BOB, "seen=false").await), [dm, mention, fb]);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Actions

#[tokio::test]
async fn available_actions_follow_the_product_matrix_for_every_kind_we_ingest() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_mention_post.json")).await;
    meta(&t, &fixture("meta_messages.json")).await;
    meta(&t, &fixture("ig_comment.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    x(&t, &fixture("x_tweet_create_reply.json")).await;
    x(&t, &fixture("x_dm_event.json")).await;
    polled_comment(&t, Network::Linkedin, "urn:li:comment:(urn:li:activity:1,2)", "Lin Kedin", "Nice post", T0).await;
    polled_comment(&t, Network::Youtube, "UgzYT0000000000001", "You Tuber", "Great video", T0).await;

    let mut got: Vec<(String, String, Value)> = everything(&t, ALICE)
        .await
        .iter()
        .map(|c| (c["network"].as_str().unwrap().to_string(), c["kind"].as_str().unwrap().to_string(), c["available_actions"].clone()))
        .collect();
    got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let expected = [
        ("facebook", "comment", json!(["reply", "like", "dm"])),
        ("facebook", "dm", json!(["reply"])),
        ("facebook", "tag", json!(["reply", "like"])),
        ("instagram", "comment", json!(["reply", "dm"])),
        ("linkedin", "comment", json!(["reply", "like"])),
        ("twitter", "dm", json!(["reply"])),
        ("twitter", "mention", json!(["reply", "like", "share", "dm"])),
        ("twitter", "reply", json!(["reply", "like", "share", "dm"])),
        ("youtube", "comment", json!(["reply"])),
    ];
    let expected: Vec<_> = expected.into_iter().map(|(n, k, a)| (n.to_string(), k.to_string(), a)).collect();
    assert_eq!(got, expected);
    // The detail answers the same.
    for c in everything(&t, ALICE).await {
        assert_eq!(t.detail(ALICE, &id(&c)).await["available_actions"], c["available_actions"]);
    }
    t.stop().await;
}

#[tokio::test]
async fn an_action_the_network_or_conversation_does_not_allow_is_422_and_changes_nothing() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    meta(&t, &fixture("meta_mention_post.json")).await;
    meta(&t, &fixture("meta_messages.json")).await;
    x(&t, &fixture("x_dm_event.json")).await;
    polled_comment(&t, Network::Youtube, "UgzYT0000000000001", "You Tuber", "Great video", T0).await;
    let cases = [
        ("size M", "share"),
        ("Great service", "share"),
        ("Great service", "dm"),
        ("[image]", "like"),
        ("[image]", "share"),
        ("[image]", "dm"),
        ("check order", "like"),
        ("check order", "share"),
        ("check order", "dm"),
        ("Great video", "like"),
        ("Great video", "share"),
        ("Great video", "dm"),
    ];
    for (needle, action) in cases {
        let c = t.find(ALICE, needle).await;
        let body = if matches!(action, "dm") { json!({"text": "hello"}) } else { json!({}) };
        let (status, answer) = t.post(&format!("/api/conversations/{}/{action}", id(&c)), ALICE, body).await;
        assert_error(&(status, answer), StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    }
    t.settle().await;
    for c in everything(&t, ALICE).await {
        let d = t.detail(ALICE, &id(&c)).await;
        assert!(d["items"].as_array().unwrap().iter().all(|i| i["direction"] == "inbound"), "{d}");
        assert_eq!(d["assignee_id"], json!(null));
        assert!(history(&t, ALICE, &id(&c)).await.iter().all(|(_, actor)| actor == "system"));
    }
    t.stop().await;
}

#[tokio::test]
async fn replying_assigns_the_conversation_to_the_replier() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(BOB, "size M").await);
    let (status, answer) = t.post(&format!("/api/conversations/{conv}/reply"), BOB, json!({"text": "Yes, it is!"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["item"]["direction"], "outbound");
    assert_eq!(answer["item"]["text"], "Yes, it is!");
    assert_eq!(answer["item"]["state"], "pending");
    assert_eq!(answer["conversation"]["assignee_id"], BOB);
    t.settle().await;
    let d = t.detail(ALICE, &conv).await;
    assert_eq!(d["assignee_id"], BOB);
    let outbound: Vec<_> =
        d["items"].as_array().unwrap().iter().filter(|i| i["direction"] == "outbound").map(|i| i["text"].clone()).collect();
    assert_eq!(outbound, [json!("Yes, it is!")]);
    assert_eq!(history(&t, ALICE, &conv).await, pairs(&[("created", "system"), ("replied", BOB), ("assigned", BOB)]));
    assert_eq!(ids(&t.feed(BOB, "tab=tab_demo_bob_1").await), [conv]);
    // The replier is the actor: nobody is notified.
    assert_eq!(notifications(&t, BOB).await, vec![]);
    t.stop().await;
}

#[tokio::test]
async fn replying_reassigns_a_conversation_someone_else_had_to_the_replier() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(BOB, "package").await);
    assign(&t, ALICE, &conv, Some(CAROL)).await;
    let (status, answer) = t.post(&format!("/api/conversations/{conv}/reply"), BOB, json!({"text": "@janecustomer on it"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["conversation"]["assignee_id"], BOB);
    t.settle().await;
    assert_eq!(t.detail(CAROL, &conv).await["assignee_id"], BOB);
    let last = history_entries(&t, ALICE, &conv).await.last().cloned().unwrap();
    assert_eq!((last["action"].clone(), last["actor"].clone()), (json!("assigned"), json!(BOB)));
    assert_eq!(last["details"]["assignee_id"], BOB);
    assert_eq!(last["details"]["previous_assignee_id"], CAROL);
    assert_eq!(
        notifications(&t, CAROL).await,
        [("reassigned".to_string(), conv.clone(), json!(BOB)), ("assigned".to_string(), conv.clone(), json!(ALICE))]
    );
    t.stop().await;
}

#[tokio::test]
async fn liking_or_sharing_twice_is_422() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    for action in ["like", "share"] {
        let (status, first) = t.request(Method::POST, &format!("/api/conversations/{conv}/{action}"), Some(ALICE), None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{first}");
        assert_eq!(first["item"]["action"], action);
        t.settle().await;
        // The network took it (this runner has no network client: record what one would).
        confirm_sent(&t, &conv, first["item"]["id"].as_str().unwrap()).await;
        let again = t.request(Method::POST, &format!("/api/conversations/{conv}/{action}"), Some(BOB), None).await;
        assert_error(&again, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    }
    t.settle().await;
    let d = t.detail(ALICE, &conv).await;
    let actions: Vec<_> =
        d["items"].as_array().unwrap().iter().filter(|i| i["direction"] == "outbound").map(|i| i["action"].clone()).collect();
    assert_eq!(actions, [json!("like"), json!("share")]);
    assert_eq!(history(&t, ALICE, &conv).await, pairs(&[("created", "system"), ("liked", ALICE), ("shared", ALICE)]));
    t.stop().await;
}

/// Records an outbound item as sent, as the actions worker does when the network accepts it.
async fn confirm_sent(t: &TestApp, conv: &str, item: &str) {
    use inbox_domain::ports::ConversationWrite;
    use inbox_domain::{AccountId, ConversationId, ItemId, ItemState};
    let store = &t.app.state.deps.conversations;
    let c = store.get_conversation(&AccountId::from(ACCOUNT), &ConversationId::from(conv)).await.unwrap().unwrap();
    let mut i = store.get_item(&c.id, &ItemId::from(item)).await.unwrap().unwrap();
    i.state = ItemState::Sent;
    i.failure = None;
    let version = c.version;
    let write = ConversationWrite {
        outbox: vec![],
        keeps_summary: None,
        conversation: inbox_domain::Conversation { version: version + 1, ..c },
        expected_version: Some(version),
        items: vec![i],
        notes: vec![],
        history: vec![],
    };
    store.write(write).await.unwrap();
}

#[tokio::test]
async fn a_dm_to_the_author_of_a_public_conversation_opens_no_new_conversation() {
    let t = TestApp::spawn().await;
    // A private reply is possible within 7 days of the comment: a fresh one.
    meta(&t, &fb_comment("1900000000000001", JANE, "Hi, is this still available in size M?", chrono::Utc::now().timestamp() - 60)).await;
    let conv = id(&t.find(BOB, "size M").await);
    let (status, answer) = t.post(&format!("/api/conversations/{conv}/dm"), BOB, json!({"text": "Let's sort it out here"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["item"]["action"], "dm");
    t.settle().await;
    assert_eq!(ids(&everything(&t, ALICE).await), vec![conv.clone()]);
    assert_eq!(history(&t, ALICE, &conv).await, pairs(&[("created", "system"), ("dm_sent", BOB)]));
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Assignment, notes, history, notifications

#[tokio::test]
async fn conversations_can_be_assigned_reassigned_and_unassigned() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assert_eq!(assign(&t, ALICE, &conv, Some(BOB)).await["assignee_id"], BOB);
    assert_eq!(ids(&t.feed(BOB, "tab=tab_demo_bob_1").await), vec![conv.clone()]);
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_0").await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_2").await), vec![conv.clone()]);
    assert_eq!(ids(&t.feed(ALICE, &format!("assignee={BOB}")).await), vec![conv.clone()]);
    assert_eq!(assign(&t, ALICE, &conv, Some(CAROL)).await["assignee_id"], CAROL);
    assert_eq!(ids(&t.feed(BOB, "tab=tab_demo_bob_1").await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(CAROL, "tab=tab_demo_carol_1").await), vec![conv.clone()]);
    assert_eq!(assign(&t, ALICE, &conv, None).await["assignee_id"], json!(null));
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_0").await), vec![conv.clone()]);
    let details: Vec<_> = history_entries(&t, ALICE, &conv).await.iter().map(|h| (h["action"].clone(), h["details"].clone())).collect();
    assert_eq!(
        details[1..],
        [
            (json!("assigned"), json!({"assignee_id": BOB, "previous_assignee_id": null})),
            (json!("assigned"), json!({"assignee_id": CAROL, "previous_assignee_id": BOB})),
            (json!("unassigned"), json!({"previous_assignee_id": CAROL})),
        ]
    );
    t.stop().await;
}

#[tokio::test]
async fn notes_are_internal_and_name_the_users_they_mention() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    let conv = id(&t.find(ALICE, "size M").await);
    let n = note(&t, ALICE, &conv, "@bob can you check stock? cc @carol@demo.example").await;
    assert_eq!(n["author_id"], ALICE);
    assert_eq!(n["text"], "@bob can you check stock? cc @carol@demo.example");
    assert_eq!(n["mentions"], json!([BOB, CAROL]));
    t.settle().await;
    let d = t.detail(BOB, &conv).await;
    let notes: Vec<_> = d["notes"].as_array().unwrap().iter().map(|n| (n["author_id"].clone(), n["text"].clone())).collect();
    assert_eq!(notes, [(json!(ALICE), json!("@bob can you check stock? cc @carol@demo.example"))]);
    // Never sent to the network: no outbound item.
    assert_eq!(d["items"].as_array().unwrap().len(), 1);
    assert_eq!(history(&t, ALICE, &conv).await, pairs(&[("created", "system"), ("note_added", ALICE)]));
    t.stop().await;
}

#[tokio::test]
async fn history_records_every_action_with_its_actor_and_time() {
    let t = TestApp::spawn().await;
    let started = chrono::Utc::now();
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    note(&t, BOB, &conv, "on it").await;
    post_ok(&t, &format!("/api/conversations/{conv}/reply"), BOB, json!({"text": "@janecustomer sorry, checking"})).await;
    post_ok(&t, &format!("/api/conversations/{conv}/like"), CAROL, json!({})).await;
    post_ok(&t, &format!("/api/conversations/{conv}/share"), CAROL, json!({})).await;
    post_ok(&t, &format!("/api/conversations/{conv}/dm"), CAROL, json!({"text": "Your order number?"})).await;
    set_status(&t, ALICE, &conv, "closed").await;
    set_status(&t, ALICE, &conv, "open").await;
    assign(&t, ALICE, &conv, None).await;
    set_status(&t, BOB, &conv, "closed").await;
    x(&t, &x_tweet("1875000000000000002", Some("1875000000000000001"), XJANE, "@DemoOutdoor it's 1234", 1_767_229_300_000)).await;
    let entries = history_entries(&t, CAROL, &conv).await;
    let got: Vec<_> =
        entries.iter().map(|h| (h["action"].as_str().unwrap().to_string(), h["actor"].as_str().unwrap().to_string())).collect();
    assert_eq!(
        got,
        pairs(&[
            ("created", "system"),
            ("assigned", ALICE),
            ("note_added", BOB),
            ("replied", BOB),
            ("liked", CAROL),
            ("shared", CAROL),
            ("dm_sent", CAROL),
            ("closed", ALICE),
            ("reopened", ALICE),
            ("unassigned", ALICE),
            ("closed", BOB),
            ("item_received", "system"),
            ("reopened", "system"),
        ])
    );
    let times: Vec<_> = entries.iter().map(|h| at(&h["at"])).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(times[0] >= started - chrono::Duration::seconds(1) && *times.last().unwrap() <= chrono::Utc::now());
    let ids: std::collections::BTreeSet<_> = entries.iter().map(|h| h["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), entries.len());
    t.stop().await;
}

#[tokio::test]
async fn assigning_notifies_the_new_assignee_in_app_and_by_email_never_the_actor() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await, [("assigned".to_string(), conv.clone(), json!(ALICE))]);
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    assert_eq!(outbox(&t), [("bob@demo.example".to_string(), "Alice Martin assigned you the X mention from Jane Customer".to_string())]);
    // Bob takes himself off it, then Alice takes it: nobody else had it, nobody hears.
    assign(&t, BOB, &conv, None).await;
    assign(&t, ALICE, &conv, Some(ALICE)).await;
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await.len(), 1);
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    assert_eq!(outbox(&t).len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn reassigning_notifies_the_new_assignee_and_the_previous_one() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    assign(&t, ALICE, &conv, Some(CAROL)).await;
    t.settle().await;
    assert_eq!(
        notifications(&t, BOB).await,
        [("reassigned".to_string(), conv.clone(), json!(ALICE)), ("assigned".to_string(), conv.clone(), json!(ALICE))]
    );
    assert_eq!(notifications(&t, CAROL).await, [("assigned".to_string(), conv.clone(), json!(ALICE))]);
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    let s = |to: &str, subject: &str| (to.to_string(), subject.to_string());
    assert_eq!(
        outbox(&t),
        [
            s("bob@demo.example", "Alice Martin assigned you the X mention from Jane Customer"),
            s("bob@demo.example", "Alice Martin reassigned the X mention from Jane Customer that you had"),
            s("carol@demo.example", "Alice Martin assigned you the X mention from Jane Customer"),
        ]
    );
    t.stop().await;
}

#[tokio::test]
async fn a_note_notifies_the_assignee_but_never_its_author() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    note(&t, CAROL, &conv, "This customer wrote before").await;
    note(&t, BOB, &conv, "Thanks, noted").await;
    t.settle().await;
    assert_eq!(
        notifications(&t, BOB).await,
        [("note".to_string(), conv.clone(), json!(CAROL)), ("assigned".to_string(), conv.clone(), json!(ALICE))]
    );
    assert_eq!(notifications(&t, CAROL).await, vec![]);
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    assert!(outbox(&t).contains(&(
        "bob@demo.example".to_string(),
        "Carol Diaz left a note on the X mention from Jane Customer assigned to you".to_string()
    )));
    assert_eq!(outbox(&t).len(), 2);
    t.stop().await;
}

#[tokio::test]
async fn a_status_change_notifies_the_assignee_unless_they_made_it() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    set_status(&t, ALICE, &conv, "closed").await;
    t.settle().await;
    set_status(&t, BOB, &conv, "open").await;
    t.settle().await;
    set_status(&t, CAROL, &conv, "closed").await;
    t.settle().await;
    // Reopened by the customer's answer: the system is the actor.
    x(&t, &x_tweet("1875000000000000002", Some("1875000000000000001"), XJANE, "@DemoOutdoor hello?", 1_767_229_300_000)).await;
    t.settle().await;
    assert_eq!(
        notifications(&t, BOB).await,
        [
            ("status_changed".to_string(), conv.clone(), json!(null)),
            ("status_changed".to_string(), conv.clone(), json!(CAROL)),
            ("status_changed".to_string(), conv.clone(), json!(ALICE)),
            ("assigned".to_string(), conv.clone(), json!(ALICE)),
        ]
    );
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    assert_eq!(notifications(&t, CAROL).await, vec![]);
    let subjects: Vec<_> = outbox(&t).into_iter().filter(|(to, _)| to == "bob@demo.example").map(|(_, s)| s).collect();
    assert!(subjects.contains(&"Alice Martin closed the X mention from Jane Customer assigned to you".to_string()), "{subjects:?}");
    assert!(subjects.contains(&"The inbox reopened the X mention from Jane Customer assigned to you".to_string()), "{subjects:?}");
    assert_eq!(outbox(&t).len(), 4);
    t.stop().await;
}

#[tokio::test]
async fn a_mention_notifies_each_mentioned_user_who_can_see_the_conversation() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let fb = id(&t.find(ALICE, "size M").await);
    let tw = id(&t.find(ALICE, "package").await);
    // Carol cannot see the Facebook Page: she hears nothing; Alice wrote it: neither does she.
    note(&t, ALICE, &fb, "@bob @carol @alice have a look").await;
    t.settle().await;
    assert_eq!(notifications(&t, BOB).await, [("mentioned".to_string(), fb.clone(), json!(ALICE))]);
    assert_eq!(notifications(&t, CAROL).await, vec![]);
    assert_eq!(notifications(&t, ALICE).await, vec![]);
    // On X everyone can see it.
    note(&t, BOB, &tw, "@CarolDiaz and @alice@demo.example: thoughts?").await;
    t.settle().await;
    assert_eq!(notifications(&t, CAROL).await, [("mentioned".to_string(), tw.clone(), json!(BOB))]);
    assert_eq!(notifications(&t, ALICE).await, [("mentioned".to_string(), tw.clone(), json!(BOB))]);
    assert_eq!(notifications(&t, BOB).await.len(), 1);
    let s = |to: &str, subject: &str| (to.to_string(), subject.to_string());
    assert_eq!(
        outbox(&t),
        [
            s("alice@demo.example", "Bob Stone mentioned you in a note on the X mention from Jane Customer"),
            s("bob@demo.example", "Alice Martin mentioned you in a note on the Facebook comment from Jane Customer"),
            s("carol@demo.example", "Bob Stone mentioned you in a note on the X mention from Jane Customer"),
        ]
    );
    t.stop().await;
}

#[tokio::test]
async fn a_notification_is_marked_read_by_its_owner_only() {
    let t = TestApp::spawn().await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let conv = id(&t.find(ALICE, "package").await);
    assign(&t, ALICE, &conv, Some(BOB)).await;
    t.settle().await;
    let (_, body) = t.get("/api/notifications", BOB).await;
    let n = body["notifications"][0].clone();
    assert_eq!((n["type"].clone(), n["read"].clone(), n["conversation_id"].clone()), (json!("assigned"), json!(false), json!(conv)));
    assert!(n["created_at"].as_str().is_some());
    let nid = n["id"].as_str().unwrap();
    let other = t.request(Method::POST, &format!("/api/notifications/{nid}/read"), Some(CAROL), None).await;
    assert_error(&other, StatusCode::NOT_FOUND, "not_found");
    let (status, _) = t.request(Method::POST, &format!("/api/notifications/{nid}/read"), Some(BOB), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = t.get("/api/notifications", BOB).await;
    assert_eq!(body["notifications"][0]["read"], true);
    assert_eq!(body["notifications"].as_array().unwrap().len(), 1);
    t.stop().await;
}

// ---------------------------------------------------------------------------------------
// Tabs and search

fn tab(id: &str, name: &str, position: u32, assignee: &str) -> Value {
    json!({
        "id": id, "name": name, "position": position, "query": "",
        "filters": {"status": "open", "assignee": assignee, "networks": [], "profiles": [], "kinds": [], "sponsored": null, "seen": null}
    })
}

async fn tabs(t: &TestApp, user: &str) -> Vec<Value> {
    let (status, body) = t.get("/api/tabs", user).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["tabs"].as_array().unwrap().clone()
}

fn tab_names(list: &[Value]) -> Vec<(String, u64)> {
    list.iter().map(|t| (t["name"].as_str().unwrap().to_string(), t["position"].as_u64().unwrap())).collect()
}

#[tokio::test]
async fn every_user_starts_with_inbox_assigned_to_me_and_assigned_to_any() {
    let t = TestApp::spawn().await;
    assert_eq!(
        tabs(&t, BOB).await,
        [
            tab("tab_demo_bob_0", "Inbox", 0, "none"),
            tab("tab_demo_bob_1", "Assigned to me", 1, "me"),
            tab("tab_demo_bob_2", "Assigned to any", 2, "any")
        ]
    );
    assert_eq!(tabs(&t, BOB).await.len(), 3);
    // What each shows: unassigned open / assigned to me, open / assigned to anyone, open.
    meta(&t, &fb_comment("1900000000000001", JANE, "unassigned one", T0 + 1)).await;
    meta(&t, &fb_comment("1900000000000002", JANE, "bobs one", T0 + 2)).await;
    meta(&t, &fb_comment("1900000000000003", JANE, "alices one", T0 + 3)).await;
    meta(&t, &fb_comment("1900000000000004", JANE, "closed by alice", T0 + 4)).await;
    meta(&t, &fb_comment("1900000000000005", JANE, "bobs but closed", T0 + 5)).await;
    assign(&t, ALICE, &id(&t.find(ALICE, "bobs one").await), Some(BOB)).await;
    assign(&t, ALICE, &id(&t.find(ALICE, "alices one").await), Some(ALICE)).await;
    set_status(&t, ALICE, &id(&t.find(ALICE, "closed by alice").await), "closed").await;
    let bobs_closed = id(&t.find(ALICE, "bobs but closed").await);
    assign(&t, ALICE, &bobs_closed, Some(BOB)).await;
    set_status(&t, ALICE, &bobs_closed, "closed").await;
    assert_eq!(excerpts(&t.feed(BOB, "tab=tab_demo_bob_0").await), ["unassigned one"]);
    assert_eq!(excerpts(&t.feed(BOB, "tab=tab_demo_bob_1").await), ["bobs one"]);
    assert_eq!(excerpts(&t.feed(BOB, "tab=tab_demo_bob_2").await), ["alices one", "bobs one"]);
    // Alice's defaults are made on her first use, here a feed request.
    assert_eq!(excerpts(&t.feed(ALICE, "tab=tab_demo_alice_1").await), ["alices one"]);
    assert_eq!(tab_names(&tabs(&t, ALICE).await).len(), 3);
    t.stop().await;
}

#[tokio::test]
async fn tabs_can_be_added_renamed_reordered_and_removed() {
    let t = TestApp::spawn().await;
    let (status, created) =
        t.post("/api/tabs", ALICE, json!({"name": "Facebook", "filters": {"networks": ["facebook"]}, "query": "refund"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["position"], 3);
    assert_eq!(created["filters"]["networks"], json!(["facebook"]));
    assert_eq!(created["query"], "refund");
    let fb_tab = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/tabs/{fb_tab}");
    let (status, renamed) = t.request(Method::PATCH, &path, Some(ALICE), Some(&json!({"name": "FB refunds"}))).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "FB refunds");
    let (status, moved) = t.request(Method::PATCH, &path, Some(ALICE), Some(&json!({"position": 0}))).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["position"], 0);
    assert_eq!(
        tab_names(&tabs(&t, ALICE).await),
        [("FB refunds".into(), 0), ("Inbox".into(), 1), ("Assigned to me".into(), 2), ("Assigned to any".into(), 3)]
    );
    let (status, _) = t.request(Method::DELETE, "/api/tabs/tab_demo_alice_1", Some(ALICE), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let now = tabs(&t, ALICE).await;
    assert_eq!(tab_names(&now), [("FB refunds".into(), 0), ("Inbox".into(), 1), ("Assigned to any".into(), 2)]);
    assert_eq!(now[0]["filters"]["networks"], json!(["facebook"]));
    assert_eq!(now[0]["query"], "refund");
    // Tabs are per user: Bob neither sees nor touches Alice's.
    assert_eq!(tab_names(&tabs(&t, BOB).await), [("Inbox".into(), 0), ("Assigned to me".into(), 1), ("Assigned to any".into(), 2)]);
    let bobs_patch = t.request(Method::PATCH, &format!("/api/tabs/{fb_tab}"), Some(BOB), Some(&json!({"name": "mine"}))).await;
    assert_error(&bobs_patch, StatusCode::NOT_FOUND, "not_found");
    let bobs_delete = t.request(Method::DELETE, &format!("/api/tabs/{fb_tab}"), Some(BOB), None).await;
    assert_error(&bobs_delete, StatusCode::NOT_FOUND, "not_found");
    let bobs_feed = t.get(&format!("/api/conversations?tab={fb_tab}"), BOB).await;
    assert_error(&bobs_feed, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(tabs(&t, ALICE).await[0]["name"], "FB refunds");
    t.stop().await;
}

#[tokio::test]
async fn removed_default_tabs_are_not_recreated() {
    let t = TestApp::spawn().await;
    assert_eq!(tabs(&t, CAROL).await.len(), 3);
    for i in 0..3 {
        let (status, _) = t.request(Method::DELETE, &format!("/api/tabs/tab_demo_carol_{i}"), Some(CAROL), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(tabs(&t, CAROL).await, Vec::<Value>::new());
    assert_eq!(tabs(&t, CAROL).await, Vec::<Value>::new());
    assert_error(&t.get("/api/conversations?tab=tab_demo_carol_0", CAROL).await, StatusCode::NOT_FOUND, "not_found");
    let (status, created) = t.post("/api/tabs", CAROL, json!({"name": "Mine"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(tab_names(&tabs(&t, CAROL).await), [("Mine".into(), 0)]);
    t.stop().await;
}

#[tokio::test]
async fn filters_sent_with_a_listing_apply_to_that_request_only() {
    let t = TestApp::spawn().await;
    meta(&t, &fixture("meta_feed_comment_add.json")).await;
    x(&t, &fixture("x_tweet_create_mention.json")).await;
    let fb = id(&t.find(ALICE, "size M").await);
    let tw = id(&t.find(ALICE, "package").await);
    let (_, created) = t.post("/api/tabs", ALICE, json!({"name": "Facebook", "filters": {"networks": ["facebook"]}})).await;
    let tab_id = created["id"].as_str().unwrap().to_string();
    let saved = tabs(&t, ALICE).await;
    assert_eq!(ids(&t.feed(ALICE, &format!("tab={tab_id}")).await), vec![fb.clone()]);
    assert_eq!(ids(&t.feed(ALICE, &format!("tab={tab_id}&network=twitter")).await), vec![tw.clone()]);
    assert_eq!(ids(&t.feed(ALICE, &format!("tab={tab_id}&q=package")).await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(ALICE, &format!("tab={tab_id}&status=closed")).await), Vec::<String>::new());
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_0&kind=mention").await), vec![tw.clone()]);
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_0&profile=prf_demo_facebook").await), vec![fb.clone()]);
    // Nothing of that was saved.
    assert_eq!(tabs(&t, ALICE).await, saved);
    assert_eq!(ids(&t.feed(ALICE, &format!("tab={tab_id}")).await), vec![fb.clone()]);
    assert_eq!(ids(&t.feed(ALICE, "tab=tab_demo_alice_0").await), [tw, fb]);
    t.stop().await;
}

#[tokio::test]
async fn a_saved_tab_query_with_an_exact_phrase_and_an_excluded_word_shows_exactly_the_matching_conversations() {
    let t = TestApp::spawn().await;
    let texts = [
        ("1900000000000001", "The blue tent is broken"),
        ("1900000000000002", "Is the BLUE TENT waterproof?"),
        ("1900000000000003", "A blue sleeping bag and a tent"),
        ("1900000000000004", "Blue-tent zip: BROKEN"),
        ("1900000000000005", "Tente: is the Blue Tent sold in Café Ümlaut?"),
        ("1900000000000006", "blue tent for my trip"),
        ("1900000000000007", "tent blue"),
    ];
    for (i, (c, text)) in texts.iter().enumerate() {
        meta(&t, &fb_comment(c, JANE, text, T0 + i as i64)).await;
    }
    // The word to exclude is in another item of the thread.
    meta(&t, &fb_feed("1900000000000016", Some("1900000000000006"), SAM, "mine arrived broken too", T0 + 1, "add")).await;
    let (status, created) = t.post("/api/tabs", ALICE, json!({"name": "Blue tents", "query": "\"blue tent\" -broken"})).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let tab_id = created["id"].as_str().unwrap();
    assert_eq!(
        excerpts(&t.feed(ALICE, &format!("tab={tab_id}")).await),
        ["Tente: is the Blue Tent sold in Café Ümlaut?", "Is the BLUE TENT waterproof?"]
    );
    // Case-insensitive and Unicode-aware; a malformed query never errors.
    assert_eq!(excerpts(&t.feed(ALICE, "q=CAF%C3%89%20%C3%BCmlaut").await), ["Tente: is the Blue Tent sold in Café Ümlaut?"]);
    assert_eq!(excerpts(&t.feed(ALICE, "q=%22tent%20blue").await), ["tent blue"]);
    // A query with nothing searchable in it is refused in words, never read as "everything".
    let (status, body) = t.get("/api/conversations?q=%22%22%20-%20--", ALICE).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("nothing to look for"), "{body}");
    t.stop().await;
}
