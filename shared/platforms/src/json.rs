//! Lenient readers for loosely typed webhook JSON: ids that come as strings or numbers,
//! times in seconds, milliseconds or text.

use chrono::{DateTime, Utc};
use inbox_domain::Timestamp;
use serde_json::Value;

/// A string field, when present and a string.
pub(crate) fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// An id field given as a non-empty string or as an integer (Meta and X use both).
pub(crate) fn id_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(id_value)
}

/// An id value given as a non-empty string or as an integer.
pub(crate) fn id_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// An integer given as a JSON integer or as a string of digits.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// UNIX seconds (integer or digit string), or a Graph / RFC 3339 date string.
pub(crate) fn secs(v: Option<&Value>) -> Option<Timestamp> {
    let v = v?;
    if let Some(n) = integer(v) {
        return DateTime::from_timestamp(n, 0);
    }
    let s = v.as_str()?.trim();
    DateTime::parse_from_rfc3339(s).or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z")).ok().map(|t| t.with_timezone(&Utc))
}

/// UNIX milliseconds (integer or digit string).
pub(crate) fn millis(v: Option<&Value>) -> Option<Timestamp> {
    DateTime::from_timestamp_millis(integer(v?)?)
}

/// Meta's `entry.time`, which is seconds for Page feed entries and milliseconds for Messenger
/// ones. Values past 10^11 (the year 5138 in seconds) are read as milliseconds.
pub(crate) fn seconds_or_millis(v: Option<&Value>) -> Option<Timestamp> {
    let n = integer(v?)?;
    if n.abs() >= 100_000_000_000 { DateTime::from_timestamp_millis(n) } else { DateTime::from_timestamp(n, 0) }
}

/// X v1.1 `created_at`, e.g. `Thu Jan 01 01:00:00 +0000 2026`.
pub(crate) fn twitter_date(v: Option<&Value>) -> Option<Timestamp> {
    let s = v?.as_str()?.trim();
    DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y").map(|t| t.with_timezone(&Utc)).ok()
}

/// A value from the body, cut short and quoted for a skip reason.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("`{}…`", &s[..i]),
        None => format!("`{s}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn ids_accept_strings_and_integers() {
        let v = json!({"a": "123", "b": 1875000000000000001u64, "c": "", "d": 1.5, "e": null});
        assert_eq!(id_of(&v, "a").as_deref(), Some("123"));
        assert_eq!(id_of(&v, "b").as_deref(), Some("1875000000000000001"));
        assert_eq!(id_of(&v, "c"), None);
        assert_eq!(id_of(&v, "d"), None);
        assert_eq!(id_of(&v, "e"), None);
        assert_eq!(id_of(&v, "missing"), None);
    }

    #[test]
    fn times_in_every_unit() {
        let v = json!({"s": 1767225598, "ss": "1767225598", "ms": "1767229200000", "iso": "2026-01-01T00:00:00+0000"});
        assert_eq!(secs(v.get("s")), Some(at("2025-12-31T23:59:58Z")));
        assert_eq!(secs(v.get("ss")), Some(at("2025-12-31T23:59:58Z")));
        assert_eq!(secs(v.get("iso")), Some(at("2026-01-01T00:00:00Z")));
        assert_eq!(millis(v.get("ms")), Some(at("2026-01-01T01:00:00Z")));
        assert_eq!(seconds_or_millis(v.get("s")), Some(at("2025-12-31T23:59:58Z")));
        assert_eq!(seconds_or_millis(v.get("ms")), Some(at("2026-01-01T01:00:00Z")));
        assert_eq!(secs(None), None);
    }

    #[test]
    fn twitter_created_at() {
        let v = json!("Thu Jan 01 01:00:00 +0000 2026");
        assert_eq!(twitter_date(Some(&v)), Some(at("2026-01-01T01:00:00Z")));
        assert_eq!(twitter_date(Some(&json!("yesterday"))), None);
    }

    #[test]
    fn shown_cuts_long_values() {
        assert_eq!(shown("post"), "`post`");
        assert_eq!(shown(&"é".repeat(50)), format!("`{}…`", "é".repeat(40)));
    }
}
