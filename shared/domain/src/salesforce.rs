//! Salesforce Cases: an account's connection (instance, OAuth client, refresh token: secrets
//! kept, never shown), the Case a conversation becomes, and the rule that makes one
//! automatically for conversations matching a saved search. Pure rules; the use cases are in
//! [`crate::usecases::integrations`], the HTTP client behind [`SalesforceClient`](crate::ports::SalesforceClient).

use crate::ids::*;
use crate::model::*;
use crate::search::SearchQuery;
use crate::tabs::{AssigneeSelector, Filters};
use serde::{Deserialize, Serialize};

/// Where refresh tokens are exchanged by default (production orgs; sandboxes use
/// `https://test.salesforce.com/services/oauth2/token`, My Domain orgs their own host).
pub const DEFAULT_TOKEN_URL: &str = "https://login.salesforce.com/services/oauth2/token";
/// The REST API version the client speaks.
pub const API_VERSION: &str = "v62.0";

/// One account's Salesforce connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesforceConnection {
    pub account_id: AccountId,
    /// `https://<my domain>.my.salesforce.com` (no trailing slash).
    pub instance_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub refresh_token: SecretString,
    /// The last access token the refresh token gave (refreshed on a 401).
    pub access_token: Option<SecretString>,
    /// A Case field marked "External ID" that holds the conversation id. When set, Cases are
    /// upserted by it, so a retry after a crash finds the Case made before instead of making
    /// another.
    pub external_id_field: Option<String>,
    pub rule: Option<CaseRule>,
    pub connected_by: UserId,
    pub connected_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Makes a Case for every conversation that matches a saved search (a tab's filters and
/// query, copied when the rule is set; `me` means the admin who set it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRule {
    pub tab_id: TabId,
    pub name: String,
    pub filters: Filters,
    pub query: String,
    pub owner: UserId,
}

/// What a Case is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    /// The conversation it comes from (also the external id, when the connection has one).
    pub conversation_id: ConversationId,
    pub subject: String,
    pub description: String,
    /// The network, as Salesforce's `Origin` picklist shows it.
    pub origin: String,
    /// The author's name and handle.
    pub supplied_name: String,
}

/// What an account's Salesforce credentials are sealed for, where they are stored.
pub fn secrets_context(account: &AccountId) -> String {
    format!("salesforce:{account}")
}

/// How a network is named in a Case.
pub fn origin(network: Network, kind: Kind) -> &'static str {
    match (network, kind) {
        (Network::Facebook, Kind::Dm) => "Messenger",
        (Network::Facebook, _) => "Facebook",
        (Network::Instagram, _) => "Instagram",
        (Network::Twitter, _) => "X",
        (Network::Linkedin, _) => "LinkedIn",
        (Network::Youtube, _) => "YouTube",
    }
}

fn cut(s: &str, max: usize) -> String {
    crate::shorten(s, max)
}

fn who(a: &Author) -> String {
    match (a.name.trim(), a.handle.trim()) {
        ("", "") => a.id.clone(),
        (name, "") => name.to_string(),
        ("", handle) => format!("@{handle}"),
        (name, handle) => format!("{name} (@{handle})"),
    }
}

/// The Case of a conversation: subject from its first words, the thread as the description
/// (deleted items left out), the network as origin, the author's name and handle.
pub fn case_request(conversation: &Conversation, items: &[Item], profile: Option<&Profile>) -> CaseRequest {
    let c = conversation;
    let network = origin(c.network, c.kind);
    let first = items.iter().filter(|i| i.direction == Direction::Inbound && !i.deleted).min_by_key(|i| i.created_at);
    let headline = first.map_or(c.excerpt.as_str(), |i| i.text.as_str()).split_whitespace().collect::<Vec<_>>().join(" ");
    let subject = cut(&format!("[{network}] {headline}"), 255);
    let mut description = format!(
        "{} {} from {} on {}{}\nConversation {} in the social inbox\n\n",
        network,
        c.kind,
        who(&c.author),
        profile.map_or_else(
            || c.network.to_string(),
            |p| who(&Author { id: p.external_id.clone(), name: p.name.clone(), handle: p.handle.clone() })
        ),
        if c.sponsored { " (sponsored content)" } else { "" },
        c.id,
    );
    let mut thread: Vec<&Item> = items.iter().filter(|i| !i.deleted).collect();
    thread.sort_by_key(|i| i.created_at);
    for i in thread {
        let arrow = if i.direction == Direction::Inbound { "" } else { " (us)" };
        description.push_str(&format!("[{}] {}{}: {}\n", i.created_at.format("%Y-%m-%d %H:%M UTC"), who(&i.author), arrow, i.text.trim()));
    }
    CaseRequest {
        conversation_id: c.id.clone(),
        subject,
        description: cut(&description, 32_000),
        origin: network.to_string(),
        supplied_name: cut(&who(&c.author), 80),
    }
}

/// Where a Case opens in Lightning.
pub fn case_url(instance_url: &str, case_id: &str) -> String {
    format!("{}/lightning/r/Case/{case_id}/view", instance_url.trim_end_matches('/'))
}

/// Whether `conversation` (with its thread `items`) matches the rule's saved search. `seen` is
/// a per-user filter and does not apply to a rule.
pub fn rule_matches(rule: &CaseRule, conversation: &Conversation, items: &[Item]) -> bool {
    let c = conversation;
    let f = &rule.filters;
    if f.status.status().is_some_and(|s| s != c.status)
        || (!f.networks.is_empty() && !f.networks.contains(&c.network))
        || (!f.profiles.is_empty() && !f.profiles.contains(&c.profile_id))
        || (!f.kinds.is_empty() && !f.kinds.contains(&c.kind))
        || f.sponsored.is_some_and(|s| s != c.sponsored)
    {
        return false;
    }
    let assignee_ok = match f.assignee.as_ref().map(|a| a.resolve(&rule.owner)) {
        None => true,
        Some(AssigneeSelector::Unassigned) => c.assignee_id.is_none(),
        Some(AssigneeSelector::Anyone) => c.assignee_id.is_some(),
        Some(AssigneeSelector::User(u)) => c.assignee_id.as_ref() == Some(&u),
    };
    if !assignee_ok {
        return false;
    }
    let query = SearchQuery::parse(&rule.query);
    // The same rule the stores search with: the messages' texts, deleted ones left out.
    query.is_empty() || query.matches_texts(items.iter().filter(|i| !i.deleted).map(|i| i.text.as_str()))
}

/// Checks a Salesforce field API name (`Inbox_Conversation_Id__c`).
pub fn validate_field_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    let ok = !n.is_empty()
        && n.len() <= 80
        && n.starts_with(|c: char| c.is_ascii_alphabetic())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok { Ok(n.to_string()) } else { Err(format!("\"{}\" is not a Salesforce field name", cut(n, 40))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabs::{AssigneeFilter, StatusFilter};

    fn conv() -> Conversation {
        let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
        Conversation {
            id: "cnv_1".into(),
            account_id: "acc_1".into(),
            profile_id: "prf_fb".into(),
            network: Network::Facebook,
            kind: Kind::Dm,
            thread_key: "psid".into(),
            status: Status::Open,
            assignee_id: None,
            sponsored: false,
            last_inbound_at: at,
            last_received_at: None,
            created_at: at,
            author: Author { id: "psid".into(), name: "Jane Customer".into(), handle: "jane.c".into() },
            excerpt: "Hello, my order #1234 has not arrived".into(),
            thread_owner: None,
            version: 2,
            salesforce_case: None,
            post_id: None,
        }
    }

    fn item(text: &str, direction: Direction, minutes: i64, deleted: bool) -> Item {
        let c = conv();
        Item {
            id: ItemId::generate(),
            conversation_id: c.id.clone(),
            direction,
            text: text.into(),
            author: if direction == Direction::Inbound {
                c.author.clone()
            } else {
                Author { id: "p".into(), name: "Demo Outdoor Co".into(), handle: "demooutdoor".into() }
            },
            created_at: c.created_at + chrono::Duration::minutes(minutes),
            platform_id: Some(format!("m{minutes}")),
            state: ItemState::Received,
            failure: None,
            deleted,
            edited: false,
            action: None,
            target: None,
            dm_recipient: None,
            retry: None,
        }
    }

    #[test]
    fn a_case_names_the_network_the_author_and_carries_the_thread() {
        let items = vec![
            item("Hello, my order #1234 has not arrived", Direction::Inbound, 0, false),
            item("Sorry! Checking now.", Direction::Outbound, 5, false),
            item("oops wrong chat", Direction::Inbound, 6, true),
        ];
        let r = case_request(&conv(), &items, None);
        assert_eq!(r.subject, "[Messenger] Hello, my order #1234 has not arrived");
        assert_eq!(r.origin, "Messenger");
        assert_eq!(r.supplied_name, "Jane Customer (@jane.c)");
        assert!(r.description.contains("[2026-01-01 10:00 UTC] Jane Customer (@jane.c): Hello, my order #1234 has not arrived"));
        assert!(r.description.contains("Demo Outdoor Co (@demooutdoor) (us): Sorry! Checking now."));
        assert!(!r.description.contains("wrong chat"), "deleted items stay out");
        assert_eq!(case_url("https://acme.my.salesforce.com/", "500X"), "https://acme.my.salesforce.com/lightning/r/Case/500X/view");
    }

    #[test]
    fn long_subjects_are_cut_to_salesforce_lengths() {
        let items = vec![item(&"word ".repeat(200), Direction::Inbound, 0, false)];
        let r = case_request(&conv(), &items, None);
        assert_eq!(r.subject.chars().count(), 255);
        assert!(r.subject.ends_with('…'));
    }

    #[test]
    fn rules_match_like_the_saved_search() {
        let owner = UserId::from("usr_admin");
        let mut rule = CaseRule {
            tab_id: "tab_1".into(),
            name: "Orders".into(),
            filters: Filters { status: StatusFilter::Open, networks: vec![Network::Facebook], ..Filters::default() },
            query: "order -refund".into(),
            owner: owner.clone(),
        };
        let c = conv();
        let items = vec![item("where is my order?", Direction::Inbound, 0, false)];
        assert!(rule_matches(&rule, &c, &items));
        assert!(!rule_matches(&rule, &c, &[item("I want a refund for my order", Direction::Inbound, 0, false)]));
        assert!(!rule_matches(&rule, &Conversation { status: Status::Closed, ..c.clone() }, &items));
        assert!(!rule_matches(&rule, &Conversation { network: Network::Twitter, ..c.clone() }, &items));
        rule.filters.assignee = Some(AssigneeFilter::Me);
        assert!(!rule_matches(&rule, &c, &items));
        assert!(rule_matches(&rule, &Conversation { assignee_id: Some(owner), ..c.clone() }, &items));
        // A phrase never spans two messages.
        rule.filters.assignee = None;
        rule.query = "\"order please\"".into();
        let two = vec![item("my order", Direction::Inbound, 0, false), item("please", Direction::Inbound, 1, false)];
        assert!(!rule_matches(&rule, &c, &two));
    }

    #[test]
    fn field_names_are_api_names() {
        assert_eq!(validate_field_name(" Inbox_Conversation_Id__c ").unwrap(), "Inbox_Conversation_Id__c");
        assert!(validate_field_name("1abc").is_err());
        assert!(validate_field_name("a/b").is_err());
        assert!(validate_field_name("").is_err());
    }
}
