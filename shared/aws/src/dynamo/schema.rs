//! The table's key schema and indexes, as `template.yaml` declares them (a test checks that
//! the two agree). `create_table` makes one for tests and for trying the adapters out.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType,
    StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use inbox_domain::error::{PortError, PortResult};

/// Feeds by status: `g1pk = <account>#<status>`, `g1sk = <last inbound µs, 20 digits>#<conversation>`.
pub const BY_STATUS: &str = "by_status";
/// Feeds by assignee (sparse: assigned conversations only): `g2pk = <account>#<user>`, `g1sk`.
pub const BY_ASSIGNEE: &str = "by_assignee";
/// Schedules by due time: poll schedules (`g3pk = "POLL#<shard>"`), pending webhook deliveries
/// (`"DLV#<shard>"`) and token renewals (`"RENEW#<shard>"`), `g3sk` = the next attempt's µs
/// (number); 16 shards each (`keys::due_pk`).
pub const DUE_POLLS: &str = "due_polls";
/// Our DMs by recipient (sparse: items with `dm_recipient` only): `g4pk = <profile>#<recipient>`, `sk`.
pub const DM_TO: &str = "dm_to";
/// Children listed by parent, by id: a subscription's webhook deliveries
/// (`g5pk = <account>#<subscription>`, `g5sk = <delivery id>`).
pub const BY_PARENT: &str = "by_parent";

/// The attributes a feed index carries beside its keys: what the cheap feed filters read, and
/// the search signature (`signature.rs`).
pub const FEED_PROJECTION: [&str; 7] = ["prof", "net", "kind", "sp", "asg", "st", "sg"];

/// The global indexes: name, partition key, sort key.
pub(crate) const GLOBAL_INDEXES: [(&str, &str, &str); 5] = [
    (BY_STATUS, "g1pk", "g1sk"),
    (BY_ASSIGNEE, "g2pk", "g1sk"),
    (DUE_POLLS, "g3pk", "g3sk"),
    (DM_TO, "g4pk", "sk"),
    (BY_PARENT, "g5pk", "g5sk"),
];

fn attr(name: &str, t: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().expect("name and type")
}

fn key(name: &str, t: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(t).build().expect("name and type")
}

fn include(attrs: &[&str]) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::Include)
        .set_non_key_attributes(Some(attrs.iter().map(|a| a.to_string()).collect()))
        .build()
}

fn gsi(name: &str, hash: &str, range: &str, projection: Projection) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(hash, KeyType::Hash))
        .key_schema(key(range, KeyType::Range))
        .projection(projection)
        .build()
        .expect("name, keys and projection")
}

/// The table's stream: old and new images of every changed record, which the fanout function
/// reads (`stream.rs`: the history entries a write added are the difference of the two).
pub const STREAM_VIEW: &str = "NEW_AND_OLD_IMAGES";

/// Creates the table (on-demand, TTL on `ttl`, its stream) and waits until it is active.
pub async fn create_table(client: &Client, name: &str) -> PortResult<()> {
    let err = |e: String| PortError::Unavailable(format!("cannot create table {name}: {e}"));
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk", ScalarAttributeType::S))
        .attribute_definitions(attr("sk", ScalarAttributeType::S))
        .attribute_definitions(attr("g1pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g1sk", ScalarAttributeType::S))
        .attribute_definitions(attr("g2pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g3pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g3sk", ScalarAttributeType::N))
        .attribute_definitions(attr("g4pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g5pk", ScalarAttributeType::S))
        .attribute_definitions(attr("g5sk", ScalarAttributeType::S))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(STREAM_VIEW))
                .build()
                .expect("stream spec"),
        )
        .set_global_secondary_indexes(Some(
            GLOBAL_INDEXES
                .iter()
                .map(|(name, pk, sk)| {
                    let projection = match *name {
                        BY_STATUS | BY_ASSIGNEE => include(&FEED_PROJECTION),
                        DUE_POLLS => include(&["doc", "lease"]),
                        DM_TO => include(&["doc"]),
                        _ => include(&["doc", "st"]),
                    };
                    gsi(name, pk, sk, projection)
                })
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| err(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string()))?;
    for _ in 0..100 {
        let d = client.describe_table().table_name(name).send().await.map_err(|e| err(e.to_string()))?;
        if d.table().and_then(|t| t.table_status()).is_some_and(|s| s.as_str() == "ACTIVE") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(TimeToLiveSpecification::builder().enabled(true).attribute_name("ttl").build().expect("ttl spec"))
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template's table, index by index: (name, hash key, range key, projected attributes).
    fn template_indexes() -> Vec<(String, String, String, String)> {
        let template = include_str!("../../../../template.yaml");
        let mut out = Vec::new();
        let mut lines = template.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(name) = line.trim().strip_prefix("- IndexName: ") else { continue };
            let mut keys = Vec::new();
            let mut projected = String::new();
            while let Some(next) = lines.peek() {
                if next.trim().starts_with("- IndexName:")
                    || next.trim().starts_with("GlobalSecondaryIndexes:")
                    || !next.starts_with("        ")
                {
                    break;
                }
                let l = lines.next().unwrap_or_default().trim().to_string();
                if let Some(rest) = l.strip_prefix("- { AttributeName: ") {
                    keys.push(rest.split(',').next().unwrap_or_default().to_string());
                }
                if let Some(rest) = l.strip_prefix("NonKeyAttributes: ") {
                    projected = rest.to_string();
                }
                if l == "ProjectionType: ALL" {
                    projected = "ALL".into();
                }
            }
            out.push((name.to_string(), keys[0].clone(), keys[1].clone(), projected));
        }
        out
    }

    #[test]
    fn the_template_declares_the_indexes_the_adapters_query() {
        let feed = format!("[{}]", FEED_PROJECTION.join(", "));
        let want = vec![
            (BY_STATUS.into(), "g1pk".into(), "g1sk".into(), feed.clone()),
            (BY_ASSIGNEE.into(), "g2pk".into(), "g1sk".into(), feed),
            (DUE_POLLS.into(), "g3pk".into(), "g3sk".into(), "[doc, lease]".into()),
            (DM_TO.into(), "g4pk".into(), "sk".into(), "[doc]".into()),
            (BY_PARENT.into(), "g5pk".into(), "g5sk".into(), "[doc, st]".into()),
        ];
        assert_eq!(template_indexes(), want);
        let template = include_str!("../../../../template.yaml");
        for needle in [
            "AttributeName: ttl",
            "PointInTimeRecoveryEnabled: true",
            "BillingMode: PAY_PER_REQUEST",
            "{ AttributeName: g3sk, AttributeType: N }",
        ] {
            assert!(template.contains(needle), "template.yaml has {needle}");
        }
        assert!(template.contains(&format!("StreamViewType: {STREAM_VIEW}")), "the table's stream, as the fanout function reads it");
    }
}
