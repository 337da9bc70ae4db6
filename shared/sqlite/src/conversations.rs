//! `ConversationStore` on SQLite.

use crate::codec::port_err;
use crate::codec::{from_doc, many, one, to_doc};
use crate::codec::{from_us, us};
use crate::search_index::{fts_phrase, item_search};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::messages::*;
use inbox_domain::ports::*;
use inbox_domain::search::{Clause, SearchQuery};
use inbox_domain::tabs::AssigneeSelector;
use inbox_domain::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

/// Runs a statement through the connection's statement cache (parsed once per connection).
fn exec(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

fn apply_write(conn: &Connection, w: &ConversationWrite) -> PortResult<()> {
    let c = &w.conversation;
    let doc = to_doc(c);
    match w.expected_version {
        None => {
            exec(
                conn,
                "INSERT INTO conversations (id, account_id, profile_id, network, kind, thread_key, status, assignee_id, sponsored, activity_us, version, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![c.id.as_str(), c.account_id.as_str(), c.profile_id.as_str(), c.network.as_str(), c.kind.as_str(), c.thread_key, c.status.as_str(), c.assignee_id.as_ref().map(|a| a.as_str()), c.sponsored, us(c.activity_at()), c.version as i64, doc],
            )
            .map_err(port_err)?;
        }
        Some(v) => {
            let n = exec(
                conn,
                "UPDATE conversations SET status = ?2, assignee_id = ?3, sponsored = ?4, activity_us = ?5, version = ?6, doc = ?7 WHERE id = ?1 AND version = ?8",
                params![c.id.as_str(), c.status.as_str(), c.assignee_id.as_ref().map(|a| a.as_str()), c.sponsored, us(c.activity_at()), c.version as i64, doc, v as i64],
            )
            .map_err(port_err)?;
            if n == 0 {
                return Err(PortError::Conflict);
            }
        }
    }
    for item in &w.items {
        let exists: bool = conn
            .prepare_cached("SELECT 1 FROM items WHERE id = ?1")
            .and_then(|mut s| s.query_row([item.id.as_str()], |_| Ok(true)))
            .optional()
            .map_err(port_err)?
            .unwrap_or(false);
        if exists {
            if let Some(pid) = &item.platform_id {
                // Our send confirmed after its echo was recorded as made outside the inbox:
                // keep ours, drop the echo's copy.
                exec(
                    conn,
                    "DELETE FROM items WHERE profile_id = ?1 AND platform_id = ?2 AND id <> ?3 AND json_extract(doc, '$.action') IS NULL AND json_extract(doc, '$.direction') = 'outbound'",
                    params![c.profile_id.as_str(), pid, item.id.as_str()],
                )
                .map_err(port_err)?;
            }
            // The message's tokens are indexed again only when they changed (an edit, a
            // deletion), not when its state does (`items_fts_update` compares them).
            exec(
                conn,
                "UPDATE items SET platform_id = ?2, doc = ?3, search = ?4 WHERE id = ?1",
                params![item.id.as_str(), item.platform_id, to_doc(item), item_search(item)],
            )
            .map_err(port_err)?;
        } else {
            exec(
                conn,
                "INSERT INTO items (id, conversation_id, profile_id, platform_id, created_us, doc, search) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![item.id.as_str(), c.id.as_str(), c.profile_id.as_str(), item.platform_id, us(item.created_at), to_doc(item), item_search(item)],
            )
            .map_err(port_err)?;
        }
    }
    for n in &w.notes {
        exec(
            conn,
            "INSERT INTO notes (id, conversation_id, created_us, doc) VALUES (?1, ?2, ?3, ?4)",
            params![n.id.as_str(), c.id.as_str(), us(n.created_at), to_doc(n)],
        )
        .map_err(port_err)?;
    }
    for h in &w.history {
        exec(
            conn,
            "INSERT INTO history (id, conversation_id, at_us, doc) VALUES (?1, ?2, ?3, ?4)",
            params![h.id.as_str(), c.id.as_str(), us(h.at), to_doc(h)],
        )
        .map_err(port_err)?;
    }
    // What the change sets in motion, in its own transaction: a process killed right after
    // the write loses none of it.
    let now = us(chrono::Utc::now());
    for (queue, body) in &w.outbox {
        crate::queue::enqueue(conn, *queue, body, now)?;
    }
    Ok(())
}

/// The feed position: (activity time, id) of the last conversation of a page, and the
/// account whose feed it is (a position of another account is refused, never followed).
fn encode_after(c: &Conversation) -> String {
    format!("{}:{}:{}", us(c.activity_at()), c.id, c.account_id)
}

fn decode_after(s: &str, account: &AccountId) -> Option<(i64, String)> {
    let (t, rest) = s.split_once(':')?;
    let (id, acc) = rest.split_once(':')?;
    (acc == account.as_str()).then_some(())?;
    Some((t.parse().ok()?, ConversationId::parse(id)?.as_str().to_string()))
}

/// The messages of a conversation that hold `clause`, found through the full-text index.
const CLAUSE_BY_INDEX: &str = "SELECT i.conversation_id FROM items_fts JOIN items i ON i.rowid = items_fts.rowid WHERE items_fts MATCH ?";

/// The clause whose messages to read when a search is better answered by reading its
/// full-text candidates (then sorting them) than by walking a feed index until a page of
/// matches turns up. With `n` conversations and `m` candidates, the walk reads about
/// `page · n / m` conversations and the other way `m` messages: they break even near
/// `m = √(page · n)`. The limit is twice that, because the feed's other filters make the walk
/// longer. `m` is counted (up to the limit) for each positive clause; the rarest is chosen.
fn rarest_clause<'q>(conn: &Connection, search: &'q SearchQuery, page: usize) -> Option<&'q Clause> {
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(rowid), 0) FROM conversations")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .unwrap_or(0);
    let limit = ((2.0 * page as f64 * n as f64).sqrt() as i64).max(200);
    search
        .positive()
        .filter_map(|clause| {
            conn.prepare_cached("SELECT COUNT(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ?1 LIMIT ?2)")
                .and_then(|mut s| s.query_row(params![fts_phrase(clause), limit], |r| r.get::<_, i64>(0)))
                .ok()
                .filter(|m| *m < limit)
                .map(|m| (m, clause))
        })
        .min_by_key(|(m, _)| *m)
        .map(|(_, clause)| clause)
}

fn feed_blocking(conn: &Connection, q: &FeedQuery) -> PortResult<FeedPage> {
    if q.search.matches_nothing() {
        return Ok(FeedPage { entries: vec![], next: None });
    }
    let rarest = if q.search.is_empty() { None } else { rarest_clause(conn, &q.search, q.limit + 1) };
    let by_candidates = rarest.is_some();
    let mut args: Vec<Value> = Vec::new();
    // With few candidates, read the conversations of the rarest clause's messages and sort
    // them; otherwise walk a feed index and check each conversation's messages.
    let mut sql = if let Some(rarest) = rarest {
        args.push(Value::Text(fts_phrase(rarest)));
        format!(
            "SELECT c.doc, s.seen_us FROM ({CLAUSE_BY_INDEX}) cand CROSS JOIN conversations c ON c.id = cand.conversation_id \
             LEFT JOIN seen s ON s.conversation_id = c.id AND s.user_id = ? WHERE c.account_id = ?"
        )
    } else {
        String::from(
            "SELECT c.doc, s.seen_us FROM conversations c LEFT JOIN seen s ON s.conversation_id = c.id AND s.user_id = ? WHERE c.account_id = ?",
        )
    };
    args.extend([Value::Text(q.viewer.to_string()), Value::Text(q.account_id.to_string())]);
    let list = |sql: &mut String, args: &mut Vec<Value>, col: &str, vals: Vec<String>| {
        sql.push_str(&format!(" AND {col} IN ({})", vec!["?"; vals.len()].join(",")));
        args.extend(vals.into_iter().map(Value::Text));
    };
    list(&mut sql, &mut args, "c.profile_id", q.profiles.iter().map(|p| p.to_string()).collect());
    if let Some(s) = q.status {
        sql.push_str(" AND c.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    match &q.assignee {
        None => {}
        Some(AssigneeSelector::Unassigned) => sql.push_str(" AND c.assignee_id IS NULL"),
        Some(AssigneeSelector::Anyone) => sql.push_str(" AND c.assignee_id IS NOT NULL"),
        Some(AssigneeSelector::User(u)) => {
            sql.push_str(" AND c.assignee_id = ?");
            args.push(Value::Text(u.to_string()));
        }
    }
    if !q.networks.is_empty() {
        list(&mut sql, &mut args, "c.network", q.networks.iter().map(|n| n.as_str().to_string()).collect());
    }
    if !q.kinds.is_empty() {
        list(&mut sql, &mut args, "c.kind", q.kinds.iter().map(|k| k.as_str().to_string()).collect());
    }
    if let Some(sp) = q.sponsored {
        sql.push_str(" AND c.sponsored = ?");
        args.push(Value::Integer(sp as i64));
    }
    match q.seen {
        Some(true) => sql.push_str(" AND s.seen_us IS NOT NULL AND s.seen_us >= c.activity_us"),
        Some(false) => sql.push_str(" AND (s.seen_us IS NULL OR s.seen_us < c.activity_us)"),
        None => {}
    }
    if let Some(after) = &q.after {
        let (t, id) = decode_after(after, &q.account_id).ok_or_else(|| PortError::Corrupt("bad feed position".into()))?;
        sql.push_str(" AND (c.activity_us < ? OR (c.activity_us = ? AND c.id < ?))");
        args.extend([Value::Integer(t), Value::Integer(t), Value::Text(id)]);
    }
    // Each clause on the conversation's messages: a positive one in some message, an
    // exclusion in none (a phrase never spans two messages). A cheap `instr` first, then the
    // exact rule on the message's tokens: the rarest clause too, so that the domain's matcher
    // decides even where SQLite's tokenizer and the domain's might ever differ.
    for clause in &q.search.clauses {
        let first = clause.words.first().cloned().unwrap_or_default();
        sql.push_str(if clause.negated { " AND NOT EXISTS" } else { " AND EXISTS" });
        sql.push_str(" (SELECT 1 FROM items i WHERE i.conversation_id = c.id AND instr(i.search, ?) > 0 AND inbox_clause(?, i.search))");
        args.extend([Value::Text(first), Value::Text(clause.words.join(" "))]);
    }
    if by_candidates {
        // A conversation is a candidate once per message that holds the rarest clause.
        sql.push_str(" GROUP BY c.id");
    }
    sql.push_str(" ORDER BY c.activity_us DESC, c.id DESC LIMIT ?");
    args.push(Value::Integer(q.limit as i64 + 1));
    let mut stmt = conn.prepare_cached(&sql).map_err(port_err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))
        .map_err(port_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(port_err)?;
    let mut entries = rows
        .iter()
        .map(|(doc, seen)| Ok(FeedEntry { conversation: from_doc(doc)?, seen_at: seen.map(from_us) }))
        .collect::<PortResult<Vec<_>>>()?;
    let next = if entries.len() > q.limit {
        entries.truncate(q.limit);
        entries.last().map(|e| encode_after(&e.conversation))
    } else {
        None
    };
    Ok(FeedPage { entries, next })
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn get_conversation(&self, account: &AccountId, id: &ConversationId) -> PortResult<Option<Conversation>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM conversations WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn find_by_thread(&self, profile: &ProfileId, thread_key: &str) -> PortResult<Option<Conversation>> {
        let (p, k) = (profile.to_string(), thread_key.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM conversations WHERE profile_id = ?1 AND thread_key = ?2", [p, k])).await
    }

    async fn find_item(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<Item>> {
        let (p, k) = (profile.to_string(), platform_id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM items WHERE profile_id = ?1 AND platform_id = ?2", [p, k])).await
    }

    async fn get_item(&self, conversation: &ConversationId, id: &ItemId) -> PortResult<Option<Item>> {
        let (cv, id) = (conversation.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM items WHERE id = ?1 AND conversation_id = ?2", [id, cv])).await
    }

    async fn write(&self, write: ConversationWrite) -> PortResult<()> {
        let woken: Vec<QueueName> = QueueName::ALL.iter().copied().filter(|q| write.outbox.iter().any(|(o, _)| o == q)).collect();
        self.db.write(move |c| apply_write(c, &write)).await?;
        for q in woken {
            self.db.queue_waker(q).notify_one();
        }
        Ok(())
    }

    fn writes_outbox(&self) -> bool {
        true
    }

    async fn items(&self, conversation: &ConversationId) -> PortResult<Vec<Item>> {
        let cv = conversation.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM items WHERE conversation_id = ?1 ORDER BY created_us, id", [cv])).await
    }

    async fn notes(&self, conversation: &ConversationId) -> PortResult<Vec<Note>> {
        let cv = conversation.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM notes WHERE conversation_id = ?1 ORDER BY created_us, id", [cv])).await
    }

    async fn history(&self, conversation: &ConversationId) -> PortResult<Vec<HistoryEntry>> {
        let cv = conversation.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM history WHERE conversation_id = ?1 ORDER BY at_us, rowid", [cv])).await
    }

    async fn get_post(&self, profile: &ProfileId, post_id: &str) -> PortResult<Option<Post>> {
        let (p, k) = (profile.to_string(), post_id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM posts WHERE profile_id = ?1 AND post_id = ?2", [p, k])).await
    }

    async fn put_post(&self, profile: &ProfileId, post: &Post) -> PortResult<()> {
        let (p, k, doc) = (profile.to_string(), post.id.clone(), to_doc(post));
        self.db
            .write(move |c| {
                exec(
                    c,
                    "INSERT INTO posts (profile_id, post_id, doc) VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET doc = excluded.doc",
                    [p, k, doc],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn put_tombstone(&self, profile: &ProfileId, platform_id: &str, at: Timestamp) -> PortResult<()> {
        let (p, k) = (profile.to_string(), platform_id.to_string());
        self.db
            .write(move |c| {
                c.execute("INSERT OR IGNORE INTO tombstones (profile_id, platform_id, at_us) VALUES (?1, ?2, ?3)", params![p, k, us(at)])
                    .map(|_| ())
                    .map_err(port_err)
            })
            .await
    }

    async fn is_tombstoned(&self, profile: &ProfileId, platform_id: &str) -> PortResult<bool> {
        let (p, k) = (profile.to_string(), platform_id.to_string());
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT 1 FROM tombstones WHERE profile_id = ?1 AND platform_id = ?2")
                    .and_then(|mut s| s.query_row([p, k], |_| Ok(())))
                    .optional()
                    .map(|o| o.is_some())
                    .map_err(port_err)
            })
            .await
    }

    async fn put_early_edit(&self, profile: &ProfileId, platform_id: &str, text: &str, at: Timestamp) -> PortResult<()> {
        let (p, k, t) = (profile.to_string(), platform_id.to_string(), text.to_string());
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO early_edits (profile_id, platform_id, text, at_us) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (profile_id, platform_id) DO UPDATE SET text = excluded.text, at_us = excluded.at_us WHERE excluded.at_us >= early_edits.at_us",
                    params![p, k, t, us(at)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn early_edit(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<String>> {
        let (p, k) = (profile.to_string(), platform_id.to_string());
        self.db
            .read(move |c| {
                c.query_row("SELECT text FROM early_edits WHERE profile_id = ?1 AND platform_id = ?2", [p, k], |r| r.get(0))
                    .optional()
                    .map_err(port_err)
            })
            .await
    }

    async fn mark_seen(&self, user: &UserId, conversation: &ConversationId, at: Timestamp) -> PortResult<()> {
        let (u, cv) = (user.to_string(), conversation.to_string());
        self.db
            .write(move |c| {
                exec(
                    c,
                    "INSERT INTO seen (user_id, conversation_id, seen_us) VALUES (?1, ?2, ?3)
                     ON CONFLICT (conversation_id, user_id) DO UPDATE SET seen_us = MAX(seen_us, excluded.seen_us)",
                    params![u, cv, us(at)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn seen_at(&self, user: &UserId, conversation: &ConversationId) -> PortResult<Option<Timestamp>> {
        let (u, cv) = (user.to_string(), conversation.to_string());
        self.db
            .read(move |c| {
                c.prepare_cached("SELECT seen_us FROM seen WHERE conversation_id = ?1 AND user_id = ?2")
                    .and_then(|mut s| s.query_row([cv, u], |r| r.get::<_, i64>(0)))
                    .optional()
                    .map(|o| o.map(from_us))
                    .map_err(port_err)
            })
            .await
    }

    async fn feed(&self, query: &FeedQuery) -> PortResult<FeedPage> {
        let q = query.clone();
        self.db.read(move |c| feed_blocking(c, &q)).await
    }

    async fn outbound_dms_to(&self, profile: &ProfileId, recipient: &str) -> PortResult<Vec<Item>> {
        let (p, r) = (profile.to_string(), recipient.to_string());
        self.db
            .read(move |c| {
                many(
                    c,
                    "SELECT doc FROM items WHERE profile_id = ?1 AND json_extract(doc, '$.dm_recipient') = ?2 ORDER BY created_us",
                    [p, r],
                )
            })
            .await
    }
}
