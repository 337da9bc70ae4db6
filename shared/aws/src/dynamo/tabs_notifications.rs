//! `TabStore` and `NotificationStore` on DynamoDB: both live in the user's partition `U#<id>`.
//! Tabs are `T#<tab>` with a `TABS` marker that says the defaults were stored once;
//! notifications are `N#<id>` (idempotent by id), listed newest first through the local index
//! `by_time` (`lsk = N#<created µs>#<id>`), which reads strongly consistently.

use super::*;
use async_trait::async_trait;
use inbox_domain::ports::{NotificationStore, TabStore};
use inbox_domain::tabs::{Filters, Tab};
use inbox_domain::*;
use serde::Deserialize;

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

fn tab_record(t: &Tab) -> Record {
    let mut r = record(key::tab(t.user_id.as_str(), t.id.as_str()));
    r.insert("doc".into(), to_doc(&TabDoc::of(t)));
    r
}

impl DynamoDbStore {
    /// The user's tabs by position, and whether the defaults were stored.
    async fn read_tabs(&self, user: &UserId) -> PortResult<(Vec<Tab>, bool)> {
        let records = self.query_prefix(&key::tabs_marker(user.as_str()).0, "T").await?;
        let initialised = records.iter().any(|r| get_s(r, "sk") == Some("TABS"));
        let mut tabs: Vec<Tab> = records
            .iter()
            .filter(|r| get_s(r, "sk").is_some_and(|sk| sk.starts_with("T#")))
            .map(|r| from_doc::<TabDoc>(r).map(|d| d.into_tab(user)))
            .collect::<PortResult<_>>()?;
        tabs.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        Ok((tabs, initialised))
    }
}

#[async_trait]
impl TabStore for DynamoDbStore {
    async fn tabs_or_init(&self, user: &UserId, defaults: &[Tab]) -> PortResult<Vec<Tab>> {
        let (tabs, initialised) = self.read_tabs(user).await?;
        if initialised || defaults.is_empty() {
            return Ok(tabs);
        }
        // Exactly once, even if two first requests race: the marker is created with them.
        let mut actions = vec![tx::put(&self.table, record(key::tabs_marker(user.as_str())), Some("attribute_not_exists(pk)"), vec![])];
        actions
            .extend(defaults.iter().map(|t| tx::put(&self.table, tab_record(&Tab { user_id: user.clone(), ..t.clone() }), None, vec![])));
        match self.transact(actions).await {
            Ok(()) => {}
            Err(e) if e.failed(0) || e.conflicted() => {} // the other request stored them
            Err(e) => return Err(e.into_port()),
        }
        Ok(self.read_tabs(user).await?.0)
    }

    async fn put_tab(&self, tab: &Tab) -> PortResult<()> {
        self.put_record().set_item(Some(tab_record(tab))).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn delete_tab(&self, user: &UserId, id: &TabId) -> PortResult<bool> {
        self.delete(key::tab(user.as_str(), id.as_str())).await
    }
}

#[async_trait]
impl NotificationStore for DynamoDbStore {
    async fn put_notification(&self, notification: &Notification) -> PortResult<bool> {
        let mut r = record(key::notification(notification.user_id.as_str(), notification.id.as_str()));
        r.insert("doc".into(), to_doc(notification));
        r.insert("lsk".into(), s(format!("N#{:020}#{}", us(notification.created_at).max(0), notification.id)));
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
            .index_name(schema::BY_TIME)
            .key_condition_expression("pk = :pk AND begins_with(lsk, :n)")
            .expression_attribute_values(":pk", s(key::tabs_marker(user.as_str()).0))
            .expression_attribute_values(":n", s("N#"))
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
        let r = self
            .update_at(pk, sk)
            .update_expression("SET rd = :t")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .send()
            .await;
        applied(r)
    }
}
