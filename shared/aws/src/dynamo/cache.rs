//! Lookups a warm function repeats for every event of a busy account, kept for a bounded time
//! (`DynamoDbStore::with_lookup_cache`): the profile a webhook names and the post a comment is
//! under (ingest), an account's webhook subscriptions and Salesforce connection (integrations). In a spike on one account
//! they are the same few records read thousands of times a second, on one partition each (a
//! hot key, and a read unit each, see `docs/aws.md`). Only the functions that consume events
//! use it; the API reads every time (an admin sees a new subscription at once).
//!
//! What that costs in freshness: a profile's change (disconnected, its bot) reaches a warm
//! ingest function within the time to live; a new subscription or Salesforce connection gets
//! events from the integrations function within it. Absence is not kept for profiles (a
//! channel connected a moment ago is found at its first event); changes made through the same
//! store forget what they change at once.

use inbox_domain::webhooks::WebhookSubscription;
use inbox_domain::{Post, Profile, salesforce::SalesforceConnection};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries each map holds at most: past it, it starts again empty (a function serving more
/// accounts than that is not one the cache is for).
const MAX_ENTRIES: usize = 10_000;

/// A map whose entries are taken for `ttl` after they were put.
pub(crate) struct TtlMap<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn get(&self, k: &K) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(k).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, v)| v.clone())
    }

    pub(crate) fn put(&self, k: K, v: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(k, (Instant::now(), v));
    }

    pub(crate) fn forget(&self, k: &K) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(k);
    }

    pub(crate) fn forget_all(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// The lookups kept (see the module's comment).
pub(crate) struct Lookups {
    /// By (network, external id).
    pub(crate) profiles: TtlMap<(String, String), Profile>,
    /// By account.
    pub(crate) subscriptions: TtlMap<String, Vec<WebhookSubscription>>,
    /// By account (absence too: most accounts have no Salesforce).
    pub(crate) connections: TtlMap<String, Option<SalesforceConnection>>,
    /// The cached copy of a post, by (profile, post id): every new comment under a viral post
    /// reads it (whether it is sponsored, whether it was read lately).
    pub(crate) posts: TtlMap<(String, String), Post>,
}

impl Lookups {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self { profiles: TtlMap::new(ttl), subscriptions: TtlMap::new(ttl), connections: TtlMap::new(ttl), posts: TtlMap::new(ttl) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_last_their_time_and_can_be_forgotten() {
        let m: TtlMap<&str, u32> = TtlMap::new(Duration::from_millis(50));
        m.put("a", 1);
        m.put("b", 2);
        assert_eq!((m.get(&"a"), m.get(&"c")), (Some(1), None));
        m.forget(&"a");
        assert_eq!(m.get(&"a"), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(m.get(&"b"), None, "expired");
        m.put("c", 3);
        m.forget_all();
        assert_eq!(m.get(&"c"), None);
    }
}
