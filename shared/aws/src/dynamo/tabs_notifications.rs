//! `TabStore` and `NotificationStore` on DynamoDB: both live in the user's partition `U#<id>`.
//! Tabs are the `TABS` marker: the whole set in one item (`tabs`, with its version `ver`), made
//! once with the defaults (older tables have `T#<tab>` records, read until the first change);
//! a notification is two records: `L#<created µs>#<id>` (the notification, listed newest first
//! by one Query of the partition) and `N#<id>` (its identity: made once, it names its `L`
//! record, so a notification is stored once however often it is delivered, and found by id).
//! No local index: a table with one cannot split a partition (see `docs/aws.md`).

use super::store::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{NotificationStore, TabSet, TabStore};
use inbox_domain::tabs::{Filters, Tab};
use inbox_domain::*;
use serde::Deserialize;
use serde::Serialize;

/// A tab as stored (`Tab` does not serialise its owner).
#[derive(Serialize, Deserialize)]
struct TabDoc {
    id: TabId,
    name: String,
    position: u32,
    filters: Filters,
    query: String,
}

impl TabDoc {
    fn of(t: &Tab) -> Self {
        Self { id: t.id.clone(), name: t.name.clone(), position: t.position, filters: t.filters.clone(), query: t.query.clone() }
    }
    fn into_tab(self, user: &UserId) -> Tab {
        Tab { id: self.id, user_id: user.clone(), name: self.name, position: self.position, filters: self.filters, query: self.query }
    }
}

impl DynamoDbStore {
    /// The user's tabs by position, whether the defaults were stored, the set's version, and
    /// whether they are still in the older layout (one `T#<tab>` record each), all from one
    /// read of the `TABS` marker, which holds the whole set (`tabs`): one item is one atomic
    /// snapshot, which a query of several records written by one transaction is not.
    async fn read_tabs(&self, user: &UserId) -> PortResult<(Vec<Tab>, bool, u64, bool)> {
        let Some(marker) = self.get(key::tabs_marker(user.as_str())).await? else {
            return Ok((vec![], false, 0, false));
        };
        let version = get_n::<u64>(&marker, "ver").unwrap_or(0);
        let (mut tabs, legacy) = match get_s(&marker, "tabs") {
            Some(doc) => {
                let docs: Vec<TabDoc> = serde_json::from_str(doc).map_err(|e| PortError::Corrupt(format!("tabs of {user}: {e}")))?;
                (docs.into_iter().map(|d| d.into_tab(user)).collect::<Vec<_>>(), false)
            }
            None => {
                let records = self.query_prefix(&key::tabs_marker(user.as_str()).0, "T#").await?;
                (records.iter().map(|r| from_doc::<TabDoc>(r).map(|d| d.into_tab(user))).collect::<PortResult<Vec<_>>>()?, true)
            }
        };
        tabs.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        Ok((tabs, true, version, legacy))
    }
}

fn tabs_doc(tabs: &[Tab]) -> AttributeValue {
    s(serde_json::to_string(&tabs.iter().map(TabDoc::of).collect::<Vec<_>>()).expect("serialisable"))
}

#[async_trait]
impl TabStore for DynamoDbStore {
    async fn tabs_or_init(&self, user: &UserId, defaults: &[Tab]) -> PortResult<TabSet> {
        let (tabs, initialised, version, _) = self.read_tabs(user).await?;
        if initialised || defaults.is_empty() {
            return Ok(TabSet { tabs, version });
        }
        // Exactly once, even if two first requests race.
        let mut marker = record(key::tabs_marker(user.as_str()));
        let defaults: Vec<Tab> = defaults.iter().map(|t| Tab { user_id: user.clone(), ..t.clone() }).collect();
        marker.insert("tabs".into(), tabs_doc(&defaults));
        marker.insert("ver".into(), n(0));
        let put = self.put_record().set_item(Some(marker)).condition_expression("attribute_not_exists(pk)").send().await;
        applied(put)?; // false: the other request stored them
        let (tabs, _, version, _) = self.read_tabs(user).await?;
        Ok(TabSet { tabs, version })
    }

    /// One conditional put of the marker with the whole new set: the version moves from
    /// `expected` or nothing is written. (At most 50 small tabs: a few KB of the 400 KB an item
    /// may hold.)
    async fn write_tabs(&self, user: &UserId, expected: u64, put: &[Tab], delete: &[TabId]) -> PortResult<()> {
        if put.iter().any(|t| &t.user_id != user) {
            return Err(PortError::Corrupt("a tab written among another user's tabs".into()));
        }
        let (mut tabs, _, version, legacy) = self.read_tabs(user).await?;
        if version != expected {
            return Err(PortError::Conflict);
        }
        tabs.retain(|t| !delete.contains(&t.id) && !put.iter().any(|p| p.id == t.id));
        tabs.extend(put.iter().cloned());
        tabs.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        let mut marker = record(key::tabs_marker(user.as_str()));
        marker.insert("tabs".into(), tabs_doc(&tabs));
        marker.insert("ver".into(), n(expected + 1));
        let condition = if expected == 0 { "attribute_not_exists(ver) OR ver = :expected" } else { "ver = :expected" };
        let written = self
            .put_record()
            .set_item(Some(marker))
            .condition_expression(condition)
            .expression_attribute_values(":expected", n(expected))
            .send()
            .await;
        if !applied(written)? {
            return Err(PortError::Conflict);
        }
        if legacy {
            // The set now lives in the marker: the records of the older layout go.
            for r in self.query_prefix(&key::tabs_marker(user.as_str()).0, "T#").await? {
                if let (Some(pk), Some(sk)) = (get_s(&r, "pk"), get_s(&r, "sk")) {
                    self.delete((pk.to_string(), sk.to_string())).await?;
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl NotificationStore for DynamoDbStore {
    async fn put_notification(&self, notification: &Notification) -> PortResult<bool> {
        let (pk, id_sk) = key::notification(notification.user_id.as_str(), notification.id.as_str());
        let listed = format!("L#{:020}#{}", us(notification.created_at).max(0), notification.id);
        // 1. Its identity, made once: a redelivery finds the listing it named (and writes it
        //    if the first delivery died before it did).
        let r = self
            .update_at(pk.clone(), id_sk)
            .update_expression("SET lk = :lk")
            .condition_expression("attribute_not_exists(pk)")
            .expression_attribute_values(":lk", s(&listed))
            .return_values_on_condition_check_failure(aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let listed = match r {
            Ok(_) => listed,
            Err(e) if is_condition_failed(&e) => condition_item(&e).and_then(|old| get_s(&old, "lk").map(str::to_string)).unwrap_or(listed),
            Err(e) => return Err(unavailable(e)),
        };
        // 2. The notification, if it is not there yet.
        let mut r = record((pk, listed));
        r.insert("doc".into(), to_doc(notification));
        r.insert("rd".into(), AttributeValue::Bool(notification.read));
        let put = self.put_record().set_item(Some(r)).condition_expression("attribute_not_exists(pk)").send().await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failed(&e) => Ok(false), // stored already: left as it is
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn list_notifications(&self, user: &UserId, limit: usize) -> PortResult<Vec<Notification>> {
        let out = self
            .client
            .query()
            .table_name(&*self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :n)")
            .expression_attribute_values(":pk", s(key::tabs_marker(user.as_str()).0))
            .expression_attribute_values(":n", s("L#"))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let mut n: Notification = from_doc(r)?;
                n.read = get_bool(r, "rd").unwrap_or(n.read);
                Ok(n)
            })
            .collect()
    }

    async fn mark_read(&self, user: &UserId, id: &NotificationId) -> PortResult<bool> {
        let (pk, sk) = key::notification(user.as_str(), id.as_str());
        let Some(listed) = self.get((pk.clone(), sk)).await?.and_then(|r| get_s(&r, "lk").map(str::to_string)) else {
            return Ok(false);
        };
        let r = self
            .update_at(pk, listed)
            .update_expression("SET rd = :t")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .send()
            .await;
        applied(r)
    }
}
