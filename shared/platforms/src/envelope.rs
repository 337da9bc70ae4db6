//! What the webhook function queues for the ingest worker: the raw body (or, for a body that
//! batches many events, each event's part of it, see [`split`]) and which platform sent it.
//! Normalising happens behind the queue.

use crate::{NormalizeError, Normalized};
use inbox_domain::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Facebook, Messenger and Instagram webhooks.
    Meta,
    /// X Account Activity webhooks.
    X,
    /// LinkedIn `ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS` webhooks.
    Linkedin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestEnvelope {
    pub source: Source,
    pub received_at: Timestamp,
    /// The request body exactly as received (verified, valid JSON, so valid UTF-8).
    pub body: String,
}

impl IngestEnvelope {
    pub fn normalize(&self) -> Result<Normalized, NormalizeError> {
        match self.source {
            Source::Meta => crate::meta::normalize(self.body.as_bytes()),
            Source::X => crate::x::normalize(self.body.as_bytes()),
            Source::Linkedin => crate::linkedin::normalize_webhook(self.body.as_bytes()),
        }
    }
}

/// The parts of a verified webhook body that batches many events, each a body of the same shape:
/// one per Meta `entry`, and per element of an entry's `changes` (Meta batches up to 1,000
/// changes in one delivery); one per element of X's `*_events` arrays (with the body's other
/// keys); one per LinkedIn notification. Queued as one message each, so that a delivery of a
/// thousand changes becomes a thousand messages the ingest functions share, none of which runs
/// past a function's timeout or SQS's 256 KB. Parts are applied in any order, which ingest
/// takes for comments, replies, edits and deletions; messages are kept together in their order
/// (an entry's `messaging` or `standby`, X's `direct_message_events`): an echo of our own
/// message is recorded only in a conversation its customer's message made. A body of one part
/// (or of a shape this does not know: normalising says what is wrong with it) is queued byte
/// for byte.
pub fn split(source: Source, body: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(body) else {
        return vec![body.to_string()];
    };
    let parts = match source {
        Source::Meta => split_meta(&root),
        Source::X => split_arrays(&root, |k| k.ends_with("_events") && k != "direct_message_events"),
        Source::Linkedin => split_arrays(&root, |k| k == "notifications"),
    };
    if parts.len() <= 1 { vec![body.to_string()] } else { parts.iter().map(|p| serde_json::Value::Object(p.clone()).to_string()).collect() }
}

type Object = serde_json::Map<String, serde_json::Value>;

/// One body per element of the arrays under the keys `is_events` picks, each keeping the keys
/// that are not event arrays.
fn split_arrays(root: &Object, is_events: impl Fn(&str) -> bool) -> Vec<Object> {
    let common: Object = root.iter().filter(|(k, _)| !is_events(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut out = Vec::new();
    for (k, v) in root.iter().filter(|(k, _)| is_events(k)) {
        match v.as_array() {
            Some(events) => {
                for e in events {
                    let mut part = common.clone();
                    part.insert(k.clone(), serde_json::Value::Array(vec![e.clone()]));
                    out.push(part);
                }
            }
            // Not an array: kept whole, for normalising to name.
            None => {
                let mut part = common.clone();
                part.insert(k.clone(), v.clone());
                out.push(part);
            }
        }
    }
    out
}

/// One body per entry, and per change of an entry (its messages stay together).
fn split_meta(root: &Object) -> Vec<Object> {
    let Some(entries) = root.get("entry").and_then(|e| e.as_array()) else { return vec![root.clone()] };
    let mut out = Vec::new();
    for entry in entries {
        let parts = match entry.as_object() {
            Some(e) => split_arrays(e, |k| k == "changes"),
            None => vec![],
        };
        let parts: Vec<serde_json::Value> =
            if parts.is_empty() { vec![entry.clone()] } else { parts.into_iter().map(serde_json::Value::Object).collect() };
        for part in parts {
            let mut body = root.clone();
            body.insert("entry".into(), serde_json::Value::Array(vec![part]));
            out.push(body);
        }
    }
    out
}

#[cfg(test)]
mod split_tests {
    use super::*;

    fn events(source: Source, body: &str) -> Vec<String> {
        let env = |b: &str| IngestEnvelope { source, received_at: chrono::Utc::now(), body: b.to_string() };
        let mut all: Vec<String> = env(body).normalize().unwrap().events.iter().map(|e| e.platform_id.clone()).collect();
        all.sort();
        all
    }

    fn parts_events(source: Source, body: &str) -> (usize, Vec<String>) {
        let parts = split(source, body);
        let mut all: Vec<String> = parts.iter().flat_map(|p| events(source, p)).collect();
        all.sort();
        (parts.len(), all)
    }

    #[test]
    fn a_meta_body_of_many_changes_is_one_part_per_change_with_the_same_events() {
        let change = |i: usize| {
            format!(
                r#"{{"field":"feed","value":{{"item":"comment","verb":"add","comment_id":"post_{i}","post_id":"post","parent_id":"post","from":{{"id":"u{i}","name":"U"}},"message":"hi {i}","created_time":1767225600}}}}"#
            )
        };
        let entry = |id: &str, range: std::ops::Range<usize>| {
            format!(r#"{{"id":"{id}","time":1767225600,"changes":[{}]}}"#, range.map(change).collect::<Vec<_>>().join(","))
        };
        let body = format!(r#"{{"object":"page","entry":[{},{}]}}"#, entry("page1", 0..600), entry("page2", 600..1000));
        let whole = events(Source::Meta, &body);
        assert_eq!(whole.len(), 1000);
        let (parts, split_events) = parts_events(Source::Meta, &body);
        assert_eq!((parts, &split_events), (1000, &whole), "one part per change, the same events");
        let part = &split(Source::Meta, &body)[700];
        assert!(part.contains(r#""id":"page2""#) && part.len() < 400, "{part}");
    }

    #[test]
    fn messages_stay_together_in_their_order() {
        let body = r#"{"object":"page","entry":[{"id":"p","time":1,"standby":[{"message":{"mid":"a"}},{"message":{"mid":"b","is_echo":true}}]},
            {"id":"p","time":2,"messaging":[{"message":{"mid":"c"}}]}]}"#;
        let parts = split(Source::Meta, body);
        assert_eq!(parts.len(), 2, "one per entry");
        assert!(parts[0].contains(r#""mid":"a""#) && parts[0].contains(r#""mid":"b""#));
        let x = r#"{"for_user_id":"1","direct_message_events":[{"id":"d1"},{"id":"d2"}],"users":{}}"#;
        assert_eq!(split(Source::X, x), vec![x.to_string()], "X's DMs together");
    }

    #[test]
    fn a_body_of_one_event_is_queued_as_it_came() {
        let body = r#"{ "object": "page", "entry": [ {"id": "p", "time": 1, "changes": [ {"field": "feed", "value": {}} ] } ] }"#;
        assert_eq!(split(Source::Meta, body), vec![body.to_string()]);
        assert_eq!(split(Source::Meta, "not json"), vec!["not json".to_string()]);
        assert_eq!(split(Source::Linkedin, r#"{"notifications":[]}"#), vec![r#"{"notifications":[]}"#.to_string()]);
    }

    #[test]
    fn x_and_linkedin_bodies_are_split_per_event_keeping_what_they_share() {
        let body = r#"{"for_user_id":"42","users":{"7":{"id":"7","name":"Ann","screen_name":"ann"}},
            "tweet_create_events":[{"id_str":"1","text":"@me hi","user":{"id_str":"7","name":"Ann","screen_name":"ann"},"created_at":"Wed Oct 10 20:19:24 +0000 2018"},
                                   {"id_str":"2","text":"@me again","user":{"id_str":"7","name":"Ann","screen_name":"ann"},"created_at":"Wed Oct 10 20:19:25 +0000 2018"}],
            "favorite_events":[{"id":"f1"}]}"#;
        let parts = split(Source::X, body);
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|p| p.contains(r#""for_user_id":"42""#) && p.contains(r#""users""#)));
        assert_eq!(events(Source::X, body).len(), 2, "two mentions");
        assert_eq!(parts_events(Source::X, body).1, events(Source::X, body));
        let li = r#"{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS","notifications":[{"a":1},{"b":2}]}"#;
        let parts = split(Source::Linkedin, li);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.contains("ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS")));
    }
}
