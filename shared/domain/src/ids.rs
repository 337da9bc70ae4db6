//! Identifier newtypes. Ids are opaque strings; new ones are UUIDv7 so they sort by creation.
//! The string inside is private: an id is made by [`generate`](AccountId::generate), by
//! [`parse`](AccountId::parse) (a client's), or from a trusted string (`From`, and `Deserialize`
//! for what a store or queue gives back), and read with `as_str` or `Display`; nothing outside
//! this module can change one. API bodies and paths take strings and `parse` them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The shape every id has on the wire: what [`AccountId::parse`] (and every other id's) accepts.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_.-]{1,128}$";

macro_rules! id_type {
    ($name:ident, $prefix:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id, `<prefix>_<uuidv7>`.
            pub fn generate() -> Self {
                Self(format!(concat!($prefix, "_{}"), uuid::Uuid::now_v7().simple()))
            }
            /// Parses an id given by a client. Ids are short printable ASCII; anything else
            /// can never name a stored object, so it is rejected before it reaches a store.
            pub fn parse(s: &str) -> Option<Self> {
                let ok =
                    !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
                ok.then(|| Self(s.to_string()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// From a trusted string: one read back from a store, a constant, or an id the
        /// domain derived. A client's string goes through [`Self::parse`].
        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        /// In the OpenAPI document: a string of the shape [`Self::parse`] accepts.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).pattern(Some(ID_PATTERN)).into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

id_type!(AccountId, "acc");
id_type!(UserId, "usr");
id_type!(ProfileId, "prf");
id_type!(ConversationId, "cnv");
id_type!(ItemId, "itm");
id_type!(NoteId, "not");
id_type!(HistoryId, "his");
id_type!(TabId, "tab");
id_type!(SavedReplyId, "rpl");
id_type!(NotificationId, "ntf");
id_type!(EventId, "evt");
id_type!(SubscriptionId, "whs");
id_type!(DeliveryId, "dlv");
id_type!(ApiKeyId, "key");
id_type!(FlowId, "flw");

impl ConversationId {
    /// The id of the conversation of a profile's thread: derived from them, so that every
    /// delivery of a thread's first events names the same conversation without reading
    /// anything (a store makes it with a create-if-absent, no lookup record, no transaction).
    /// 128 bits of SHA-256 over the profile id and the thread key, `cnv_t<32 hex>`.
    pub fn for_thread(profile: &ProfileId, thread_key: &str) -> Self {
        Self(format!("cnv_t{}", digest_hex(profile.as_str(), thread_key)))
    }

    /// Whether this is the id [`Self::for_thread`] gives that thread.
    pub fn is_for_thread(&self, profile: &ProfileId, thread_key: &str) -> bool {
        *self == Self::for_thread(profile, thread_key)
    }
}

impl EventId {
    /// The id of the `n`th event a history entry gives: derived, so that the events derived
    /// again from the stored entry (a store's change stream, a retried send) carry the same.
    pub fn of_entry(entry: &HistoryId, n: usize) -> Self {
        Self(format!("evt_{}_{n}", entry.as_str().trim_start_matches("his_")))
    }

    /// The id of the `reply.sent` of an outbound item (sent once).
    pub fn of_sent(item: &ItemId) -> Self {
        Self(format!("evt_sent_{}", item.as_str().trim_start_matches("itm_")))
    }
}

impl ItemId {
    /// The id of the item a network's `platform_id` is, for a profile: derived, so that a
    /// delivery retried after a write whose answer was lost (a timeout, a function killed)
    /// writes the same record again instead of a second item. `itm_p<32 hex>`.
    pub fn for_platform(profile: &ProfileId, platform_id: &str) -> Self {
        Self(format!("itm_p{}", digest_hex(profile.as_str(), platform_id)))
    }
}

/// One of `parts` disjoint shares of some due work (deliveries, polls), by a hash of each
/// one's id ([`share_of`]): workers given different shares work at once without ever
/// contending for a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub part: u32,
    pub parts: u32,
}

impl Share {
    /// All of it.
    pub const WHOLE: Share = Share { part: 0, parts: 1 };

    /// Whether the work named `id` is in this share.
    pub fn holds(&self, id: &str) -> bool {
        share_of(id, self.parts) == self.part
    }
}

/// Which of `parts` shares a string (an id) falls in: FNV-1a, stable across builds and
/// processes (unlike the standard library's hasher), so every writer and reader of a sharded
/// key or a worker's share agrees.
pub fn share_of(s: &str, parts: u32) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % parts.max(1)
}

/// 128 bits of SHA-256 over two strings (kept apart), in hex.
fn digest_hex(a: &str, b: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(a.as_bytes());
    h.update([0x1f]);
    h.update(b.as_bytes());
    h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}
