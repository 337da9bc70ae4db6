//! `TabStore` and `NotificationStore` on SQLite.

use crate::codec::port_err;
use crate::codec::us;
use crate::codec::{many, to_doc};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{NotificationStore, TabSet, TabStore};
use inbox_domain::tabs::Tab;
use inbox_domain::*;
use rusqlite::params;

#[async_trait]
impl TabStore for SqliteStore {
    async fn tabs_or_init(&self, user: &UserId, defaults: &[Tab]) -> PortResult<TabSet> {
        let u = user.to_string();
        let initialised: bool = {
            let u = u.clone();
            self.db
                .read(move |c| {
                    c.prepare_cached("SELECT EXISTS (SELECT 1 FROM tabs_initialised WHERE user_id = ?1)")
                        .and_then(|mut s| s.query_row([u], |r| r.get(0)))
                        .map_err(port_err)
                })
                .await?
        };
        if !initialised && !defaults.is_empty() {
            let (u, defaults) = (u.clone(), defaults.to_vec());
            self.db
                .write(move |c| {
                    // Exactly once, even if two first requests race.
                    let fresh = c.execute("INSERT OR IGNORE INTO tabs_initialised (user_id) VALUES (?1)", [&u]).map_err(port_err)?;
                    if fresh == 1 {
                        for t in &defaults {
                            c.execute(
                                "INSERT OR IGNORE INTO tabs (id, user_id, position, doc) VALUES (?1, ?2, ?3, ?4)",
                                params![t.id.as_str(), u, t.position, to_doc(&TabDoc::from(t))],
                            )
                            .map_err(port_err)?;
                        }
                    }
                    Ok(())
                })
                .await?;
        }
        // The tabs and the version from one snapshot.
        let (docs, version): (Vec<TabDoc>, i64) = self
            .db
            .read(move |c| {
                let docs = many(c, "SELECT doc FROM tabs WHERE user_id = ?1 ORDER BY position, id", [u.as_str()])?;
                let version = c
                    .prepare_cached("SELECT COALESCE((SELECT version FROM tabs_initialised WHERE user_id = ?1), 0)")
                    .and_then(|mut s| s.query_row([u.as_str()], |r| r.get(0)))
                    .map_err(port_err)?;
                Ok((docs, version))
            })
            .await?;
        Ok(TabSet { tabs: docs.into_iter().map(|d| d.into_tab(user)).collect(), version: version as u64 })
    }

    async fn write_tabs(&self, user: &UserId, expected: u64, put: &[Tab], delete: &[TabId]) -> PortResult<()> {
        let (u, put, delete) = (user.to_string(), put.to_vec(), delete.to_vec());
        if put.iter().any(|t| t.user_id.as_str() != u) {
            return Err(PortError::Corrupt("a tab written among another user's tabs".into()));
        }
        self.db
            .write(move |c| {
                c.execute("INSERT OR IGNORE INTO tabs_initialised (user_id) VALUES (?1)", [&u]).map_err(port_err)?;
                let bumped = c
                    .execute("UPDATE tabs_initialised SET version = version + 1 WHERE user_id = ?1 AND version = ?2", params![u, expected as i64])
                    .map_err(port_err)?;
                if bumped != 1 {
                    return Err(PortError::Conflict);
                }
                for t in &put {
                    c.execute(
                        "INSERT INTO tabs (id, user_id, position, doc) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (id) DO UPDATE SET position = excluded.position, doc = excluded.doc WHERE tabs.user_id = excluded.user_id",
                        params![t.id.as_str(), u, t.position, to_doc(&TabDoc::from(t))],
                    )
                    .map_err(port_err)?;
                }
                for id in &delete {
                    c.execute("DELETE FROM tabs WHERE id = ?1 AND user_id = ?2", params![id.as_str(), u]).map_err(port_err)?;
                }
                Ok(())
            })
            .await
    }
}

/// A tab as stored (`Tab` does not serialise its owner).
#[derive(serde::Serialize, serde::Deserialize)]
struct TabDoc {
    id: TabId,
    name: String,
    position: u32,
    filters: inbox_domain::tabs::Filters,
    query: String,
}

impl From<&Tab> for TabDoc {
    fn from(t: &Tab) -> Self {
        Self { id: t.id.clone(), name: t.name.clone(), position: t.position, filters: t.filters.clone(), query: t.query.clone() }
    }
}

impl TabDoc {
    fn into_tab(self, user: &UserId) -> Tab {
        Tab { id: self.id, user_id: user.clone(), name: self.name, position: self.position, filters: self.filters, query: self.query }
    }
}

#[async_trait]
impl NotificationStore for SqliteStore {
    async fn put_notification(&self, n: &Notification) -> PortResult<bool> {
        let n = n.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT OR IGNORE INTO notifications (id, user_id, created_us, read, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![n.id.as_str(), n.user_id.as_str(), us(n.created_at), n.read, to_doc(&n)],
                )
                .map(|k| k == 1)
                .map_err(port_err)
            })
            .await
    }

    async fn list_notifications(&self, user: &UserId, limit: usize) -> PortResult<Vec<Notification>> {
        let u = user.to_string();
        self.db.read(move |c| many(c, "SELECT json_set(doc, '$.read', json(CASE read WHEN 1 THEN 'true' ELSE 'false' END)) FROM notifications WHERE user_id = ?1 ORDER BY created_us DESC, id DESC LIMIT ?2", params![u, limit as i64])).await
    }

    async fn mark_read(&self, user: &UserId, id: &NotificationId) -> PortResult<bool> {
        let (u, id) = (user.to_string(), id.to_string());
        self.db
            .write(move |c| {
                c.execute("UPDATE notifications SET read = 1 WHERE id = ?1 AND user_id = ?2", params![id, u])
                    .map(|n| n > 0)
                    .map_err(port_err)
            })
            .await
    }
}
