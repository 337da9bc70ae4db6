//! Who hears of what: pure notification decisions. Never the actor themself.

use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};

/// Something that happened to a conversation that people may need to hear about. Queued by
/// the use cases, turned into notifications by the notifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Happening {
    Assignment {
        previous: Option<UserId>,
        new: Option<UserId>,
    },
    NoteAdded {
        note_id: NoteId,
        mentions: Vec<UserId>,
    },
    StatusChanged {
        status: Status,
    },
    /// An outbound webhook subscription kept failing and the inbox turned it off (told to the
    /// account's admins, about the conversation whose delivery failed last).
    WebhookDisabled {
        subscription_id: SubscriptionId,
        url: String,
        reason: String,
    },
    /// A channel's sign-in needs the admins (renewal refused, token or sign-in ending): told to
    /// the account's admins, about the profile (`NotifyEvent::profile_id`).
    ChannelAttention {
        kind: NotificationType,
        text: String,
    },
}

/// A queued happening with its identity (so that a redelivery notifies nobody twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyEvent {
    pub event_id: String,
    pub account_id: AccountId,
    /// The conversation it is about (none for a channel's sign-in).
    pub conversation_id: Option<ConversationId>,
    /// The channel it is about, for a channel's sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<ProfileId>,
    pub actor: Actor,
    pub at: Timestamp,
    pub happening: Happening,
}

/// One person to notify, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub user_id: UserId,
    pub kind: NotificationType,
}

/// Decides who hears of `happening` on `conversation` (its state after the change).
/// `can_see` says whether a user may see the conversation.
pub fn decide(actor: &Actor, conversation: &Conversation, happening: &Happening, can_see: impl Fn(&UserId) -> bool) -> Vec<Intent> {
    let mut out: Vec<Intent> = Vec::new();
    let mut push = |user: &UserId, kind: NotificationType| {
        if actor.user() != Some(user) && can_see(user) && !out.iter().any(|i| &i.user_id == user) {
            out.push(Intent { user_id: user.clone(), kind });
        }
    };
    match happening {
        Happening::Assignment { previous, new } => {
            if let Some(n) = new {
                push(n, NotificationType::Assigned);
            }
            if let Some(p) = previous
                && Some(p) != new.as_ref()
            {
                push(p, NotificationType::Reassigned);
            }
        }
        Happening::NoteAdded { mentions, .. } => {
            // A mention is the stronger news: a mentioned assignee hears of the mention only.
            for m in mentions {
                push(m, NotificationType::Mentioned);
            }
            if let Some(a) = &conversation.assignee_id {
                push(a, NotificationType::Note);
            }
        }
        Happening::StatusChanged { .. } => {
            if let Some(a) = &conversation.assignee_id {
                push(a, NotificationType::StatusChanged);
            }
        }
        // The admins, not the conversation's people: see `usecases::notify`.
        Happening::WebhookDisabled { .. } | Happening::ChannelAttention { .. } => {}
    }
    out
}

/// A deterministic notification id, so that handling one event twice stores it once.
pub fn notification_id(event_id: &str, user: &UserId) -> NotificationId {
    NotificationId::from(format!("ntf_{}_{}", event_id, user.as_str().trim_start_matches("usr_")))
}

/// The sentence a notification shows and emails.
/// `happening` gives a status change's own status (the conversation may have moved on since).
pub fn describe(kind: NotificationType, happening: &Happening, actor_name: &str, conversation: &Conversation) -> String {
    let who = if conversation.author.name.is_empty() { conversation.author.handle.as_str() } else { conversation.author.name.as_str() };
    let about = format!("{} from {}", crate::mail::kind_label(conversation.network, conversation.kind), who);
    match kind {
        NotificationType::Assigned => format!("{actor_name} assigned you the {about}"),
        NotificationType::Reassigned => format!("{actor_name} reassigned the {about} that you had"),
        NotificationType::Note => format!("{actor_name} left a note on the {about} assigned to you"),
        NotificationType::StatusChanged => {
            let status = match happening {
                Happening::StatusChanged { status } => *status,
                _ => conversation.status,
            };
            format!("{actor_name} {} the {about} assigned to you", if status == Status::Open { "reopened" } else { "closed" })
        }
        NotificationType::Mentioned => format!("{actor_name} mentioned you in a note on the {about}"),
        NotificationType::WebhookDisabled => match happening {
            Happening::WebhookDisabled { url, reason, .. } => format!("The webhook to {url} was turned off: {reason}"),
            _ => "A webhook was turned off".to_string(),
        },
        // Channel notifications are worded where they are made (`usecases::renewal`).
        NotificationType::ChannelNeedsReconnection => "A channel needs reconnecting".to_string(),
        NotificationType::ChannelExpiring => "A channel's sign-in ends soon".to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A conversation for tests.
    pub(crate) fn conv(assignee: Option<&str>) -> Conversation {
        let now = chrono::Utc::now();
        Conversation {
            id: "cnv_1".into(),
            account_id: "acc_1".into(),
            profile_id: "prf_1".into(),
            network: Network::Twitter,
            kind: Kind::Mention,
            thread_key: "1".into(),
            status: Status::Open,
            assignee_id: assignee.map(UserId::from),
            sponsored: false,
            last_inbound_at: now,
            last_received_at: None,
            created_at: now,
            author: Author::default(),
            excerpt: String::new(),
            thread_owner: None,
            version: 1,
            salesforce_case: None,
            post_id: None,
        }
    }
    fn me(s: &str) -> Actor {
        Actor::User(UserId::from(s))
    }
    fn users(v: &[Intent]) -> Vec<(&str, NotificationType)> {
        v.iter().map(|i| (i.user_id.as_str(), i.kind)).collect()
    }

    #[test]
    fn assignment_notifies_the_new_assignee_and_the_previous_one_never_the_actor() {
        let c = conv(Some("usr_b"));
        let h = Happening::Assignment { previous: Some("usr_c".into()), new: Some("usr_b".into()) };
        assert_eq!(
            users(&decide(&me("usr_a"), &c, &h, |_| true)),
            [("usr_b", NotificationType::Assigned), ("usr_c", NotificationType::Reassigned)]
        );
        // Taking it yourself: only the previous assignee hears.
        assert_eq!(users(&decide(&me("usr_b"), &c, &h, |_| true)), [("usr_c", NotificationType::Reassigned)]);
        // Unassigning: the previous assignee hears.
        let h = Happening::Assignment { previous: Some("usr_c".into()), new: None };
        assert_eq!(users(&decide(&me("usr_a"), &conv(None), &h, |_| true)), [("usr_c", NotificationType::Reassigned)]);
    }

    #[test]
    fn notes_notify_the_assignee_and_mentions_only_those_who_can_see() {
        let c = conv(Some("usr_b"));
        let h = Happening::NoteAdded {
            note_id: "not_1".into(),
            mentions: vec!["usr_b".into(), "usr_d".into(), "usr_a".into(), "usr_x".into()],
        };
        let got = decide(&me("usr_a"), &c, &h, |u| u.as_str() != "usr_x");
        assert_eq!(users(&got), [("usr_b", NotificationType::Mentioned), ("usr_d", NotificationType::Mentioned)]);
    }

    #[test]
    fn a_status_notification_tells_the_status_of_its_event_not_the_current_one() {
        let mut c = conv(Some("usr_b"));
        c.status = Status::Open; // reopened since
        let closed = Happening::StatusChanged { status: Status::Closed };
        assert!(describe(NotificationType::StatusChanged, &closed, "Alice", &c).starts_with("Alice closed the X mention"));
    }

    #[test]
    fn status_changes_notify_the_assignee_unless_they_did_it() {
        let h = Happening::StatusChanged { status: Status::Closed };
        assert_eq!(users(&decide(&me("usr_a"), &conv(Some("usr_b")), &h, |_| true)), [("usr_b", NotificationType::StatusChanged)]);
        assert!(decide(&me("usr_b"), &conv(Some("usr_b")), &h, |_| true).is_empty());
        assert!(decide(&Actor::System, &conv(None), &h, |_| true).is_empty());
        assert_eq!(decide(&Actor::System, &conv(Some("usr_b")), &h, |_| true).len(), 1);
    }
}
