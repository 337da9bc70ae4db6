//! `HttpPlatformClient` on the wire: every action and handover call, checked against the
//! fixtures' requests (method, path, query, headers, exact JSON body), and the failure modes.

mod common;

use common::*;
use inbox_domain::messages::HandoverOp;
use inbox_domain::ports::{ActionDone, ActionError, PlatformClient};
use inbox_domain::{Action, Kind, Network};
use serde_json::{Value, json};
use wiremock::matchers::{any, body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "104857600000001";
const IG_ACCOUNT: &str = "17841400000000001";
const PSID: &str = "7312345678901234";

/// Nothing may reach the server.
async fn expect_no_call(server: &MockServer) {
    Mock::given(any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(server).await;
}

fn assert_no_token(e: &ActionError) {
    assert!(!e.to_string().contains(TOKEN), "the token leaked into {e:?}");
}

// --- Facebook -------------------------------------------------------------------------------

#[tokio::test]
async fn facebook_reply_comments_under_the_target() {
    let server = MockServer::start().await;
    let fx = fixture("meta_graph_reply_comment.json");
    let req = &fx["request"];
    Mock::given(method("POST"))
        .and(path(fixture_path(req["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&req["body"]))
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Facebook, Kind::Comment, "122100000000000001_1900000000000001", "6000001", now());
    let job = job(Action::Reply, Some("Hi Jane! Yes, size M is in stock."), Some("122100000000000001_1900000000000001"));
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job).await.unwrap();
    assert_eq!(done, ActionDone { platform_id: Some("122100000000000001_1900000000000010".into()), dm_recipient: None });
    server.verify().await;
}

#[tokio::test]
async fn facebook_like_posts_to_likes_without_a_body() {
    let server = MockServer::start().await;
    let fx = fixture("meta_graph_like_object.json");
    Mock::given(method("POST"))
        .and(path(fixture_path(fx["request"]["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(empty_body())
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Facebook, Kind::Comment, "122100000000000001_1900000000000001", "6000001", now());
    let job = job(Action::Like, None, Some("122100000000000001_1900000000000001"));
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job).await.unwrap();
    assert_eq!(done, ActionDone::default());
    server.verify().await;
}

#[tokio::test]
async fn facebook_private_reply_goes_to_the_comment_and_names_the_recipient() {
    let server = MockServer::start().await;
    let fx = fixture("meta_private_reply.json");
    let req = &fx["instagram_request"];
    let mut body = req["body"].clone();
    body["metadata"] = json!("inbox:itm_1");
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{PAGE}/messages")))
        .and(path(fixture_path(req["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&body))
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Facebook, Kind::Comment, "18100000000000001", "6000001", now());
    let job = job(Action::Dm, Some("Thanks for your comment! We ship to Canada - details here."), Some("18100000000000001"));
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job).await.unwrap();
    assert_eq!(
        done,
        ActionDone {
            platform_id: Some("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAy".into()),
            dm_recipient: Some("980000000000001".into())
        }
    );
    server.verify().await;
}

/// Mounts the Send API expecting exactly `body` once, answering with `response`.
async fn expect_send(server: &MockServer, node: &str, body: &Value, response: &Value) {
    Mock::given(method("POST"))
        .and(path(format!("/v21.0/{node}/messages")))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(ok_json(response))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn messenger_reply_within_24_hours_is_a_response_with_our_metadata() {
    let server = MockServer::start().await;
    let fx = fixture("meta_send_api_response.json");
    // The fixture's metadata is `inbox:msg:43`: our item id is `msg:43`.
    expect_send(&server, PAGE, &fx["request"]["body"], &fx["response"]["body"]).await;
    let last = now() - chrono::Duration::minutes(23 * 60 + 59);
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, last);
    let mut job = job(Action::Reply, Some("Hi Jane, we're checking order #1234 now."), None);
    job.item_id = inbox_domain::ItemId::from("msg:43");
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job).await.unwrap();
    assert_eq!(done.platform_id.as_deref(), Some("m_SentByOurApp000000000000000000001"));
    server.verify().await;
}

#[tokio::test]
async fn messenger_reply_after_24_hours_uses_the_human_agent_tag() {
    let server = MockServer::start().await;
    let fx = fixture("meta_send_api_human_agent.json");
    let mut body = fx["request"]["body"].clone();
    body["metadata"] = json!("inbox:itm_1");
    expect_send(&server, PAGE, &body, &fx["response"]["body"]).await;
    let last = now() - chrono::Duration::minutes(24 * 60 + 1);
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, last);
    let job = job(Action::Reply, Some("Following up: your replacement ships Monday."), None);
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job).await.unwrap();
    assert_eq!(done.platform_id.as_deref(), Some("m_SentByOurApp000000000000000000002"));
    server.verify().await;
}

#[tokio::test]
async fn messenger_reply_at_6_days_23_hours_still_uses_the_human_agent_tag() {
    let server = MockServer::start().await;
    let body = json!({
        "recipient": {"id": PSID},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Still here"},
        "metadata": "inbox:itm_1",
    });
    expect_send(&server, PAGE, &body, &json!({"recipient_id": PSID, "message_id": "m_3"})).await;
    let last = now() - chrono::Duration::hours(6 * 24 + 23);
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, last);
    let done = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Reply, Some("Still here"), None)).await;
    assert_eq!(done.unwrap().platform_id.as_deref(), Some("m_3"));
    server.verify().await;
}

#[tokio::test]
async fn messenger_reply_past_7_days_is_refused_without_a_call() {
    let server = MockServer::start().await;
    expect_no_call(&server).await;
    let last = now() - chrono::Duration::days(7) - chrono::Duration::minutes(1);
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, last);
    let err = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Reply, Some("Hi"), None)).await;
    assert!(matches!(&err, Err(ActionError::Rejected(r)) if r.contains("messaging window closed")), "{err:?}");
    server.verify().await;
}

#[tokio::test]
async fn handover_take_thread_control() {
    let server = MockServer::start().await;
    let fx = fixture("meta_handover_api_calls.json");
    let call = &fx["take_thread_control"];
    let body = json!({"recipient": {"id": PSID}, "metadata": inbox_networks::TAKE_METADATA});
    Mock::given(method("POST"))
        .and(path(fixture_path(call["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&body))
        .respond_with(ok_json(&call["response"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, now());
    client(&server).handover(&profile(Network::Facebook, PAGE), &conv, HandoverOp::Take).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn handover_pass_thread_control_to_the_bot() {
    let server = MockServer::start().await;
    let fx = fixture("meta_handover_api_calls.json");
    let call = &fx["pass_thread_control"];
    let mut body = call["body"].clone();
    body["metadata"] = json!(inbox_networks::PASS_METADATA);
    assert_eq!(body["target_app_id"], json!(263902037430900u64));
    Mock::given(method("POST"))
        .and(path(fixture_path(call["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&body))
        .respond_with(ok_json(&call["response"]))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = profile(Network::Facebook, PAGE);
    p.bot_app_id = Some("263902037430900".into());
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, now());
    client(&server).handover(&p, &conv, HandoverOp::PassToBot).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn handover_is_refused_without_a_bot_or_outside_messenger() {
    let server = MockServer::start().await;
    expect_no_call(&server).await;
    let c = client(&server);
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, now());
    let err = c.handover(&profile(Network::Facebook, PAGE), &conv, HandoverOp::PassToBot).await;
    assert!(matches!(&err, Err(ActionError::Rejected(r)) if r.contains("no chatbot")), "{err:?}");
    let comment = conversation(Network::Facebook, Kind::Comment, "1_2", "3", now());
    assert!(matches!(c.handover(&profile(Network::Facebook, PAGE), &comment, HandoverOp::Take).await, Err(ActionError::Rejected(_))));
    server.verify().await;
}

#[tokio::test]
async fn handover_answered_success_false_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ok_json(&json!({"success": false}))).expect(1).mount(&server).await;
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, now());
    let err = client(&server).handover(&profile(Network::Facebook, PAGE), &conv, HandoverOp::Take).await;
    assert!(matches!(err, Err(ActionError::Rejected(_))));
}

// --- Instagram ------------------------------------------------------------------------------

#[tokio::test]
async fn instagram_reply_posts_to_replies() {
    let server = MockServer::start().await;
    let fx = fixture("ig_reply_comment.json");
    let req = &fx["request"];
    Mock::given(method("POST"))
        .and(path(fixture_path(req["url"].as_str().unwrap())))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&req["body"]))
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Instagram, Kind::Comment, "18100000000000001", "980000000000001", now());
    let job = job(Action::Reply, Some("Yes we do! Shipping is free over $50."), Some("18100000000000001"));
    let done = client(&server).perform(&profile(Network::Instagram, IG_ACCOUNT), &conv, &[], &job).await.unwrap();
    assert_eq!(done.platform_id.as_deref(), Some("18100000000000011"));
    server.verify().await;
}

#[tokio::test]
async fn instagram_private_reply_goes_to_the_account_messages() {
    let server = MockServer::start().await;
    let fx = fixture("meta_private_reply.json");
    let mut body = fx["instagram_login_request"]["body"].clone();
    body["metadata"] = json!("inbox:itm_1");
    expect_send(&server, IG_ACCOUNT, &body, &fx["response"]["body"]).await;
    let conv = conversation(Network::Instagram, Kind::Comment, "18100000000000001", "980000000000001", now());
    let job = job(Action::Dm, Some("Thanks for your comment!"), Some("18100000000000001"));
    let done = client(&server).perform(&profile(Network::Instagram, IG_ACCOUNT), &conv, &[], &job).await.unwrap();
    assert_eq!(done.dm_recipient.as_deref(), Some("980000000000001"));
    assert!(done.platform_id.is_some());
    server.verify().await;
}

#[tokio::test]
async fn instagram_dm_reply_follows_the_same_windows() {
    let server = MockServer::start().await;
    let igsid = "980000000000001";
    let response = json!({"recipient_id": igsid, "message_id": "aWdf_1"});
    let within = json!({"recipient": {"id": igsid}, "messaging_type": "RESPONSE", "message": {"text": "Hi"}, "metadata": "inbox:itm_1"});
    expect_send(&server, IG_ACCOUNT, &within, &response).await;
    let conv = conversation(Network::Instagram, Kind::Dm, igsid, igsid, now() - chrono::Duration::hours(2));
    let c = client(&server);
    c.perform(&profile(Network::Instagram, IG_ACCOUNT), &conv, &[], &job(Action::Reply, Some("Hi"), None)).await.unwrap();
    server.verify().await;

    let server = MockServer::start().await;
    let tagged = json!({
        "recipient": {"id": igsid}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
        "message": {"text": "Hi"}, "metadata": "inbox:itm_1",
    });
    expect_send(&server, IG_ACCOUNT, &tagged, &response).await;
    let conv = conversation(Network::Instagram, Kind::Dm, igsid, igsid, now() - chrono::Duration::hours(30));
    client(&server).perform(&profile(Network::Instagram, IG_ACCOUNT), &conv, &[], &job(Action::Reply, Some("Hi"), None)).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn actions_a_network_does_not_have_are_refused_without_a_call() {
    let server = MockServer::start().await;
    expect_no_call(&server).await;
    let c = client(&server);
    let ig = conversation(Network::Instagram, Kind::Comment, "1", "2", now());
    let r = c.perform(&profile(Network::Instagram, IG_ACCOUNT), &ig, &[], &job(Action::Like, None, Some("1"))).await;
    assert!(matches!(r, Err(ActionError::Rejected(_))));
    let yt = conversation(Network::Youtube, Kind::Comment, "Ug1", "UC2", now());
    let r = c.perform(&profile(Network::Youtube, "UCbrand"), &yt, &[], &job(Action::Like, None, Some("Ug1"))).await;
    assert!(matches!(r, Err(ActionError::Rejected(_))));
    let li = conversation(Network::Linkedin, Kind::Comment, "urn:li:comment:(urn:li:activity:1,2)", "p", now());
    let r = c.perform(&profile(Network::Linkedin, "5515715"), &li, &[], &job(Action::Share, None, Some("urn:li:activity:1"))).await;
    assert!(matches!(r, Err(ActionError::Rejected(_))));
    let fb = conversation(Network::Facebook, Kind::Comment, "1_2", "3", now());
    let r = c.perform(&profile(Network::Facebook, PAGE), &fb, &[], &job(Action::Reply, Some("x"), None)).await;
    assert!(matches!(&r, Err(ActionError::Rejected(w)) if w.contains("no message left")), "{r:?}");
    let r = c.perform(&profile(Network::Facebook, PAGE), &fb, &[], &job(Action::Reply, Some("  "), Some("1_2"))).await;
    assert!(matches!(&r, Err(ActionError::Rejected(w)) if w.contains("no text")), "{r:?}");
    let r = c.perform(&profile(Network::Twitter, "1"), &fb, &[], &job(Action::Like, None, Some("1_2"))).await;
    assert!(matches!(r, Err(ActionError::Rejected(_))));
    server.verify().await;
}

// --- X --------------------------------------------------------------------------------------

const X_ME: &str = "2244994945";

async fn expect_x(server: &MockServer, url: &str, body: &Value, status: u16, response: &Value) {
    Mock::given(method("POST"))
        .and(path(fixture_path(url)))
        .and(no_query())
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(ResponseTemplate::new(status).set_body_json(response))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn x_reply_threads_under_the_target_tweet() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_reply.json");
    expect_x(&server, fx["request"]["url"].as_str().unwrap(), &fx["request"]["body"], 201, &fx["response"]["body"]).await;
    let conv = conversation(Network::Twitter, Kind::Mention, "1875000000000000001", "1500000000000000001", now());
    let job = job(Action::Reply, Some("Sorry about that! We've DMed you."), Some("1875000000000000001"));
    let done = client(&server).perform(&profile(Network::Twitter, X_ME), &conv, &[], &job).await.unwrap();
    assert_eq!(done, ActionDone { platform_id: Some("1875000000000000200".into()), dm_recipient: None });
    server.verify().await;
}

#[tokio::test]
async fn x_like_and_retweet_act_as_the_profile() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_like_retweet.json");
    for case in ["like", "retweet"] {
        let c = &fx[case];
        expect_x(&server, c["url"].as_str().unwrap(), &c["body"], 200, &c["response"]["body"]).await;
    }
    let conv = conversation(Network::Twitter, Kind::Mention, "1875000000000000001", "1500000000000000001", now());
    let c = client(&server);
    let p = profile(Network::Twitter, X_ME);
    assert_eq!(c.perform(&p, &conv, &[], &job(Action::Like, None, Some("1875000000000000001"))).await.unwrap(), ActionDone::default());
    assert_eq!(c.perform(&p, &conv, &[], &job(Action::Share, None, Some("1875000000000000001"))).await.unwrap(), ActionDone::default());
    server.verify().await;
}

#[tokio::test]
async fn x_dm_from_a_public_conversation_goes_to_its_author() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_send_dm.json");
    expect_x(&server, fx["request"]["url"].as_str().unwrap(), &fx["request"]["body"], 201, &fx["response"]["body"]).await;
    let conv = conversation(Network::Twitter, Kind::Mention, "1875000000000000001", "1500000000000000001", now());
    let job = job(Action::Dm, Some("Hi Jane, can you share your order email?"), None);
    let done = client(&server).perform(&profile(Network::Twitter, X_ME), &conv, &[], &job).await.unwrap();
    assert_eq!(done, ActionDone { platform_id: Some("1875000000000000300".into()), dm_recipient: Some("1500000000000000001".into()) });
    server.verify().await;
}

#[tokio::test]
async fn x_reply_in_a_dm_conversation_goes_to_the_participant() {
    let server = MockServer::start().await;
    let fx = fixture("x_v2_send_dm.json");
    expect_x(&server, fx["request"]["url"].as_str().unwrap(), &fx["request"]["body"], 201, &fx["response"]["body"]).await;
    // The thread key of an X DM conversation is the other person's id.
    let conv = conversation(Network::Twitter, Kind::Dm, "1500000000000000001", "someone-else", now());
    let job = job(Action::Reply, Some("Hi Jane, can you share your order email?"), None);
    let done = client(&server).perform(&profile(Network::Twitter, X_ME), &conv, &[], &job).await.unwrap();
    assert_eq!(done.dm_recipient.as_deref(), Some("1500000000000000001"));
    server.verify().await;
}

// --- LinkedIn -------------------------------------------------------------------------------

const ORG: &str = "5515715";
const COMMENT: &str = "urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000101)";

fn linkedin_config(server: &MockServer) -> inbox_networks::NetworkConfig {
    let mut c = config(server);
    c.linkedin_version = "202509".into();
    c
}

async fn expect_linkedin(server: &MockServer, request: &Value, version: &str, response: ResponseTemplate) {
    let url = request["url"].as_str().unwrap();
    let query = fixture_query(url);
    let mock = Mock::given(method("POST"))
        .and(path(fixture_path(url)))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("linkedin-version", version))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(header("content-type", "application/json"))
        .and(body_json(&request["body"]));
    let mock = match query {
        Some(q) => mock.and(query_is(&q)),
        None => mock.and(no_query()),
    };
    mock.respond_with(response).expect(1).mount(server).await;
}

#[tokio::test]
async fn linkedin_reply_is_a_nested_comment_under_the_target() {
    let server = MockServer::start().await;
    let fx = fixture("linkedin_create_comment.json");
    let response = ResponseTemplate::new(201)
        .insert_header("x-restli-id", fx["response"]["headers"]["x-restli-id"].as_str().unwrap())
        .set_body_json(&fx["response"]["body"]);
    expect_linkedin(&server, &fx["nested_reply"], "202509", response).await;
    let conv = conversation(Network::Linkedin, Kind::Comment, COMMENT, "urn:li:person:AbCdEf123", now());
    let job = job(Action::Reply, Some("Yes - we'll email the recording."), Some(COMMENT));
    let done = client_with(linkedin_config(&server)).perform(&profile(Network::Linkedin, ORG), &conv, &[], &job).await.unwrap();
    assert_eq!(done.platform_id.as_deref(), Some("urn:li:comment:(urn:li:activity:7300000000000000009,7300000000000000102)"));
    server.verify().await;
}

#[tokio::test]
async fn linkedin_reply_to_a_post_is_a_top_level_comment_and_reads_the_id_from_the_body() {
    let server = MockServer::start().await;
    let fx = fixture("linkedin_create_comment.json");
    let response = ResponseTemplate::new(201).set_body_json(json!({"id": "7300000000000000103"}));
    expect_linkedin(&server, &fx["top_level"], "202509", response).await;
    let post = "urn:li:share:7300000000000000001";
    let conv = conversation(Network::Linkedin, Kind::Mention, post, "urn:li:person:AbCdEf123", now());
    // The profile's external id may already be the organisation URN.
    let p = profile(Network::Linkedin, "urn:li:organization:5515715");
    let done =
        client_with(linkedin_config(&server)).perform(&p, &conv, &[], &job(Action::Reply, Some("Thanks everyone!"), Some(post))).await;
    assert_eq!(done.unwrap().platform_id.as_deref(), Some("urn:li:comment:(urn:li:share:7300000000000000001,7300000000000000103)"));
    server.verify().await;
}

#[tokio::test]
async fn linkedin_like_is_a_reaction_by_the_organisation() {
    let server = MockServer::start().await;
    let fx = fixture("linkedin_reaction.json");
    assert_eq!(fixture_query(fx["request"]["url"].as_str().unwrap()).as_deref(), Some("actor=urn%3Ali%3Aorganization%3A5515715"));
    expect_linkedin(&server, &fx["request"], "202509", ResponseTemplate::new(201)).await;
    let conv = conversation(Network::Linkedin, Kind::Comment, COMMENT, "urn:li:person:AbCdEf123", now());
    let done = client_with(linkedin_config(&server))
        .perform(&profile(Network::Linkedin, ORG), &conv, &[], &job(Action::Like, None, Some(COMMENT)))
        .await;
    assert_eq!(done.unwrap(), ActionDone::default());
    server.verify().await;
}

#[tokio::test]
async fn linkedin_version_defaults_to_the_pinned_one() {
    let server = MockServer::start().await;
    let fx = fixture("linkedin_reaction.json");
    expect_linkedin(&server, &fx["request"], inbox_networks::config::DEFAULT_LINKEDIN_VERSION, ResponseTemplate::new(201)).await;
    let conv = conversation(Network::Linkedin, Kind::Comment, COMMENT, "urn:li:person:AbCdEf123", now());
    client(&server).perform(&profile(Network::Linkedin, ORG), &conv, &[], &job(Action::Like, None, Some(COMMENT))).await.unwrap();
    server.verify().await;
}

// --- YouTube --------------------------------------------------------------------------------

#[tokio::test]
async fn youtube_reply_inserts_a_comment_under_the_thread() {
    let server = MockServer::start().await;
    let fx = fixture("youtube_comments_insert.json");
    let req = &fx["request"];
    let url = req["url"].as_str().unwrap();
    Mock::given(method("POST"))
        .and(path(fixture_path(url)))
        .and(query_is(&fixture_query(url).unwrap()))
        .and(query_param("part", "snippet"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(&req["body"]))
        .respond_with(ok_json(&fx["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let conv = conversation(Network::Youtube, Kind::Comment, "UgzAbCdEfGhIjKlMnOp4AaABAg", "UCbCd", now());
    let job = job(Action::Reply, Some("Yes! Linux is supported since v2."), Some("UgzAbCdEfGhIjKlMnOp4AaABAg"));
    let done = client(&server).perform(&profile(Network::Youtube, "UCbrandChannel000000000A"), &conv, &[], &job).await.unwrap();
    assert_eq!(done.platform_id.as_deref(), Some("UgzAbCdEfGhIjKlMnOp4AaABAg.9xYzQwErTyU"));
    server.verify().await;
}

// --- Failure modes --------------------------------------------------------------------------

/// Answers every request with one case of an error fixture and returns what the action became.
async fn fail_with(network: Network, file: &str, case: &str) -> ActionError {
    let server = MockServer::start().await;
    let fx = fixture(file);
    let c = &fx[case];
    let mut response = ResponseTemplate::new(c["status"].as_u64().unwrap() as u16).set_body_json(&c["body"]);
    for (k, v) in c.get("headers").and_then(Value::as_object).into_iter().flatten() {
        response = response.insert_header(k.as_str(), v.as_str().unwrap());
    }
    Mock::given(any()).respond_with(response).expect(1).mount(&server).await;
    let (p, conv, j) = match network {
        Network::Facebook => (
            profile(Network::Facebook, PAGE),
            conversation(Network::Facebook, Kind::Dm, PSID, PSID, now()),
            job(Action::Reply, Some("Hi"), None),
        ),
        Network::Instagram => (
            profile(Network::Instagram, IG_ACCOUNT),
            conversation(Network::Instagram, Kind::Comment, "181", "98", now()),
            job(Action::Dm, Some("Hi"), Some("181")),
        ),
        Network::Twitter => (
            profile(Network::Twitter, X_ME),
            conversation(Network::Twitter, Kind::Mention, "1875", "1500", now()),
            job(Action::Reply, Some("Hi"), Some("1875")),
        ),
        Network::Linkedin => (
            profile(Network::Linkedin, ORG),
            conversation(Network::Linkedin, Kind::Comment, COMMENT, "p", now()),
            job(Action::Reply, Some("Hi"), Some(COMMENT)),
        ),
        Network::Youtube => (
            profile(Network::Youtube, "UCbrand"),
            conversation(Network::Youtube, Kind::Comment, "Ugz", "UCx", now()),
            job(Action::Reply, Some("Hi"), Some("Ugz")),
        ),
    };
    let err = client(&server).perform(&p, &conv, &[], &j).await.expect_err("the call fails");
    server.verify().await;
    assert_no_token(&err);
    err
}

#[tokio::test]
async fn an_expired_token_needs_reconnecting() {
    let e = fail_with(Network::Facebook, "meta_errors.json", "token_expired").await;
    assert!(matches!(&e, ActionError::NeedsReconnect(r) if r.contains("expired")), "{e:?}");
}

/// A rate limit is retried, after the wait the network asked for when it said (the use case
/// never tries again before it).
#[tokio::test]
async fn rate_limits_are_retried_with_the_networks_wait() {
    for case in ["page_rate_limit_buc", "messenger_rate_limit_buc", "app_rate_limit", "custom_rate_limit"] {
        let e = fail_with(Network::Facebook, "meta_errors.json", case).await;
        assert!(matches!(e, ActionError::RateLimited { .. }), "{case}: {e:?}");
    }
    let e = fail_with(Network::Facebook, "meta_errors.json", "page_rate_limit_buc").await;
    assert!(matches!(e, ActionError::RateLimited { retry_after_secs: Some(720), .. }), "Meta's usage header: {e:?}");
    let e = fail_with(Network::Twitter, "x_errors.json", "rate_limited").await;
    assert!(matches!(e, ActionError::RateLimited { retry_after_secs: Some(_), .. }), "X's reset time: {e:?}");
    let e = fail_with(Network::Youtube, "youtube_errors.json", "quota_exceeded").await;
    assert!(matches!(e, ActionError::RateLimited { .. }), "{e:?}");
}

#[tokio::test]
async fn a_closed_window_an_unavailable_person_and_other_refusals_are_rejected() {
    let e = fail_with(Network::Facebook, "meta_errors.json", "outside_window").await;
    assert!(matches!(&e, ActionError::Rejected(r) if r.contains("window")), "{e:?}");
    let e = fail_with(Network::Instagram, "meta_errors.json", "outside_window_ig").await;
    assert!(matches!(&e, ActionError::Rejected(r) if r.contains("window")), "{e:?}");
    let e = fail_with(Network::Facebook, "meta_errors.json", "user_unavailable").await;
    assert!(matches!(&e, ActionError::Rejected(r) if r.contains("isn't available")), "{e:?}");
    let e = fail_with(Network::Twitter, "x_errors.json", "reply_not_allowed").await;
    assert!(matches!(&e, ActionError::Rejected(r) if r.contains("deleted or not visible")), "{e:?}");
    let e = fail_with(Network::Youtube, "youtube_errors.json", "comments_disabled").await;
    assert!(matches!(&e, ActionError::Rejected(_)), "{e:?}");
}

#[tokio::test]
async fn a_second_private_reply_is_rejected_in_words() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "(#10) This message is sent outside of allowed window.", "code": 10, "error_subcode": 2534014}});
    Mock::given(any()).respond_with(ResponseTemplate::new(400).set_body_json(body)).expect(1).mount(&server).await;
    let conv = conversation(Network::Instagram, Kind::Comment, "181", "98", now());
    let e = client(&server).perform(&profile(Network::Instagram, IG_ACCOUNT), &conv, &[], &job(Action::Dm, Some("Hi"), Some("181"))).await;
    assert!(matches!(&e, Err(ActionError::Rejected(r)) if r.contains("already answered privately")), "{e:?}");
}

#[tokio::test]
async fn lost_permissions_need_reconnecting_on_every_network() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"status": 403, "message": "Not enough permissions"})))
        .mount(&server)
        .await;
    let conv = conversation(Network::Linkedin, Kind::Comment, COMMENT, "p", now());
    let e = client(&server).perform(&profile(Network::Linkedin, ORG), &conv, &[], &job(Action::Like, None, Some(COMMENT))).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))), "{e:?}");

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"title": "Unauthorized", "status": 401})))
        .mount(&server)
        .await;
    let conv = conversation(Network::Twitter, Kind::Mention, "1", "2", now());
    let e = client(&server).perform(&profile(Network::Twitter, X_ME), &conv, &[], &job(Action::Like, None, Some("1"))).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))), "{e:?}");

    let server = MockServer::start().await;
    let forbidden = json!({"error": {"code": 403, "message": "Forbidden", "errors": [{"reason": "forbidden", "message": "Forbidden"}]}});
    Mock::given(any()).respond_with(ResponseTemplate::new(403).set_body_json(forbidden)).mount(&server).await;
    let conv = conversation(Network::Youtube, Kind::Comment, "Ugz", "UCx", now());
    let e = client(&server).perform(&profile(Network::Youtube, "UCb"), &conv, &[], &job(Action::Reply, Some("Hi"), Some("Ugz"))).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))), "{e:?}");

    let server = MockServer::start().await;
    let perm = json!({"error": {"message": "(#200) Requires pages_messaging permission", "type": "OAuthException", "code": 200}});
    Mock::given(any()).respond_with(ResponseTemplate::new(403).set_body_json(perm)).mount(&server).await;
    let conv = conversation(Network::Facebook, Kind::Dm, PSID, PSID, now());
    let e = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Reply, Some("Hi"), None)).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))), "{e:?}");
}

#[tokio::test]
async fn a_missing_token_needs_reconnecting_without_a_call() {
    let server = MockServer::start().await;
    expect_no_call(&server).await;
    let mut p = profile(Network::Facebook, PAGE);
    p.credentials.access_token = None;
    let conv = conversation(Network::Facebook, Kind::Comment, "1_2", "3", now());
    let e = client(&server).perform(&p, &conv, &[], &job(Action::Like, None, Some("1_2"))).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))));
    let e = client(&server).handover(&p, &conversation(Network::Facebook, Kind::Dm, PSID, PSID, now()), HandoverOp::Take).await;
    assert!(matches!(e, Err(ActionError::NeedsReconnect(_))));
    server.verify().await;
}

#[tokio::test]
async fn server_errors_are_transient() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(503).set_body_string("upstream down")).expect(5).mount(&server).await;
    let c = client(&server);
    let cases = [
        (
            profile(Network::Facebook, PAGE),
            conversation(Network::Facebook, Kind::Comment, "1_2", "3", now()),
            job(Action::Like, None, Some("1_2")),
        ),
        (
            profile(Network::Twitter, X_ME),
            conversation(Network::Twitter, Kind::Mention, "1", "2", now()),
            job(Action::Share, None, Some("1")),
        ),
        (
            profile(Network::Linkedin, ORG),
            conversation(Network::Linkedin, Kind::Comment, COMMENT, "p", now()),
            job(Action::Like, None, Some(COMMENT)),
        ),
        (
            profile(Network::Youtube, "UCb"),
            conversation(Network::Youtube, Kind::Comment, "U", "x", now()),
            job(Action::Reply, Some("Hi"), Some("U")),
        ),
        (
            profile(Network::Instagram, IG_ACCOUNT),
            conversation(Network::Instagram, Kind::Comment, "1", "2", now()),
            job(Action::Reply, Some("Hi"), Some("1")),
        ),
    ];
    for (p, conv, j) in cases {
        let e = c.perform(&p, &conv, &[], &j).await;
        assert!(matches!(e, Err(ActionError::Transient(_))), "{}: {e:?}", p.network);
    }
    server.verify().await;
}

#[tokio::test]
async fn the_network_being_down_is_transient() {
    let c = client_with(inbox_networks::NetworkConfig::all_at(&unused_base()));
    let conv = conversation(Network::Facebook, Kind::Comment, "1_2", "3", now());
    let e = c.perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Like, None, Some("1_2"))).await;
    assert!(matches!(&e, Err(ActionError::Transient(r)) if r.contains("could not connect")), "{e:?}");
    let e = c
        .handover(&profile(Network::Facebook, PAGE), &conversation(Network::Facebook, Kind::Dm, PSID, PSID, now()), HandoverOp::Take)
        .await;
    assert!(matches!(e, Err(ActionError::Transient(_))), "{e:?}");
}

#[tokio::test]
async fn a_network_that_does_not_answer_in_time_is_transient() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(3))).mount(&server).await;
    let mut cfg = config(&server);
    cfg.timeout = std::time::Duration::from_millis(200);
    let conv = conversation(Network::Twitter, Kind::Mention, "1", "2", now());
    let e = client_with(cfg).perform(&profile(Network::Twitter, X_ME), &conv, &[], &job(Action::Like, None, Some("1"))).await;
    assert!(matches!(&e, Err(ActionError::Transient(r)) if r.contains("in time")), "{e:?}");
}

#[tokio::test]
async fn the_token_never_appears_in_errors_even_when_the_network_echoes_it() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": format!("Invalid OAuth access token - Cannot parse access token {TOKEN}"), "code": 190}});
    Mock::given(any()).respond_with(ResponseTemplate::new(400).set_body_json(body)).mount(&server).await;
    let conv = conversation(Network::Facebook, Kind::Comment, "1_2", "3", now());
    let e =
        client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Like, None, Some("1_2"))).await.unwrap_err();
    assert!(matches!(e, ActionError::NeedsReconnect(_)));
    assert_no_token(&e);
    assert!(e.to_string().contains("<redacted>"), "{e}");
}

#[tokio::test]
async fn ids_cannot_move_a_call_to_another_endpoint() {
    let server = MockServer::start().await;
    expect_no_call(&server).await;
    let conv = conversation(Network::Facebook, Kind::Comment, "..", "3", now());
    let e = client(&server).perform(&profile(Network::Facebook, PAGE), &conv, &[], &job(Action::Like, None, Some(".."))).await;
    assert!(matches!(e, Err(ActionError::Rejected(_))));
    server.verify().await;
}
