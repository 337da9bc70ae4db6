//! Connecting channels through each network's sign-in, against the simulator's sign-in pages
//! and token endpoints, as an admin's browser would go through them; and tokens that renew
//! themselves (ahead of expiry, after a 401, one refresh token spent by racing workers, a
//! refused renewal told once).

use crate::support::*;
use axum::http::StatusCode;
use inbox_domain::messages::QueueName;
use inbox_domain::{Network, ProfileId, presence_context};
use inbox_tests::*;
use serde_json::{Value, json};

/// Connects the presences `picks` (network, id) of a finished sign-in; answers the status and
/// the answer.
async fn pick(t: &TestApp, signed: &Value, picks: &[(&str, &str)]) -> (StatusCode, Value) {
    let flow = signed["flow_id"].as_str().unwrap();
    let presences: Vec<Value> = picks.iter().map(|(n, e)| json!({"network": n, "external_id": e})).collect();
    t.post(&format!("/api/connect/{flow}/profiles"), ALICE, json!({ "presences": presences })).await
}

/// Makes `profile`'s renewal due now (its token's time is left as it is).
async fn make_due(t: &TestApp, profile: &ProfileId) {
    let deps = &t.app.state.deps;
    let due = deps.renewals.get_renewal(profile).await.unwrap().expect("a renewal scheduled");
    deps.renewals
        .put_renewal(&inbox_domain::ports::Renewal { due_at: chrono::Utc::now() - chrono::Duration::seconds(1), ..due })
        .await
        .unwrap();
}

fn sim(t: &TestApp) -> &inbox_local::simulator::Simulator {
    t.app.simulator.as_ref().expect("the tests run on the simulator")
}

/// The calls the simulator got on `path`.
fn calls(t: &TestApp, method: &str, path: &str) -> Vec<inbox_local::simulator::Recorded> {
    sim(t).requests().into_iter().filter(|r| r.method == method && r.path == path).collect()
}

#[tokio::test]
async fn every_network_connects_through_its_sign_in() {
    let t = TestApp::spawn().await;
    let (status, offered) = t.get("/api/connect/networks", ALICE).await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    let labels: Vec<&str> = offered["networks"].as_array().unwrap().iter().map(|n| n["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Facebook and Instagram", "X", "LinkedIn", "YouTube"]);
    assert!(offered["networks"].as_array().unwrap().iter().all(|n| n["configured"] == true), "{offered}");

    // Facebook Login: the Pages the admin manages and their Instagram accounts; the demo's own
    // Page is connected already, one Page cannot be (no MODERATE task).
    let (status, signed) = sign_in(&t, ALICE, "facebook", None, None).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let candidates = signed["candidates"].as_array().unwrap();
    let find = |ext: &str| candidates.iter().find(|c| c["external_id"] == ext).unwrap_or_else(|| panic!("{ext} in {signed}"));
    assert_eq!(find("104857600000001")["connected_profile_id"], "prf_demo_facebook");
    assert_eq!(find("104857600000001")["available"], false);
    assert_eq!((find("104857600000777")["available"].clone(), find("104857600000777")["kind"].clone()), (json!(true), json!("page")));
    assert_eq!(find("17841400000000777")["kind"], "instagram_account");
    assert!(find("104857600000778")["why_not"].as_str().unwrap().contains("MODERATE"), "{signed}");
    assert!(!signed.to_string().contains("sim-token"), "no token in the answer: {signed}");
    // The code was exchanged, then for a long-lived token; the Pages listed with it.
    assert_eq!(calls(&t, "GET", "/v21.0/oauth/access_token").len(), 2);
    assert_eq!(calls(&t, "GET", "/v21.0/me/accounts").len(), 1);

    let shop = [("facebook", "104857600000777"), ("instagram", "17841400000000777")];
    let (status, connected) = pick(&t, &signed, &shop).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    let profiles = connected["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert!(connected["subscriptions"].as_array().unwrap().iter().all(|s| s["subscribed"] == true), "{connected}");
    // The Page (and, through it, its Instagram account) was subscribed with the Page's token.
    let subs = calls(&t, "POST", "/v21.0/104857600000777/subscribed_apps");
    assert_eq!(subs.len(), 2, "{subs:?}");
    // Picking again: the sign-in is spent.
    let again = pick(&t, &signed, &shop).await;
    assert_error(&again, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");

    // Stored sealed, opening to the Page's own token; its channel shows subscribed.
    let deps = &t.app.state.deps;
    let page: ProfileId = profiles.iter().find(|p| p["network"] == "facebook").unwrap()["id"].as_str().unwrap().into();
    let stored = deps.directory.get_profile(&"acc_demo".into(), &page).await.unwrap().unwrap();
    let sealed = stored.credentials.access_token.clone().unwrap();
    assert!(sealed.as_str().starts_with("v1."), "{}", sealed.as_str());
    let opened = deps.cipher.open(&presence_context(Network::Facebook, "104857600000777"), &sealed).await.unwrap();
    assert_eq!(opened.expose(), "sim-token:facebook:104857600000777");
    let (_, channels) = t.get("/api/channels", ALICE).await;
    let channel = channels["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == page.as_str()).unwrap().clone();
    assert_eq!(channel["webhook_subscribed"], true, "{channel}");
    assert!(channel["next_renewal_at"].is_string(), "a Page token is checked daily: {channel}");

    // A signed webhook for the new Page lands in the inbox.
    let comment = json!({"object": "page", "entry": [{"id": "104857600000777", "time": 1767000000, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": "122100000000777_900000000000777", "post_id": "104857600000777_122100000000777",
        "parent_id": "104857600000777_122100000000777", "message": "Is the shop open on Sunday?", "from": {"id": "6100000000777", "name": "Sunny Day"},
        "created_time": 1767000000}}]}]});
    assert_eq!(t.meta_webhook(&serde_json::to_vec(&comment).unwrap()).await, StatusCode::OK);
    t.settle().await;
    let found = t.find(ALICE, "Sunday").await;
    assert_eq!(found["profile_id"], page.as_str(), "{found}");

    // X: OAuth 2.0 with PKCE; the account is the one signed in; subscribed to Account Activity.
    let (status, signed) = sign_in(&t, ALICE, "twitter", None, Some("1500000000000000777")).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["candidates"].as_array().unwrap().len(), 1, "{signed}");
    assert_eq!(
        (signed["candidates"][0]["external_id"].clone(), signed["candidates"][0]["handle"].clone()),
        (json!("1500000000000000777"), json!("DemoDeals"))
    );
    let (status, connected) = pick(&t, &signed, &[("twitter", "1500000000000000777")]).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    assert_eq!(connected["subscriptions"][0]["subscribed"], true);
    assert_eq!(calls(&t, "POST", "/2/account_activity/webhooks/1500000000000000001/subscriptions/all").len(), 1);
    let x: ProfileId = connected["profiles"][0]["id"].as_str().unwrap().into();
    let stored = deps.directory.get_profile(&"acc_demo".into(), &x).await.unwrap().unwrap();
    assert!(stored.credentials.refresh_token.as_ref().is_some_and(|r| r.as_str().starts_with("v1.")), "the refresh token is kept, sealed");
    let expires = stored.credentials.expires_at.expect("X tokens expire");
    assert!((expires - chrono::Utc::now()).num_minutes() > 115, "two hours");
    let renewal = deps.renewals.get_renewal(&x).await.unwrap().expect("renewal scheduled");
    let ahead = (expires - renewal.due_at).num_seconds();
    assert!((899..=900).contains(&ahead), "renewed an eighth of its two hours ahead: {ahead} s");

    // LinkedIn: the organisations the member administers; the demo's is connected already.
    let (status, signed) = sign_in(&t, ALICE, "linkedin", None, None).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let names: Vec<&str> = signed["candidates"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Demo Outdoor Co", "Demo Outdoor Careers"]);
    let (status, connected) = pick(&t, &signed, &[("linkedin", "5515716")]).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    assert!(connected["subscriptions"][0]["subscribed"].is_null(), "LinkedIn's webhooks are the app's: {connected}");
    let li: ProfileId = connected["profiles"][0]["id"].as_str().unwrap().into();
    let stored = deps.directory.get_profile(&"acc_demo".into(), &li).await.unwrap().unwrap();
    assert!(stored.credentials.refresh_expires_at.is_some_and(|e| (e - chrono::Utc::now()).num_days() >= 364), "365 days from consent");

    // YouTube: Google with offline access; the channel of the account chosen.
    let (status, signed) = sign_in(&t, ALICE, "youtube", None, Some("UCdemo00000000000000000002")).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["candidates"][0]["name"], "Demo Outdoor Shorts");
    let (status, connected) = pick(&t, &signed, &[("youtube", "UCdemo00000000000000000002")]).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    // PKCE went both ways: the challenge to the consent page, the verifier to the token endpoint.
    let google = calls(&t, "POST", "/token");
    assert_eq!(google.len(), 1);
    t.stop().await;
}

#[tokio::test]
async fn a_forged_replayed_expired_or_anothers_callback_is_refused_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let profiles_before = t.get("/api/profiles", ALICE).await.1["profiles"].as_array().unwrap().len();
    let refused = |answer: &(StatusCode, Value)| {
        assert_error(answer, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
        assert!(answer.1["error"]["message"].as_str().unwrap().contains("unknown, finished or expired"), "{}", answer.1);
    };
    let (_, started) = t.post("/api/connect", ALICE, json!({"network": "twitter"})).await;
    let flow = started["flow_id"].as_str().unwrap().to_string();
    let (state, code, _) = sign_in_at_network(started["authorize_url"].as_str().unwrap(), None, true).await;

    // Forged: an unknown flow, or the right flow with another secret.
    for forged in ["flw_nope.abc", &format!("{flow}.{}", "A".repeat(43)), "junk", &flow] {
        refused(&t.post("/api/connect/callback", ALICE, json!({"state": forged, "code": code})).await);
    }
    // Another account's admin, or a member: not theirs.
    refused(&t.post("/api/connect/callback", OLGA, json!({"state": state, "code": code})).await);
    let member = t.post("/api/connect/callback", BOB, json!({"state": state, "code": code})).await;
    assert_error(&member, StatusCode::FORBIDDEN, "forbidden");
    // Another admin of the same account: a state is bound to whoever started it.
    let (status, dana) = t.post("/api/users", ALICE, json!({"name": "Dana Admin", "email": "dana@demo.example", "role": "admin"})).await;
    assert_eq!(status, StatusCode::CREATED, "{dana}");
    let dana_token = inbox_web::auth::mint(
        t.app.config.web.jwt_secret.expose(),
        &dana["id"].as_str().unwrap().into(),
        &"acc_demo".into(),
        chrono::Duration::hours(1),
    );
    let req = axum::http::Request::post("/api/connect/callback")
        .header("authorization", format!("Bearer {dana_token}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(json!({"state": state, "code": code}).to_string()))
        .unwrap();
    refused(&t.call(req).await);

    // The admin who started it: once. The same state again is refused, in parallel too.
    let (first, second) = tokio::join!(
        t.post("/api/connect/callback", ALICE, json!({"state": state, "code": code})),
        t.post("/api/connect/callback", ALICE, json!({"state": state, "code": code}))
    );
    let ok = [&first, &second].iter().filter(|a| a.0 == StatusCode::OK).count();
    assert_eq!(ok, 1, "{first:?} {second:?}");
    refused(if first.0 == StatusCode::OK { &second } else { &first });
    refused(&t.post("/api/connect/callback", ALICE, json!({"state": state, "code": code})).await);

    // Expired: a flow past its 10 minutes.
    let (_, started) = t.post("/api/connect", ALICE, json!({"network": "youtube"})).await;
    let (state, code, _) = sign_in_at_network(started["authorize_url"].as_str().unwrap(), None, true).await;
    let deps = &t.app.state.deps;
    let id: inbox_domain::FlowId = started["flow_id"].as_str().unwrap().into();
    let f = deps.flows.get_flow(&id).await.unwrap().unwrap();
    let old = inbox_domain::connect::ConnectFlow {
        version: f.version + 1,
        expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        ..f.clone()
    };
    assert!(deps.flows.replace_flow(&old, f.version).await.unwrap());
    refused(&t.post("/api/connect/callback", ALICE, json!({"state": state, "code": code})).await);

    // Cancelled at the network: said in words, the flow ends.
    let (_, started) = t.post("/api/connect", ALICE, json!({"network": "linkedin"})).await;
    let (state, _, error) = sign_in_at_network(started["authorize_url"].as_str().unwrap(), None, false).await;
    assert_eq!(error.as_deref(), Some("access_denied"));
    let cancelled = t
        .post("/api/connect/callback", ALICE, json!({"state": state, "error": "access_denied", "error_description": "Permissions error"}))
        .await;
    assert_error(&cancelled, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    assert!(cancelled.1["error"]["message"].as_str().unwrap().contains("not completed"), "{}", cancelled.1);

    // A code the network does not know (made up): refused by the network, in words.
    let (_, started) = t.post("/api/connect", ALICE, json!({"network": "twitter"})).await;
    let (state, _, _) = sign_in_at_network(started["authorize_url"].as_str().unwrap(), None, true).await;
    let made_up = t.post("/api/connect/callback", ALICE, json!({"state": state, "code": "sim-code-twitter-madeup"})).await;
    assert_error(&made_up, StatusCode::UNPROCESSABLE_ENTITY, "rule_violated");
    assert!(made_up.1["error"]["message"].as_str().unwrap().contains("X refused the sign-in"), "{}", made_up.1);

    // Members cannot start one; Instagram is connected through Facebook; nothing was connected.
    assert_error(&t.post("/api/connect", BOB, json!({"network": "facebook"})).await, StatusCode::FORBIDDEN, "forbidden");
    assert_error(&t.post("/api/connect", ALICE, json!({"network": "instagram"})).await, StatusCode::BAD_REQUEST, "bad_request");
    assert_error(
        &t.post("/api/connect", ALICE, json!({"network": "twitter", "profile_id": "prf_other_facebook"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let profiles_after = t.get("/api/profiles", ALICE).await.1["profiles"].as_array().unwrap().len();
    assert_eq!(profiles_after, profiles_before);
    t.stop().await;
}

/// Connects the X account the simulator signs in as by default, as a reconnection of the demo's
/// X profile: it then has a refresh token.
async fn reconnect_demo_x(t: &TestApp) -> inbox_domain::Profile {
    let (status, signed) = sign_in(t, ALICE, "twitter", Some("prf_demo_twitter"), Some(inbox_local::demo::X_USER)).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["reconnected"]["id"], "prf_demo_twitter", "{signed}");
    t.app.state.deps.directory.get_profile(&"acc_demo".into(), &"prf_demo_twitter".into()).await.unwrap().unwrap()
}

#[tokio::test]
async fn tokens_renew_before_they_expire_and_after_a_401() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let before = reconnect_demo_x(&t).await;
    let x: ProfileId = "prf_demo_twitter".into();

    // Before expiry: once due, the renewal spends the refresh token for a new pair.
    make_due(&t, &x).await;
    let round = inbox_domain::usecases::renew_due(deps, 10).await.unwrap();
    assert_eq!(round.renewed, 1, "{round:?}");
    assert_eq!(sim(&t).refresh_tokens_spent(Network::Twitter), 1);
    let after = deps.directory.get_profile(&"acc_demo".into(), &x).await.unwrap().unwrap();
    assert_ne!(after.credentials.access_token, before.credentials.access_token);
    assert_ne!(after.credentials.refresh_token, before.credentials.refresh_token, "X rotates refresh tokens");
    let next = deps.renewals.get_renewal(&x).await.unwrap().unwrap().due_at;
    assert!((next - chrono::Utc::now()).num_minutes() >= 100, "the next renewal ahead of the new expiry: {next}");
    assert_eq!(inbox_domain::usecases::renew_due(deps, 10).await.unwrap(), Default::default(), "nothing due now");

    // After a 401: the token expired early (revoked by X, a clock off); a reply renews once
    // and is sent.
    t.x_webhook(&fixture("x_tweet_create_mention.json")).await;
    t.settle().await;
    let conv = t.feed(ALICE, "network=twitter").await.into_iter().next().expect("an X conversation");
    assert!(sim(&t).expire_access_tokens(Network::Twitter) >= 1);
    let (status, body) =
        t.post(&format!("/api/conversations/{}/reply", conv["id"].as_str().unwrap()), ALICE, json!({"text": "Thanks, on it!"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    t.settle_queue(QueueName::Actions).await;
    let detail = t.detail(ALICE, conv["id"].as_str().unwrap()).await;
    let reply = detail["items"].as_array().unwrap().iter().find(|i| i["text"] == "Thanks, on it!").unwrap().clone();
    assert_eq!(reply["state"], "sent", "{reply}");
    assert_eq!(sim(&t).refresh_tokens_spent(Network::Twitter), 2, "one renewal for the 401");
    let tweets = calls(&t, "POST", "/2/tweets");
    assert_eq!(tweets.iter().filter(|r| r.refused == Some(401)).count(), 1, "refused once, then sent: {tweets:?}");
    let (_, channels) = t.get("/api/channels", ALICE).await;
    let channel = channels["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == "prf_demo_twitter").unwrap().clone();
    assert_eq!(channel["token_state"], "valid", "{channel}");
    t.stop().await;
}

#[tokio::test]
async fn racing_renewals_spend_one_refresh_token() {
    let t = TestApp::spawn().await;
    let deps = t.app.state.deps.clone();
    reconnect_demo_x(&t).await;
    let x: ProfileId = "prf_demo_twitter".into();
    make_due(&t, &x).await;
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let deps = deps.clone();
            tokio::spawn(async move { inbox_domain::usecases::renew_due(&deps, 10).await.unwrap() })
        })
        .collect();
    let mut renewed = 0;
    for w in workers {
        renewed += w.await.unwrap().renewed;
    }
    assert_eq!(renewed, 1);
    assert_eq!(sim(&t).refresh_tokens_spent(Network::Twitter), 1, "eight workers, one refresh token spent");
    // The stored refresh token is the live one: renewing again works.
    make_due(&t, &x).await;
    assert_eq!(inbox_domain::usecases::renew_due(&deps, 10).await.unwrap().renewed, 1);
    t.stop().await;
}

#[tokio::test]
async fn a_refused_renewal_marks_the_channel_and_tells_the_admins_once() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    reconnect_demo_x(&t).await;
    let x: ProfileId = "prf_demo_twitter".into();
    sim(&t).revoke_refresh_tokens(Network::Twitter);
    make_due(&t, &x).await;
    let round = inbox_domain::usecases::renew_due(deps, 10).await.unwrap();
    assert_eq!(round.refused, 1, "{round:?}");
    assert!(deps.renewals.get_renewal(&x).await.unwrap().is_none(), "no loop: the schedule ends");
    // A 401 afterwards (a poll) says the same thing: still one notification.
    sim(&t).expire_access_tokens(Network::Twitter);
    inbox_domain::usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    t.settle().await;
    let (_, channels) = t.get("/api/channels", ALICE).await;
    let channel = channels["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == "prf_demo_twitter").unwrap().clone();
    assert_eq!(channel["token_state"], "needs_reconnection", "{channel}");
    assert!(channel["token_error"].as_str().unwrap().contains("refused to renew"), "{channel}");
    let (_, bell) = t.get("/api/notifications", ALICE).await;
    let told: Vec<&Value> =
        bell["notifications"].as_array().unwrap().iter().filter(|n| n["type"] == "channel_needs_reconnection").collect();
    assert_eq!(told.len(), 1, "{bell}");
    assert_eq!(told[0]["profile_id"], "prf_demo_twitter");
    assert!(told[0]["conversation_id"].is_null());
    // Members are not told; the admin's email says it once, with the way to the channels.
    let (_, bob) = t.get("/api/notifications", BOB).await;
    assert!(bob["notifications"].as_array().unwrap().iter().all(|n| n["type"] != "channel_needs_reconnection"));
    let emails: Vec<Mail> = mails(&t).into_iter().filter(|m| m.text.contains("needs reconnecting")).collect();
    assert_eq!(emails.len(), 1, "one email: {emails:?}");
    assert_eq!(emails[0].header("To"), Some("alice@demo.example"));
    let public = t.app.state.deps.settings.public_url();
    assert!(emails[0].text.contains(&format!("{public}/settings/channels")), "{}", emails[0].text);
    t.stop().await;
}

/// Google and LinkedIn renew without rotating: the refresh token is kept, and LinkedIn's
/// 365-day end runs from the first consent, whatever is renewed.
#[tokio::test]
async fn google_and_linkedin_renew_keeping_their_refresh_token_and_its_end() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    for (network, account, ext) in
        [("youtube", Some("UCdemo00000000000000000002"), "UCdemo00000000000000000002"), ("linkedin", None, "5515716")]
    {
        let (status, signed) = sign_in(&t, ALICE, network, None, account).await;
        assert_eq!(status, StatusCode::OK, "{signed}");
        let (status, connected) = pick(&t, &signed, &[(network, ext)]).await;
        assert_eq!(status, StatusCode::CREATED, "{connected}");
        let id: ProfileId = connected["profiles"][0]["id"].as_str().unwrap().into();
        let before = deps.directory.get_profile(&"acc_demo".into(), &id).await.unwrap().unwrap();
        make_due(&t, &id).await;
        let round = inbox_domain::usecases::renew_due(deps, 10).await.unwrap();
        assert_eq!(round.renewed, 1, "{network}: {round:?}");
        let after = deps.directory.get_profile(&"acc_demo".into(), &id).await.unwrap().unwrap();
        assert_ne!(after.credentials.access_token, before.credentials.access_token, "{network}: a new access token");
        let context = presence_context(after.network, ext);
        let open = |s: &inbox_domain::Sealed| {
            let (deps, context, s) = (deps.clone(), context.clone(), s.clone());
            async move { deps.cipher.open(&context, &s).await.unwrap().expose().to_string() }
        };
        assert_eq!(
            open(after.credentials.refresh_token.as_ref().unwrap()).await,
            open(before.credentials.refresh_token.as_ref().unwrap()).await,
            "{network}: the same refresh token"
        );
        assert_eq!(after.credentials.refresh_expires_at, before.credentials.refresh_expires_at, "{network}: its end unmoved");
    }
    t.stop().await;
}

/// A Meta Page token does not expire: it is checked daily, and one Meta no longer accepts
/// marks the channel and tells the admins.
#[tokio::test]
async fn a_page_token_meta_stops_accepting_is_found_by_the_daily_check() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let (_, signed) = sign_in(&t, ALICE, "facebook", None, None).await;
    let (status, connected) = pick(&t, &signed, &[("facebook", "104857600000777")]).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    let id: ProfileId = connected["profiles"][0]["id"].as_str().unwrap().into();
    make_due(&t, &id).await;
    assert_eq!(inbox_domain::usecases::renew_due(deps, 10).await.unwrap().checked, 1, "still good");
    let next = deps.renewals.get_renewal(&id).await.unwrap().unwrap().due_at;
    assert!((next - chrono::Utc::now()).num_hours() >= 23, "checked again a day later: {next}");
    // The admin changed their Facebook password: the Page token dies.
    sim(&t).revoke_token(Network::Facebook, "sim-token:facebook:104857600000777");
    make_due(&t, &id).await;
    assert_eq!(inbox_domain::usecases::renew_due(deps, 10).await.unwrap().refused, 1);
    t.settle().await;
    let (_, channels) = t.get("/api/channels", ALICE).await;
    let channel = channels["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == id.as_str()).unwrap().clone();
    assert_eq!(channel["token_state"], "needs_reconnection", "{channel}");
    let (_, bell) = t.get("/api/notifications", ALICE).await;
    assert_eq!(bell["notifications"].as_array().unwrap().iter().filter(|n| n["profile_id"] == id.as_str()).count(), 1, "{bell}");
    t.stop().await;
}

/// A sign-in ending by itself (LinkedIn's refresh token 365 days after consent) is announced
/// to the admins ahead, once, while the token keeps renewing.
#[tokio::test]
async fn an_ending_sign_in_is_announced_to_the_admins_ahead_once() {
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let (_, signed) = sign_in(&t, ALICE, "linkedin", None, None).await;
    let (status, connected) = pick(&t, &signed, &[("linkedin", "5515716")]).await;
    assert_eq!(status, StatusCode::CREATED, "{connected}");
    let id: ProfileId = connected["profiles"][0]["id"].as_str().unwrap().into();
    // 362 days later: three left.
    let before = deps.directory.get_profile(&"acc_demo".into(), &id).await.unwrap().unwrap();
    let mut later = before.clone();
    let end = chrono::Utc::now() + chrono::Duration::days(3);
    later.credentials.refresh_expires_at = Some(end);
    assert!(deps.directory.update_profile(&before, &later).await.unwrap());
    for _ in 0..2 {
        make_due(&t, &id).await;
        let round = inbox_domain::usecases::renew_due(deps, 10).await.unwrap();
        assert_eq!(round.renewed, 1, "{round:?}");
        t.settle().await;
    }
    let (_, bell) = t.get("/api/notifications", ALICE).await;
    let told: Vec<&Value> = bell["notifications"].as_array().unwrap().iter().filter(|n| n["type"] == "channel_expiring").collect();
    assert_eq!(told.len(), 1, "once: {bell}");
    assert!(told[0]["text"].as_str().unwrap().contains(&end.format("%Y-%m-%d").to_string()), "{}", told[0]);
    let renewed = deps.directory.get_profile(&"acc_demo".into(), &id).await.unwrap().unwrap();
    assert_eq!(renewed.credentials.refresh_expires_at, Some(end), "renewing does not move the end");
    let (_, channels) = t.get("/api/channels", ALICE).await;
    let channel = channels["channels"].as_array().unwrap().iter().find(|c| c["profile_id"] == id.as_str()).unwrap().clone();
    assert_eq!(channel["token_state"], "expiring", "{channel}");
    t.stop().await;
}
