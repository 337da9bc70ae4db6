//! The queued envelope: its wire names, and that each source is normalised by its platform.

use chrono::{DateTime, Utc};
use inbox_platforms::envelope::{IngestEnvelope, Source};
use inbox_platforms::{NormalizeError, linkedin, meta, x};
use serde_json::json;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/fixtures/", $name))
    };
}

fn envelope(source: Source, body: &str) -> IngestEnvelope {
    IngestEnvelope {
        source,
        received_at: DateTime::parse_from_rfc3339("2026-01-01T02:00:00Z").unwrap().with_timezone(&Utc),
        body: body.into(),
    }
}

#[test]
fn sources_have_stable_wire_names() {
    for (source, wire) in [(Source::Meta, "meta"), (Source::X, "x"), (Source::Linkedin, "linkedin")] {
        assert_eq!(serde_json::to_value(source).unwrap(), json!(wire));
        assert_eq!(serde_json::from_value::<Source>(json!(wire)).unwrap(), source);
    }
    let e = envelope(Source::Linkedin, "{}");
    let round: IngestEnvelope = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(round, e);
}

#[test]
fn each_source_is_normalised_by_its_platform() {
    let li = fixture!("linkedin_org_social_action_webhook.json");
    assert_eq!(envelope(Source::Linkedin, li).normalize().unwrap(), linkedin::normalize_webhook(li.as_bytes()).unwrap());
    assert_eq!(envelope(Source::Linkedin, li).normalize().unwrap().events.len(), 1);
    let fb = fixture!("meta_standby.json");
    assert_eq!(envelope(Source::Meta, fb).normalize().unwrap(), meta::normalize(fb.as_bytes()).unwrap());
    let tw = fixture!("x_tweet_create_mention.json");
    assert_eq!(envelope(Source::X, tw).normalize().unwrap(), x::normalize(tw.as_bytes()).unwrap());
    // A body of another platform is not a LinkedIn envelope.
    assert!(matches!(envelope(Source::Linkedin, tw).normalize(), Err(NormalizeError::Envelope(_))));
}
