//! The integration ports on SQLite: `SubscriptionStore`, `DeliveryStore`, `ApiKeyStore`,
//! `SalesforceStore`.

use crate::codec::port_err;
use crate::codec::us;
use crate::codec::{AccountRow, many, one, to_doc};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::PortResult;
use inbox_domain::ports::{ApiKeyStore, DeliveryStore, SalesforceStore, SubscriptionStore};
use inbox_domain::salesforce::SalesforceConnection;
use inbox_domain::webhooks::{ApiKey, DeliveryState, WebhookDelivery, WebhookSubscription};
use inbox_domain::*;
use rusqlite::params;
use rusqlite::types::Value;

fn subscription_row(s: &WebhookSubscription) -> AccountRow<'_> {
    AccountRow { table: "webhook_subscriptions", id: s.id.as_str(), account: s.account_id.as_str(), version: s.version, doc: to_doc(s) }
}

#[async_trait]
impl SubscriptionStore for SqliteStore {
    async fn insert_subscription(&self, subscription: &WebhookSubscription, max_per_account: usize) -> PortResult<()> {
        let s = subscription.clone();
        self.db.write(move |c| subscription_row(&s).insert_under(c, max_per_account)).await
    }

    async fn put_subscription(&self, subscription: &WebhookSubscription, expected_version: u64) -> PortResult<()> {
        let s = subscription.clone();
        self.db.write(move |c| subscription_row(&s).replace_at(c, expected_version)).await
    }

    async fn get_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<Option<WebhookSubscription>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM webhook_subscriptions WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn list_subscriptions(&self, account: &AccountId) -> PortResult<Vec<WebhookSubscription>> {
        let account = account.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM webhook_subscriptions WHERE account_id = ?1 ORDER BY id", [account])).await
    }

    async fn delete_subscription(&self, account: &AccountId, id: &SubscriptionId) -> PortResult<bool> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db
            .write(move |c| {
                let n =
                    c.execute("DELETE FROM webhook_subscriptions WHERE id = ?1 AND account_id = ?2", [&id, &account]).map_err(port_err)?;
                if n > 0 {
                    // Nobody can list or replay them any more.
                    c.execute("DELETE FROM webhook_deliveries WHERE subscription_id = ?1", [&id]).map_err(port_err)?;
                }
                Ok(n > 0)
            })
            .await
    }
}

#[async_trait]
impl DeliveryStore for SqliteStore {
    async fn insert_delivery(&self, delivery: &WebhookDelivery) -> PortResult<()> {
        let d = delivery.clone();
        self.db
            .write(move |c| {
                c.prepare_cached(
                    "INSERT INTO webhook_deliveries (id, account_id, subscription_id, state, next_us, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut st| {
                    st.execute(params![
                        d.id.as_str(),
                        d.account_id.as_str(),
                        d.subscription_id.as_str(),
                        d.state.as_str(),
                        us(d.next_at),
                        to_doc(&d)
                    ])
                })
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_delivery(&self, account: &AccountId, id: &DeliveryId) -> PortResult<Option<WebhookDelivery>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM webhook_deliveries WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn due_deliveries(&self, now: Timestamp, limit: usize) -> PortResult<Vec<WebhookDelivery>> {
        let now = us(now);
        self.db
            .read(move |c| {
                many(
                    c,
                    "SELECT doc FROM webhook_deliveries WHERE state = 'pending' AND next_us <= ?1 AND lease_us <= ?1 ORDER BY next_us, id LIMIT ?2",
                    params![now, limit as i64],
                )
            })
            .await
    }

    async fn lease_delivery(&self, id: &DeliveryId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (id, holder, now, until) = (id.to_string(), holder.to_string(), us(now), us(until));
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE webhook_deliveries SET lease_us = ?3, lease_holder = ?4
                     WHERE id = ?1 AND state = 'pending' AND next_us <= ?2 AND lease_us <= ?2",
                    params![id, now, until, holder],
                )
                .map(|n| n == 1)
                .map_err(port_err)
            })
            .await
    }

    async fn save_delivery(&self, delivery: &WebhookDelivery, holder: Option<&str>) -> PortResult<bool> {
        let d = delivery.clone();
        let holder = holder.map(str::to_string);
        self.db
            .write(move |c| {
                let (id, account, subscription, state, next, doc) =
                    (d.id.as_str(), d.account_id.as_str(), d.subscription_id.as_str(), d.state.as_str(), us(d.next_at), to_doc(&d));
                match &holder {
                    Some(h) => c
                        .execute(
                            "UPDATE webhook_deliveries SET state = ?4, next_us = ?5, lease_us = 0, lease_holder = NULL, doc = ?6
                             WHERE id = ?1 AND account_id = ?2 AND subscription_id = ?3 AND lease_holder = ?7",
                            params![id, account, subscription, state, next, doc, h],
                        )
                        .map(|n| n == 1),
                    None => c
                        .execute(
                            "INSERT INTO webhook_deliveries (id, account_id, subscription_id, state, next_us, lease_us, doc) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)
                             ON CONFLICT (id) DO UPDATE SET state = excluded.state, next_us = excluded.next_us, lease_us = 0,
                                 lease_holder = NULL, doc = excluded.doc",
                            params![id, account, subscription, state, next, doc],
                        )
                        .map(|_| true),
                }
                .map_err(port_err)
            })
            .await
    }

    async fn list_deliveries(
        &self,
        account: &AccountId,
        subscription: &SubscriptionId,
        state: Option<DeliveryState>,
        before: Option<&DeliveryId>,
        limit: usize,
    ) -> PortResult<Vec<WebhookDelivery>> {
        let mut sql = String::from("SELECT doc FROM webhook_deliveries WHERE subscription_id = ?1 AND account_id = ?2");
        let mut args: Vec<Value> = vec![Value::Text(subscription.to_string()), Value::Text(account.to_string())];
        if let Some(s) = state {
            args.push(Value::Text(s.as_str().to_string()));
            sql.push_str(&format!(" AND state = ?{}", args.len()));
        }
        if let Some(b) = before {
            args.push(Value::Text(b.to_string()));
            sql.push_str(&format!(" AND id < ?{}", args.len()));
        }
        args.push(Value::Integer(limit as i64));
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
        self.db.read(move |c| many(c, &sql, rusqlite::params_from_iter(args))).await
    }
}

#[async_trait]
impl ApiKeyStore for SqliteStore {
    async fn put_api_key(&self, key: &ApiKey) -> PortResult<()> {
        let k = key.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO api_keys (id, account_id, hash, doc) VALUES (?1, ?2, ?3, ?4)",
                    params![k.id.as_str(), k.account_id.as_str(), k.hash, to_doc(&k)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn find_api_key(&self, hash: &str) -> PortResult<Option<ApiKey>> {
        let hash = hash.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM api_keys WHERE hash = ?1", [hash])).await
    }

    async fn list_api_keys(&self, account: &AccountId) -> PortResult<Vec<ApiKey>> {
        let account = account.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM api_keys WHERE account_id = ?1 ORDER BY id", [account])).await
    }

    async fn delete_api_key(&self, account: &AccountId, id: &ApiKeyId) -> PortResult<bool> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db
            .write(move |c| {
                c.execute("DELETE FROM api_keys WHERE id = ?1 AND account_id = ?2", [id, account]).map(|n| n > 0).map_err(port_err)
            })
            .await
    }
}

#[async_trait]
impl SalesforceStore for SqliteStore {
    async fn put_connection(&self, connection: &SalesforceConnection) -> PortResult<()> {
        let (account, doc) = (connection.account_id.to_string(), to_doc(connection));
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO salesforce_connections (account_id, doc) VALUES (?1, ?2) ON CONFLICT (account_id) DO UPDATE SET doc = excluded.doc",
                    params![account, doc],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_connection(&self, account: &AccountId) -> PortResult<Option<SalesforceConnection>> {
        let account = account.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM salesforce_connections WHERE account_id = ?1", [account])).await
    }

    async fn delete_connection(&self, account: &AccountId) -> PortResult<bool> {
        let account = account.to_string();
        self.db
            .write(move |c| {
                c.execute("DELETE FROM salesforce_connections WHERE account_id = ?1", [account]).map(|n| n > 0).map_err(port_err)
            })
            .await
    }

    async fn set_access_token(&self, account: &AccountId, token: &SecretString) -> PortResult<()> {
        let (account, token) = (account.to_string(), token.expose().to_string());
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE salesforce_connections SET doc = json_set(doc, '$.access_token', ?2) WHERE account_id = ?1",
                    params![account, token],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn claim_case(&self, conversation: &ConversationId, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (id, now, until) = (conversation.to_string(), us(now), us(until));
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO case_claims (conversation_id, until_us) VALUES (?1, ?3)
                     ON CONFLICT (conversation_id) DO UPDATE SET until_us = excluded.until_us WHERE case_claims.until_us <= ?2",
                    params![id, now, until],
                )
                .map(|n| n == 1)
                .map_err(port_err)
            })
            .await
    }

    async fn release_case(&self, conversation: &ConversationId) -> PortResult<()> {
        let id = conversation.to_string();
        self.db.write(move |c| c.execute("DELETE FROM case_claims WHERE conversation_id = ?1", [id]).map(|_| ()).map_err(port_err)).await
    }
}
