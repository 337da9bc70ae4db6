//! The search tokens of each message: `items.search`, the domain's tokens
//! ([`inbox_domain::search::tokenize`]) of the message's text, space-separated (empty for a
//! deleted message), indexed by the full-text table `items_fts` (kept by triggers, migration
//! 8). Appending to a thread indexes that one message, whatever the thread's length.
//!
//! The full-text table splits on spaces only and every token character is kept
//! (`unicode61`, categories `L* M* N* P* S* C*`), so its tokens are the domain's: a phrase
//! query of the full-text table is the domain's rule for one message, exactly.

use crate::codec::port_err;
use inbox_domain::Item;
use inbox_domain::error::PortResult;
use inbox_domain::search::{Clause, TOKENIZER_VERSION, tokenize};
use rusqlite::{Connection, OptionalExtension, params};

/// What `items.search` holds for `item`.
pub(crate) fn item_search(item: &Item) -> String {
    if item.deleted { String::new() } else { tokenize(&item.text).join(" ") }
}

/// A full-text query for one clause: its tokens as a phrase (quotes doubled).
pub(crate) fn fts_phrase(clause: &Clause) -> String {
    format!("\"{}\"", clause.words.join(" ").replace('"', "\"\""))
}

/// Rows of `items` recomputed per transaction.
const BATCH: i64 = 2_000;

/// Computes `items.search` for every message when it has never been computed, or was computed
/// by another version of the tokenizer. Runs when the database is opened, before anything
/// else uses it; an interrupted run starts over at the next open.
pub(crate) fn ensure(conn: &mut Connection) -> PortResult<()> {
    let stored: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'tokenizer'", [], |r| r.get(0)).optional().map_err(port_err)?;
    if stored.as_deref() == Some(TOKENIZER_VERSION.to_string().as_str()) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut last = 0i64;
    let mut done = 0usize;
    loop {
        let tx = conn.transaction().map_err(port_err)?;
        let rows: Vec<(i64, String)> = {
            let mut stmt = tx.prepare("SELECT rowid, doc FROM items WHERE rowid > ?1 ORDER BY rowid LIMIT ?2").map_err(port_err)?;
            stmt.query_map(params![last, BATCH], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(port_err)?
                .collect::<rusqlite::Result<_>>()
                .map_err(port_err)?
        };
        let Some((end, _)) = rows.last() else { break };
        last = *end;
        {
            let mut update = tx.prepare("UPDATE items SET search = ?2 WHERE rowid = ?1").map_err(port_err)?;
            for (rowid, doc) in &rows {
                let item: Item = crate::codec::from_doc(doc)?;
                update.execute(params![rowid, item_search(&item)]).map_err(port_err)?;
            }
        }
        tx.commit().map_err(port_err)?;
        done += rows.len();
    }
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('tokenizer', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [TOKENIZER_VERSION.to_string()],
    )
    .map_err(port_err)?;
    if done > 0 {
        tracing::info!(messages = done, ms = started.elapsed().as_millis() as u64, "search tokens recomputed");
    }
    Ok(())
}
