//! The integration ports on DynamoDB: `SubscriptionStore`, `DeliveryStore`, `ApiKeyStore`,
//! `SalesforceStore`.
//!
//! - A subscription is `W#<id>` in its account's partition, under a `ver` condition; `WCOUNT`
//!   there counts them, changed in the same transaction as each insert and delete, so that
//!   concurrent creations never pass the account's limit.
//! - A delivery is `D#<id>` (leased and saved by id). The `by_parent` index lists a
//!   subscription's deliveries by id (`g5pk = <account>#<subscription>`, `g5sk = <id>`); the
//!   `due_polls` index, in its own partition `DLV` and only while the delivery is pending
//!   (sparse), orders them by next attempt.
//! - An API key is `K#<id>` in its account's partition, with a record per hash (`KH#<hash>`,
//!   created in the same transaction) that keeps hashes unique and finds a key in one read.
//! - A Salesforce connection is `SF` in its account's partition; a Case claim is `CC#<conversation>`,
//!   taken with a conditional put and expiring by TTL a day after its lease.

use super::schema;
use super::store::*;
use async_trait::async_trait;
use inbox_domain::Timestamp;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{ApiKeyStore, DeliveryStore, SalesforceStore, SubscriptionStore};
use inbox_domain::salesforce::SalesforceConnection;
use inbox_domain::webhooks::{ApiKey, DeliveryState, WebhookDelivery, WebhookSubscription};
use inbox_domain::*;

const DUE_DELIVERIES: &str = "DLV";

fn subscription_key(acc: &str, sid: &str) -> (String, String) {
    (format!("A#{acc}"), format!("W#{sid}"))
}

/// How many subscriptions an account holds (kept with each insert and delete).
fn subscription_count_key(acc: &str) -> (String, String) {
    (format!("A#{acc}"), "WCOUNT".into())
}

fn delivery_key(did: &str) -> (String, String) {
    (format!("D#{did}"), "D".into())
}

fn api_key_key(acc: &str, kid: &str) -> (String, String) {
    (format!("A#{acc}"), format!("K#{kid}"))
}

fn api_hash_key(hash: &str) -> (String, String) {
    (format!("KH#{hash}"), "K".into())
}

fn connection_key(acc: &str) -> (String, String) {
    (format!("A#{acc}"), "SF".into())
}

fn claim_key(cid: &str) -> (String, String) {
    (format!("CC#{cid}"), "CC".into())
}

fn delivery_record(d: &WebhookDelivery) -> Record {
    let mut r = record(delivery_key(d.id.as_str()));
    r.insert("doc".into(), to_doc(d));
    r.insert("acc".into(), s(d.account_id.as_str()));
    r.insert("st".into(), s(d.state.as_str()));
    r.insert("lease".into(), n(0));
    r.insert("g5pk".into(), s(format!("{}#{}", d.account_id, d.subscription_id)));
    r.insert("g5sk".into(), s(d.id.as_str()));
    if d.state == DeliveryState::Pending {
        r.insert("g3pk".into(), s(key::due_pk(DUE_DELIVERIES, d.id.as_str())));
        r.insert("g3sk".into(), n(us(d.next_at)));
    }
    r
}

fn subscription_record(subscription: &WebhookSubscription) -> Record {
    let mut r = record(subscription_key(subscription.account_id.as_str(), subscription.id.as_str()));
    r.insert("doc".into(), to_doc(subscription));
    r.insert("ver".into(), n(subscription.version));
    r
}

impl DynamoDbStore {
    /// Makes a count record (`n`) if there is none: the records under `prefix` in its
    /// partition (made before the count was kept) are counted once. A conditional put, so two
    /// first creations never count twice.
    async fn ensure_count(&self, key: &(String, String), prefix: &str) -> PortResult<()> {
        if self.get(key.clone()).await?.is_some() {
            return Ok(());
        }
        let held = self.query_prefix(&key.0, prefix).await?.len();
        let mut r = record(key.clone());
        r.insert("n".into(), n(held));
        let put = self.put_record().set_item(Some(r)).condition_expression("attribute_not_exists(pk)").send().await;
        applied(put).map(|_| ())
    }

    /// Puts `child` (if its key is free: `AlreadyExists`) and raises the count at `count` (the
    /// children under `prefix` in its partition) in one transaction, only while the count is
    /// under `max` (`LimitReached`): concurrent creations never pass the limit.
    pub(crate) async fn insert_counted(&self, count: (String, String), prefix: &str, child: Record, max: usize) -> PortResult<()> {
        self.ensure_count(&count, prefix).await?;
        // Creations racing on the count item cancel each other (`TransactionConflict`): tried
        // again, with a growing jittered wait, so that the limit decides, not the race.
        for attempt in 0..8u32 {
            let actions = vec![
                tx::update(
                    &self.table,
                    count.clone(),
                    "SET n = n + :one",
                    Some("n < :max"),
                    vec![],
                    vec![(":one", n(1)), (":max", n(max))],
                ),
                tx::put(&self.table, child.clone(), Some("attribute_not_exists(pk)"), vec![]),
            ];
            match self.transact(actions).await {
                Ok(()) => return Ok(()),
                Err(e) if e.failed(0) => return Err(PortError::LimitReached),
                Err(e) if e.failed(1) => return Err(PortError::AlreadyExists),
                Err(e) if e.conflicted() => tokio::time::sleep(jitter(attempt)).await,
                Err(e) => return Err(e.into_port()),
            }
        }
        Err(PortError::Conflict)
    }

    /// Deletes the child at `key` and lowers the count at `count` in one transaction; `false`
    /// when there was no such child. A creation racing on the count cancels it: tried again.
    pub(crate) async fn delete_counted(&self, count: (String, String), key: (String, String)) -> PortResult<bool> {
        for attempt in 0..8u32 {
            let actions = vec![
                tx::delete(&self.table, key.clone(), Some("attribute_exists(pk)"), vec![]),
                tx::update(&self.table, count.clone(), "SET n = n - :one", Some("n >= :one"), vec![], vec![(":one", n(1))]),
            ];
            match self.transact(actions).await {
                Ok(()) => return Ok(true),
                Err(e) if e.failed(0) => return Ok(false),
                // No count to lower (a child stored before counts were kept): deleted alone.
                Err(e) if e.failed(1) => return self.delete(key).await,
                Err(e) if e.conflicted() => tokio::time::sleep(jitter(attempt)).await,
                Err(e) => return Err(e.into_port()),
            }
        }
        Err(PortError::Conflict)
    }
}

/// A wait of 10 ms doubling with each attempt (at most about 1.3 s), with jitter.
fn jitter(attempt: u32) -> std::time::Duration {
    let base = 10u64 << attempt.min(7);
    std::time::Duration::from_millis(base / 2 + rand_below(base))
}

/// A random number below `n`.
fn rand_below(n: u64) -> u64 {
    (uuid::Uuid::new_v4().as_u128() as u64) % n.max(1)
}

#[async_trait]
impl SubscriptionStore for DynamoDbStore {
    /// One transaction: the account's count (`WCOUNT`, `n`) goes up only while it is under the
    /// limit, and the subscription is put only if its id is free.
    async fn insert_subscription(&self, subscription: &WebhookSubscription, max_per_account: usize) -> PortResult<()> {
        let _forget = self.forgetting_account(subscription.account_id.as_str());
        let account = subscription.account_id.as_str();
        self.insert_counted(subscription_count_key(account), "W#", subscription_record(subscription), max_per_account).await
    }

    async fn put_subscription(&self, subscription: &WebhookSubscription, expected_version: u64) -> PortResult<()> {
        let _forget = self.forgetting_account(subscription.account_id.as_str());
        self.put_versioned(subscription_record(subscription), Some(expected_version)).await
    }

    async fn get_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<Option<WebhookSubscription>> {
        self.get_doc(subscription_key(account.as_str(), id.as_str())).await
    }

    async fn list_subscriptions(&self, account: &AccountId) -> PortResult<Vec<WebhookSubscription>> {
        if let Some(kept) = self.lookups.as_ref().and_then(|l| l.subscriptions.get(&account.to_string())) {
            return Ok(kept);
        }
        let found: Vec<WebhookSubscription> =
            self.query_prefix(&key::account(account.as_str()).0, "W#").await?.iter().map(from_doc).collect::<PortResult<_>>()?;
        if let Some(l) = &self.lookups {
            l.subscriptions.put(account.to_string(), found.clone());
        }
        Ok(found)
    }

    async fn delete_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<bool> {
        let _forget = self.forgetting_account(account.as_str());
        // The subscription and its place in the account's count go together.
        if !self.delete_counted(subscription_count_key(account.as_str()), subscription_key(account.as_str(), id.as_str())).await? {
            return Ok(false);
        }
        // Nobody can list or replay its deliveries any more.
        let deliveries = self
            .new_query()
            .index_name(schema::BY_PARENT)
            .key_condition_expression("g5pk = :p")
            .expression_attribute_values(":p", s(format!("{account}#{id}")));
        for d in self.query_all(deliveries).await? {
            let (Some(pk), Some(sk)) = (get_s(&d, "pk"), get_s(&d, "sk")) else { continue };
            self.delete((pk.to_string(), sk.to_string())).await?;
        }
        Ok(true)
    }
}

#[async_trait]
impl DeliveryStore for DynamoDbStore {
    async fn insert_delivery(&self, delivery: &WebhookDelivery) -> PortResult<()> {
        let put = self.put_record().set_item(Some(delivery_record(delivery))).condition_expression("attribute_not_exists(pk)").send().await;
        match put {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => Err(PortError::AlreadyExists),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get_delivery(&self, account: &AccountId, id: &DeliveryId) -> PortResult<Option<WebhookDelivery>> {
        match self.get(delivery_key(id.as_str())).await? {
            Some(r) if get_s(&r, "acc") == Some(account.as_str()) => from_doc(&r).map(Some),
            _ => Ok(None),
        }
    }

    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> PortResult<Vec<WebhookDelivery>> {
        let now = us(now);
        let mut out: Vec<WebhookDelivery> = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        for r in self.due_unleased(DUE_DELIVERIES, now, limit).await? {
            let d: WebhookDelivery = from_doc(&r)?;
            if d.state == DeliveryState::Pending {
                out.push(d);
            }
        }
        out.sort_by(|a, b| (a.next_at, &a.id).cmp(&(b.next_at, &b.id)));
        out.truncate(limit);
        Ok(out)
    }

    async fn lease_delivery(&self, id: &DeliveryId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (pk, sk) = delivery_key(id.as_str());
        // `g3sk` is the next attempt's time (present while pending).
        let r = self
            .update_at(pk, sk)
            .update_expression("SET lease = :until, holder = :holder")
            .condition_expression("st = :pending AND lease <= :now AND g3sk <= :now")
            .expression_attribute_values(":until", n(us(until)))
            .expression_attribute_values(":now", n(us(now)))
            .expression_attribute_values(":holder", s(holder))
            .expression_attribute_values(":pending", s(DeliveryState::Pending.as_str()))
            .send()
            .await;
        applied(r)
    }

    async fn save_delivery(&self, delivery: &WebhookDelivery, holder: Option<&str>) -> PortResult<bool> {
        // The new record has no `holder`: saving releases the lease.
        let put = self.put_record().set_item(Some(delivery_record(delivery)));
        let put = match holder {
            Some(h) => put.condition_expression("holder = :holder").expression_attribute_values(":holder", s(h)),
            None => put,
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn list_deliveries(
        &self,
        account: &AccountId,
        subscription: &SubscriptionId,
        state: Option<DeliveryState>,
        before: Option<&DeliveryId>,
        limit: usize,
    ) -> PortResult<Vec<WebhookDelivery>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let q = self
            .new_query()
            .index_name(schema::BY_PARENT)
            .scan_index_forward(false)
            .limit(100)
            .expression_attribute_values(":p", s(format!("{account}#{subscription}")));
        let q = match before {
            Some(b) => q.key_condition_expression("g5pk = :p AND g5sk < :b").expression_attribute_values(":b", s(b.as_str())),
            None => q.key_condition_expression("g5pk = :p"),
        };
        self.query_pages(q, |r| {
            if state.is_none_or(|st| get_s(&r, "st") == Some(st.as_str())) {
                out.push(from_doc(&r)?);
            }
            Ok(out.len() < limit)
        })
        .await?;
        Ok(out)
    }
}

#[async_trait]
impl ApiKeyStore for DynamoDbStore {
    async fn put_api_key(&self, key: &ApiKey) -> PortResult<()> {
        let mut r = record(api_key_key(key.account_id.as_str(), key.id.as_str()));
        r.insert("doc".into(), to_doc(key));
        r.insert("hash".into(), s(&key.hash));
        let mut h = record(api_hash_key(&key.hash));
        h.insert("doc".into(), to_doc(key));
        let actions = vec![
            tx::put(&self.table, r, Some("attribute_not_exists(pk)"), vec![]),
            tx::put(&self.table, h, Some("attribute_not_exists(pk)"), vec![]),
        ];
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(e) if e.failed(0) || e.failed(1) => Err(PortError::AlreadyExists),
            Err(e) => Err(e.into_port()),
        }
    }

    async fn find_api_key(&self, hash: &str) -> PortResult<Option<ApiKey>> {
        self.get_doc(api_hash_key(hash)).await
    }

    async fn list_api_keys(&self, account: &AccountId) -> PortResult<Vec<ApiKey>> {
        self.query_prefix(&key::account(account.as_str()).0, "K#").await?.iter().map(from_doc).collect()
    }

    async fn delete_api_key(&self, account: &AccountId, id: &ApiKeyId) -> PortResult<bool> {
        let Some(r) = self.get(api_key_key(account.as_str(), id.as_str())).await? else {
            return Ok(false);
        };
        let mut actions = vec![tx::delete(&self.table, api_key_key(account.as_str(), id.as_str()), Some("attribute_exists(pk)"), vec![])];
        if let Some(hash) = get_s(&r, "hash") {
            actions.push(tx::delete(&self.table, api_hash_key(hash), None, vec![]));
        }
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(e) if e.failed(0) => Ok(false),
            Err(e) => Err(e.into_port()),
        }
    }
}

#[async_trait]
impl SalesforceStore for DynamoDbStore {
    async fn put_connection(&self, connection: &SalesforceConnection) -> PortResult<()> {
        let _forget = self.forgetting_account(connection.account_id.as_str());
        let mut r = record(connection_key(connection.account_id.as_str()));
        r.insert("doc".into(), to_doc(connection));
        self.put_record().set_item(Some(r)).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_connection(&self, account: &AccountId) -> PortResult<Option<SalesforceConnection>> {
        if let Some(kept) = self.lookups.as_ref().and_then(|l| l.connections.get(&account.to_string())) {
            return Ok(kept);
        }
        let found: Option<SalesforceConnection> = self.get_doc(connection_key(account.as_str())).await?;
        if let Some(l) = &self.lookups {
            l.connections.put(account.to_string(), found.clone());
        }
        Ok(found)
    }

    async fn delete_connection(&self, account: &AccountId) -> PortResult<bool> {
        let _forget = self.forgetting_account(account.as_str());
        self.delete(connection_key(account.as_str())).await
    }

    async fn set_access_token(&self, account: &AccountId, token: &SecretString) -> PortResult<()> {
        let _forget = self.forgetting_account(account.as_str());
        for _ in 0..16 {
            let Some(r) = self.get(connection_key(account.as_str())).await? else {
                return Ok(()); // no connection: nothing to keep
            };
            let old = get_s(&r, "doc").unwrap_or_default().to_string();
            let mut c: SalesforceConnection = from_doc(&r)?;
            c.access_token = Some(token.clone());
            let mut next = record(connection_key(account.as_str()));
            next.insert("doc".into(), to_doc(&c));
            let put = self
                .put_record()
                .set_item(Some(next))
                .condition_expression("doc = :old")
                .expression_attribute_values(":old", s(old))
                .send()
                .await;
            match put {
                Ok(_) => return Ok(()),
                Err(e) if is_condition_failed(&e) => continue, // changed meanwhile: again
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(PortError::Conflict)
    }

    async fn claim_case(&self, conversation: &ConversationId, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let mut r = record(claim_key(conversation.as_str()));
        r.insert("until".into(), n(us(until)));
        r.insert("ttl".into(), n(ttl_after(until, 1)));
        let put = self
            .put_record()
            .set_item(Some(r))
            .condition_expression("attribute_not_exists(pk) OR #until <= :now")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":now", n(us(now)))
            .send()
            .await;
        applied(put)
    }

    async fn release_case(&self, conversation: &ConversationId) -> PortResult<()> {
        self.delete(claim_key(conversation.as_str())).await.map(|_| ())
    }
}
