//! End to end on moto, through the Lambda wiring: a signed Meta webhook as an API Gateway v2
//! event into the webhook function's app, the raw body onto SQS, the ingest function's batch
//! handler into DynamoDB, the API function's app (with API Gateway's verified claims) to see the
//! conversation and assign it, the notifier's batch handler to an email moto's SES recorded, and
//! the actions function reading the comment's original post. As the template sets them up, the
//! functions that write a change do not send its notifications and domain events: the table's
//! stream (moto's DynamoDB Streams API, read as the event source mapping reads it) goes
//! through the fanout function's handler, which sends them. Secrets come from moto's SSM
//! Parameter Store, as on AWS; each function gets the queues `template.yaml` gives it, no more
//! (a function sending to a queue the template does not give it fails here, as on AWS), and
//! each queue it is given must have its `SQSSendMessagePolicy` there too.

use inbox_aws::aws_sdk_sqs;
use inbox_aws::dynamo::CapacityMeter;
use inbox_conformance::moto;
use inbox_domain::messages::QueueName;
use inbox_domain::*;
use inbox_lambda::aws_lambda_events::event::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use inbox_lambda::runtime::{self, Aws, LambdaConfig, Secrets, WebSecrets};
use serde_json::json;
use std::collections::BTreeSet;
use support::{call, gateway_event, template_block, template_queues};

mod support;

const PAGE_ID: &str = "104857600000001";
const META_SECRET: &str = "e2e-meta-app-secret";

/// Takes what is on a queue as the SQS event source mapping would hand it to the function,
/// runs the batch through `handler`, and deletes what succeeded (as Lambda does).
async fn drain<F, Fut, T, E>(sqs: &aws_sdk_sqs::Client, url: &str, handler: F) -> usize
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut handled = 0;
    for _ in 0..20 {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_attribute_names("All")
            .send()
            .await
            .expect("receive");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            if handled > 0 {
                break;
            }
            continue;
        }
        let mut event = SqsEvent::default();
        event.records = messages
            .iter()
            .map(|m| {
                let mut r = SqsMessage::default();
                r.message_id = m.message_id.clone();
                r.receipt_handle = m.receipt_handle.clone();
                r.body = m.body.clone();
                for (k, v) in m.message_attributes.clone().unwrap_or_default() {
                    let mut a = SqsMessageAttribute::default();
                    a.string_value = v.string_value;
                    a.data_type = Some(v.data_type);
                    r.message_attributes.insert(k, a);
                }
                r
            })
            .collect();
        let response = inbox_lambda::sqs_batch::handle_batch(event, &handler).await;
        assert!(response.batch_item_failures.is_empty(), "no message fails: {:?}", response.batch_item_failures);
        for m in &messages {
            sqs.delete_message().queue_url(url).receipt_handle(m.receipt_handle.clone().unwrap_or_default()).send().await.expect("delete");
        }
        handled += messages.len();
    }
    handled
}

/// Reads what the table's stream has written since the last read and runs it through the
/// fanout function's handler, as the event source mapping hands it over. Returns how many
/// messages it sent.
async fn fan_out(stream: &mut moto::StreamReader, fanout: &Aws) -> usize {
    let event = stream.next().await;
    let records = inbox_aws::dynamo::stream::records(&event).expect("stream records");
    fn_fanout::handle(&fanout.store, &fanout.queue, records).await.expect("fan-out")
}

/// The `type`s of domain events.
fn kinds(events: &[serde_json::Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap_or_default()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_webhook_becomes_a_conversation_the_api_shows_and_an_assignment_emails_the_assignee() {
    let sdk = moto::sdk_config().await;
    let (tables, table) = moto::table(&sdk).await;
    let (sqs, urls, _dlqs) = moto::queues(&sdk, 5).await;
    let (_, from) = moto::identity(&sdk).await;

    // Secrets in SSM Parameter Store, one path per function.
    let root = format!("/{}", moto::unique("inbox"));
    support::put_secrets(
        &sdk,
        &root,
        &[
            ("webhook/meta-app-secret", META_SECRET),
            ("webhook/meta-verify-token", "e2e-verify"),
            ("webhook/x-consumer-secret", "e2e-x"),
            ("webhook/linkedin-client-secret", "e2e-li"),
            ("api/cursor-key", "e2e-cursor"),
            ("mail/unsubscribe-key", "e2e-unsubscribe-key"),
        ],
    )
    .await;

    // Each function's configuration as the template gives it: the table and its own queues
    // only. The networks' Graph API is a fake on loopback. Every DynamoDB request the functions
    // make is counted in units, as on-demand bills them.
    let meter = CapacityMeter::new();
    let graph = wiremock::MockServer::start().await;
    // The token key (KMS on moto): given to the functions the template gives it to.
    let kms = inbox_aws::aws_sdk_kms::Client::new(&sdk);
    let token_key = kms.create_key().send().await.expect("a KMS key on moto").key_metadata.expect("metadata").key_id;
    let function = async |name: &str| {
        let mut env: Vec<(String, String)> = vec![
            ("INBOX_TABLE".into(), table.clone()),
            ("INBOX_MAIL_FROM".into(), from.clone()),
            ("INBOX_AUTH_USER_CLAIM".into(), "custom:user_id".into()),
            ("INBOX_GRAPH_BASE".into(), format!("{}/v21.0", graph.uri())),
            ("INBOX_PUBLIC_URL".into(), "https://inbox.e2e.example".into()),
        ];
        env.extend(template_queues(name, &urls));
        // Every function as the template's globals set it: the stream tells what it writes.
        if template_block("Function").iter().any(|l| l.trim() == "INBOX_FANOUT: stream") {
            env.push(("INBOX_FANOUT".into(), "stream".into()));
        }
        if template_block(name).iter().any(|l| l.trim() == "INBOX_TOKEN_KEY_ID: !Ref TokenKey") {
            env.push(("INBOX_TOKEN_KEY_ID".into(), token_key.clone()));
        }
        if let Some(path) = template_block(name)
            .iter()
            .find_map(|l| l.trim().strip_prefix("INBOX_MAIL_SECRETS_PATH: !Sub ${SecretsPath}").map(String::from))
        {
            env.push(("INBOX_MAIL_SECRETS_PATH".into(), format!("{root}{path}")));
        }
        let mut config = LambdaConfig::from_lookup(|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).expect("config");
        let aws = Aws::with_sdk(sdk.clone(), &config).with_meter(&meter);
        aws.mail_secrets(&mut config).await.expect("mail secrets");
        let deps = aws.deps(&config).expect("deps");
        (config, deps)
    };
    let (config, deps) = function("ApiFunction").await;
    let (webhook_config, webhook_deps) = function("WebhookFunction").await;
    let (_, ingest_deps) = function("IngestFunction").await;
    let (_, notifier_deps) = function("NotifierFunction").await;
    let (actions_config, actions_deps) = function("ActionsFunction").await;
    let (fanout_config, _) = function("FanoutFunction").await;
    assert!(fanout_config.fanout_from_stream, "the template's functions leave the telling to the stream");
    let fanout = Aws::with_sdk(sdk.clone(), &fanout_config).with_meter(&meter);
    let mut stream = moto::StreamReader::open(&tables, &table).await;
    let aws = Aws::with_sdk(sdk.clone(), &config);

    // The account: Alice (admin), Bob (a member who gets emails), one Facebook Page.
    let now = chrono::Utc::now();
    let (acc, alice, bob, page): (AccountId, UserId, UserId, ProfileId) =
        ("acc_e2e".into(), "usr_alice".into(), "usr_bob".into(), "prf_page".into());
    deps.directory.put_account(&Account { id: acc.clone(), name: "E2E".into(), created_at: now }).await.unwrap();
    let profile = Profile {
        id: page.clone(),
        account_id: acc.clone(),
        network: Network::Facebook,
        external_id: PAGE_ID.into(),
        name: "Shop".into(),
        handle: "shop".into(),
        // Sealed by the API function (KMS on moto), opened by the actions function.
        credentials: Credentials {
            access_token: Some(
                deps.cipher.seal(&presence_context(Network::Facebook, PAGE_ID), &SecretString::new("EAAG-e2e-page-token")).await.unwrap(),
            ),
            ..Default::default()
        },
        bot_app_id: None,
        created_at: now,
    };
    deps.directory.put_profile(&profile).await.unwrap();
    for (id, name, role) in [(&alice, "Alice", Role::Admin), (&bob, "Bob", Role::Member)] {
        let user = User {
            id: id.clone(),
            account_id: acc.clone(),
            name: name.into(),
            email: format!("{}@e2e.example", name.to_lowercase()).into(),
            role,
            inbox_access: true,
            email_notifications: true,
            profile_ids: BTreeSet::from([page.clone()]),
            created_at: now,
        };
        deps.directory.put_user(&user).await.unwrap();
    }

    // 1. The webhook function: a signed Meta comment, as API Gateway hands it over.
    let webhook_path = format!("{root}/webhook");
    let webhook_secrets =
        WebSecrets::webhook(&Secrets::load(&aws.ssm, &webhook_path).await.expect("secrets"), &webhook_path).expect("webhook secrets");
    let webhook = runtime::http_app(fn_webhook::router(), runtime::web_state(webhook_deps.clone(), &webhook_config, &webhook_secrets));
    let body =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/fixtures/meta_feed_comment_add.json")).expect("fixture");
    let signature = inbox_platforms::signature::sign_meta(META_SECRET.as_bytes(), body.as_bytes());
    let (status, answer) = call(
        &webhook,
        gateway_event(
            "POST",
            "/webhooks/meta",
            json!({"content-type": "application/json", "x-hub-signature-256": signature}),
            Some(&body),
            None,
        ),
    )
    .await;
    assert_eq!((status, &answer["status"]), (200, &json!("queued")), "{answer}");
    let (status, _) = call(
        &webhook,
        gateway_event(
            "POST",
            "/webhooks/meta",
            json!({"content-type": "application/json", "x-hub-signature-256": "sha256=00"}),
            Some(&body),
            None,
        ),
    )
    .await;
    assert_eq!(status, 401, "a bad signature is refused");

    // 2. The ingest function: the queued body into DynamoDB.
    let before = meter.units();
    let ingested = drain(&sqs, &urls[&QueueName::Ingest], |b| {
        let deps = ingest_deps.clone();
        async move { fn_ingest::handle_message(&deps, &b).await }
    })
    .await;
    assert_eq!(ingested, 1);
    let first_event = meter.units() - before;

    // 2b. The ingest function sent none of what its write tells (a function killed right
    //     after the write would have lost nothing): the table's stream, through the fanout
    //     function, does. The stream gives a failed batch again: the same ids again.
    assert!(moto::take_json(&sqs, &urls[&QueueName::Events]).await.is_empty(), "the writer sends no event itself");
    // No subscription, no Salesforce rule: nothing takes the account's events, none is sent.
    assert_eq!(fan_out(&mut stream, &fanout).await, 0);
    assert!(moto::take_json(&sqs, &urls[&QueueName::Events]).await.is_empty());
    // With a subscription (of every kind), the same records tell both.
    deps.subscriptions.insert_subscription(&inbox_conformance::store::subscription_to_all("acc_e2e"), 50).await.unwrap();
    // As its main.rs wires it: the function keeps an account's subscriptions and Salesforce
    // connection 30 s (so the first batch of an account reads them, the next ones do not).
    let fanout = Aws::with_sdk(sdk.clone(), &fanout_config).with_meter(&meter).keeping_lookups();
    let mut stream = moto::StreamReader::open(&tables, &table).await;
    let before = meter.units();
    assert_eq!(fan_out(&mut stream, &fanout).await, 2);
    let fanout_first = meter.units() - before;
    let events = moto::take_json(&sqs, &urls[&QueueName::Events]).await;
    assert_eq!(kinds(&events), ["conversation.created", "item.received"], "{events:?}");
    assert!(events[1]["data"]["item"]["text"].as_str().unwrap_or_default().contains("size M"), "{events:?}");
    let mut again = moto::StreamReader::open(&tables, &table).await;
    fan_out(&mut again, &fanout).await;
    let replayed = moto::take_json(&sqs, &urls[&QueueName::Events]).await;
    let ids = |v: &[serde_json::Value]| v.iter().map(|e| e["id"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&replayed), ids(&events), "a replayed batch tells the same events, by the same ids");

    // 3. The API function, behind the JWT authorizer: Alice sees the conversation.
    let api_path = format!("{root}/api");
    let api_secrets =
        WebSecrets::api(&Secrets::load(&aws.ssm, &api_path).await.expect("secrets"), &api_path, &config.auth).expect("api secrets");
    let api = runtime::http_app(fn_api::router(), runtime::web_state(deps.clone(), &config, &api_secrets));
    let alice_claims = json!({"sub": "cognito-uuid-alice", "custom:user_id": "usr_alice", "custom:account_id": "acc_e2e"});
    let before = meter.units();
    let (status, feed) = call(&api, gateway_event("GET", "/api/conversations", json!({}), None, Some(alice_claims.clone()))).await;
    let feed_page = meter.units() - before;
    assert_eq!(status, 200, "{feed}");
    let conversations = feed["conversations"].as_array().expect("conversations");
    assert_eq!(conversations.len(), 1, "{feed}");
    assert!(conversations[0]["excerpt"].as_str().unwrap_or_default().contains("size M"), "{feed}");
    let id = conversations[0]["id"].as_str().expect("id").to_string();

    // 3b. The actions function reads the comment's original post (queued by the ingest) from
    // the Graph API; the API answers it from the cache.
    let post = "104857600000001_122100000000000001";
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path(format!("/v21.0/{post}")))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(json!({"id": post, "message": "The tent is back in stock",
            "promotion_status": "inactive", "is_published": true})))
        .expect(1)
        .mount(&graph)
        .await;
    let client = Aws::with_sdk(sdk.clone(), &actions_config).platform_client(&actions_config).expect("client");
    let before = meter.units();
    let fetched = drain(&sqs, &urls[&QueueName::Actions], |b| {
        let (deps, client) = (actions_deps.clone(), client.clone());
        async move { fn_actions::handle_message(&deps, client.as_ref(), &b).await }
    })
    .await;
    assert_eq!(fetched, 1, "one job: the post of the new conversation");
    let post_fetch = meter.units() - before;
    graph.verify().await;
    let (status, answer) =
        call(&api, gateway_event("GET", &format!("/api/conversations/{id}/post"), json!({}), None, Some(alice_claims.clone()))).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ready")), "{answer}");
    assert_eq!(answer["post"]["text"], "The tent is back in stock");

    let (status, _) = call(&api, gateway_event("GET", "/api/conversations", json!({"authorization": "Bearer forged"}), None, None)).await;
    assert_eq!(status, 401, "no verified claims, no caller (a header is never trusted)");
    let other = json!({"custom:user_id": "usr_alice", "custom:account_id": "acc_other"});
    let (status, _) = call(&api, gateway_event("GET", "/api/conversations", json!({}), None, Some(other))).await;
    assert_eq!(status, 401, "claims of a user another account does not have");

    // 3c. Zapier: its routes have no JWT authorizer (template.yaml), so its requests reach the
    // function with no claims, and the function checks the account's API key itself.
    let json_body = json!({"content-type": "application/json"});
    let (status, key) =
        call(&api, gateway_event("POST", "/api/api-keys", json_body, Some(r#"{"name": "Zapier"}"#), Some(alice_claims.clone()))).await;
    assert_eq!(status, 201, "{key}");
    let key = key["key"].as_str().expect("the key, shown once").to_string();
    for headers in [json!({"x-api-key": key}), json!({"authorization": format!("Bearer {key}")})] {
        let (status, me) = call(&api, gateway_event("GET", "/api/zapier/me", headers, None, None)).await;
        assert_eq!(status, 200, "{me}");
    }
    let (status, _) = call(&api, gateway_event("GET", "/api/zapier/me", json!({"x-api-key": "ink_forged"}), None, None)).await;
    assert_eq!(status, 401, "a key that is not the account's");
    let (status, _) = call(&api, gateway_event("GET", "/api/conversations", json!({"x-api-key": key}), None, None)).await;
    assert_eq!(status, 401, "a key reaches the Zapier routes only");

    // 4. Alice assigns it to Bob: the notifier emails him through SES.
    let before = meter.units();
    let (status, assigned) = call(
        &api,
        gateway_event(
            "POST",
            &format!("/api/conversations/{id}/assign"),
            json!({"content-type": "application/json"}),
            Some(r#"{"user_id": "usr_bob"}"#),
            Some(alice_claims.clone()),
        ),
    )
    .await;
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["assignee_id"], json!("usr_bob"));
    let assignment = meter.units() - before;
    assert_eq!(fan_out(&mut stream, &fanout).await, 2, "the assignment: one notification, one event");
    assert_eq!(kinds(&moto::take_json(&sqs, &urls[&QueueName::Events]).await), ["conversation.assigned"]);
    let notified = drain(&sqs, &urls[&QueueName::Notify], |b| {
        let deps = notifier_deps.clone();
        async move { fn_notifier::handle_message(&deps, &b).await }
    })
    .await;
    assert!(notified >= 1);
    let emails = moto::emails_from(&from).await;
    assert_eq!(emails.len(), 1, "one email: {emails:?}");
    // moto adds the message's own To to the destinations SES was given: either way, Bob only.
    assert!(emails[0].to.iter().all(|t| t == "bob@e2e.example"), "{:?}", emails[0].to);
    let email = inbox_conformance::mail::parse_message(&emails[0].raw);
    assert_eq!(email.to, ["bob@e2e.example"]);
    assert!(email.subject.contains("Alice") && email.subject.contains("Facebook comment"), "{email:?}");
    assert!(email.html.contains("size M") && email.body.contains("size M"), "both parts quote the conversation: {email:?}");
    let link = format!("https://inbox.e2e.example/conversations/{id}");
    assert!(email.html.contains(&link) && email.body.contains(&link), "a link to open it: {email:?}");
    let unsubscribe = email.header("List-Unsubscribe").expect("a one-click unsubscribe").to_string();
    let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
    assert!(
        unsubscribe.starts_with(&format!("<https://inbox.e2e.example/api/unsubscribe?t={}.{}.", b64("acc_e2e"), b64("usr_bob"))),
        "{unsubscribe}"
    );
    assert_eq!(email.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    // The one-click POST turns Bob's emails off (through the API function, no sign-in), once
    // and for Bob only; a forged token changes nothing.
    let token = unsubscribe.trim_matches(|c| c == '<' || c == '>').split("t=").nth(1).unwrap().to_string();
    let forged = token.replacen(&b64("usr_bob"), &b64("usr_alice"), 1);
    let one_click = |t: &str| {
        gateway_event(
            "POST",
            &format!("/api/unsubscribe?t={t}"),
            json!({"content-type": "application/x-www-form-urlencoded"}),
            Some("List-Unsubscribe=One-Click"),
            None,
        )
    };
    let (status, _) = call(&api, one_click(&forged)).await;
    assert_eq!(status, 404, "a forged token");
    let (status, _) = call(&api, one_click(&token)).await;
    assert_eq!(status, 200);
    assert!(!deps.directory.get_user(&acc, &bob).await.unwrap().unwrap().email_notifications);
    assert!(deps.directory.get_user(&acc, &alice).await.unwrap().unwrap().email_notifications);
    let bob_notes = deps.notifications.list_notifications(&bob, 10).await.unwrap();
    assert_eq!(bob_notes.len(), 1, "and one in-app notification");

    // 5. A reply to the comment joins its conversation: what a new item of a known thread costs.
    let reply = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/fixtures/meta_feed_comment_reply_add.json"))
        .expect("fixture");
    let signature = inbox_platforms::signature::sign_meta(META_SECRET.as_bytes(), reply.as_bytes());
    let headers = json!({"content-type": "application/json", "x-hub-signature-256": signature});
    let (status, _) = call(&webhook, gateway_event("POST", "/webhooks/meta", headers, Some(&reply), None)).await;
    assert_eq!(status, 200);
    let before = meter.units();
    let ingested = drain(&sqs, &urls[&QueueName::Ingest], |b| {
        let deps = ingest_deps.clone();
        async move { fn_ingest::handle_message(&deps, &b).await }
    })
    .await;
    assert_eq!(ingested, 1);
    let next_event = meter.units() - before;
    let before = meter.units();
    assert_eq!(fan_out(&mut stream, &fanout).await, 1);
    let fanout_next = meter.units() - before;
    assert_eq!(kinds(&moto::take_json(&sqs, &urls[&QueueName::Events]).await), ["item.received"]);
    let (_, feed) = call(&api, gateway_event("GET", "/api/conversations", json!({}), None, Some(alice_claims))).await;
    assert_eq!(feed["conversations"].as_array().map(Vec::len), Some(1), "the reply joined the conversation: {feed}");

    // 6. One delivery batching twelve comments (two entries, several changes each): queued
    //    one change a message, each ingested on its own, every comment stored once.
    let change = |i: usize| {
        json!({"field": "feed", "value": {"from": {"id": format!("2610000000000{i:04}"), "name": "Fan"},
            "message": format!("comment number {i}"), "post_id": "104857600000001_122100000000000002",
            "comment_id": format!("122100000000000002_19000000000{i:05}"), "created_time": 1767225700 + i,
            "item": "comment", "parent_id": "104857600000001_122100000000000002", "verb": "add"}})
    };
    let batched = json!({"object": "page", "entry": [
        {"id": PAGE_ID, "time": 1767225800, "changes": (0..7).map(change).collect::<Vec<_>>()},
        {"id": PAGE_ID, "time": 1767225801, "changes": (7..12).map(change).collect::<Vec<_>>()},
    ]})
    .to_string();
    let signature = inbox_platforms::signature::sign_meta(META_SECRET.as_bytes(), batched.as_bytes());
    let headers = json!({"content-type": "application/json", "x-hub-signature-256": signature});
    let (status, _) = call(&webhook, gateway_event("POST", "/webhooks/meta", headers, Some(&batched), None)).await;
    assert_eq!(status, 200);
    let ingested = drain(&sqs, &urls[&QueueName::Ingest], |b| {
        let deps = ingest_deps.clone();
        async move {
            let report = fn_ingest::handle_message(&deps, &b).await?;
            assert_eq!(report.created + report.appended, 1, "one change a message: {report:?}");
            Ok::<_, fn_ingest::IngestError>(report)
        }
    })
    .await;
    assert_eq!(ingested, 12, "one message per change");
    for i in 0..12 {
        let comment = format!("122100000000000002_19000000000{i:05}");
        assert!(deps.conversations.find_item(&page, &comment).await.unwrap().is_some(), "{comment} stored");
    }
    // Told in one batch of the stream: their conversations read in one request.
    let before = meter.units();
    fan_out(&mut stream, &fanout).await;
    let fanout_batch = meter.units() - before;
    let told = moto::take_json(&sqs, &urls[&QueueName::Events]).await;
    assert_eq!(told.iter().filter(|e| e["type"] == "item.received").count(), 12, "{:?}", kinds(&told));

    // What each step cost, counted by the adapter (docs/aws.md, "Access patterns and their
    // cost", has the same figures worked out by hand). The bounds keep the cost per event from
    // creeping up unnoticed: raise them only with a reason in that table.
    for (what, u) in [
        ("first event of a thread", first_event),
        ("its original post", post_fetch),
        ("next event of the thread", next_event),
        ("feed page", feed_page),
        ("assignment", assignment),
        ("fan-out of a first event", fanout_first),
        ("fan-out of a next event", fanout_next),
        ("fan-out of 12 in one batch", fanout_batch),
    ] {
        eprintln!(
            "capacity: {what:<26} {:>3} requests {:>5.1} RRU {:>3} WRU {:>3} index WRU (at least)",
            u.requests, u.read_units, u.write_units, u.index_write_units
        );
    }
    assert!(first_event.write_units + first_event.index_write_units <= 10, "{first_event:?}");
    assert!(next_event.write_units + next_event.index_write_units <= 9, "{next_event:?}");
    assert!(next_event.read_units <= 10.0, "{next_event:?}");

    // A dump of the table, after every function has run: no usable token in any record (the
    // profile, its external-id record, anything written since).
    let dynamo = inbox_aws::aws_sdk_dynamodb::Client::new(&sdk);
    let dump = format!("{:?}", dynamo.scan().table_name(&table).send().await.expect("a scan on moto").items());
    assert!(dump.contains("prf_page") && !dump.contains("EAAG-e2e-page-token"), "the table holds the Page token in the clear");
}
