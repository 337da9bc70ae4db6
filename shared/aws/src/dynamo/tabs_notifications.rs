//! `TabStore` and `NotificationStore` on DynamoDB: both live in the user's partition `U#<id>`.
//! Tabs are `T#<tab>` with a `TABS` marker that says the defaults were stored once;
//! notifications are `N#<id>` (idempotent by id), listed newest first through the local index
//! `by_time` (`lsk = N#<created µs>#<id>`), which reads strongly consistently.

use super::*;
use async_trait::async_trait;
use inbox_domain::ports::{NotificationStore, TabSet, TabStore};
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
    /// The user's tabs by position, whether the defaults were stored, and the set's version
    /// (the marker's `ver`), from one strongly consistent query of the user's partition.
    async fn read_tabs(&self, user: &UserId) -> PortResult<(Vec<Tab>, bool, u64)> {
        let records = self.query_prefix(&key::tabs_marker(user.as_str()).0, "T").await?;
        let marker = records.iter().find(|r| get_s(r, "sk") == Some("TABS"));
        let initialised = marker.is_some();
        let version = marker.and_then(|m| get_n::<u64>(m, "ver")).unwrap_or(0);
        let mut tabs: Vec<Tab> = records
            .iter()
            .filter(|r| get_s(r, "sk").is_some_and(|sk| sk.starts_with("T#")))
            .map(|r| from_doc::<TabDoc>(r).map(|d| d.into_tab(user)))
            .collect::<PortResult<_>>()?;
        tabs.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        Ok((tabs, initialised, version))
    }
}

#[async_trait]
impl TabStore for DynamoDbStore {
    async fn tabs_or_init(&self, user: &UserId, defaults: &[Tab]) -> PortResult<TabSet> {
        let (tabs, initialised, version) = self.read_tabs(user).await?;
        if initialised || defaults.is_empty() {
            return Ok(TabSet { tabs, version });
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
        let (tabs, _, version) = self.read_tabs(user).await?;
        Ok(TabSet { tabs, version })
    }

    /// One transaction: the marker's `ver` moves from `expected` (conditionally), with every
    /// put and delete. At most 50 tabs and a delete: within DynamoDB's 100 actions.
    async fn write_tabs(&self, user: &UserId, expected: u64, put: &[Tab], delete: &[TabId]) -> PortResult<()> {
        if put.iter().any(|t| &t.user_id != user) {
            return Err(PortError::Corrupt("a tab written among another user's tabs".into()));
        }
        let condition = if expected == 0 { "attribute_not_exists(ver) OR ver = :expected" } else { "ver = :expected" };
        let mut actions = vec![tx::update(
            &self.table,
            key::tabs_marker(user.as_str()),
            "SET ver = :next",
            Some(condition),
            vec![],
            vec![(":expected", n(expected)), (":next", n(expected + 1))],
        )];
        actions.extend(put.iter().map(|t| tx::put(&self.table, tab_record(t), None, vec![])));
        actions.extend(delete.iter().map(|id| tx::delete(&self.table, key::tab(user.as_str(), id.as_str()), None, vec![])));
        self.transact(actions).await.map_err(TxError::into_port)
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
