//! What a stored change tells others: its domain events (for the integrations) and its
//! notification events (for the notifier), derived only from what the change stored — its
//! history entries, the items and notes beside them, an outbound item that became sent — with
//! ids derived from theirs.
//!
//! Because nothing here is computed from anything but stored records, a store may send them
//! itself, from its own change log, after the write has committed: the SQLite store enqueues
//! them in the write's transaction (its outbox); on DynamoDB the table's stream feeds a
//! function that derives them again from the records the write inserted (see
//! `inbox_aws::dynamo::stream`). Whichever path sends them, a change's messages carry the same
//! ids, so that a retried send is recognised downstream (the notifier's notification ids, the
//! deliveries' event ids).

use crate::events::{self, DomainEvent};
use crate::ids::*;
use crate::messages::QueueName;
use crate::model::*;
use crate::notify::{Happening, NotifyEvent};
use serde::Serialize;

/// The events and notifications of one stored change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fanout {
    pub events: Vec<DomainEvent>,
    pub notify: Vec<NotifyEvent>,
}

impl Fanout {
    /// A change that wrote `history` with `items` and `notes` beside it; `conversation` is its
    /// state after the change.
    pub fn of_change(conversation: &Conversation, history: &[HistoryEntry], items: &[Item], notes: &[Note]) -> Self {
        let notify = history
            .iter()
            .filter_map(|h| {
                Some(NotifyEvent {
                    event_id: h.id.to_string(),
                    account_id: conversation.account_id.clone(),
                    conversation_id: Some(conversation.id.clone()),
                    profile_id: None,
                    actor: h.actor.clone(),
                    at: h.at,
                    happening: happening(h)?,
                })
            })
            .collect();
        Fanout { events: events::from_change(conversation, history, items, notes), notify }
    }

    /// A network accepted our reply or DM `item`, written by `actor` (`reply.sent`).
    pub fn reply_sent(conversation: &Conversation, item: &Item, at: Timestamp, actor: &Actor) -> Self {
        Fanout { events: vec![events::reply_sent(conversation, item, at, actor)], notify: vec![] }
    }

    pub fn extend(&mut self, other: Fanout) {
        self.events.extend(other.events);
        self.notify.extend(other.notify);
    }

    /// As queue messages: the notifications, then the events.
    pub fn messages(&self) -> Vec<(QueueName, Vec<u8>)> {
        fn body<T: Serialize>(v: &T) -> Vec<u8> {
            serde_json::to_vec(v).expect("serialisable")
        }
        let notify = self.notify.iter().map(|n| (QueueName::Notify, body(n)));
        notify.chain(self.events.iter().map(|e| (QueueName::Events, body(e)))).collect()
    }
}

/// Whom a history entry concerns, as the notifier decides it: a status change, an assignment,
/// a note (with its mentions). Other entries notify nobody.
fn happening(h: &HistoryEntry) -> Option<Happening> {
    let user = |field: &str| h.details.get(field).and_then(|v| v.as_str()).map(|s| UserId::from(s.to_string()));
    Some(match h.action {
        HistoryAction::Closed => Happening::StatusChanged { status: Status::Closed },
        HistoryAction::Reopened => Happening::StatusChanged { status: Status::Open },
        HistoryAction::Assigned | HistoryAction::Unassigned => {
            Happening::Assignment { previous: user("previous_assignee_id"), new: user("assignee_id") }
        }
        HistoryAction::NoteAdded => Happening::NoteAdded {
            note_id: NoteId::from(h.details.get("note_id")?.as_str()?.to_string()),
            mentions: serde_json::from_value(h.details.get("mentions").cloned().unwrap_or_default()).unwrap_or_default(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conv() -> Conversation {
        crate::notify::tests::conv(None)
    }

    #[test]
    fn each_entry_that_concerns_someone_is_one_notification_named_by_the_entry() {
        let c = conv();
        let bob = UserId::from("usr_bob");
        let history = vec![
            HistoryEntry::new(&c.id, c.created_at, Actor::System, HistoryAction::Reopened, json!({})),
            HistoryEntry::new(
                &c.id,
                c.created_at,
                Actor::User(bob.clone()),
                HistoryAction::Assigned,
                json!({"assignee_id": "usr_ann", "previous_assignee_id": null}),
            ),
            HistoryEntry::new(
                &c.id,
                c.created_at,
                Actor::User(bob.clone()),
                HistoryAction::NoteAdded,
                json!({"note_id": "not_1", "mentions": ["usr_ann"]}),
            ),
            HistoryEntry::new(&c.id, c.created_at, Actor::User(bob.clone()), HistoryAction::Liked, json!({})),
        ];
        let f = Fanout::of_change(&c, &history, &[], &[]);
        let got: Vec<_> = f.notify.iter().map(|n| (n.event_id.clone(), n.happening.clone(), n.actor.clone())).collect();
        let ann = UserId::from("usr_ann");
        assert_eq!(
            got,
            vec![
                (history[0].id.to_string(), Happening::StatusChanged { status: Status::Open }, Actor::System),
                (history[1].id.to_string(), Happening::Assignment { previous: None, new: Some(ann.clone()) }, Actor::User(bob.clone())),
                (history[2].id.to_string(), Happening::NoteAdded { note_id: NoteId::from("not_1"), mentions: vec![ann] }, Actor::User(bob)),
            ]
        );
        // Derived again from the same records, the same ids: a retried send is recognised.
        let again = Fanout::of_change(&c, &history, &[], &[]);
        assert_eq!(f.messages(), again.messages());
        let ids: Vec<_> = f.events.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, again.events.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
        assert_eq!(ids.len(), 2, "reopened, assigned (the note not given: no note.added)");
    }
}
