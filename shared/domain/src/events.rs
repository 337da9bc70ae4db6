//! Domain events: what happened to a conversation, told to the integrations (outbound webhooks,
//! Zapier, the Salesforce rule). The use cases emit them on the `events` queue once a change is
//! stored, derived from the history entries that the change wrote (so that every change that
//! is audited is also told, with the same actor and time), plus `reply.sent` when a network
//! accepted a reply.
//!
//! `seq` is the conversation's version after the change: events of one conversation can be put
//! in order by it (deliveries are retried independently and may arrive out of order). Several
//! events of one change (a new conversation is `conversation.created` and `item.received`)
//! share its `seq` and are emitted in that order. Derived from the table's stream (AWS,
//! `inbox_aws::dynamo::stream`), it is the conversation's version when the stream batch is read:
//! never lower for a later change, shared by the changes of one batch (ordered by `at` then),
//! and `data.conversation` shows the conversation as it is then.

use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The kinds of events a webhook subscription can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    #[serde(rename = "conversation.reopened")]
    ConversationReopened,
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    #[serde(rename = "conversation.assigned")]
    ConversationAssigned,
    #[serde(rename = "conversation.unassigned")]
    ConversationUnassigned,
    #[serde(rename = "item.received")]
    ItemReceived,
    #[serde(rename = "reply.sent")]
    ReplySent,
    #[serde(rename = "note.added")]
    NoteAdded,
    #[serde(rename = "case.created")]
    CaseCreated,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::ConversationCreated,
        EventType::ConversationReopened,
        EventType::ConversationClosed,
        EventType::ConversationAssigned,
        EventType::ConversationUnassigned,
        EventType::ItemReceived,
        EventType::ReplySent,
        EventType::NoteAdded,
        EventType::CaseCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ConversationCreated => "conversation.created",
            EventType::ConversationReopened => "conversation.reopened",
            EventType::ConversationClosed => "conversation.closed",
            EventType::ConversationAssigned => "conversation.assigned",
            EventType::ConversationUnassigned => "conversation.unassigned",
            EventType::ItemReceived => "item.received",
            EventType::ReplySent => "reply.sent",
            EventType::NoteAdded => "note.added",
            EventType::CaseCreated => "case.created",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened to a conversation, as queued on `events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainEvent {
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    /// The conversation's version after the change (orders the events of one conversation).
    pub seq: u64,
    pub at: Timestamp,
    pub actor: Actor,
    /// `conversation` (its state after the change) and what the event is about (`item`,
    /// `note`, `assignee_id`, `case`).
    pub data: Value,
}

/// The version of the payload that webhooks carry (`version` in the body). A change that
/// removes or renames a field gets a new version.
pub const PAYLOAD_VERSION: u32 = 1;

/// A conversation as events show it: what the API shows, less the caller-specific fields.
pub fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.id,
        "network": c.network,
        "kind": c.kind,
        "profile_id": c.profile_id,
        "status": c.status,
        "assignee_id": c.assignee_id,
        "sponsored": c.sponsored,
        "last_activity_at": c.last_inbound_at,
        "created_at": c.created_at,
        "author": c.author,
        "excerpt": c.excerpt,
        "salesforce_case": c.salesforce_case,
    })
}

pub fn item_json(i: &Item) -> Value {
    json!({
        "id": i.id,
        "direction": i.direction,
        "text": i.text,
        "author": i.author,
        "created_at": i.created_at,
        "platform_id": i.platform_id,
        "state": i.state,
        "action": i.action,
    })
}

fn note_json(n: &Note) -> Value {
    json!({"id": n.id, "author_id": n.author_id, "text": n.text, "mentions": n.mentions, "created_at": n.created_at})
}

fn event(id: EventId, kind: EventType, c: &Conversation, at: Timestamp, actor: &Actor, data: Value) -> DomainEvent {
    let mut data = data;
    data["conversation"] = conversation_json(c);
    DomainEvent {
        id,
        kind,
        account_id: c.account_id.clone(),
        conversation_id: c.id.clone(),
        seq: c.version,
        at,
        actor: actor.clone(),
        data,
    }
}

/// The events of one stored change: `conversation` is its state after the change, `history`
/// the entries the change wrote, `items` and `notes` what it wrote beside them.
pub fn from_change(conversation: &Conversation, history: &[HistoryEntry], items: &[Item], notes: &[Note]) -> Vec<DomainEvent> {
    let c = conversation;
    let item_by_id = |id: &Value| items.iter().find(|i| Some(i.id.as_str()) == id.as_str());
    let mut out = Vec::new();
    for h in history {
        let (at, actor) = (h.at, &h.actor);
        let id = || EventId::of_entry(&h.id, 0);
        match h.action {
            HistoryAction::Created => {
                out.push(event(id(), EventType::ConversationCreated, c, at, actor, json!({})));
                if let Some(first) = items.iter().find(|i| i.direction == Direction::Inbound) {
                    out.push(event(EventId::of_entry(&h.id, 1), EventType::ItemReceived, c, at, actor, json!({"item": item_json(first)})));
                }
            }
            HistoryAction::ItemReceived => {
                if let Some(i) = item_by_id(&h.details["item_id"]) {
                    out.push(event(id(), EventType::ItemReceived, c, at, actor, json!({"item": item_json(i)})));
                }
            }
            HistoryAction::Reopened => {
                out.push(event(id(), EventType::ConversationReopened, c, at, actor, json!({"reason": h.details.get("reason")})))
            }
            HistoryAction::Closed => out.push(event(id(), EventType::ConversationClosed, c, at, actor, json!({}))),
            HistoryAction::Assigned => out.push(event(
                id(),
                EventType::ConversationAssigned,
                c,
                at,
                actor,
                json!({"assignee_id": h.details["assignee_id"], "previous_assignee_id": h.details["previous_assignee_id"]}),
            )),
            HistoryAction::Unassigned => out.push(event(
                id(),
                EventType::ConversationUnassigned,
                c,
                at,
                actor,
                json!({"previous_assignee_id": h.details["previous_assignee_id"]}),
            )),
            HistoryAction::NoteAdded => {
                if let Some(n) = notes.iter().find(|n| Some(n.id.as_str()) == h.details["note_id"].as_str()) {
                    out.push(event(id(), EventType::NoteAdded, c, at, actor, json!({"note": note_json(n)})));
                }
            }
            HistoryAction::CaseCreated => {
                out.push(event(id(), EventType::CaseCreated, c, at, actor, json!({"case": c.salesforce_case})));
            }
            _ => {}
        }
    }
    out
}

/// `reply.sent`: a network accepted our reply (or private reply) `item`, written by `actor`.
pub fn reply_sent(conversation: &Conversation, item: &Item, at: Timestamp, actor: &Actor) -> DomainEvent {
    event(EventId::of_sent(&item.id), EventType::ReplySent, conversation, at, actor, json!({"item": item_json(item)}))
}

/// The body of an outbound webhook, as the bytes sent (and signed): versioned, with the event's
/// identity and order, its top-level fields in a readable order.
pub fn webhook_body(e: &DomainEvent) -> String {
    #[derive(Serialize)]
    struct Body<'a> {
        id: &'a EventId,
        #[serde(rename = "type")]
        kind: EventType,
        version: u32,
        created: i64,
        occurred_at: Timestamp,
        account_id: &'a AccountId,
        conversation_id: &'a ConversationId,
        seq: u64,
        actor: &'a Actor,
        data: &'a Value,
    }
    let body = Body {
        id: &e.id,
        kind: e.kind,
        version: PAYLOAD_VERSION,
        created: e.at.timestamp(),
        occurred_at: e.at,
        account_id: &e.account_id,
        conversation_id: &e.conversation_id,
        seq: e.seq,
        actor: &e.actor,
        data: &e.data,
    };
    serde_json::to_string(&body).expect("serialisable")
}

/// What a Zapier REST hook receives: one flat object per event (Zapier shows its fields to the
/// user as they are, and drops repeats by `id`). The fields read from the event's data keep the
/// JSON the data holds (null when it has none); their schema says what that is.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZapierEvent {
    /// Event id (Zapier drops repeats by it).
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: EventType,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub created_at: Timestamp,
    pub conversation_id: ConversationId,
    pub seq: u64,
    /// User id or `system`.
    pub actor: Actor,
    #[cfg_attr(feature = "openapi", schema(value_type = Network))]
    pub network: Value,
    /// The conversation's kind.
    #[serde(rename = "kind")]
    #[cfg_attr(feature = "openapi", schema(value_type = Kind))]
    pub kind_of_conversation: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Status))]
    pub status: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true))]
    pub assignee_id: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = bool))]
    pub sponsored: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub author_name: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub author_handle: Value,
    /// The item's or note's text, else the conversation's excerpt.
    pub text: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true))]
    pub item_id: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true))]
    pub note_id: Value,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub salesforce_case_id: Option<String>,
}

impl ZapierEvent {
    pub fn of(e: &DomainEvent) -> Self {
        let c = &e.data["conversation"];
        let item = &e.data["item"];
        let note = &e.data["note"];
        let text = item["text"].as_str().or_else(|| note["text"].as_str()).or_else(|| c["excerpt"].as_str()).unwrap_or("");
        ZapierEvent {
            id: e.id.clone(),
            kind: e.kind,
            created_at: e.at,
            conversation_id: e.conversation_id.clone(),
            seq: e.seq,
            actor: e.actor.clone(),
            network: c["network"].clone(),
            kind_of_conversation: c["kind"].clone(),
            status: c["status"].clone(),
            assignee_id: c["assignee_id"].clone(),
            sponsored: c["sponsored"].clone(),
            author_name: c["author"]["name"].clone(),
            author_handle: c["author"]["handle"].clone(),
            text: text.to_string(),
            item_id: item["id"].clone(),
            note_id: note["id"].clone(),
            salesforce_case_id: e.data["case"]["id"].as_str().or_else(|| c["salesforce_case"]["id"].as_str()).map(str::to_string),
        }
    }
}

/// The body of a Zapier REST hook ([`ZapierEvent`]) as JSON.
pub fn zapier_payload(e: &DomainEvent) -> Value {
    serde_json::to_value(ZapierEvent::of(e)).expect("serialisable")
}

/// A realistic event of `kind`, for Zapier's sample list (what a zap is built against).
pub fn sample_event(kind: EventType, account: &AccountId) -> DomainEvent {
    let at = chrono::DateTime::parse_from_rfc3339("2026-01-01T02:00:00Z").expect("time").with_timezone(&chrono::Utc);
    let conversation = Conversation {
        id: ConversationId::from("cnv_sample0000000000000000000000001"),
        account_id: account.clone(),
        profile_id: ProfileId::from("prf_sample"),
        network: Network::Twitter,
        kind: Kind::Mention,
        thread_key: "1875000000000000001".into(),
        status: if kind == EventType::ConversationClosed { Status::Closed } else { Status::Open },
        assignee_id: matches!(kind, EventType::ConversationAssigned | EventType::ReplySent).then(|| UserId::from("usr_sample_agent")),
        sponsored: false,
        last_inbound_at: at,
        last_received_at: None,
        created_at: at,
        author: Author { id: "1500000000000000001".into(), name: "Jane Customer".into(), handle: "janecustomer".into() },
        excerpt: "@MyBrand my package never arrived, order 1234".into(),
        thread_owner: None,
        version: 3,
        post_id: None,
        salesforce_case: (kind == EventType::CaseCreated).then(|| CaseLink {
            id: "500Dn00000AbCdEIAX".into(),
            url: "https://acme.my.salesforce.com/lightning/r/Case/500Dn00000AbCdEIAX/view".into(),
            created_at: at,
        }),
    };
    let inbound = Item {
        id: ItemId::from("itm_sample_inbound"),
        conversation_id: conversation.id.clone(),
        direction: Direction::Inbound,
        text: conversation.excerpt.clone(),
        author: conversation.author.clone(),
        created_at: at,
        platform_id: Some("1875000000000000001".into()),
        state: ItemState::Received,
        failure: None,
        deleted: false,
        edited: false,
        action: None,
        target: None,
        dm_recipient: None,
        retry: None,
    };
    let agent = Actor::User(UserId::from("usr_sample_agent"));
    let entry = |action: HistoryAction, details: Value, actor: Actor| HistoryEntry::new(&conversation.id, at, actor, action, details);
    let (history, items, notes) = match kind {
        EventType::ReplySent => {
            let reply = Item {
                id: ItemId::from("itm_sample_reply"),
                direction: Direction::Outbound,
                text: "Sorry to hear that, Jane! We have sent you a DM to sort it out.".into(),
                author: Author { id: "2244994945".into(), name: "My Brand".into(), handle: "MyBrand".into() },
                platform_id: Some("1875000000000000002".into()),
                state: ItemState::Sent,
                action: Some(Action::Reply),
                ..inbound.clone()
            };
            let mut e = reply_sent(&conversation, &reply, at, &agent);
            e.id = sample_id(kind);
            return e;
        }
        EventType::ConversationCreated => (vec![entry(HistoryAction::Created, json!({}), Actor::System)], vec![inbound], vec![]),
        EventType::ItemReceived => {
            (vec![entry(HistoryAction::ItemReceived, json!({"item_id": inbound.id}), Actor::System)], vec![inbound], vec![])
        }
        EventType::ConversationReopened => {
            (vec![entry(HistoryAction::Reopened, json!({"reason": "new inbound item"}), Actor::System)], vec![], vec![])
        }
        EventType::ConversationClosed => (vec![entry(HistoryAction::Closed, json!({}), agent)], vec![], vec![]),
        EventType::ConversationAssigned => (
            vec![entry(HistoryAction::Assigned, json!({"assignee_id": "usr_sample_agent", "previous_assignee_id": null}), agent)],
            vec![],
            vec![],
        ),
        EventType::ConversationUnassigned => {
            (vec![entry(HistoryAction::Unassigned, json!({"previous_assignee_id": "usr_sample_agent"}), agent)], vec![], vec![])
        }
        EventType::NoteAdded => {
            let note = Note {
                id: NoteId::from("not_sample"),
                conversation_id: conversation.id.clone(),
                author_id: UserId::from("usr_sample_agent"),
                text: "Order 1234 left the warehouse on Monday; checking with the carrier.".into(),
                mentions: vec![],
                created_at: at,
            };
            (vec![entry(HistoryAction::NoteAdded, json!({"note_id": note.id}), agent)], vec![], vec![note])
        }
        EventType::CaseCreated => (vec![entry(HistoryAction::CaseCreated, json!({}), agent)], vec![], vec![]),
    };
    let mut events = from_change(&conversation, &history, &items, &notes);
    let mut e = events.remove(0);
    e.id = sample_id(kind);
    e
}

fn sample_id(kind: EventType) -> EventId {
    EventId::from(format!("evt_sample_{}", kind.as_str().replace('.', "_")).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_their_wire_names() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), json!(e.as_str()));
        }
        assert_eq!(EventType::parse("conversation.deleted"), None);
    }

    #[test]
    fn every_event_type_has_a_sample_with_its_conversation() {
        let account = AccountId::from("acc_1");
        for kind in EventType::ALL {
            let e = sample_event(kind, &account);
            assert_eq!(e.kind, kind);
            assert_eq!(e.data["conversation"]["id"], json!(e.conversation_id));
            let z = zapier_payload(&e);
            assert_eq!(z["type"], json!(kind.as_str()));
            assert!(z["text"].as_str().is_some_and(|t| !t.is_empty()), "{kind}: {z}");
            let w: Value = serde_json::from_str(&webhook_body(&e)).unwrap();
            assert!(webhook_body(&e).starts_with(r#"{"id":"evt_sample_"#));
            assert_eq!(
                (&w["type"], &w["version"], &w["seq"], &w["created"], &w["conversation_id"], &w["data"]),
                (&json!(kind.as_str()), &json!(PAYLOAD_VERSION), &json!(3), &json!(e.at.timestamp()), &json!(e.conversation_id), &e.data)
            );
        }
    }

    #[test]
    fn a_new_conversation_is_created_then_its_first_item_received_with_one_seq() {
        let at = chrono::Utc::now();
        let c = Conversation {
            id: "cnv_1".into(),
            account_id: "acc_1".into(),
            profile_id: "prf_1".into(),
            network: Network::Facebook,
            kind: Kind::Comment,
            thread_key: "t".into(),
            status: Status::Open,
            assignee_id: None,
            sponsored: false,
            last_inbound_at: at,
            last_received_at: None,
            created_at: at,
            author: Author::default(),
            excerpt: String::new(),
            thread_owner: None,
            version: 1,
            salesforce_case: None,
            post_id: None,
        };
        let item = Item {
            id: "itm_1".into(),
            conversation_id: c.id.clone(),
            direction: Direction::Inbound,
            text: "hi".into(),
            author: Author::default(),
            created_at: at,
            platform_id: Some("p1".into()),
            state: ItemState::Received,
            failure: None,
            deleted: false,
            edited: false,
            action: None,
            target: None,
            dm_recipient: None,
            retry: None,
        };
        let h = vec![HistoryEntry::new(&c.id, at, Actor::System, HistoryAction::Created, json!({}))];
        let events = from_change(&c, &h, &[item], &[]);
        let kinds: Vec<_> = events.iter().map(|e| (e.kind, e.seq)).collect();
        assert_eq!(kinds, [(EventType::ConversationCreated, 1), (EventType::ItemReceived, 1)]);
        assert_eq!(events[1].data["item"]["text"], "hi");
    }
}
