//! `HttpPlatformClient::token_owners` on the wire: the identity call of each network (method,
//! path, exact query, headers), its answer read from the oauth fixtures, and its failures.

mod common;

use common::*;
use inbox_domain::ports::{ActionError, PlatformClient};
use inbox_domain::{Network, SecretString};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn creds() -> SecretString {
    SecretString::new(TOKEN)
}

async fn owners_of(server: &MockServer, network: Network) -> Result<Vec<String>, ActionError> {
    client(server).token_owners(network, &creds()).await
}

/// A network's identity call, as the mock expects it, and what it answers.
struct Identity {
    network: Network,
    path: &'static str,
    /// The exact query, or none at all.
    query: Option<&'static str>,
    /// Headers beyond the token.
    headers: &'static [(&'static str, &'static str)],
    /// The oauth fixture and the answer in it (a JSON pointer).
    fixture: &'static str,
    answer: &'static str,
    owners: &'static [&'static str],
}

const IDENTITIES: [Identity; 5] = [
    Identity {
        network: Network::Facebook,
        path: "/v21.0/me",
        query: Some("fields=id,name"),
        headers: &[],
        fixture: "oauth_meta_debug_token.json",
        answer: "/cheap_check/response/body",
        owners: &["104857600000001"],
    },
    Identity {
        network: Network::Instagram,
        path: "/v21.0/me",
        query: Some("fields=id,name,instagram_business_account"),
        headers: &[],
        fixture: "oauth_meta_list_pages.json",
        answer: "/instagram_lookup/response/body",
        owners: &["17841400000000001"],
    },
    Identity {
        network: Network::Twitter,
        path: "/2/users/me",
        query: None,
        headers: &[],
        fixture: "oauth_x_users_me.json",
        answer: "/response/body",
        owners: &["1500000000000000001"],
    },
    Identity {
        network: Network::Linkedin,
        path: "/rest/organizationAcls",
        query: Some("q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start=0&count=100"),
        headers: &[("linkedin-version", "202508"), ("x-restli-protocol-version", "2.0.0")],
        fixture: "oauth_linkedin_org_acls.json",
        answer: "/response/body",
        owners: &["5515715", "8100001"],
    },
    Identity {
        network: Network::Youtube,
        path: "/youtube/v3/channels",
        query: Some("part=id&mine=true"),
        headers: &[],
        fixture: "oauth_google_channels_mine.json",
        answer: "/response/body",
        owners: &["UCfakeChannelId00000001"],
    },
];

#[tokio::test]
async fn each_network_is_asked_with_the_token_and_answers_its_owner() {
    let server = MockServer::start().await;
    let bearer = format!("Bearer {TOKEN}");
    for id in &IDENTITIES {
        let query = id.query;
        let mut mock = Mock::given(method("GET"))
            .and(path(id.path))
            .and(move |r: &wiremock::Request| r.url.query() == query)
            .and(header("authorization", bearer.as_str()));
        for (name, value) in id.headers {
            mock = mock.and(header(*name, *value));
        }
        let body = fixture(id.fixture).pointer(id.answer).unwrap_or_else(|| panic!("{}{}", id.fixture, id.answer)).clone();
        mock.respond_with(ok_json(&body)).expect(1).mount(&server).await;
    }
    for id in &IDENTITIES {
        assert_eq!(owners_of(&server, id.network).await.unwrap(), id.owners, "{}", id.network);
    }
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
    let none = client(&server).token_owners(Network::Youtube, &SecretString::new("  ")).await.unwrap_err();
    assert!(matches!(none, ActionError::NeedsReconnect(_)));
}
