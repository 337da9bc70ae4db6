//! Row helpers shared by every SQLite adapter: how a value is written to and read from a
//! row (JSON documents, microsecond timestamps), and how SQLite's errors become port errors.
//! They sit below the adapters, so that no adapter reaches into another for them.

use inbox_domain::Timestamp;
use inbox_domain::error::{PortError, PortResult};
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;

/// Maps SQLite errors to port errors: constraint violations mean "already exists".
pub(crate) fn port_err(e: rusqlite::Error) -> PortError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => PortError::AlreadyExists,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            PortError::failed(format!("database busy: {e}"), e)
        }
        _ => PortError::failed(format!("sqlite: {e}"), e),
    }
}

pub(crate) fn us(t: Timestamp) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_us(v: i64) -> Timestamp {
    chrono::DateTime::from_timestamp_micros(v).unwrap_or_default()
}

pub(crate) fn to_doc<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialisable")
}

pub(crate) fn from_doc<T: DeserializeOwned>(s: &str) -> PortResult<T> {
    serde_json::from_str(s).map_err(|e| PortError::Corrupt(format!("stored document does not parse: {e}")))
}

pub(crate) fn one<T: DeserializeOwned>(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> PortResult<Option<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(port_err)?;
    let doc: Option<String> = stmt.query_row(params, |r| r.get(0)).optional().map_err(port_err)?;
    doc.map(|d| from_doc(&d)).transpose()
}

pub(crate) fn many<T: DeserializeOwned>(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> PortResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(port_err)?;
    let docs = stmt
        .query_map(params, |r| r.get::<_, String>(0))
        .map_err(port_err)?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(port_err)?;
    docs.iter().map(|d| from_doc(d)).collect()
}

/// A row of an account's documents: the tables of that shape (`id`, `account_id`,
/// `version`, `doc`) that an account holds a limited number of.
pub(crate) struct AccountRow<'a> {
    pub table: &'static str,
    pub id: &'a str,
    pub account: &'a str,
    pub version: u64,
    pub doc: String,
}

impl AccountRow<'_> {
    /// Inserts the row unless its account holds `max` rows of the table already
    /// (`LimitReached`): in the caller's write transaction (the writer is single), so the count
    /// and the insert are atomic.
    pub(crate) fn insert_under(&self, c: &Connection, max: usize) -> PortResult<()> {
        let held: i64 = c
            .prepare_cached(&format!("SELECT COUNT(*) FROM {} WHERE account_id = ?1", self.table))
            .and_then(|mut st| st.query_row([self.account], |r| r.get(0)))
            .map_err(port_err)?;
        if held as usize >= max {
            return Err(PortError::LimitReached);
        }
        c.execute(
            &format!("INSERT INTO {} (id, account_id, version, doc) VALUES (?1, ?2, ?3, ?4)", self.table),
            rusqlite::params![self.id, self.account, self.version as i64, self.doc],
        )
        .map(|_| ())
        .map_err(port_err)
    }

    /// Replaces the row only if it is at `expected` (`Conflict` otherwise).
    pub(crate) fn replace_at(&self, c: &Connection, expected: u64) -> PortResult<()> {
        let n = c
            .execute(
                &format!("UPDATE {} SET version = ?3, doc = ?4 WHERE id = ?1 AND account_id = ?2 AND version = ?5", self.table),
                rusqlite::params![self.id, self.account, self.version as i64, self.doc, expected as i64],
            )
            .map_err(port_err)?;
        if n == 1 { Ok(()) } else { Err(PortError::Conflict) }
    }
}

#[cfg(test)]
mod tests {
    use super::port_err;

    #[test]
    fn a_sqlite_error_keeps_its_source_and_its_words() {
        let e = port_err(rusqlite::Error::InvalidQuery);
        assert_eq!(e.to_string(), format!("sqlite: {}", rusqlite::Error::InvalidQuery), "the words are unchanged");
        let source = std::error::Error::source(&e).expect("the chain is kept, not flattened to text");
        assert!(source.downcast_ref::<rusqlite::Error>().is_some(), "{source:?}");
    }
}
