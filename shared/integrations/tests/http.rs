//! The integration HTTP clients against fake servers (`wiremock`) that assert the exact
//! requests: signed webhook deliveries, the egress policy at send time, Salesforce Cases with the
//! refresh-token flow and their errors.

use chrono::{TimeZone, Utc};
use inbox_domain::ports::*;
use inbox_domain::salesforce::{CaseRequest, SalesforceConnection};
use inbox_domain::*;
use inbox_integrations::signature::{secret_key, sign, verify};
use inbox_integrations::{EgressPolicy, HttpSalesforceClient, HttpWebhookSender};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_json, body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn fixture(name: &str) -> Value {
    let p = format!("{}/../../tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))).unwrap()
}

fn loopback() -> Arc<EgressPolicy> {
    Arc::new(EgressPolicy::loopback_only())
}

fn hook(url: String, secret: &str) -> OutboundHook {
    OutboundHook {
        url,
        id: "evt_01HZX4A1B2C3".into(),
        timestamp: Utc.timestamp_opt(1_767_232_000, 0).unwrap(),
        body: r#"{"id":"evt_01HZX4A1B2C3","type":"conversation.created","created":1767232000,"data":{"conversation_id":"conv_02","platform":"x"}}"#.into(),
        secret: SecretString::new(secret),
    }
}

#[test]
fn the_signature_matches_the_spec_vector() {
    let v = &fixture("signature_test_vectors.json")["outbound"];
    let style = &v["standard_webhooks_style_raw_secret_bytes"];
    // The vector signs with the literal secret string as the key (see its note).
    let got = sign(
        v["secret"].as_str().unwrap().as_bytes(),
        "evt_01HZX4A1B2C3",
        v["timestamp"].as_str().unwrap(),
        v["body_string"].as_str().unwrap().as_bytes(),
    );
    assert_eq!(got, style["value"].as_str().unwrap());
    // The outbound fixture's headers carry the same id and timestamp as the vector.
    let event = fixture("outbound_webhook_event.json");
    assert_eq!(event["headers"]["Webhook-Id"], "evt_01HZX4A1B2C3");
    assert_eq!(event["headers"]["Webhook-Timestamp"], v["timestamp"]);
    assert_eq!(event["body_string"], v["body_string"]);
}

#[tokio::test]
async fn a_delivery_is_posted_with_the_standard_webhooks_headers_and_the_exact_body() {
    let server = MockServer::start().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let h = hook(format!("{}/hooks/in", server.uri()), secret);
    let expected_sig = sign(&secret_key(secret).unwrap(), &h.id, "1767232000", h.body.as_bytes());
    Mock::given(method("POST"))
        .and(path("/hooks/in"))
        .and(header("content-type", "application/json"))
        .and(header("webhook-id", "evt_01HZX4A1B2C3"))
        .and(header("webhook-timestamp", "1767232000"))
        // (wiremock's `header` splits values at commas; the signature has one)
        .and(raw_header("webhook-signature", &expected_sig))
        .and(body_string(h.body.clone()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let sender = HttpWebhookSender::new(loopback(), Duration::from_secs(5)).unwrap();
    assert_eq!(sender.send(&h).await, HookOutcome::Delivered { status: 204 });
    // What the receiver got verifies with the secret, and with nothing else.
    let got = &server.received_requests().await.unwrap()[0];
    let sig = got.headers.get("webhook-signature").unwrap().to_str().unwrap();
    assert!(verify(&secret_key(secret).unwrap(), "evt_01HZX4A1B2C3", "1767232000", &got.body, sig));
    assert!(!verify(&secret_key(secret).unwrap(), "evt_01HZX4A1B2C3", "1767232001", &got.body, sig), "another time is a replay");
    assert!(!verify(b"another key", "evt_01HZX4A1B2C3", "1767232000", &got.body, sig));
}

#[tokio::test]
async fn answers_become_outcomes_and_redirects_are_not_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/gone")).respond_with(ResponseTemplate::new(410)).expect(1).mount(&server).await;
    Mock::given(path("/boom")).respond_with(ResponseTemplate::new(500).set_body_string("database\n down")).expect(1).mount(&server).await;
    Mock::given(path("/moved"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/elsewhere", server.uri())))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    Mock::given(path("/slow")).respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3))).mount(&server).await;
    let sender = HttpWebhookSender::new(loopback(), Duration::from_secs(1)).unwrap();
    let s = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert_eq!(sender.send(&hook(format!("{}/gone", server.uri()), s)).await, HookOutcome::Gone { status: 410 });
    assert_eq!(
        sender.send(&hook(format!("{}/boom", server.uri()), s)).await,
        // A loopback receiver (allowed in tests) is not public: its words are not shown.
        HookOutcome::Failed {
            status: Some(500),
            error: "the receiver answered 500 (its words are not shown: it is not a public address)".into()
        }
    );
    assert!(matches!(sender.send(&hook(format!("{}/moved", server.uri()), s)).await, HookOutcome::Failed { status: Some(302), .. }));
    assert_eq!(
        sender.send(&hook(format!("{}/slow", server.uri()), s)).await,
        HookOutcome::Failed { status: None, error: "the receiver did not answer in time".into() }
    );
}

#[tokio::test]
async fn targets_that_resolve_to_private_addresses_are_refused_when_sending_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let port = server.address().port();
    // Public addresses only: the receiver on loopback must not be reached, neither by its
    // address nor by a name that resolves to it (what DNS rebinding would do).
    let sender = HttpWebhookSender::new(Arc::new(EgressPolicy::default()), Duration::from_secs(5)).unwrap();
    let s = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    match sender.send(&hook(format!("http://127.0.0.1:{port}/in"), s)).await {
        HookOutcome::Failed { status: None, error } => assert!(error.contains("refused") && error.contains("loopback"), "{error}"),
        other => panic!("{other:?}"),
    }
    match sender.send(&hook(format!("http://localhost:{port}/in"), s)).await {
        HookOutcome::Failed { status: None, error } => {
            assert!(error.contains("refused") && error.contains("localhost resolves to") && error.contains("loopback"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    // The same receiver, allow-listed, is reached.
    let allowed = HttpWebhookSender::new(loopback(), Duration::from_secs(5)).unwrap();
    server.verify().await; // nothing reached the receiver (`expect(0)`)
    server.reset().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    assert_eq!(allowed.send(&hook(format!("http://localhost:{port}/in"), s)).await, HookOutcome::Delivered { status: 200 });
}

// ---------------------------------------------------------------------------------------
// Salesforce

fn connection(server: &MockServer, access_token: Option<&str>) -> SalesforceConnection {
    let now = Utc::now();
    SalesforceConnection {
        account_id: "acc_1".into(),
        instance_url: server.uri(),
        token_url: format!("{}/services/oauth2/token", server.uri()),
        client_id: "3MVG9consumerKey".into(),
        client_secret: SecretString::new("consumerSecret"),
        refresh_token: SecretString::new("5Aep861refresh"),
        access_token: access_token.map(SecretString::new),
        external_id_field: None,
        rule: None,
        connected_by: "usr_1".into(),
        connected_at: now,
        updated_at: now,
    }
}

fn case() -> CaseRequest {
    CaseRequest {
        conversation_id: "cnv_42".into(),
        subject: "[Messenger] Hello, my order #1234 has not arrived".into(),
        description: "Messenger dm from Jane Customer\n\n[2026-01-01 10:00 UTC] Jane Customer: Hello, my order #1234 has not arrived\n"
            .into(),
        origin: "Messenger".into(),
        supplied_name: "Jane Customer (@jane.c)".into(),
    }
}

fn case_body() -> Value {
    let c = case();
    json!({"Subject": c.subject, "Description": c.description, "Origin": c.origin, "Status": "New", "Priority": "Medium", "SuppliedName": c.supplied_name})
}

const FORM: &str = "grant_type=refresh_token&refresh_token=5Aep861refresh&client_id=3MVG9consumerKey&client_secret=consumerSecret";
const CASES: &str = "/services/data/v62.0/sobjects/Case/";

fn token_answer(token: &str) -> ResponseTemplate {
    let mut body = fixture("salesforce_oauth_token.json")["response"]["body"].clone();
    body["access_token"] = json!(token);
    ResponseTemplate::new(200).set_body_json(body)
}

fn created() -> ResponseTemplate {
    let f = fixture("salesforce_case_create.json");
    ResponseTemplate::new(201).set_body_json(f["response"]["body"].clone())
}

fn client() -> HttpSalesforceClient {
    HttpSalesforceClient::new(loopback(), Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn a_case_is_created_with_the_cached_token_and_the_exact_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CASES))
        .and(header("authorization", "Bearer 00Dcached"))
        .and(header("content-type", "application/json"))
        .and(body_json(case_body()))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/services/oauth2/token")).respond_with(token_answer("unused")).expect(0).mount(&server).await;
    let attempt = client().create_case(&connection(&server, Some("00Dcached")), &case()).await;
    assert_eq!(attempt.result, Ok("500Dn00000AbCdEIAX".to_string()));
    assert!(attempt.refreshed_token.is_none());
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_once() {
    let server = MockServer::start().await;
    let f = fixture("salesforce_case_create.json");
    Mock::given(method("POST"))
        .and(path(CASES))
        .and(header("authorization", "Bearer 00Dexpired"))
        .respond_with(ResponseTemplate::new(401).set_body_json(f["error_session"]["body"].clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/services/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(FORM))
        .respond_with(token_answer("00Dfresh"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(CASES))
        .and(header("authorization", "Bearer 00Dfresh"))
        .and(body_json(case_body()))
        .respond_with(created())
        .expect(1)
        .mount(&server)
        .await;
    let attempt = client().create_case(&connection(&server, Some("00Dexpired")), &case()).await;
    assert_eq!(attempt.result, Ok("500Dn00000AbCdEIAX".to_string()));
    assert_eq!(attempt.refreshed_token, Some(SecretString::new("00Dfresh")), "the new token is kept by the caller");
}

#[tokio::test]
async fn a_second_401_after_refreshing_is_a_credentials_problem_not_a_loop() {
    let server = MockServer::start().await;
    let f = fixture("salesforce_case_create.json");
    Mock::given(path(CASES))
        .respond_with(ResponseTemplate::new(401).set_body_json(f["error_session"]["body"].clone()))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/services/oauth2/token")).respond_with(token_answer("00Dfresh")).expect(1).mount(&server).await;
    let attempt = client().create_case(&connection(&server, Some("00Dold")), &case()).await;
    assert_eq!(attempt.result, Err(CaseError::Auth("Session expired or invalid (INVALID_SESSION_ID)".into())));
}

#[tokio::test]
async fn without_a_cached_token_the_client_refreshes_first() {
    let server = MockServer::start().await;
    Mock::given(path("/services/oauth2/token"))
        .and(body_string(FORM))
        .respond_with(token_answer("00Dfirst"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(CASES)).and(header("authorization", "Bearer 00Dfirst")).respond_with(created()).expect(1).mount(&server).await;
    let attempt = client().create_case(&connection(&server, None), &case()).await;
    assert_eq!(attempt.result, Ok("500Dn00000AbCdEIAX".to_string()));
    assert_eq!(attempt.refreshed_token, Some(SecretString::new("00Dfirst")));
}

#[tokio::test]
async fn with_an_external_id_field_the_case_is_upserted_by_the_conversation_id() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/services/data/v62.0/sobjects/Case/Inbox_Conversation_Id__c/cnv_42"))
        .and(header("authorization", "Bearer 00Dcached"))
        .and(body_json(case_body()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "500Dn00000AbCdEIAX", "success": true, "errors": [], "created": false})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut conn = connection(&server, Some("00Dcached"));
    conn.external_id_field = Some("Inbox_Conversation_Id__c".into());
    assert_eq!(client().create_case(&conn, &case()).await.result, Ok("500Dn00000AbCdEIAX".to_string()));
}

#[tokio::test]
async fn salesforce_errors_come_back_in_its_words_without_tokens() {
    let server = MockServer::start().await;
    let f = fixture("salesforce_case_create.json");
    Mock::given(path(CASES))
        .and(header("authorization", "Bearer 00Dbadfield"))
        .respond_with(ResponseTemplate::new(400).set_body_json(f["error_invalid_field"]["body"].clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(CASES))
        .and(header("authorization", "Bearer 00Ddown"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client();
    assert_eq!(
        c.create_case(&connection(&server, Some("00Dbadfield")), &case()).await.result,
        Err(CaseError::Rejected("No such column 'Foo__c' on sobject of type Case (INVALID_FIELD)".into()))
    );
    assert_eq!(
        c.create_case(&connection(&server, Some("00Ddown")), &case()).await.result,
        Err(CaseError::Unavailable("Salesforce answered 503".into()))
    );

    // An expired refresh token: Salesforce's own description, and never the token.
    let server = MockServer::start().await;
    let o = fixture("salesforce_oauth_token.json");
    Mock::given(path("/services/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(o["error_invalid_grant"]["body"].clone()))
        .expect(2)
        .mount(&server)
        .await;
    let conn = connection(&server, None);
    let err = c.refresh(&conn).await.unwrap_err();
    assert_eq!(err, CaseError::Auth("expired access/refresh token".into()));
    let attempt = c.create_case(&conn, &case()).await;
    let message = attempt.result.unwrap_err().to_string();
    assert!(!message.contains("5Aep861refresh") && !message.contains("consumerSecret"), "{message}");

    // Nothing answers: worth retrying.
    let dead = connection(&server, Some("x"));
    let dead = SalesforceConnection { instance_url: "http://127.0.0.1:9".into(), ..dead };
    assert!(matches!(c.create_case(&dead, &case()).await.result, Err(CaseError::Unavailable(_))));
}

#[tokio::test]
async fn salesforce_at_a_refused_address_is_not_called() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any()).respond_with(token_answer("t")).expect(0).mount(&server).await;
    let c = HttpSalesforceClient::new(Arc::new(EgressPolicy::default()), Duration::from_secs(5)).unwrap();
    let err = c.refresh(&connection(&server, None)).await.unwrap_err();
    assert!(matches!(&err, CaseError::Rejected(m) if m.contains("loopback")), "{err:?}");
}

/// Matches a header's whole raw value.
fn raw_header(name: &'static str, value: &str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let value = value.to_string();
    move |r: &Request| r.headers.get(name).and_then(|v| v.to_str().ok()) == Some(value.as_str())
}
