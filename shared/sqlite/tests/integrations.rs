//! The integration adapters' contracts: subscriptions under optimistic concurrency, deliveries
//! with a schedule and leases, API keys by hash, Salesforce connections and Case claims.

use chrono::{Duration, Utc};
use inbox_domain::error::PortError;
use inbox_domain::events::EventType;
use inbox_domain::ports::*;
use inbox_domain::salesforce::SalesforceConnection;
use inbox_domain::webhooks::*;
use inbox_domain::*;
use inbox_sqlite::*;
use std::sync::Arc;

fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::new(Db::open(DbConfig::new(dir.path().join("t.db"))).expect("db opens"))
}

fn subscription(account: &str) -> WebhookSubscription {
    let now = Utc::now();
    WebhookSubscription {
        id: SubscriptionId::generate(),
        account_id: account.into(),
        kind: SubscriptionKind::Webhook,
        url: "https://hooks.example.com/in".into(),
        events: vec![EventType::ConversationCreated],
        description: String::new(),
        secret: new_secret(),
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        last_success_at: None,
        last_failure: None,
        api_key_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

fn delivery(s: &WebhookSubscription, next_at: Timestamp) -> WebhookDelivery {
    let event = EventId::generate();
    WebhookDelivery {
        id: delivery_id(&event, &s.id),
        account_id: s.account_id.clone(),
        subscription_id: s.id.clone(),
        event_id: event,
        event_type: EventType::ConversationCreated,
        conversation_id: "cnv_1".into(),
        seq: 1,
        body: "{}".into(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_at,
        created_at: next_at,
        last_attempt_at: None,
        last_status: None,
        last_error: None,
        finished_at: None,
    }
}

#[tokio::test]
async fn subscriptions_are_replaced_only_at_the_version_read_and_stay_in_their_account() {
    let dir = tempfile::tempdir().unwrap();
    let st = store(&dir);
    let s = subscription("acc_a");
    st.put_subscription(&s, None).await.unwrap();
    assert!(matches!(st.put_subscription(&s, None).await, Err(PortError::AlreadyExists)));
    let mut next = s.clone();
    next.version = 2;
    next.enabled = false;
    st.put_subscription(&next, Some(1)).await.unwrap();
    assert!(matches!(st.put_subscription(&next, Some(1)).await, Err(PortError::Conflict)), "a stale version loses");
    assert!(!st.get_subscription(&"acc_a".into(), &s.id).await.unwrap().unwrap().enabled);
    assert!(st.get_subscription(&"acc_b".into(), &s.id).await.unwrap().is_none(), "another account's is not there");
    assert!(st.list_subscriptions(&"acc_b".into()).await.unwrap().is_empty());
    let other = subscription("acc_a");
    st.put_subscription(&other, None).await.unwrap();
    let ids: Vec<_> = st.list_subscriptions(&"acc_a".into()).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, [s.id.clone(), other.id.clone()], "oldest first");
    // Deleting one deletes its deliveries.
    st.insert_delivery(&delivery(&s, Utc::now())).await.unwrap();
    assert!(!st.delete_subscription(&"acc_b".into(), &s.id).await.unwrap());
    assert!(st.delete_subscription(&"acc_a".into(), &s.id).await.unwrap());
    assert!(st.list_deliveries(&"acc_a".into(), &s.id, None, None, 10).await.unwrap().is_empty());
    assert!(matches!(st.put_subscription(&next, Some(2)).await, Err(PortError::Conflict)), "gone");
}

#[tokio::test]
async fn deliveries_are_due_on_schedule_leased_once_and_listed_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let st = store(&dir);
    let s = subscription("acc_a");
    st.put_subscription(&s, None).await.unwrap();
    let now = Utc::now();
    let due = delivery(&s, now - Duration::seconds(1));
    let later = delivery(&s, now + Duration::minutes(5));
    st.insert_delivery(&due).await.unwrap();
    st.insert_delivery(&later).await.unwrap();
    assert!(matches!(st.insert_delivery(&due).await, Err(PortError::AlreadyExists)), "one delivery per event and subscription");

    let found = st.due_deliveries(now, 10).await.unwrap();
    assert_eq!(found.iter().map(|d| &d.id).collect::<Vec<_>>(), [&due.id]);
    assert!(st.lease_delivery(&due.id, now, now + Duration::minutes(2)).await.unwrap());
    assert!(!st.lease_delivery(&due.id, now, now + Duration::minutes(2)).await.unwrap(), "two workers never hold one");
    assert!(st.due_deliveries(now, 10).await.unwrap().is_empty(), "leased ones are not due");
    // A lease that ran out (the worker died) frees it.
    assert!(st.lease_delivery(&due.id, now + Duration::minutes(3), now + Duration::minutes(5)).await.unwrap());

    let mut done = due.clone();
    done.state = DeliveryState::Dead;
    done.attempts = 8;
    st.save_delivery(&done).await.unwrap();
    assert!(!st.lease_delivery(&due.id, now + Duration::hours(1), now + Duration::hours(2)).await.unwrap(), "only pending ones");
    assert_eq!(st.due_deliveries(now + Duration::minutes(10), 10).await.unwrap().iter().map(|d| &d.id).collect::<Vec<_>>(), [&later.id]);

    let all = st.list_deliveries(&"acc_a".into(), &s.id, None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|d| &d.id).collect::<Vec<_>>(), [&later.id, &due.id], "newest first");
    let dead = st.list_deliveries(&"acc_a".into(), &s.id, Some(DeliveryState::Dead), None, 10).await.unwrap();
    assert_eq!(dead, vec![done.clone()]);
    let page2 = st.list_deliveries(&"acc_a".into(), &s.id, None, Some(&later.id), 10).await.unwrap();
    assert_eq!(page2.iter().map(|d| &d.id).collect::<Vec<_>>(), [&due.id]);
    assert!(st.get_delivery(&"acc_b".into(), &due.id).await.unwrap().is_none());
    assert_eq!(st.get_delivery(&"acc_a".into(), &due.id).await.unwrap().unwrap().attempts, 8);
}

#[tokio::test]
async fn concurrent_workers_lease_each_delivery_once() {
    let dir = tempfile::tempdir().unwrap();
    let st = Arc::new(store(&dir));
    let s = subscription("acc_a");
    let now = Utc::now();
    let d = delivery(&s, now);
    st.insert_delivery(&d).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (st, id) = (st.clone(), d.id.clone());
        set.spawn(async move { st.lease_delivery(&id, now, now + Duration::minutes(2)).await.unwrap() });
    }
    let mut won = 0;
    while let Some(r) = set.join_next().await {
        won += usize::from(r.unwrap());
    }
    assert_eq!(won, 1);
}

#[tokio::test]
async fn api_keys_are_found_by_hash_only_and_revoked_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let st = store(&dir);
    let (secret, hash) = new_api_key();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        account_id: "acc_a".into(),
        name: "Zapier".into(),
        prefix: "ink_123".into(),
        hash: hash.clone(),
        created_by: "usr_a".into(),
        created_at: Utc::now(),
    };
    st.put_api_key(&key).await.unwrap();
    assert_eq!(st.find_api_key(&hash_api_key(secret.expose())).await.unwrap(), Some(key.clone()));
    assert_eq!(st.find_api_key(secret.expose()).await.unwrap(), None, "the key itself is not stored");
    assert!(matches!(st.put_api_key(&ApiKey { id: ApiKeyId::generate(), ..key.clone() }).await, Err(PortError::AlreadyExists)));
    assert_eq!(st.list_api_keys(&"acc_a".into()).await.unwrap().len(), 1);
    assert!(!st.delete_api_key(&"acc_b".into(), &key.id).await.unwrap());
    assert!(st.delete_api_key(&"acc_a".into(), &key.id).await.unwrap());
    assert_eq!(st.find_api_key(&hash).await.unwrap(), None);
}

#[tokio::test]
async fn salesforce_connections_keep_refreshed_tokens_and_case_claims_are_exclusive_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let st = store(&dir);
    let now = Utc::now();
    let c = SalesforceConnection {
        account_id: "acc_a".into(),
        instance_url: "https://acme.my.salesforce.com".into(),
        token_url: "https://login.salesforce.com/services/oauth2/token".into(),
        client_id: "3MVG9".into(),
        client_secret: SecretString::new("cs"),
        refresh_token: SecretString::new("rt"),
        access_token: None,
        external_id_field: None,
        rule: None,
        connected_by: "usr_a".into(),
        connected_at: now,
        updated_at: now,
    };
    st.put_connection(&c).await.unwrap();
    st.set_access_token(&"acc_a".into(), &SecretString::new("00D!new")).await.unwrap();
    let got = st.get_connection(&"acc_a".into()).await.unwrap().unwrap();
    assert_eq!(got.access_token, Some(SecretString::new("00D!new")));
    assert_eq!(got.refresh_token, c.refresh_token);
    assert!(st.get_connection(&"acc_b".into()).await.unwrap().is_none());
    st.set_access_token(&"acc_b".into(), &SecretString::new("x")).await.unwrap();
    assert!(st.get_connection(&"acc_b".into()).await.unwrap().is_none(), "no connection, nothing kept");

    let conv = ConversationId::from("cnv_1");
    assert!(st.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap());
    assert!(!st.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap(), "held");
    assert!(st.claim_case(&conv, now + Duration::minutes(3), now + Duration::minutes(5)).await.unwrap(), "expired");
    st.release_case(&conv).await.unwrap();
    assert!(st.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap(), "released");
    assert!(st.delete_connection(&"acc_a".into()).await.unwrap());
    assert!(!st.delete_connection(&"acc_a".into()).await.unwrap());
}
