//! The table's change stream as the sender of what each committed change tells others: its
//! domain events and notifications ([`inbox_domain::fanout::Fanout`]).
//!
//! On DynamoDB a change is several single writes (or one transaction), and a function that
//! sent its messages to SQS after them could die in between and lose them for good (the
//! redelivered webhook is a duplicate by then). So the table has a stream
//! (`NEW_AND_OLD_IMAGES`), and a function reads it (`functions/fanout`): every record a
//! change inserted carries the change's history entries (`h`, see `conversations.rs`), and
//! its messages are derived again from them, beside the items and notes of the same batch
//! and the conversation as it is now, with ids derived from the entries'. A change committed
//! is told, exactly as the SQLite outbox tells it, whatever becomes of the function that
//! wrote it; the stream's retries send the same ids again (the notifier's notification ids and
//! the deliveries' event ids are derived from them: nothing is told twice).
//!
//! What a record says:
//! - an item (`I#`), note (`N#`) or history record (`H#`) inserted or modified: the history
//!   entries its new image has and its old one had not;
//! - an outbound reply or DM whose state became `sent`: `reply.sent`, by whoever wrote it (the
//!   history entry naming the item);
//! - a history record that only moved older entries (an echo taken over, `mv`): nothing.
//!
//! The conversation is read once per batch and conversation, strongly consistent (events show
//! it as it is when the stream is read, a few hundred milliseconds after the change at most;
//! `seq` is its version then).

use super::conversation_record::conversation_from;
use super::keys as key;
use super::store::*;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::fanout::Fanout;
use inbox_domain::messages::QueueName;
use inbox_domain::usecases::integrations::Listeners;
use inbox_domain::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One record of the stream: what the write made of one table record.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRecord {
    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    pub new: Option<Record>,
    pub old: Option<Record>,
    /// When DynamoDB wrote it (`ApproximateCreationDateTime`, seconds, to the millisecond).
    pub at: Option<Timestamp>,
}

/// The records of a Lambda event from DynamoDB Streams, or of a `GetRecords` answer: the same
/// shape (`Records[].eventName`, `Records[].dynamodb.NewImage/OldImage`, images in DynamoDB's
/// JSON).
pub fn records(event: &Value) -> Result<Vec<StreamRecord>, String> {
    let list = event.get("Records").and_then(Value::as_array).ok_or("no \"Records\" list")?;
    list.iter()
        .map(|r| {
            let d = r.get("dynamodb").ok_or("a record without \"dynamodb\"")?;
            let image = |name: &str| d.get(name).map(image).transpose();
            Ok(StreamRecord {
                event_name: r.get("eventName").and_then(Value::as_str).unwrap_or_default().to_string(),
                new: image("NewImage")?,
                old: image("OldImage")?,
                at: d
                    .get("ApproximateCreationDateTime")
                    .and_then(Value::as_f64)
                    .and_then(|s| chrono::DateTime::from_timestamp_millis((s * 1000.0).round() as i64)),
            })
        })
        .collect()
}

/// An image (`{"pk": {"S": "…"}, …}`) as the SDK's attribute values.
fn image(v: &Value) -> Result<Record, String> {
    v.as_object().ok_or("an image that is not an object")?.iter().map(|(k, v)| Ok((k.clone(), attribute(v)?))).collect()
}

fn attribute(v: &Value) -> Result<AttributeValue, String> {
    let (tag, value) = v.as_object().and_then(|o| o.iter().next()).ok_or("an attribute value that is not {\"T\": …}")?;
    let text = || value.as_str().map(str::to_string).ok_or_else(|| format!("a {tag} that is not a string"));
    let texts = || -> Result<Vec<String>, String> {
        value
            .as_array()
            .ok_or(format!("a {tag} that is not a list"))?
            .iter()
            .map(|s| s.as_str().map(str::to_string).ok_or("not a string".into()))
            .collect()
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text()?),
        "N" => AttributeValue::N(text()?),
        "BOOL" => AttributeValue::Bool(value.as_bool().ok_or("a BOOL that is not a boolean")?),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(texts()?),
        "NS" => AttributeValue::Ns(texts()?),
        "L" => AttributeValue::L(value.as_array().ok_or("an L that is not a list")?.iter().map(attribute).collect::<Result<_, _>>()?),
        "M" => AttributeValue::M(image(value)?),
        other => return Err(format!("an attribute of type {other}, which this table does not use")),
    })
}

/// The history entries of a record (`h`).
fn entries(r: &Record) -> PortResult<Vec<HistoryEntry>> {
    let Some(AttributeValue::L(list)) = r.get("h") else { return Ok(vec![]) };
    list.iter()
        .filter_map(|v| v.as_s().ok())
        .map(|s| serde_json::from_str(s).map_err(|e| PortError::failed(format!("a stored history entry does not parse: {e}"), e)))
        .collect()
}

/// One record's part of a change, before the conversation is known.
struct Told {
    cid: String,
    fresh: Vec<HistoryEntry>,
    own_item: Option<Item>,
    sent: Option<(Item, Option<Actor>)>,
    at: Timestamp,
}

impl DynamoDbStore {
    /// What the changes in `records` tell others, in the records' order.
    pub async fn fanout_of(&self, records: &[StreamRecord]) -> PortResult<Fanout> {
        let mut told = Vec::new();
        let mut items: HashMap<String, Vec<Item>> = HashMap::new();
        let mut notes: HashMap<String, Vec<Note>> = HashMap::new();
        for r in records {
            let Some(new) = &r.new else { continue };
            let (Some(cid), Some(sk)) = (get_s(new, "pk").and_then(|p| p.strip_prefix("C#")), get_s(new, "sk")) else { continue };
            let kind = &sk[..sk.len().min(2)];
            if !matches!(kind, "I#" | "N#" | "H#") || new.contains_key("mv") {
                continue;
            }
            // (moto records an UpdateItem that makes a record as two inserts, the keys alone
            // first: nothing to tell until the document is there.)
            if kind != "H#" && !new.contains_key("doc") {
                continue;
            }
            let known: HashSet<HistoryId> = match &r.old {
                Some(old) => entries(old)?.into_iter().map(|h| h.id).collect(),
                None => HashSet::new(),
            };
            let all = entries(new)?;
            let mut t = Told {
                cid: cid.to_string(),
                fresh: all.iter().filter(|h| !known.contains(&h.id)).cloned().collect(),
                own_item: None,
                sent: None,
                at: r.at.unwrap_or_else(chrono::Utc::now),
            };
            match kind {
                "I#" => {
                    let item: Item = from_doc(new)?;
                    let was: Option<Item> = r.old.as_ref().filter(|o| o.contains_key("doc")).map(from_doc).transpose()?;
                    let replied = matches!(item.action, Some(Action::Reply | Action::Dm)) && item.direction == Direction::Outbound;
                    if replied && item.state == ItemState::Sent && was.is_some_and(|w| w.state != ItemState::Sent) {
                        let by = all.iter().find(|h| h.details["item_id"].as_str() == Some(item.id.as_str())).map(|h| h.actor.clone());
                        t.sent = Some((item.clone(), by));
                    }
                    items.entry(t.cid.clone()).or_default().push(item.clone());
                    t.own_item = Some(item);
                }
                "N#" => notes.entry(t.cid.clone()).or_default().push(from_doc(new)?),
                _ => {}
            }
            if !t.fresh.is_empty() || t.sent.is_some() {
                told.push(t);
            }
        }
        if told.is_empty() {
            return Ok(Fanout::default());
        }
        let keys: Vec<_> = told.iter().map(|t| key::conversation(&t.cid)).collect::<HashSet<_>>().into_iter().collect();
        let conversations = batch_get(self, keys, true).await?;
        let mut out = Fanout::default();
        for t in told {
            let Some(record) = conversations.get(&key::conversation(&t.cid)) else {
                // Deleted since (with its profile): nobody to tell.
                tracing::info!(conversation_id = %t.cid, "a change of a conversation gone since: not told");
                continue;
            };
            let conv = conversation_from(record)?;
            // The record's own item first (a new conversation's `item.received` is its first
            // inbound item), then the others of its conversation in this batch, then any the
            // entries name that the batch has not.
            let mut with: Vec<Item> = t.own_item.iter().cloned().collect();
            with.extend(items.get(&t.cid).into_iter().flatten().filter(|i| t.own_item.as_ref().is_none_or(|o| o.id != i.id)).cloned());
            let mut with_notes: Vec<Note> = notes.get(&t.cid).cloned().unwrap_or_default();
            for h in &t.fresh {
                if let Some(iid) = h.details.get("item_id").and_then(Value::as_str)
                    && h.action == HistoryAction::ItemReceived
                    && !with.iter().any(|i| i.id.as_str() == iid)
                    && let Some(i) = self.get_doc::<Item>(key::item(&t.cid, iid)).await?
                {
                    with.push(i);
                }
                if let Some(nid) = h.details.get("note_id").and_then(Value::as_str)
                    && h.action == HistoryAction::NoteAdded
                    && !with_notes.iter().any(|n| n.id.as_str() == nid)
                    && let Some(n) = self.get_doc::<Note>(key::note(&t.cid, nid)).await?
                {
                    with_notes.push(n);
                }
            }
            out.extend(Fanout::of_change(&conv, &t.fresh, &with, &with_notes));
            if let Some((item, by)) = t.sent {
                let by = match by {
                    Some(actor) => actor,
                    None => {
                        let history = inbox_domain::ports::ConversationStore::history(self, &conv.id).await?;
                        history
                            .into_iter()
                            .find(|h| h.details["item_id"].as_str() == Some(item.id.as_str()))
                            .map_or(Actor::System, |h| h.actor)
                    }
                };
                out.extend(Fanout::reply_sent(&conv, &item, t.at, &by));
            }
        }
        Ok(out)
    }

    /// Derives what `records` tell others ([`Self::fanout_of`]) and sends it on `queue`: the
    /// notifications, and the domain events something of their account takes
    /// ([`Listeners`]: a subscription or the Salesforce rule; most accounts have neither). An
    /// error fails the batch (the stream gives it again: the same ids).
    pub async fn forward(&self, queue: &dyn inbox_domain::ports::Queue, records: &[StreamRecord]) -> PortResult<usize> {
        let mut fanout = self.fanout_of(records).await?;
        let mut listeners: HashMap<AccountId, Listeners> = HashMap::new();
        for e in &fanout.events {
            if !listeners.contains_key(&e.account_id) {
                listeners.insert(e.account_id.clone(), Listeners::of(self, self, &e.account_id).await?);
            }
        }
        fanout.events.retain(|e| listeners.get(&e.account_id).is_some_and(|l| l.want(e.kind)));
        let messages = fanout.messages();
        let sent = messages.len();
        for q in [QueueName::Notify, QueueName::Events] {
            let bodies: Vec<Vec<u8>> = messages.iter().filter(|(name, _)| *name == q).map(|(_, b)| b.clone()).collect();
            if !bodies.is_empty() {
                queue.send_batch(q, bodies).await?;
            }
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_of_the_stream_reads_as_the_sdk_would() {
        let event = json!({"Records": [{
            "eventName": "MODIFY",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_700_000_000.25,
                "Keys": {"pk": {"S": "C#cnv_1"}, "sk": {"S": "I#itm_1"}},
                "NewImage": {"pk": {"S": "C#cnv_1"}, "n": {"N": "2"}, "t": {"BOOL": true}, "z": {"NULL": true},
                             "h": {"L": [{"S": "{}"}]}, "m": {"M": {"a": {"SS": ["x"]}}}},
                "OldImage": {"pk": {"S": "C#cnv_1"}}
            }
        }]});
        let r = records(&event).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].event_name, "MODIFY");
        let new = r[0].new.as_ref().unwrap();
        assert_eq!(new["n"], AttributeValue::N("2".into()));
        assert_eq!(new["t"], AttributeValue::Bool(true));
        assert_eq!(new["h"], AttributeValue::L(vec![AttributeValue::S("{}".into())]));
        assert_eq!(new["m"], AttributeValue::M(HashMap::from([("a".to_string(), AttributeValue::Ss(vec!["x".into()]))])));
        assert_eq!(r[0].at.unwrap().timestamp_millis(), 1_700_000_000_250);
        assert!(records(&json!({"Records": [{"dynamodb": {"NewImage": {"b": {"B": "AA=="}}}}]})).is_err(), "binary: not ours");
        assert!(records(&json!({"nope": 1})).is_err());
    }
}
