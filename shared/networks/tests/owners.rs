//! `HttpPlatformClient::token_owners` on the wire: the identity call of each network (method,
//! path, exact query, headers), its answer read from the oauth fixtures, and its failures.

mod common;

use common::*;
use inbox_domain::ports::{ActionError, PlatformClient};
use inbox_domain::{Credentials, Network};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn creds() -> Credentials {
    Credentials { access_token: Some(TOKEN.into()), token_secret: None, expires_at: None }
}

async fn owners_of(server: &MockServer, network: Network) -> Result<Vec<String>, ActionError> {
    client(server).token_owners(network, &creds()).await
}

#[tokio::test]
async fn each_network_is_asked_with_the_token_and_answers_its_owner() {
    let server = MockServer::start().await;
    let bearer = format!("Bearer {TOKEN}");
    let meta = fixture("oauth_meta_debug_token.json");
    Mock::given(method("GET"))
        .and(path("/v21.0/me"))
        .and(query_is("fields=id,name"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(ok_json(&meta["cheap_check"]["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let pages = fixture("oauth_meta_list_pages.json");
    Mock::given(method("GET"))
        .and(path("/v21.0/me"))
        .and(query_is("fields=id,name,instagram_business_account"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(ok_json(&pages["instagram_lookup"]["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let x = fixture("oauth_x_users_me.json");
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(no_query())
        .and(header("authorization", bearer.as_str()))
        .respond_with(ok_json(&x["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let li = fixture("oauth_linkedin_org_acls.json");
    Mock::given(method("GET"))
        .and(path("/rest/organizationAcls"))
        .and(query_is("q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start=0&count=100"))
        .and(header("authorization", bearer.as_str()))
        .and(header("linkedin-version", "202508"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .respond_with(ok_json(&li["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    let yt = fixture("oauth_google_channels_mine.json");
    Mock::given(method("GET"))
        .and(path("/youtube/v3/channels"))
        .and(query_is("part=id&mine=true"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(ok_json(&yt["response"]["body"]))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(owners_of(&server, Network::Facebook).await.unwrap(), ["104857600000001"]);
    assert_eq!(owners_of(&server, Network::Instagram).await.unwrap(), ["17841400000000001"]);
    assert_eq!(owners_of(&server, Network::Twitter).await.unwrap(), ["1500000000000000001"]);
    assert_eq!(owners_of(&server, Network::Linkedin).await.unwrap(), ["5515715", "8100001"]);
    assert_eq!(owners_of(&server, Network::Youtube).await.unwrap(), ["UCfakeChannelId00000001"]);
    server.verify().await;
}

#[tokio::test]
async fn linkedin_pages_through_every_organisation() {
    let server = MockServer::start().await;
    let page = |start: u64, ids: &[&str]| {
        let elements: Vec<_> = ids
            .iter()
            .map(|i| serde_json::json!({"organization": format!("urn:li:organization:{i}"), "role": "ADMINISTRATOR", "state": "APPROVED"}))
            .collect();
        serde_json::json!({"paging": {"start": start, "count": 100, "total": 150}, "elements": elements})
    };
    for (start, ids) in [(0, vec!["1", "2"]), (100, vec!["3"])] {
        Mock::given(method("GET"))
            .and(path("/rest/organizationAcls"))
            .and(query_is(&format!("q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start={start}&count=100")))
            .respond_with(ok_json(&page(start, &ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    assert_eq!(owners_of(&server, Network::Linkedin).await.unwrap(), ["1", "2", "3"]);
    server.verify().await;
}

#[tokio::test]
async fn a_refused_token_is_a_reconnect_in_words_without_the_token() {
    let server = MockServer::start().await;
    let expired = fixture("oauth_meta_error_expired.json");
    let body = expired["expired"]["body"].clone();
    Mock::given(method("GET")).and(path("/v21.0/me")).respond_with(ResponseTemplate::new(400).set_body_json(&body)).mount(&server).await;
    let x = fixture("oauth_x_error_expired.json");
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(&x["api_access_token_expired_or_revoked"]["body"]))
        .mount(&server)
        .await;
    for network in [Network::Facebook, Network::Twitter] {
        let e = owners_of(&server, network).await.unwrap_err();
        assert!(matches!(e, ActionError::NeedsReconnect(_)), "{network}: {e:?}");
        assert!(!e.to_string().contains(TOKEN), "{e}");
    }
    // No token at all: nothing is sent.
    let none = client(&server).token_owners(Network::Youtube, &Credentials::default()).await.unwrap_err();
    assert!(matches!(none, ActionError::NeedsReconnect(_)));
}
