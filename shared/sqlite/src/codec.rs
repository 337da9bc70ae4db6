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
