//! The messages that travel on the queues between the functions: which queue
//! ([`QueueName`]) and the outbound jobs the actions worker performs ([`OutboundJob`]).
//! Domain events and notification events have modules of their own
//! ([`crate::events`], [`crate::notify`]). Plain data, serialised as JSON; no port here.

use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};

/// The queues between the functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    /// Raw webhook bodies and poll results, to normalise and apply.
    Ingest,
    /// Outbound actions to perform on the networks.
    Actions,
    /// Things that happened, to turn into notifications and emails.
    Notify,
    /// Domain events ([`DomainEvent`](crate::events::DomainEvent)), for the integrations:
    /// webhook and Zapier deliveries, the Salesforce rule.
    Events,
}

impl QueueName {
    pub const ALL: [QueueName; 4] = [QueueName::Ingest, QueueName::Actions, QueueName::Notify, QueueName::Events];
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Ingest => "ingest",
            QueueName::Actions => "actions",
            QueueName::Notify => "notify",
            QueueName::Events => "events",
        }
    }
}

/// An action to perform on a network, as queued by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionJob {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    /// The outbound item that records the action.
    pub item_id: ItemId,
    pub action: Action,
    pub text: Option<String>,
    /// The platform id the action answers, likes or shares (see `access::action_target`);
    /// `None` for DMs addressed to the conversation's participant.
    #[serde(default)]
    pub target: Option<String>,
    /// Who asked for it (`reply.sent` names them). Jobs queued before this field was added
    /// have none: their actor is found in the history.
    #[serde(default)]
    pub actor: Option<Actor>,
}

/// Messenger thread control, asked of the Graph API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverOp {
    /// Take control from the bot (the inbox becomes the thread owner).
    Take,
    /// Pass control back to the profile's bot (its Primary Receiver).
    PassToBot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverJob {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
    pub op: HandoverOp,
    /// Who asked (a user, or the system when closing passes control back).
    pub actor: Actor,
}

/// What the actions queue carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum OutboundJob {
    Action(ActionJob),
    Handover(HandoverJob),
    /// Fetch the original post of a conversation into the post cache.
    Post(PostJob),
}

/// Fetch (or refresh) the post a conversation is under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostJob {
    pub account_id: AccountId,
    pub conversation_id: ConversationId,
}
