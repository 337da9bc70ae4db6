//! The store ports' conformance suite. Each function is one test, run on both backends.

use chrono::{Duration, Utc};
use inbox_domain::error::PortError;
use inbox_domain::events::EventType;
use inbox_domain::ports::*;
use inbox_domain::salesforce::SalesforceConnection;
use inbox_domain::search::SearchQuery;
use inbox_domain::tabs::{self, AssigneeSelector, Filters, Tab};
use inbox_domain::webhooks::{
    ApiKey, DeliveryState, SubscriptionKind, WebhookDelivery, WebhookSubscription, delivery_id, hash_api_key, new_api_key, new_secret,
};
use inbox_domain::*;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Every store port of one backend, fresh for one test.
pub struct Stores {
    pub directory: Arc<dyn DirectoryStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub tabs: Arc<dyn TabStore>,
    pub saved_replies: Arc<dyn SavedReplyStore>,
    pub notifications: Arc<dyn NotificationStore>,
    pub polls: Arc<dyn PollStore>,
    pub health: Arc<dyn HealthStore>,
    pub subscriptions: Arc<dyn SubscriptionStore>,
    pub deliveries: Arc<dyn DeliveryStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub salesforce: Arc<dyn SalesforceStore>,
    pub flows: Arc<dyn ConnectStore>,
    pub renewals: Arc<dyn RenewalStore>,
    /// What must live as long as the stores (a temporary directory).
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl Stores {
    /// Every port on one adapter, and what must outlive it.
    pub fn of<S: StorePorts>(s: Arc<S>, keep: Box<dyn std::any::Any + Send + Sync>) -> Self {
        Self {
            directory: s.clone(),
            conversations: s.clone(),
            tabs: s.clone(),
            saved_replies: s.clone(),
            notifications: s.clone(),
            polls: s.clone(),
            health: s.clone(),
            subscriptions: s.clone(),
            deliveries: s.clone(),
            api_keys: s.clone(),
            salesforce: s.clone(),
            flows: s.clone(),
            renewals: s,
            _keep: keep,
        }
    }
}

/// The tests' fixed "now": two hours ago in whole milliseconds (both backends keep it exactly).
fn t0() -> Timestamp {
    static T0: std::sync::OnceLock<Timestamp> = std::sync::OnceLock::new();
    *T0.get_or_init(|| chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now") - Duration::hours(2))
}

fn user(acc: &str, id: &str, email: &str) -> User {
    User {
        id: id.into(),
        account_id: acc.into(),
        name: id.to_string(),
        email: email.into(),
        role: Role::Member,
        inbox_access: true,
        email_notifications: true,
        profile_ids: BTreeSet::new(),
        created_at: t0(),
    }
}

/// A profile of `acc` (what the suite's tests connect), for tests beside the suite.
pub fn profile_for_tests(acc: &str, id: &str, network: Network, external: &str) -> Profile {
    profile(acc, id, network, external)
}

fn profile(acc: &str, id: &str, network: Network, external: &str) -> Profile {
    Profile {
        id: id.into(),
        account_id: acc.into(),
        network,
        external_id: external.into(),
        name: format!("{id} name"),
        handle: format!("@{id}"),
        credentials: Credentials { access_token: Some(Sealed::from_sealed("token")), ..Default::default() },
        bot_app_id: None,
        created_at: t0(),
    }
}

/// A conversation of `acc_1` / `prf_1` (Facebook comment, open, unassigned) at `t0() + secs`.
pub fn conversation(id: &str, thread: &str, secs: i64) -> Conversation {
    let at = t0() + Duration::seconds(secs);
    let mut c: Conversation = serde_json::from_value(serde_json::json!({
        "id": id, "account_id": "acc_1", "profile_id": "prf_1", "network": "facebook", "kind": "comment",
        "thread_key": thread, "status": "open", "assignee_id": null, "sponsored": false,
        "last_inbound_at": at, "created_at": at, "author": {"id": "a1", "name": "Ann", "handle": "@ann"},
        "excerpt": "hello", "thread_owner": null, "version": 1
    }))
    .expect("a conversation");
    c.last_inbound_at = at;
    c
}

pub fn item(id: &str, conv: &str, platform: Option<&str>, text: &str, secs: i64) -> Item {
    Item {
        id: id.into(),
        conversation_id: conv.into(),
        direction: Direction::Inbound,
        text: text.into(),
        author: Author::default(),
        created_at: t0() + Duration::seconds(secs),
        platform_id: platform.map(str::to_string),
        state: ItemState::Received,
        failure: None,
        deleted: false,
        edited: false,
        action: None,
        target: None,
        dm_recipient: None,
        retry: None,
    }
}

pub fn create(c: Conversation, items: Vec<Item>) -> ConversationWrite {
    ConversationWrite::of(c, items, vec![])
}

pub fn update(mut c: Conversation, items: Vec<Item>) -> ConversationWrite {
    let expected = c.version;
    c.version += 1;
    ConversationWrite { expected_version: Some(expected), ..ConversationWrite::of(c, items, vec![]) }
}

/// A feed query of `acc_1`'s `usr_1` over `profiles`, 50 a page, no filter.
pub fn feed_query(profiles: &[&str]) -> FeedQuery {
    FeedQuery {
        account_id: "acc_1".into(),
        viewer: "usr_1".into(),
        profiles: profiles.iter().map(|p| ProfileId::from(*p)).collect(),
        status: None,
        assignee: None,
        networks: vec![],
        kinds: vec![],
        sponsored: None,
        seen: None,
        search: SearchQuery::default(),
        after: None,
        limit: 50,
    }
}

/// Every conversation id the query finds, page after page (at most 200 pages).
async fn feed_all(s: &Stores, q: &FeedQuery) -> Vec<String> {
    let mut q = q.clone();
    let mut out = Vec::new();
    for _ in 0..200 {
        let page = s.conversations.feed(&q).await.expect("feed");
        out.extend(page.entries.into_iter().map(|e| e.conversation.id.to_string()));
        match page.next {
            Some(n) => q.after = Some(n),
            None => return out,
        }
    }
    panic!("the feed did not end in 200 pages");
}

pub async fn directory_round_trips_and_keeps_emails_and_presences_unique(s: &Stores) {
    let d = &s.directory;
    let account = Account { id: "acc_1".into(), name: "Acme".into(), created_at: t0() };
    d.put_account(&account).await.unwrap();
    assert_eq!(d.get_account(&"acc_1".into()).await.unwrap(), Some(account));
    assert_eq!(d.get_account(&"acc_x".into()).await.unwrap(), None);

    let bob = user("acc_1", "usr_b", "Bob@Example.com");
    let ann = user("acc_1", "usr_a", "ann@example.com");
    d.put_user(&bob).await.unwrap();
    d.put_user(&ann).await.unwrap();
    assert_eq!(d.get_user(&"acc_1".into(), &"usr_b".into()).await.unwrap(), Some(bob.clone()));
    assert_eq!(d.get_user(&"acc_2".into(), &"usr_b".into()).await.unwrap(), None, "bound to its account");
    let listed: Vec<String> = d.list_users(&"acc_1".into()).await.unwrap().into_iter().map(|u| u.id.to_string()).collect();
    assert_eq!(listed, ["usr_a", "usr_b"], "by email");
    let dup = d.put_user(&user("acc_1", "usr_c", "bob@example.com")).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "emails are unique per account, whatever the case: {dup:?}");
    d.put_user(&user("acc_2", "usr_c", "bob@example.com")).await.expect("another account may have the email");
    // Changing an email frees the old one.
    d.put_user(&User { email: "robert@example.com".into(), ..bob.clone() }).await.unwrap();
    d.put_user(&user("acc_1", "usr_d", "bob@example.com")).await.expect("the old email is free again");
    assert!(d.delete_user(&"acc_1".into(), &"usr_d".into()).await.unwrap());
    assert!(!d.delete_user(&"acc_1".into(), &"usr_d".into()).await.unwrap());
    d.put_user(&user("acc_1", "usr_e", "bob@example.com")).await.expect("a deleted user's email is free");

    let fb = profile("acc_1", "prf_1", Network::Facebook, "page_1");
    d.put_profile(&fb).await.unwrap();
    d.put_profile(&profile("acc_1", "prf_2", Network::Twitter, "page_1")).await.expect("same id on another network");
    assert_eq!(d.get_profile(&"acc_1".into(), &"prf_1".into()).await.unwrap(), Some(fb.clone()));
    assert_eq!(d.get_profile(&"acc_2".into(), &"prf_1".into()).await.unwrap(), None);
    assert_eq!(d.find_profile(Network::Facebook, "page_1").await.unwrap(), Some(fb.clone()));
    assert_eq!(d.find_profile(Network::Instagram, "page_1").await.unwrap(), None);
    let taken = d.put_profile(&profile("acc_2", "prf_9", Network::Facebook, "page_1")).await;
    assert!(matches!(taken, Err(PortError::AlreadyExists)), "one presence, one account: {taken:?}");
    let renamed = Profile { name: "Renamed".into(), ..fb.clone() };
    d.put_profile(&renamed).await.unwrap();
    assert_eq!(d.find_profile(Network::Facebook, "page_1").await.unwrap().unwrap().name, "Renamed");
    d.put_profile(&Profile { external_id: "page_2".into(), ..renamed.clone() }).await.unwrap();
    assert_eq!(d.find_profile(Network::Facebook, "page_1").await.unwrap(), None, "the old presence is free");
    let listed: Vec<String> = d.list_profiles(&"acc_1".into()).await.unwrap().into_iter().map(|p| p.external_id).collect();
    assert_eq!(listed, ["page_2", "page_1"], "by network, then external id");
    assert!(d.delete_profile(&"acc_1".into(), &"prf_1".into()).await.unwrap());
    assert!(!d.delete_profile(&"acc_1".into(), &"prf_1".into()).await.unwrap());
    assert_eq!(d.find_profile(Network::Facebook, "page_2").await.unwrap(), None);
    d.put_profile(&profile("acc_2", "prf_9", Network::Facebook, "page_2")).await.expect("a deleted presence is free");
}

pub async fn deleting_a_user_unassigns_them_and_drops_their_tabs(s: &Stores) {
    s.directory.put_user(&user("acc_1", "usr_1", "one@example.com")).await.unwrap();
    let mut c = conversation("cnv_a", "t1", 0);
    c.assignee_id = Some("usr_1".into());
    s.conversations.write(create(c, vec![])).await.unwrap();
    s.conversations.write(create(conversation("cnv_b", "t2", 1), vec![])).await.unwrap();
    s.tabs.tabs_or_init(&"usr_1".into(), &tabs::default_tabs(&"usr_1".into())).await.unwrap();
    assert!(s.directory.delete_user(&"acc_1".into(), &"usr_1".into()).await.unwrap());
    let c = s.conversations.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap();
    assert_eq!((c.assignee_id, c.version), (None, 2), "unassigned under a new version");
    assert_eq!(s.conversations.get_conversation(&"acc_1".into(), &"cnv_b".into()).await.unwrap().unwrap().version, 1, "others untouched");
    assert!(s.tabs.tabs_or_init(&"usr_1".into(), &[]).await.unwrap().tabs.is_empty(), "their tabs are gone");
    let mut q = feed_query(&["prf_1"]);
    q.assignee = Some(AssigneeSelector::User("usr_1".into()));
    assert!(feed_all(s, &q).await.is_empty(), "nothing is assigned to them any more");
}

pub async fn one_thread_makes_one_conversation_and_one_platform_id_one_item(s: &Stores) {
    let store = &s.conversations;
    store.write(create(conversation("cnv_a", "t1", 0), vec![item("itm_a", "cnv_a", Some("p1"), "hi", 0)])).await.unwrap();
    let dup = store.write(create(conversation("cnv_b", "t1", 0), vec![item("itm_b", "cnv_b", Some("p2"), "hi", 0)])).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "{dup:?}");
    assert!(store.get_item(&"cnv_b".into(), &"itm_b".into()).await.unwrap().is_none(), "the failed write left nothing behind");
    assert!(store.find_item(&"prf_1".into(), "p2").await.unwrap().is_none(), "not even its platform id");
    assert!(store.get_conversation(&"acc_1".into(), &"cnv_b".into()).await.unwrap().is_none());
    let again = store.write(update(conversation("cnv_a", "t1", 0), vec![item("itm_c", "cnv_a", Some("p1"), "hi", 1)])).await;
    assert!(matches!(again, Err(PortError::AlreadyExists)), "same platform id twice: {again:?}");
    assert_eq!(store.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap().version, 1, "rolled back whole");
    let other = store.write(create(conversation("cnv_c", "t3", 0), vec![item("itm_d", "cnv_c", Some("p1"), "hi", 0)])).await;
    assert!(matches!(other, Err(PortError::AlreadyExists)), "unique per profile across conversations: {other:?}");
    assert!(store.find_by_thread(&"prf_1".into(), "t3").await.unwrap().is_none());
    // The platform id freed by a failed write can be used.
    store.write(create(conversation("cnv_d", "t4", 0), vec![item("itm_e", "cnv_d", Some("p2"), "hi", 0)])).await.unwrap();
    assert_eq!(store.find_item(&"prf_1".into(), "p2").await.unwrap().unwrap().id.as_str(), "itm_e");
    assert_eq!(store.find_by_thread(&"prf_1".into(), "t1").await.unwrap().unwrap().id.as_str(), "cnv_a");
    assert!(store.find_by_thread(&"prf_2".into(), "t1").await.unwrap().is_none(), "per profile");
    assert_eq!(store.find_item(&"prf_1".into(), "p1").await.unwrap().unwrap().id.as_str(), "itm_a");
    assert!(store.find_item(&"prf_2".into(), "p1").await.unwrap().is_none(), "per profile");
}

/// Eight first events of `thread` racing, the i-th making conversation `id(i)` with an item of
/// platform id `<pid><i>`: exactly one wins, and only its conversation (in the feed) and its
/// item are stored. The winner.
async fn race_first_events(s: &Stores, thread: &str, pid: &str, id: impl Fn(usize) -> String) -> Conversation {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (store, cid, thread) = (s.conversations.clone(), id(i), thread.to_string());
        let platform_id = format!("{pid}{i}");
        set.spawn(async move {
            store.write(create(conversation(&cid, &thread, 0), vec![item(&format!("itm_{i}"), &cid, Some(&platform_id), "hi", 0)])).await
        });
    }
    let mut ok = 0;
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Ok(()) => ok += 1,
            Err(PortError::AlreadyExists | PortError::Conflict) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 1, "exactly one conversation per thread");
    let winner = s.conversations.find_by_thread(&"prf_1".into(), thread).await.unwrap().unwrap();
    assert_eq!(feed_all(s, &feed_query(&["prf_1"])).await, vec![winner.id.to_string()]);
    let items = s.conversations.items(&winner.id).await.unwrap();
    assert_eq!(items.len(), 1, "only the winner's item: {items:?}");
    for i in 0..8 {
        let found = s.conversations.find_item(&"prf_1".into(), &format!("{pid}{i}")).await.unwrap();
        assert_eq!(
            found.is_some(),
            items[0].platform_id.as_deref() == Some(&format!("{pid}{i}")),
            "{pid}{i}: only the winner's item is stored"
        );
    }
    winner
}

pub async fn concurrent_first_events_of_a_thread_make_one_conversation(s: &Stores) {
    race_first_events(s, "t1", "p", |i| format!("cnv_{i}")).await;
}

/// The same, for conversations whose id their thread gives (what ingest makes): a store may
/// make those without a transaction, and a loser must leave nothing behind.
pub async fn concurrent_first_events_of_a_thread_under_its_own_id_make_one_conversation(s: &Stores) {
    let cid = ConversationId::for_thread(&"prf_1".into(), "t9");
    assert_eq!(cid, ConversationId::for_thread(&"prf_1".into(), "t9"), "derived, not drawn");
    assert_ne!(cid, ConversationId::for_thread(&"prf_2".into(), "t9"), "per profile");
    let winner = race_first_events(s, "t9", "q", |_| cid.to_string()).await;
    assert_eq!(winner.id, cid);
    assert!(s.conversations.find_by_thread(&"prf_2".into(), "t9").await.unwrap().is_none(), "per profile");
}

/// Appends racing on one conversation (every reply to one viral post), each planned on the same
/// stale reading: every item is stored once, the summary is what applying them one after the
/// other in any order gives (the newest network time's excerpt, open again, one version per
/// item), exactly one of them reopened it, and a change computed from the old reading is
/// refused. Stores that append under the version check instead have nothing to show here.
pub async fn concurrent_appends_to_one_conversation_keep_every_item_and_the_newest_summary(s: &Stores) {
    if !s.conversations.appends_commutatively() {
        return;
    }
    let cid = ConversationId::for_thread(&"prf_1".into(), "t8");
    let mut read = conversation(cid.as_str(), "t8", 0);
    read.status = Status::Closed;
    read.last_received_at = Some(t0());
    s.conversations.write(create(read.clone(), vec![])).await.unwrap();
    const N: i64 = 24;
    let activity = |i: i64| Activity {
        // Network times out of order (a permutation of 0..N), received in order.
        occurred_at: t0() + Duration::seconds((i * 7) % N + 1),
        received_at: t0() + Duration::minutes(1) + Duration::milliseconds(i),
        excerpt: format!("reply {}", (i * 7) % N + 1),
        sponsored: i == 5,
        reopens: true,
    };
    let mut set = tokio::task::JoinSet::new();
    for i in 0..N {
        let (store, read) = (s.conversations.clone(), read.clone());
        set.spawn(async move {
            let item = item(&format!("itm_r{i}"), read.id.as_str(), Some(&format!("r{i}")), "a reply", i);
            let received = HistoryEntry::new(&read.id, t0(), Actor::System, HistoryAction::ItemReceived, serde_json::json!({"i": i}));
            let reopened = HistoryEntry::new(&read.id, t0(), Actor::System, HistoryAction::Reopened, serde_json::json!({"i": i}));
            store
                .append(Append { conversation: read, item, history: vec![received], activity: activity(i), reopened, item_stored: false })
                .await
        });
    }
    let mut reopened = 0;
    while let Some(r) = set.join_next().await {
        let done = r.unwrap().expect("an append is never a lost race");
        reopened += usize::from(done.reopened);
        assert_eq!(done.conversation.status, Status::Open);
    }
    assert_eq!(reopened, 1, "one append found it closed");
    let mut folded = read.clone();
    for i in (0..N).rev() {
        folded.absorb(&activity(i));
    }
    let now = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!(
        (now.version, now.status, now.last_inbound_at, now.excerpt.as_str(), now.sponsored),
        (folded.version, folded.status, folded.last_inbound_at, folded.excerpt.as_str(), folded.sponsored)
    );
    let newest_receipt = activity(N - 1).received_at;
    assert!(
        now.activity_at() >= newest_receipt && now.activity_at() <= newest_receipt + Duration::microseconds(N),
        "the activity time is the newest receipt (a microsecond later per append that came after it): {:?}",
        now.activity_at()
    );
    let items = s.conversations.items(&cid).await.unwrap();
    assert_eq!(items.len(), N as usize);
    let history = s.conversations.history(&cid).await.unwrap();
    assert_eq!(history.iter().filter(|h| h.action == HistoryAction::ItemReceived).count(), N as usize);
    assert_eq!(history.iter().filter(|h| h.action == HistoryAction::Reopened).count(), 1);
    // The same platform id again: refused, nothing changed.
    let again = Append {
        conversation: now.clone(),
        item: item("itm_again", cid.as_str(), Some("r3"), "again", 3),
        history: vec![],
        activity: activity(3),
        reopened: HistoryEntry::new(&cid, t0(), Actor::System, HistoryAction::Reopened, serde_json::json!({})),
        item_stored: false,
    };
    assert!(matches!(s.conversations.append(again.clone()).await, Err(PortError::AlreadyExists)));
    // The same item again under its own id (a delivery tried again after its write's answer
    // was lost): refused, nothing doubled.
    let mut retried = again.clone();
    retried.item = item("itm_r3", cid.as_str(), Some("r3"), "a reply", 3);
    assert!(matches!(s.conversations.append(retried).await, Err(PortError::AlreadyExists)));
    assert_eq!(s.conversations.items(&cid).await.unwrap().len(), N as usize);
    let after = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!(after.version, now.version, "a refused append changes nothing");
    assert!(s.conversations.get_item(&cid, &"itm_again".into()).await.unwrap().is_none());
    // An item stored by a delivery that stopped before the summary: its activity alone.
    let late = activity(N + 5);
    let stored = Append {
        conversation: after.clone(),
        item: item("itm_r0", cid.as_str(), Some("r0"), "a reply", 0),
        history: vec![],
        activity: Activity { occurred_at: t0() + Duration::seconds(N + 5), excerpt: "the late one".into(), ..late },
        reopened: HistoryEntry::new(&cid, t0(), Actor::System, HistoryAction::Reopened, serde_json::json!({})),
        item_stored: true,
    };
    let done = s.conversations.append(stored).await.unwrap();
    assert_eq!((done.conversation.excerpt.as_str(), done.conversation.version, done.reopened), ("the late one", after.version + 1, false));
    assert_eq!(s.conversations.items(&cid).await.unwrap().len(), N as usize, "no item written");
    let after = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!(after.excerpt, "the late one");
    // A change computed from the reading before the appends is refused; from the new one, kept.
    let mut stale = read.clone();
    stale.assignee_id = Some("usr_1".into());
    assert!(matches!(s.conversations.write(update(stale, vec![])).await, Err(PortError::Conflict)));
    let mut fresh = after.clone();
    fresh.assignee_id = Some("usr_1".into());
    s.conversations.write(update(fresh, vec![])).await.unwrap();
    let assigned = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!((assigned.assignee_id.as_ref().map(|a| a.as_str()), assigned.excerpt.as_str()), (Some("usr_1"), "the late one"));
    let mut open = feed_query(&["prf_1"]);
    open.status = Some(Status::Open);
    assert_eq!(feed_all(s, &open).await, vec![cid.to_string()], "in the open feed, once");

    // A change that keeps the summary (a user's: close, assign) passes over appends made since
    // the version it read, leaving what they did: on a thread taking hundreds of replies a
    // second it is not refused again and again. Not over another whole change made since.
    let read = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    for i in 0..3 {
        let a =
            Activity { occurred_at: t0() + Duration::seconds(N + 10 + i), excerpt: format!("after the read {i}"), ..activity(N + 10 + i) };
        let append = Append {
            conversation: read.clone(),
            item: item(&format!("itm_x{i}"), cid.as_str(), Some(&format!("x{i}")), "after the read", N + 10 + i),
            history: vec![],
            activity: a,
            reopened: HistoryEntry::new(&cid, t0(), Actor::System, HistoryAction::Reopened, serde_json::json!({})),
            item_stored: false,
        };
        s.conversations.append(append).await.unwrap();
    }
    let users = |status: Status, assignee: Option<&str>| {
        let c = Conversation { status, assignee_id: assignee.map(UserId::from), version: read.version + 1, ..read.clone() };
        ConversationWrite {
            expected_version: Some(read.version),
            keeps_summary: Some(read.status),
            ..ConversationWrite::of(c, vec![], vec![])
        }
    };
    s.conversations.write(users(Status::Closed, Some("usr_2"))).await.expect("passes over the appends");
    let closed = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!((closed.status, closed.assignee_id.as_ref().map(|a| a.as_str())), (Status::Closed, Some("usr_2")));
    assert_eq!(closed.excerpt, "after the read 2", "the appends' summary stays");
    assert_eq!(closed.version, read.version + 4, "one version per append, one for the change");
    assert!(matches!(s.conversations.write(users(Status::Open, None)).await, Err(PortError::Conflict)), "a whole change since");
    let mut strict = Conversation { status: Status::Open, ..closed.clone() };
    strict.version = read.version + 1;
    let w = ConversationWrite { expected_version: Some(read.version), ..ConversationWrite::of(strict, vec![], vec![]) };
    assert!(matches!(s.conversations.write(w).await, Err(PortError::Conflict)), "a change that sets the summary: strictly");
    let mut gone = feed_query(&["prf_1"]);
    gone.status = Some(Status::Closed);
    assert_eq!(feed_all(s, &gone).await, vec![cid.to_string()], "in the closed feed");
    assert!(feed_all(s, &open).await.is_empty(), "and out of the open one");

    // Read closed; a reply reopens it; an assignment from that reading (which would write the
    // status it read back) is refused, and made again on the open conversation it stays open.
    let read = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    let reply = Append {
        conversation: read.clone(),
        item: item("itm_x9", cid.as_str(), Some("x9"), "reopening", N + 20),
        history: vec![],
        activity: Activity { occurred_at: t0() + Duration::seconds(N + 20), excerpt: "reopening".into(), ..activity(N + 20) },
        reopened: HistoryEntry::new(&cid, t0(), Actor::System, HistoryAction::Reopened, serde_json::json!({})),
        item_stored: false,
    };
    assert!(s.conversations.append(reply).await.unwrap().reopened);
    let assign = |from: &Conversation| {
        let c = Conversation { assignee_id: Some("usr_3".into()), version: from.version + 1, ..from.clone() };
        ConversationWrite { expected_version: Some(from.version), ..ConversationWrite::of(c, vec![], vec![]) }.keeping_summary()
    };
    assert!(matches!(s.conversations.write(assign(&read)).await, Err(PortError::Conflict)), "it was reopened since");
    let reopened = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    s.conversations.write(assign(&reopened)).await.unwrap();
    let now = s.conversations.get_conversation(&"acc_1".into(), &cid).await.unwrap().unwrap();
    assert_eq!((now.status, now.assignee_id.as_ref().map(|a| a.as_str())), (Status::Open, Some("usr_3")));
}

pub async fn a_write_against_a_stale_version_is_a_conflict_and_changes_nothing(s: &Stores) {
    let store = &s.conversations;
    store.write(create(conversation("cnv_a", "t1", 0), vec![])).await.unwrap();
    let mut first = conversation("cnv_a", "t1", 0);
    first.status = Status::Closed;
    let mut second = conversation("cnv_a", "t1", 0);
    second.assignee_id = Some("usr_x".into());
    store.write(update(first, vec![])).await.unwrap();
    let lost = store.write(update(second, vec![item("itm_x", "cnv_a", Some("px"), "lost", 0)])).await;
    assert!(matches!(lost, Err(PortError::Conflict)), "{lost:?}");
    let now = store.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap();
    assert_eq!((now.status, now.assignee_id, now.version), (Status::Closed, None, 2));
    assert!(store.items(&"cnv_a".into()).await.unwrap().is_empty(), "the lost write's item is not stored");
    assert!(store.find_item(&"prf_1".into(), "px").await.unwrap().is_none());
    assert!(store.get_conversation(&"acc_2".into(), &"cnv_a".into()).await.unwrap().is_none(), "bound to its account");
    let missing = store.write(update(conversation("cnv_zz", "t9", 0), vec![])).await;
    assert!(matches!(missing, Err(PortError::Conflict)), "updating what does not exist: {missing:?}");
}

pub async fn items_notes_and_history_come_back_in_order(s: &Stores) {
    let store = &s.conversations;
    let c = conversation("cnv_a", "t1", 0);
    let h = |secs: i64, action: HistoryAction| {
        HistoryEntry::new(&"cnv_a".into(), t0() + Duration::seconds(secs), Actor::System, action, serde_json::json!({"n": secs}))
    };
    let mut w = create(c.clone(), vec![item("itm_2", "cnv_a", Some("p2"), "second", 2), item("itm_1", "cnv_a", Some("p1"), "first", 1)]);
    w.history = vec![h(0, HistoryAction::Created), h(1, HistoryAction::ItemReceived)];
    store.write(w).await.unwrap();
    let note = Note {
        id: "not_1".into(),
        conversation_id: "cnv_a".into(),
        author_id: "usr_1".into(),
        text: "a note".into(),
        mentions: vec!["usr_2".into()],
        created_at: t0() + Duration::seconds(3),
    };
    let mut w = update(c.clone(), vec![]);
    w.notes = vec![note.clone()];
    w.history = vec![h(3, HistoryAction::NoteAdded)];
    store.write(w).await.unwrap();
    let mut c2 = c.clone();
    c2.version = 2;
    c2.status = Status::Closed;
    let mut w = update(c2.clone(), vec![]);
    w.history = vec![h(4, HistoryAction::Closed)];
    store.write(w).await.unwrap();
    // An item updated by id: an edit, with its own history.
    let mut edited = item("itm_1", "cnv_a", Some("p1"), "first, edited", 1);
    edited.edited = true;
    c2.version = 3;
    let mut w = update(c2.clone(), vec![edited.clone()]);
    w.history = vec![h(5, HistoryAction::ItemEdited)];
    store.write(w).await.unwrap();

    let items = store.items(&"cnv_a".into()).await.unwrap();
    assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["itm_1", "itm_2"], "by creation time");
    assert_eq!(items[0], edited, "replaced by id");
    assert_eq!(store.get_item(&"cnv_a".into(), &"itm_1".into()).await.unwrap(), Some(edited.clone()));
    assert_eq!(store.get_item(&"cnv_b".into(), &"itm_1".into()).await.unwrap(), None, "an item of another conversation");
    assert_eq!(store.find_item(&"prf_1".into(), "p1").await.unwrap(), Some(edited));
    assert_eq!(store.notes(&"cnv_a".into()).await.unwrap(), vec![note]);
    let history: Vec<HistoryAction> = store.history(&"cnv_a".into()).await.unwrap().into_iter().map(|h| h.action).collect();
    assert_eq!(
        history,
        [HistoryAction::Created, HistoryAction::ItemReceived, HistoryAction::NoteAdded, HistoryAction::Closed, HistoryAction::ItemEdited]
    );
    assert_eq!(store.history(&"cnv_a".into()).await.unwrap()[3].details, serde_json::json!({"n": 4}));
    let c = store.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap();
    assert_eq!((c.version, c.status), (4, Status::Closed));
}

pub async fn a_confirmed_send_replaces_its_echo(s: &Stores) {
    let store = &s.conversations;
    let c = conversation("cnv_a", "t1", 0);
    let mut ours = item("itm_ours", "cnv_a", None, "our reply", 1);
    ours.direction = Direction::Outbound;
    ours.action = Some(Action::Reply);
    ours.state = ItemState::Pending;
    store.write(create(c.clone(), vec![ours.clone()])).await.unwrap();
    // The echo of our reply arrives before the send is confirmed: stored as made outside.
    let mut echo = item("itm_echo", "cnv_a", Some("p_reply"), "our reply", 2);
    echo.direction = Direction::Outbound;
    let mut c2 = c.clone();
    c2.version = 2;
    store.write(update(c.clone(), vec![echo])).await.unwrap();
    // The send is confirmed with the network's id: ours keeps it, the echo's copy goes.
    let mut sent = ours.clone();
    sent.state = ItemState::Sent;
    sent.platform_id = Some("p_reply".into());
    store.write(update(c2.clone(), vec![sent.clone()])).await.unwrap();
    let items = store.items(&"cnv_a".into()).await.unwrap();
    assert_eq!(items, vec![sent.clone()]);
    assert_eq!(store.find_item(&"prf_1".into(), "p_reply").await.unwrap(), Some(sent));
    // An inbound item never gives its platform id away.
    store.write(update(Conversation { version: 3, ..c2.clone() }, vec![item("itm_in", "cnv_a", Some("p_in"), "hi", 3)])).await.unwrap();
    let mut other = item("itm_other", "cnv_a", None, "x", 4);
    other.direction = Direction::Outbound;
    other.action = Some(Action::Reply);
    store.write(update(Conversation { version: 4, ..c2.clone() }, vec![other.clone()])).await.unwrap();
    other.platform_id = Some("p_in".into());
    let taken = store.write(update(Conversation { version: 5, ..c2.clone() }, vec![other])).await;
    assert!(matches!(taken, Err(PortError::AlreadyExists)), "{taken:?}");
    assert_eq!(store.find_item(&"prf_1".into(), "p_in").await.unwrap().unwrap().id.as_str(), "itm_in");
}

pub async fn tombstones_and_early_edits_are_remembered(s: &Stores) {
    let store = &s.conversations;
    let p: ProfileId = "prf_1".into();
    assert!(!store.is_tombstoned(&p, "p1").await.unwrap());
    store.put_tombstone(&p, "p1", t0()).await.unwrap();
    store.put_tombstone(&p, "p1", t0()).await.unwrap();
    assert!(store.is_tombstoned(&p, "p1").await.unwrap());
    assert!(!store.is_tombstoned(&"prf_2".into(), "p1").await.unwrap(), "per profile");
    assert!(!store.is_tombstoned(&p, "p2").await.unwrap());

    assert_eq!(store.early_edit(&p, "p1").await.unwrap(), None);
    store.put_early_edit(&p, "p1", "second", t0() + Duration::seconds(2)).await.unwrap();
    store.put_early_edit(&p, "p1", "first", t0() + Duration::seconds(1)).await.unwrap();
    assert_eq!(store.early_edit(&p, "p1").await.unwrap().as_deref(), Some("second"), "the newest edit wins");
    store.put_early_edit(&p, "p1", "third", t0() + Duration::seconds(3)).await.unwrap();
    assert_eq!(store.early_edit(&p, "p1").await.unwrap().as_deref(), Some("third"));
    assert_eq!(store.early_edit(&"prf_2".into(), "p1").await.unwrap(), None);

    // All of it at once, as the ingest reads it.
    let state = store.platform_id_state(&p, "p1").await.unwrap();
    assert_eq!(state, PlatformIdState { item: None, tombstoned: true, early_edit: Some("third".into()), claimed_for: None });
    assert_eq!(store.platform_id_state(&p, "p2").await.unwrap(), PlatformIdState::default());
    store.write(create(conversation("cnv_pid", "t_pid", 1), vec![item("itm_pid", "cnv_pid", Some("p_pid"), "hi", 1)])).await.unwrap();
    store.put_early_edit(&p, "p_pid", "edited", t0()).await.unwrap();
    let state = store.platform_id_state(&p, "p_pid").await.unwrap();
    assert_eq!(state.item.map(|i| i.id.to_string()).as_deref(), Some("itm_pid"));
    assert_eq!((state.tombstoned, state.early_edit.as_deref()), (false, Some("edited")));
}

pub async fn cached_posts_are_kept_per_profile_and_replaced(s: &Stores) {
    let store = &s.conversations;
    let p: ProfileId = "prf_1".into();
    let post = Post {
        id: "urn:li:share:1".into(),
        network: Network::Linkedin,
        text: "Join our webinar".into(),
        author_name: Some("My Org".into()),
        permalink: Some("https://www.linkedin.com/feed/update/urn:li:share:1/".into()),
        media_url: None,
        created_at: Some(t0()),
        sponsored: Some(false),
        fetched_at: t0() + Duration::seconds(5),
        error: None,
        pending: false,
        retry_after: None,
    };
    assert_eq!(store.get_post(&p, &post.id).await.unwrap(), None);
    store.put_post(&p, &post).await.unwrap();
    assert_eq!(store.get_post(&p, &post.id).await.unwrap().as_ref(), Some(&post));
    assert_eq!(store.get_post(&"prf_2".into(), &post.id).await.unwrap(), None, "per profile");
    let failed =
        Post { text: String::new(), error: Some("LinkedIn answered 403".into()), fetched_at: t0() + Duration::seconds(9), ..post.clone() };
    store.put_post(&p, &failed).await.unwrap();
    assert_eq!(store.get_post(&p, &post.id).await.unwrap(), Some(failed), "the newer copy replaces the older");
}

pub async fn seen_marks_never_move_backwards(s: &Stores) {
    let store = &s.conversations;
    let (u, c): (UserId, ConversationId) = ("usr_1".into(), "cnv_a".into());
    assert_eq!(store.seen_at(&u, &c).await.unwrap(), None);
    store.mark_seen(&u, &c, t0() + Duration::seconds(10)).await.unwrap();
    store.mark_seen(&u, &c, t0() + Duration::seconds(5)).await.unwrap();
    assert_eq!(store.seen_at(&u, &c).await.unwrap(), Some(t0() + Duration::seconds(10)));
    store.mark_seen(&u, &c, t0() + Duration::seconds(20)).await.unwrap();
    assert_eq!(store.seen_at(&u, &c).await.unwrap(), Some(t0() + Duration::seconds(20)));
    assert_eq!(store.seen_at(&"usr_2".into(), &c).await.unwrap(), None, "per user");
}

pub async fn the_feed_is_newest_first_and_pages_without_gaps_or_repeats(s: &Stores) {
    let store = &s.conversations;
    // Two share a time: the id breaks the tie (higher first).
    for (id, secs) in [("cnv_1", 10), ("cnv_2", 20), ("cnv_3", 20), ("cnv_4", 5), ("cnv_5", 30)] {
        store.write(create(conversation(id, id, secs), vec![])).await.unwrap();
    }
    let mut q = feed_query(&["prf_1"]);
    assert_eq!(feed_all(s, &q).await, ["cnv_5", "cnv_3", "cnv_2", "cnv_1", "cnv_4"]);
    q.limit = 2;
    let mut pages = Vec::new();
    loop {
        let page = store.feed(&q).await.unwrap();
        pages.push(page.entries.iter().map(|e| e.conversation.id.to_string()).collect::<Vec<_>>());
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, vec![vec!["cnv_5", "cnv_3"], vec!["cnv_2", "cnv_1"], vec!["cnv_4"]]);
    q.after = None;
    q.limit = 5;
    assert!(store.feed(&q).await.unwrap().next.is_none(), "no position when nothing follows");
    // New inbound activity moves a conversation to the top.
    let mut c = conversation("cnv_4", "cnv_4", 5);
    c.last_inbound_at = t0() + Duration::seconds(40);
    store.write(update(c, vec![])).await.unwrap();
    assert_eq!(feed_all(s, &feed_query(&["prf_1"])).await, ["cnv_4", "cnv_5", "cnv_3", "cnv_2", "cnv_1"]);
    let mut other = feed_query(&["prf_1"]);
    other.account_id = "acc_2".into();
    assert!(feed_all(s, &other).await.is_empty(), "another account sees none of them");
}

/// The feed's order and the seen filter follow when the inbox received a conversation's
/// newest message (`last_received_at`), not the network's time of it (`last_inbound_at`, kept
/// for display); a conversation stored before the receipt time was kept falls back to the
/// network's time.
pub async fn the_feed_orders_and_compares_seen_by_when_the_inbox_received(s: &Stores) {
    let store = &s.conversations;
    let at = |secs| t0() + Duration::seconds(secs);
    // (id, written on the network, received by the inbox)
    for (id, written, received) in [("cnv_x", 50, Some(10)), ("cnv_y", 10, Some(50)), ("cnv_z", 40, None)] {
        let mut c = conversation(id, id, written);
        c.last_received_at = received.map(at);
        store.write(create(c, vec![])).await.unwrap();
    }
    let mut q = feed_query(&["prf_1"]);
    assert_eq!(feed_all(s, &q).await, ["cnv_y", "cnv_z", "cnv_x"], "by receipt, the older record by its network time");
    q.limit = 1;
    assert_eq!(feed_all(s, &q).await, ["cnv_y", "cnv_z", "cnv_x"], "and pages in that order");
    // Each seen between its two times: seen if after the receipt, whatever the network's time.
    store.mark_seen(&"usr_1".into(), &"cnv_x".into(), at(30)).await.unwrap();
    store.mark_seen(&"usr_1".into(), &"cnv_y".into(), at(30)).await.unwrap();
    store.mark_seen(&"usr_1".into(), &"cnv_z".into(), at(45)).await.unwrap();
    let mut q = feed_query(&["prf_1"]);
    q.seen = Some(true);
    assert_eq!(feed_all(s, &q).await, ["cnv_z", "cnv_x"]);
    q.seen = Some(false);
    assert_eq!(feed_all(s, &q).await, ["cnv_y"]);
}

pub async fn the_feed_filters_like_the_tabs_ask(s: &Stores) {
    let store = &s.conversations;
    let mk = |id: &str, secs: i64, f: &dyn Fn(&mut Conversation)| {
        let mut c = conversation(id, id, secs);
        f(&mut c);
        c
    };
    let all = [
        mk("cnv_open", 1, &|_| {}),
        mk("cnv_closed", 2, &|c| c.status = Status::Closed),
        mk("cnv_mine", 3, &|c| c.assignee_id = Some("usr_1".into())),
        mk("cnv_theirs", 4, &|c| c.assignee_id = Some("usr_2".into())),
        mk("cnv_closed_mine", 5, &|c| {
            c.status = Status::Closed;
            c.assignee_id = Some("usr_1".into())
        }),
        mk("cnv_tweet", 6, &|c| {
            c.network = Network::Twitter;
            c.kind = Kind::Mention;
            c.profile_id = "prf_2".into()
        }),
        mk("cnv_ad", 7, &|c| c.sponsored = true),
        mk("cnv_dm", 8, &|c| c.kind = Kind::Dm),
        mk("cnv_other_account", 9, &|c| c.account_id = "acc_2".into()),
    ];
    for c in all {
        store.write(create(c, vec![])).await.unwrap();
    }
    // usr_1 saw cnv_open after its last message, and cnv_dm before it.
    store.mark_seen(&"usr_1".into(), &"cnv_open".into(), t0() + Duration::seconds(1)).await.unwrap();
    store.mark_seen(&"usr_1".into(), &"cnv_dm".into(), t0() + Duration::seconds(7)).await.unwrap();
    store.mark_seen(&"usr_2".into(), &"cnv_ad".into(), t0() + Duration::seconds(60)).await.unwrap();
    let base = feed_query(&["prf_1", "prf_2"]);
    let run = |f: &dyn Fn(&mut FeedQuery)| {
        let mut q = base.clone();
        f(&mut q);
        q
    };
    let cases: Vec<(&str, FeedQuery, Vec<&str>)> = vec![
        (
            "everything",
            base.clone(),
            vec!["cnv_dm", "cnv_ad", "cnv_tweet", "cnv_closed_mine", "cnv_theirs", "cnv_mine", "cnv_closed", "cnv_open"],
        ),
        ("open", run(&|q| q.status = Some(Status::Open)), vec!["cnv_dm", "cnv_ad", "cnv_tweet", "cnv_theirs", "cnv_mine", "cnv_open"]),
        ("closed", run(&|q| q.status = Some(Status::Closed)), vec!["cnv_closed_mine", "cnv_closed"]),
        ("mine", run(&|q| q.assignee = Some(AssigneeSelector::User("usr_1".into()))), vec!["cnv_closed_mine", "cnv_mine"]),
        (
            "open and mine",
            run(&|q| {
                q.status = Some(Status::Open);
                q.assignee = Some(AssigneeSelector::User("usr_1".into()))
            }),
            vec!["cnv_mine"],
        ),
        ("anyone's", run(&|q| q.assignee = Some(AssigneeSelector::Anyone)), vec!["cnv_closed_mine", "cnv_theirs", "cnv_mine"]),
        (
            "open, unassigned",
            run(&|q| {
                q.status = Some(Status::Open);
                q.assignee = Some(AssigneeSelector::Unassigned)
            }),
            vec!["cnv_dm", "cnv_ad", "cnv_tweet", "cnv_open"],
        ),
        ("twitter", run(&|q| q.networks = vec![Network::Twitter]), vec!["cnv_tweet"]),
        ("dms and mentions", run(&|q| q.kinds = vec![Kind::Dm, Kind::Mention]), vec!["cnv_dm", "cnv_tweet"]),
        ("sponsored", run(&|q| q.sponsored = Some(true)), vec!["cnv_ad"]),
        ("seen by usr_1", run(&|q| q.seen = Some(true)), vec!["cnv_open"]),
        (
            "unseen by usr_1, open",
            run(&|q| {
                q.seen = Some(false);
                q.status = Some(Status::Open)
            }),
            vec!["cnv_dm", "cnv_ad", "cnv_tweet", "cnv_theirs", "cnv_mine"],
        ),
        ("prf_2 only", run(&|q| q.profiles = vec!["prf_2".into()]), vec!["cnv_tweet"]),
        ("no profile", run(&|q| q.profiles = vec!["prf_9".into()]), vec![]),
    ];
    for (what, q, want) in cases {
        assert_eq!(feed_all(s, &q).await, want, "{what}");
        let mut paged = q.clone();
        paged.limit = 1;
        assert_eq!(feed_all(s, &paged).await, want, "{what}, one a page");
    }
    let page = store.feed(&base).await.unwrap();
    let seen: Vec<(String, Option<Timestamp>)> = page.entries.iter().map(|e| (e.conversation.id.to_string(), e.seen_at)).collect();
    assert!(seen.contains(&("cnv_dm".to_string(), Some(t0() + Duration::seconds(7)))), "the viewer's own mark: {seen:?}");
    assert!(seen.contains(&("cnv_ad".to_string(), None)), "not another user's mark");
}

pub async fn a_feed_position_of_another_account_is_refused(s: &Stores) {
    let store = &s.conversations;
    for (id, secs) in [("cnv_1", 1), ("cnv_2", 2), ("cnv_3", 3)] {
        store.write(create(conversation(id, id, secs), vec![])).await.unwrap();
    }
    let mut q = feed_query(&["prf_1"]);
    q.limit = 1;
    let position = store.feed(&q).await.unwrap().next.expect("a next page");
    q.after = Some(position.clone());
    assert_eq!(store.feed(&q).await.unwrap().entries[0].conversation.id.as_str(), "cnv_2");
    let mut other = q.clone();
    other.account_id = "acc_2".into();
    assert!(store.feed(&other).await.is_err(), "a position of acc_1 is not followed for acc_2");
    for bad in ["", "garbage", "12:cnv_1", &format!("x{position}"), "acc_1|x#cnv_1"] {
        let mut q = q.clone();
        q.after = Some(bad.to_string());
        assert!(store.feed(&q).await.is_err(), "position {bad:?}");
    }
}

pub async fn a_search_finds_exactly_what_the_search_rule_matches(s: &Stores) {
    let store = &s.conversations;
    let texts = [
        "Café ÜMLAUT at the tent",
        "ΟΔΟΣ σοφός and the tent",
        "İstanbul order, tent size",
        "नमस्ते दुनिया tent",
        "東京タワー tent",
        "order #1234 has not arrived, tent",
        "party 🎉 emoji tent",
        "sleeping bag tent",
        "bag sleeping tent",
        "ﬁne ligature tent",
        "这款帐篷防水吗？我下周去露营。",
        "このテントは防水ですか？",
        "텐트가 방수인가요? 캠핑을 가요",
        "the ｔｅｎｔ from Straße 5 is naïve 👍🏽",
    ];
    let mut all = Vec::new();
    for i in 0..40usize {
        let text = texts.get(i).map(|t| t.to_string()).unwrap_or_else(|| format!("filler number {i} tent"));
        let id = format!("cnv_{i:04}");
        let mut items = vec![item(&format!("itm_{i:04}"), &id, Some(&format!("p_{i}")), &text, i as i64)];
        let mut searchable = text.clone();
        if i % 7 == 3 {
            // A second message, and a deleted one whose words no longer count.
            items.push(item(&format!("itm_{i:04}b"), &id, Some(&format!("p_{i}b")), "second message zebra", i as i64));
            let mut gone = item(&format!("itm_{i:04}c"), &id, Some(&format!("p_{i}c")), "deleted words walrus", i as i64);
            gone.deleted = true;
            items.push(gone);
            searchable.push_str("\u{1}second message zebra");
        }
        store.write(create(conversation(&id, &id, i as i64), items)).await.unwrap();
        all.push((id, searchable));
    }
    let queries = [
        "café",
        "CAFÉ",
        "οδοσ",
        "σοφός",
        "istanbul",
        "नमस्ते",
        "東京タワー",
        "1234",
        "\"order 1234\"",
        "🎉",
        "\"sleeping bag\"",
        "\"bag sleeping\"",
        "fine",
        "tent",
        "tent -bag",
        "filler -number",
        "-tent",
        "zebra",
        "walrus",
        "\"tent second\"",
        "number 17",
        "nothing",
        "帐篷",
        "防水",
        "テント",
        "캠핑",
        "텐트",
        "strasse",
        "naive",
        "TENT",
        "👍",
        "...",
        "\u{200b}",
    ];
    for query in queries {
        let rule = SearchQuery::parse(query);
        let mut expected: Vec<String> =
            all.iter().filter(|(_, t)| rule.matches_texts(t.split('\u{1}'))).map(|(id, _)| id.clone()).collect();
        expected.reverse(); // newest first
        let mut q = feed_query(&["prf_1"]);
        q.search = rule;
        q.limit = 7;
        assert_eq!(feed_all(s, &q).await, expected, "search {query:?}");
    }
}

/// A search finds every message's words however the message came to be stored: with the
/// conversation, appended by the ingest, in a whole write (an agent's reply), beside a change
/// that keeps the summary, edited, and in a thread with too many words for a store's search
/// signature (DynamoDB: `signature.rs`); and never what no message says.
pub async fn a_search_finds_every_message_however_it_was_written(s: &Stores) {
    let store = &s.conversations;
    let get = |id: ConversationId| async move { store.get_conversation(&"acc_1".into(), &id).await.unwrap().unwrap() };
    let reply = |read: Conversation, id: &str, text: &str, secs: i64| {
        let cid = read.id.to_string();
        let it = item(id, &cid, Some(id), text, secs);
        let text = text.to_string();
        async move {
            if store.appends_commutatively() {
                let at = t0() + Duration::seconds(secs);
                let activity = Activity { occurred_at: at, received_at: at, excerpt: text, sponsored: false, reopens: true };
                let reopened = HistoryEntry::new(&read.id, at, Actor::System, HistoryAction::Reopened, serde_json::json!({}));
                let a = Append { conversation: read, item: it, history: vec![], activity, reopened, item_stored: false };
                store.append(a).await.map(|_| ()).unwrap();
            } else {
                store.write(update(read, vec![it])).await.unwrap();
            }
        }
    };
    let a = ConversationId::for_thread(&"prf_1".into(), "sg_a");
    store.write(create(conversation(a.as_str(), "sg_a", 0), vec![item("itm_a1", a.as_str(), Some("a1"), "hello there", 0)])).await.unwrap();
    reply(get(a.clone()).await, "itm_a2", "where is my refund", 1).await;
    let mut answer = item("itm_a3", a.as_str(), None, "your tent ships monday", 2);
    answer.direction = Direction::Outbound;
    store.write(update(get(a.clone()).await, vec![answer])).await.unwrap();
    let read = get(a.clone()).await;
    let mut assigned = Conversation { assignee_id: Some("usr_2".into()), version: read.version + 1, ..read.clone() };
    assigned.status = Status::Open;
    let mut note_item = item("itm_a4", a.as_str(), None, "kayak paddle", 3);
    note_item.direction = Direction::Outbound;
    let w = ConversationWrite { expected_version: Some(read.version), ..ConversationWrite::of(assigned, vec![note_item], vec![]) };
    store.write(w.keeping_summary()).await.unwrap();
    let mut edited = store.items(&a).await.unwrap().into_iter().find(|i| i.id.as_str() == "itm_a1").unwrap();
    edited.text = "hello canoe".into();
    edited.edited = true;
    store.write(update(get(a.clone()).await, vec![edited])).await.unwrap();

    // B: a thread of many words, one reply at a time.
    let b = ConversationId::for_thread(&"prf_1".into(), "sg_b");
    store.write(create(conversation(b.as_str(), "sg_b", 4), vec![item("itm_b0", b.as_str(), Some("b0"), "first words", 4)])).await.unwrap();
    for i in 1..=30 {
        let text = format!("alpha{i} beta{i} gamma{i} delta{i}");
        reply(get(b.clone()).await, &format!("itm_b{i}"), &text, 4 + i).await;
    }
    // C: nothing searched for.
    let c = ConversationId::for_thread(&"prf_1".into(), "sg_c");
    store.write(create(conversation(c.as_str(), "sg_c", 40), vec![item("itm_c1", c.as_str(), Some("c1"), "unrelated", 40)])).await.unwrap();

    let search = |query: &str| {
        let mut q = feed_query(&["prf_1"]);
        q.search = SearchQuery::parse(query);
        q
    };
    for (query, want) in [
        ("refund", vec![a.to_string()]),
        ("tent", vec![a.to_string()]),
        ("kayak", vec![a.to_string()]),
        ("canoe", vec![a.to_string()]),
        ("\"where is my refund\" monday", vec![a.to_string()]),
        ("first", vec![b.to_string()]),
        ("alpha1", vec![b.to_string()]),
        ("delta30", vec![b.to_string()]),
        ("\"beta17 gamma17\"", vec![b.to_string()]),
        ("unrelated", vec![c.to_string()]),
        ("zebra", vec![]),
        ("refund alpha1", vec![]),
        ("-refund -first", vec![c.to_string()]),
    ] {
        assert_eq!(feed_all(s, &search(query)).await, want, "{query}");
    }
}

fn saved_reply(acc: &str, id: &str, title: &str) -> inbox_domain::saved_replies::SavedReply {
    inbox_domain::saved_replies::SavedReply {
        id: id.into(),
        account_id: acc.into(),
        title: title.into(),
        text: format!("{title}, {{first_name}}"),
        created_by: "usr_1".into(),
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

/// Saved replies stay in their account, change only at the version read, and an account never
/// holds more than its limit however many creations race.
pub async fn saved_replies_stay_in_their_account_and_under_the_limit(st: &Stores) {
    let s = &st.saved_replies;
    let (a, b): (AccountId, AccountId) = ("acc_sr1".into(), "acc_sr2".into());
    s.insert_saved_reply(&saved_reply("acc_sr1", "rpl_1", "Refund"), 10).await.unwrap();
    s.insert_saved_reply(&saved_reply("acc_sr2", "rpl_2", "Other"), 10).await.unwrap();
    assert!(matches!(s.insert_saved_reply(&saved_reply("acc_sr1", "rpl_1", "Again"), 10).await, Err(PortError::AlreadyExists)));
    let mine = s.saved_replies(&a).await.unwrap();
    assert_eq!(mine.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["rpl_1"]);
    assert!(s.get_saved_reply(&b, &"rpl_1".into()).await.unwrap().is_none(), "not another account's");
    assert!(!s.delete_saved_reply(&b, &"rpl_1".into()).await.unwrap(), "nor deleted from it");
    let mut changed = saved_reply("acc_sr1", "rpl_1", "Refunds");
    changed.version = 2;
    s.put_saved_reply(&changed, 1).await.unwrap();
    assert!(matches!(s.put_saved_reply(&changed, 1).await, Err(PortError::Conflict)), "a stale version");
    assert_eq!(s.get_saved_reply(&a, &"rpl_1".into()).await.unwrap().unwrap().title, "Refunds");
    // 12 creations race for the 4 places left of 5.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let s = s.clone();
        set.spawn(async move { s.insert_saved_reply(&saved_reply("acc_sr1", &format!("rpl_r{i:02}"), "Race"), 5).await });
    }
    let (made, refused) = made_and_refused(set).await;
    assert_eq!((made, refused), (4, 8));
    assert_eq!(s.saved_replies(&a).await.unwrap().len(), 5);
    assert!(s.delete_saved_reply(&a, &"rpl_1".into()).await.unwrap());
    assert!(!s.delete_saved_reply(&a, &"rpl_1".into()).await.unwrap(), "gone");
    s.insert_saved_reply(&saved_reply("acc_sr1", "rpl_after", "Room again"), 5).await.expect("a place freed by the delete");
    assert_eq!(s.saved_replies(&b).await.unwrap().len(), 1);
}

pub async fn outbound_dms_are_found_by_recipient(s: &Stores) {
    let store = &s.conversations;
    let dm = |id: &str, conv: &str, to: Option<&str>, secs: i64| {
        let mut i = item(id, conv, None, "psst", secs);
        i.direction = Direction::Outbound;
        i.action = Some(Action::Dm);
        i.dm_recipient = to.map(str::to_string);
        i
    };
    store
        .write(create(conversation("cnv_a", "t1", 0), vec![dm("itm_2", "cnv_a", Some("u42"), 2), dm("itm_x", "cnv_a", None, 3)]))
        .await
        .unwrap();
    store
        .write(create(conversation("cnv_b", "t2", 0), vec![dm("itm_1", "cnv_b", Some("u42"), 1), dm("itm_3", "cnv_b", Some("u7"), 1)]))
        .await
        .unwrap();
    let found: Vec<String> = store.outbound_dms_to(&"prf_1".into(), "u42").await.unwrap().into_iter().map(|i| i.id.to_string()).collect();
    assert_eq!(found, ["itm_1", "itm_2"], "from any conversation, oldest first");
    assert!(store.outbound_dms_to(&"prf_2".into(), "u42").await.unwrap().is_empty(), "per profile");
    assert!(store.outbound_dms_to(&"prf_1".into(), "u0").await.unwrap().is_empty());
}

pub async fn tabs_are_initialised_once_and_never_recreated(s: &Stores) {
    let u: UserId = "usr_1".into();
    let defaults = tabs::default_tabs(&u);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (store, u, d) = (s.tabs.clone(), u.clone(), defaults.clone());
        set.spawn(async move { store.tabs_or_init(&u, &d).await });
    }
    while let Some(r) = set.join_next().await {
        assert_eq!(r.unwrap().unwrap().tabs, defaults, "every racing first call sees the defaults");
    }
    let first = s.tabs.tabs_or_init(&u, &defaults).await.unwrap();
    assert_eq!(first.tabs, defaults);
    let mine = Tab {
        id: "tab_x".into(),
        user_id: u.clone(),
        name: "Mine".into(),
        position: 1,
        filters: Filters { sponsored: Some(true), ..Filters::default() },
        query: "refund -spam".into(),
    };
    s.tabs.write_tabs(&u, first.version, std::slice::from_ref(&mine), &[]).await.unwrap();
    let stale = s.tabs.write_tabs(&u, first.version, &[Tab { name: "Lost".into(), ..mine.clone() }], &[]).await;
    assert!(matches!(stale, Err(PortError::Conflict)), "written against a set that changed: {stale:?}");
    let second = s.tabs.tabs_or_init(&u, &defaults).await.unwrap();
    assert!(second.version > first.version);
    assert!(second.tabs.iter().any(|t| t == &mine), "the stale write changed nothing");
    let renamed = Tab { name: "Renamed".into(), position: 9, ..mine.clone() };
    s.tabs.write_tabs(&u, second.version, std::slice::from_ref(&renamed), &[]).await.unwrap();
    let now = s.tabs.tabs_or_init(&u, &defaults).await.unwrap();
    assert_eq!(now.tabs.len(), 4);
    assert_eq!(now.tabs.last(), Some(&renamed), "by position");
    let all: Vec<TabId> = now.tabs.iter().map(|t| t.id.clone()).collect();
    s.tabs.write_tabs(&u, now.version, &[], &all).await.unwrap();
    let empty = s.tabs.tabs_or_init(&u, &defaults).await.unwrap();
    assert!(empty.tabs.is_empty(), "never recreated once removed");
    assert!(s.tabs.tabs_or_init(&"usr_2".into(), &[]).await.unwrap().tabs.is_empty(), "no defaults given: none stored");
    assert_eq!(s.tabs.tabs_or_init(&"usr_2".into(), &tabs::default_tabs(&"usr_2".into())).await.unwrap().tabs.len(), 3);
    // Another user's tab is never written through this user's set.
    let theirs = Tab { user_id: "usr_2".into(), ..mine.clone() };
    assert!(s.tabs.write_tabs(&u, empty.version, &[theirs], &[]).await.is_err());
}

/// Writers racing on one reading of a user's tabs: exactly one of them writes.
pub async fn concurrent_changes_to_one_tab_set_write_once(s: &Stores) {
    let u: UserId = "usr_race".into();
    let read = s.tabs.tabs_or_init(&u, &tabs::default_tabs(&u)).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (store, u, version) = (s.tabs.clone(), u.clone(), read.version);
        let tab = Tab {
            id: format!("tab_r{i}").as_str().into(),
            user_id: u.clone(),
            name: format!("T{i}"),
            position: 3,
            filters: Filters::default(),
            query: String::new(),
        };
        set.spawn(async move { store.write_tabs(&u, version, &[tab], &[]).await });
    }
    let mut won = 0;
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Ok(()) => won += 1,
            Err(PortError::Conflict) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(s.tabs.tabs_or_init(&u, &[]).await.unwrap().tabs.len(), 4);
}

pub async fn notifications_are_idempotent_newest_first_and_read_per_user(s: &Stores) {
    let n = |id: &str, user: &str, secs: i64| Notification {
        id: id.into(),
        account_id: "acc_1".into(),
        user_id: user.into(),
        kind: NotificationType::Assigned,
        conversation_id: Some("cnv_a".into()),
        profile_id: None,
        actor_id: Some("usr_9".into()),
        created_at: t0() + Duration::seconds(secs),
        read: false,
        text: format!("notification {id}"),
    };
    let store = &s.notifications;
    assert!(store.put_notification(&n("ntf_1", "usr_1", 1)).await.unwrap());
    assert!(store.put_notification(&n("ntf_3", "usr_1", 3)).await.unwrap());
    assert!(store.put_notification(&n("ntf_2", "usr_1", 2)).await.unwrap());
    assert!(store.put_notification(&n("ntf_4", "usr_2", 4)).await.unwrap());
    let changed = Notification { text: "changed".into(), ..n("ntf_1", "usr_1", 1) };
    assert!(!store.put_notification(&changed).await.unwrap(), "an id stored already");
    let list = store.list_notifications(&"usr_1".into(), 10).await.unwrap();
    assert_eq!(list.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["ntf_3", "ntf_2", "ntf_1"]);
    assert_eq!(list[2], n("ntf_1", "usr_1", 1), "left as it was");
    assert_eq!(store.list_notifications(&"usr_1".into(), 2).await.unwrap().len(), 2);
    assert!(store.mark_read(&"usr_1".into(), &"ntf_2".into()).await.unwrap());
    assert!(!store.mark_read(&"usr_2".into(), &"ntf_2".into()).await.unwrap(), "not theirs");
    assert!(!store.mark_read(&"usr_1".into(), &"ntf_9".into()).await.unwrap());
    let read: Vec<bool> = store.list_notifications(&"usr_1".into(), 10).await.unwrap().iter().map(|n| n.read).collect();
    assert_eq!(read, [false, true, false]);
}

pub async fn poll_schedules_leases_and_quotas(s: &Stores) {
    let p = &s.polls;
    let now = t0() + Duration::hours(1);
    let state = |pid: &str, network: Network, next: Timestamp| PollState {
        profile_id: pid.into(),
        account_id: "acc_1".into(),
        network,
        cursor: None,
        next_at: next,
        interval_secs: 60,
        last_ok_at: None,
        last_error: None,
        failures: 0,
    };
    p.ensure_poll_state(&state("prf_1", Network::Youtube, now - Duration::minutes(5))).await.unwrap();
    p.ensure_poll_state(&state("prf_2", Network::Youtube, now - Duration::minutes(1))).await.unwrap();
    p.ensure_poll_state(&state("prf_3", Network::Linkedin, now + Duration::minutes(5))).await.unwrap();
    // Ensuring again changes nothing.
    p.ensure_poll_state(&state("prf_1", Network::Youtube, now + Duration::days(1))).await.unwrap();
    assert_eq!(p.poll_state(&"prf_1".into()).await.unwrap().unwrap().next_at, now - Duration::minutes(5));
    assert_eq!(p.count_polled(Network::Youtube).await.unwrap(), 2);
    assert_eq!(p.count_polled(Network::Linkedin).await.unwrap(), 1);
    assert_eq!(p.count_polled(Network::Twitter).await.unwrap(), 0);
    let due = |v: Vec<PollState>| v.into_iter().map(|s| s.profile_id.to_string()).collect::<Vec<_>>();
    assert_eq!(due(p.due_polls(now, 10).await.unwrap()), ["prf_1", "prf_2"], "due ones, most overdue first");
    assert_eq!(due(p.due_polls(now, 1).await.unwrap()), ["prf_1"]);
    assert!(p.lease_poll(&"prf_1".into(), now, now + Duration::minutes(5)).await.unwrap());
    assert!(!p.lease_poll(&"prf_1".into(), now, now + Duration::minutes(5)).await.unwrap(), "held");
    assert!(!p.lease_poll(&"prf_9".into(), now, now + Duration::minutes(5)).await.unwrap(), "no schedule");
    assert_eq!(due(p.due_polls(now, 10).await.unwrap()), ["prf_2"], "leased ones are not due");
    assert!(p.lease_poll(&"prf_1".into(), now + Duration::minutes(6), now + Duration::minutes(10)).await.unwrap(), "an expired lease");
    let mut done = state("prf_1", Network::Youtube, now + Duration::minutes(30));
    done.cursor = Some("c1".into());
    done.last_ok_at = Some(now);
    p.finish_poll(&done).await.unwrap();
    assert_eq!(p.poll_state(&"prf_1".into()).await.unwrap(), Some(done.clone()));
    assert!(!p.lease_poll(&"prf_1".into(), now, now + Duration::minutes(5)).await.unwrap(), "polled meanwhile: not due again yet");
    let then = now + Duration::minutes(30);
    assert!(p.lease_poll(&"prf_1".into(), then, then + Duration::minutes(5)).await.unwrap(), "finishing releases the lease");
    p.finish_poll(&done).await.unwrap();
    assert_eq!(due(p.due_polls(now + Duration::hours(1), 10).await.unwrap()), ["prf_2", "prf_3", "prf_1"]);

    // Quotas: per network and UTC day, never overspent by concurrent pollers.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let p = p.clone();
        set.spawn(async move { p.spend_quota(Network::Youtube, now, 1, 5).await.unwrap() });
    }
    let mut granted = 0;
    while let Some(r) = set.join_next().await {
        granted += r.unwrap() as u32;
    }
    assert_eq!(granted, 5);
    assert_eq!(p.quota_spent(Network::Youtube, now).await.unwrap(), 5);
    assert!(!p.spend_quota(Network::Youtube, now, 1, 5).await.unwrap());
    assert!(!p.spend_quota(Network::Linkedin, now, 6, 5).await.unwrap(), "more than the whole budget");
    p.refund_quota(Network::Youtube, now, 2).await.unwrap();
    assert_eq!(p.quota_spent(Network::Youtube, now).await.unwrap(), 3);
    p.refund_quota(Network::Youtube, now, 9).await.unwrap();
    assert_eq!(p.quota_spent(Network::Youtube, now).await.unwrap(), 0, "never below zero");
    p.refund_quota(Network::Twitter, now, 9).await.unwrap();
    assert_eq!(p.quota_spent(Network::Twitter, now).await.unwrap(), 0);
    assert!(p.spend_quota(Network::Youtube, now + Duration::days(1), 5, 5).await.unwrap(), "a new day, a new budget");
    assert_eq!(p.quota_spent(Network::Linkedin, now).await.unwrap(), 0);
}

pub async fn channel_health_keeps_the_newest_event_and_a_moving_gap(s: &Stores) {
    let h = &s.health;
    let p: ProfileId = "prf_1".into();
    let fresh = h.channel_health(&p).await.unwrap();
    assert_eq!(
        fresh,
        ChannelHealth {
            profile_id: p.clone(),
            last_event_at: None,
            typical_gap_secs: None,
            token_state: TokenState::Valid,
            token_error: None,
            webhook_subscribed: None,
            webhook_checked_at: None
        }
    );
    h.record_event(&p, t0()).await.unwrap();
    h.record_event(&p, t0() + Duration::seconds(100)).await.unwrap();
    h.record_event(&p, t0() + Duration::seconds(50)).await.unwrap(); // late: changes nothing
    let c = h.channel_health(&p).await.unwrap();
    assert_eq!((c.last_event_at, c.typical_gap_secs), (Some(t0() + Duration::seconds(100)), Some(100)));
    h.record_event(&p, t0() + Duration::seconds(150)).await.unwrap();
    assert_eq!(h.channel_health(&p).await.unwrap().typical_gap_secs, Some(90), "0.8 × 100 + 0.2 × 50");
    h.set_token_state(&p, TokenState::NeedsReconnection, Some("expired".into())).await.unwrap();
    h.set_webhook_state(&p, false, t0()).await.unwrap();
    let c = h.channel_health(&p).await.unwrap();
    assert_eq!((c.token_state, c.token_error.as_deref()), (TokenState::NeedsReconnection, Some("expired")));
    assert_eq!((c.webhook_subscribed, c.webhook_checked_at), (Some(false), Some(t0())));
    assert_eq!(c.last_event_at, Some(t0() + Duration::seconds(150)), "kept");
    h.set_token_state(&p, TokenState::Valid, None).await.unwrap();
    let c = h.channel_health(&p).await.unwrap();
    assert_eq!((c.token_state, c.token_error), (TokenState::Valid, None));
    assert_eq!(h.channel_health(&"prf_2".into()).await.unwrap().last_event_at, None);
}

fn subscription(acc: &str, id: &str) -> WebhookSubscription {
    WebhookSubscription {
        id: id.into(),
        account_id: acc.into(),
        kind: SubscriptionKind::Webhook,
        url: "https://hooks.example.com/inbox".into(),
        events: vec![inbox_domain::events::EventType::ConversationCreated],
        description: "CRM".into(),
        secret: SecretString::new("whsec_c2VjcmV0"),
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        last_success_at: None,
        last_failure: None,
        api_key_id: None,
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

fn delivery(id: &str, sub: &str, next_secs: i64) -> WebhookDelivery {
    WebhookDelivery {
        id: id.into(),
        account_id: "acc_1".into(),
        subscription_id: sub.into(),
        event_id: "evt_1".into(),
        event_type: inbox_domain::events::EventType::ConversationCreated,
        conversation_id: "cnv_a".into(),
        seq: 1,
        body: "{}".into(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_at: t0() + Duration::seconds(next_secs),
        created_at: t0(),
        last_attempt_at: None,
        last_status: None,
        last_error: None,
        finished_at: None,
    }
}

pub async fn subscriptions_are_versioned_and_deleting_one_drops_its_deliveries(s: &Stores) {
    let subs = &s.subscriptions;
    let (acc, other): (AccountId, AccountId) = ("acc_1".into(), "acc_2".into());
    subs.insert_subscription(&subscription("acc_1", "whs_b"), 50).await.unwrap();
    subs.insert_subscription(&subscription("acc_1", "whs_a"), 50).await.unwrap();
    subs.insert_subscription(&subscription("acc_2", "whs_c"), 50).await.unwrap();
    let dup = subs.insert_subscription(&subscription("acc_1", "whs_a"), 50).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "{dup:?}");
    let listed: Vec<String> = subs.list_subscriptions(&acc).await.unwrap().into_iter().map(|s| s.id.to_string()).collect();
    assert_eq!(listed, ["whs_a", "whs_b"], "oldest (lowest id) first, this account's only");
    let v2 = WebhookSubscription { enabled: false, version: 2, ..subscription("acc_1", "whs_a") };
    subs.put_subscription(&v2, 1).await.unwrap();
    let stale = subs.put_subscription(&WebhookSubscription { version: 2, ..subscription("acc_1", "whs_a") }, 1).await;
    assert!(matches!(stale, Err(PortError::Conflict)), "{stale:?}");
    assert_eq!(subs.get_subscription(&acc, &"whs_a".into()).await.unwrap(), Some(v2));
    assert_eq!(subs.get_subscription(&other, &"whs_a".into()).await.unwrap(), None, "bound to its account");
    let elsewhere = subs.put_subscription(&WebhookSubscription { version: 3, ..subscription("acc_2", "whs_a") }, 2).await;
    assert!(matches!(elsewhere, Err(PortError::Conflict)), "another account's id: {elsewhere:?}");

    s.deliveries.insert_delivery(&delivery("dlv_1", "whs_a", 0)).await.unwrap();
    s.deliveries.insert_delivery(&delivery("dlv_2", "whs_b", 0)).await.unwrap();
    assert!(!subs.delete_subscription(&other, &"whs_a".into()).await.unwrap(), "not theirs");
    assert!(subs.delete_subscription(&acc, &"whs_a".into()).await.unwrap());
    assert!(!subs.delete_subscription(&acc, &"whs_a".into()).await.unwrap());
    let missing = subs.put_subscription(&WebhookSubscription { version: 3, ..subscription("acc_1", "whs_a") }, 2).await;
    assert!(matches!(missing, Err(PortError::Conflict)), "deleted meanwhile: {missing:?}");
    assert_eq!(s.deliveries.get_delivery(&acc, &"dlv_1".into()).await.unwrap(), None, "its deliveries are gone");
    assert!(s.deliveries.get_delivery(&acc, &"dlv_2".into()).await.unwrap().is_some(), "others' stay");
}

pub async fn deliveries_are_scheduled_leased_and_listed_newest_first(s: &Stores) {
    let d = &s.deliveries;
    let acc: AccountId = "acc_1".into();
    let now = t0() + Duration::minutes(10);
    for (id, secs) in [("dlv_1", 60), ("dlv_2", 0), ("dlv_3", 3600), ("dlv_4", 30)] {
        d.insert_delivery(&delivery(id, "whs_a", secs)).await.unwrap();
    }
    d.insert_delivery(&delivery("dlv_9", "whs_b", 0)).await.unwrap();
    let dup = d.insert_delivery(&delivery("dlv_1", "whs_a", 5)).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "{dup:?}");
    let due = |v: Vec<WebhookDelivery>| v.into_iter().map(|d| d.id.to_string()).collect::<Vec<_>>();
    assert_eq!(due(d.due_deliveries(now, 10).await.unwrap()), ["dlv_2", "dlv_9", "dlv_4", "dlv_1"], "soonest first, then by id");
    assert_eq!(due(d.due_deliveries(now, 2).await.unwrap()), ["dlv_2", "dlv_9"]);
    assert!(d.lease_delivery(&"dlv_2".into(), "w1", now, now + Duration::minutes(1)).await.unwrap());
    assert!(!d.lease_delivery(&"dlv_2".into(), "w1", now, now + Duration::minutes(1)).await.unwrap(), "held");
    assert!(!d.lease_delivery(&"dlv_x".into(), "w1", now, now + Duration::minutes(1)).await.unwrap(), "no such delivery");
    assert_eq!(due(d.due_deliveries(now, 10).await.unwrap()), ["dlv_9", "dlv_4", "dlv_1"], "leased ones are not due");
    let done = WebhookDelivery {
        state: DeliveryState::Delivered,
        attempts: 1,
        last_status: Some(200),
        finished_at: Some(now),
        ..delivery("dlv_2", "whs_a", 0)
    };
    assert!(!d.save_delivery(&done, Some("w2")).await.unwrap(), "only the lease's holder saves");
    assert_eq!(d.get_delivery(&acc, &"dlv_2".into()).await.unwrap().unwrap().state, DeliveryState::Pending, "nothing written");
    assert!(d.save_delivery(&done, Some("w1")).await.unwrap());
    assert_eq!(d.get_delivery(&acc, &"dlv_2".into()).await.unwrap(), Some(done.clone()), "saved whole");
    assert!(!d.save_delivery(&done, Some("w1")).await.unwrap(), "saving released the lease");
    assert_eq!(d.get_delivery(&"acc_2".into(), &"dlv_2".into()).await.unwrap(), None, "bound to its account");
    assert!(
        !d.lease_delivery(&"dlv_2".into(), "w2", now + Duration::hours(1), now + Duration::hours(2)).await.unwrap(),
        "no longer pending"
    );
    let retry = WebhookDelivery { attempts: 1, next_at: now + Duration::minutes(5), ..delivery("dlv_4", "whs_a", 30) };
    assert!(d.lease_delivery(&"dlv_4".into(), "w1", now, now + Duration::hours(1)).await.unwrap());
    assert!(d.save_delivery(&retry, Some("w1")).await.unwrap());
    assert!(
        !d.lease_delivery(&"dlv_4".into(), "w2", now, now + Duration::minutes(1)).await.unwrap(),
        "rescheduled: not due before its next attempt"
    );
    let later = now + Duration::minutes(5);
    assert!(d.lease_delivery(&"dlv_4".into(), "w2", later, later + Duration::minutes(1)).await.unwrap(), "saving released the lease");
    assert_eq!(due(d.due_deliveries(now + Duration::days(1), 10).await.unwrap()), ["dlv_9", "dlv_1", "dlv_4", "dlv_3"], "by next attempt");
    let listed = |v: Vec<WebhookDelivery>| v.into_iter().map(|d| d.id.to_string()).collect::<Vec<_>>();
    let sub: SubscriptionId = "whs_a".into();
    assert_eq!(listed(d.list_deliveries(&acc, &sub, None, None, 10).await.unwrap()), ["dlv_4", "dlv_3", "dlv_2", "dlv_1"]);
    assert_eq!(listed(d.list_deliveries(&acc, &sub, None, None, 2).await.unwrap()), ["dlv_4", "dlv_3"]);
    assert_eq!(listed(d.list_deliveries(&acc, &sub, None, Some(&"dlv_3".into()), 10).await.unwrap()), ["dlv_2", "dlv_1"]);
    assert_eq!(listed(d.list_deliveries(&acc, &sub, Some(DeliveryState::Delivered), None, 10).await.unwrap()), ["dlv_2"]);
    assert_eq!(listed(d.list_deliveries(&acc, &sub, Some(DeliveryState::Pending), Some(&"dlv_4".into()), 1).await.unwrap()), ["dlv_3"]);
    assert!(d.list_deliveries(&"acc_2".into(), &sub, None, None, 10).await.unwrap().is_empty(), "another account's");
}

pub async fn api_keys_are_unique_by_hash_and_found_by_it(s: &Stores) {
    let k = &s.api_keys;
    let key = |acc: &str, id: &str, hash: &str| ApiKey {
        id: id.into(),
        account_id: acc.into(),
        name: format!("key {id}"),
        prefix: "ink_1234".into(),
        hash: hash.into(),
        created_by: "usr_1".into(),
        created_at: t0(),
    };
    k.put_api_key(&key("acc_1", "key_b", "h1")).await.unwrap();
    k.put_api_key(&key("acc_1", "key_a", "h2")).await.unwrap();
    let dup = k.put_api_key(&key("acc_2", "key_c", "h1")).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "hashes are unique: {dup:?}");
    let dup = k.put_api_key(&key("acc_1", "key_a", "h3")).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "ids too: {dup:?}");
    assert!(k.find_api_key("h3").await.unwrap().is_none(), "the refused key left nothing");
    assert_eq!(k.find_api_key("h1").await.unwrap(), Some(key("acc_1", "key_b", "h1")));
    assert_eq!(
        k.list_api_keys(&"acc_1".into()).await.unwrap().into_iter().map(|k| k.id.to_string()).collect::<Vec<_>>(),
        ["key_a", "key_b"]
    );
    assert!(!k.delete_api_key(&"acc_2".into(), &"key_b".into()).await.unwrap(), "not theirs");
    assert!(k.delete_api_key(&"acc_1".into(), &"key_b".into()).await.unwrap());
    assert!(k.find_api_key("h1").await.unwrap().is_none(), "a deleted key is not found");
    k.put_api_key(&key("acc_2", "key_c", "h1")).await.expect("its hash is free again");
}

pub async fn salesforce_connections_and_case_claims(s: &Stores) {
    let sf = &s.salesforce;
    let acc: AccountId = "acc_1".into();
    let connection = SalesforceConnection {
        account_id: acc.clone(),
        instance_url: "https://acme.my.salesforce.com".into(),
        token_url: "https://login.salesforce.com/services/oauth2/token".into(),
        client_id: "client".into(),
        client_secret: SecretString::new("secret"),
        refresh_token: SecretString::new("refresh"),
        access_token: None,
        external_id_field: Some("Inbox_Id__c".into()),
        rule: None,
        connected_by: "usr_1".into(),
        connected_at: t0(),
        updated_at: t0(),
    };
    assert_eq!(sf.get_connection(&acc).await.unwrap(), None);
    sf.set_access_token(&acc, &SecretString::new("nobody")).await.unwrap();
    assert_eq!(sf.get_connection(&acc).await.unwrap(), None, "no connection, nothing kept");
    sf.put_connection(&connection).await.unwrap();
    sf.set_access_token(&acc, &SecretString::new("token-1")).await.unwrap();
    let with_token = SalesforceConnection { access_token: Some(SecretString::new("token-1")), ..connection.clone() };
    assert_eq!(sf.get_connection(&acc).await.unwrap(), Some(with_token));
    sf.put_connection(&connection).await.unwrap();
    assert_eq!(sf.get_connection(&acc).await.unwrap(), Some(connection.clone()), "replaced whole");
    assert_eq!(sf.get_connection(&"acc_2".into()).await.unwrap(), None);
    assert!(sf.delete_connection(&acc).await.unwrap());
    assert!(!sf.delete_connection(&acc).await.unwrap());

    let (c, now) = (ConversationId::from("cnv_a"), t0());
    assert!(sf.claim_case(&c, now, now + Duration::minutes(5)).await.unwrap());
    assert!(!sf.claim_case(&c, now + Duration::minutes(1), now + Duration::minutes(6)).await.unwrap(), "held");
    assert!(sf.claim_case(&"cnv_b".into(), now, now + Duration::minutes(5)).await.unwrap(), "per conversation");
    assert!(sf.claim_case(&c, now + Duration::minutes(5), now + Duration::minutes(10)).await.unwrap(), "an expired claim");
    sf.release_case(&c).await.unwrap();
    assert!(sf.claim_case(&c, now + Duration::minutes(6), now + Duration::minutes(7)).await.unwrap(), "released");
    sf.release_case(&"cnv_z".into()).await.unwrap();
}

// --- The integration stores' contracts, one function each ----------------------------------

/// A webhook subscription of `account`, as the suites and backend-specific tests make them.
/// A subscription of `account` to every kind of event (so that its events are sent at all).
pub fn subscription_to_all(account: &str) -> WebhookSubscription {
    WebhookSubscription { events: EventType::ALL.to_vec(), ..new_subscription(account) }
}

pub fn new_subscription(account: &str) -> WebhookSubscription {
    let now = Utc::now();
    WebhookSubscription {
        id: SubscriptionId::generate(),
        account_id: account.into(),
        kind: SubscriptionKind::Webhook,
        url: "https://hooks.example.com/in".into(),
        events: vec![EventType::ConversationCreated],
        description: String::new(),
        secret: new_secret(),
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        last_success_at: None,
        last_failure: None,
        api_key_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

fn new_delivery(s: &WebhookSubscription, next_at: Timestamp) -> WebhookDelivery {
    let event = EventId::generate();
    WebhookDelivery {
        id: delivery_id(&event, &s.id),
        account_id: s.account_id.clone(),
        subscription_id: s.id.clone(),
        event_id: event,
        event_type: EventType::ConversationCreated,
        conversation_id: "cnv_1".into(),
        seq: 1,
        body: "{}".into(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_at,
        created_at: next_at,
        last_attempt_at: None,
        last_status: None,
        last_error: None,
        finished_at: None,
    }
}

pub async fn subscriptions_are_replaced_only_at_the_version_read_and_stay_in_their_account(st: &Stores) {
    let s = new_subscription("acc_a");
    st.subscriptions.insert_subscription(&s, 50).await.unwrap();
    assert!(matches!(st.subscriptions.insert_subscription(&s, 50).await, Err(PortError::AlreadyExists)));
    let mut next = s.clone();
    next.version = 2;
    next.enabled = false;
    st.subscriptions.put_subscription(&next, 1).await.unwrap();
    assert!(matches!(st.subscriptions.put_subscription(&next, 1).await, Err(PortError::Conflict)), "a stale version loses");
    assert!(!st.subscriptions.get_subscription(&"acc_a".into(), &s.id).await.unwrap().unwrap().enabled);
    assert!(st.subscriptions.get_subscription(&"acc_b".into(), &s.id).await.unwrap().is_none(), "another account's is not there");
    assert!(st.subscriptions.list_subscriptions(&"acc_b".into()).await.unwrap().is_empty());
    let other = new_subscription("acc_a");
    st.subscriptions.insert_subscription(&other, 50).await.unwrap();
    let ids: Vec<_> = st.subscriptions.list_subscriptions(&"acc_a".into()).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, [s.id.clone(), other.id.clone()], "oldest first");
    // Deleting one deletes its deliveries.
    st.deliveries.insert_delivery(&new_delivery(&s, Utc::now())).await.unwrap();
    assert!(!st.subscriptions.delete_subscription(&"acc_b".into(), &s.id).await.unwrap());
    assert!(st.subscriptions.delete_subscription(&"acc_a".into(), &s.id).await.unwrap());
    assert!(st.deliveries.list_deliveries(&"acc_a".into(), &s.id, None, None, 10).await.unwrap().is_empty());
    assert!(matches!(st.subscriptions.put_subscription(&next, 2).await, Err(PortError::Conflict)), "gone");
}

pub async fn deliveries_are_due_on_schedule_leased_once_and_listed_newest_first(st: &Stores) {
    let s = new_subscription("acc_a");
    st.subscriptions.insert_subscription(&s, 50).await.unwrap();
    let now = Utc::now();
    let due = new_delivery(&s, now - Duration::seconds(1));
    let later = new_delivery(&s, now + Duration::minutes(5));
    st.deliveries.insert_delivery(&due).await.unwrap();
    st.deliveries.insert_delivery(&later).await.unwrap();
    assert!(matches!(st.deliveries.insert_delivery(&due).await, Err(PortError::AlreadyExists)), "one delivery per event and subscription");

    let found = st.deliveries.due_deliveries(now, 10).await.unwrap();
    assert_eq!(found.iter().map(|d| &d.id).collect::<Vec<_>>(), [&due.id]);
    assert!(st.deliveries.lease_delivery(&due.id, "w1", now, now + Duration::minutes(2)).await.unwrap());
    assert!(!st.deliveries.lease_delivery(&due.id, "w2", now, now + Duration::minutes(2)).await.unwrap(), "two workers never hold one");
    assert!(!st.deliveries.lease_delivery(&later.id, "w2", now, now + Duration::minutes(2)).await.unwrap(), "not due yet");
    assert!(st.deliveries.due_deliveries(now, 10).await.unwrap().is_empty(), "leased ones are not due");
    // A lease that ran out (the worker died) frees it.
    assert!(st.deliveries.lease_delivery(&due.id, "w3", now + Duration::minutes(3), now + Duration::minutes(5)).await.unwrap());

    let mut done = due.clone();
    done.state = DeliveryState::Dead;
    done.attempts = 8;
    assert!(!st.deliveries.save_delivery(&done, Some("w1")).await.unwrap(), "the first worker's lease ran out: it saves nothing");
    assert!(st.deliveries.save_delivery(&done, Some("w3")).await.unwrap());
    assert!(
        !st.deliveries.lease_delivery(&due.id, "w4", now + Duration::hours(1), now + Duration::hours(2)).await.unwrap(),
        "only pending ones"
    );
    assert_eq!(
        st.deliveries.due_deliveries(now + Duration::minutes(10), 10).await.unwrap().iter().map(|d| &d.id).collect::<Vec<_>>(),
        [&later.id]
    );

    let all = st.deliveries.list_deliveries(&"acc_a".into(), &s.id, None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|d| &d.id).collect::<Vec<_>>(), [&later.id, &due.id], "newest first");
    let dead = st.deliveries.list_deliveries(&"acc_a".into(), &s.id, Some(DeliveryState::Dead), None, 10).await.unwrap();
    assert_eq!(dead, vec![done.clone()]);
    let page2 = st.deliveries.list_deliveries(&"acc_a".into(), &s.id, None, Some(&later.id), 10).await.unwrap();
    assert_eq!(page2.iter().map(|d| &d.id).collect::<Vec<_>>(), [&due.id]);
    assert!(st.deliveries.get_delivery(&"acc_b".into(), &due.id).await.unwrap().is_none());
    assert_eq!(st.deliveries.get_delivery(&"acc_a".into(), &due.id).await.unwrap().unwrap().attempts, 8);
}

pub async fn concurrent_workers_lease_each_delivery_once(st: &Stores) {
    let deliveries = st.deliveries.clone();
    let s = new_subscription("acc_a");
    let now = Utc::now();
    let d = new_delivery(&s, now);
    st.deliveries.insert_delivery(&d).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (deliveries, id) = (deliveries.clone(), d.id.clone());
        set.spawn(async move {
            let holder = uuid::Uuid::new_v4().simple().to_string();
            deliveries.lease_delivery(&id, &holder, now, now + Duration::minutes(2)).await.unwrap()
        });
    }
    let mut won = 0;
    while let Some(r) = set.join_next().await {
        won += usize::from(r.unwrap());
    }
    assert_eq!(won, 1);
}

pub async fn api_keys_are_found_by_hash_only_and_revoked_per_account(st: &Stores) {
    let (secret, hash) = new_api_key();
    let key = ApiKey {
        id: ApiKeyId::generate(),
        account_id: "acc_a".into(),
        name: "Zapier".into(),
        prefix: "ink_123".into(),
        hash: hash.clone(),
        created_by: "usr_a".into(),
        created_at: Utc::now(),
    };
    st.api_keys.put_api_key(&key).await.unwrap();
    assert_eq!(st.api_keys.find_api_key(&hash_api_key(secret.expose())).await.unwrap(), Some(key.clone()));
    assert_eq!(st.api_keys.find_api_key(secret.expose()).await.unwrap(), None, "the key itself is not stored");
    assert!(matches!(st.api_keys.put_api_key(&ApiKey { id: ApiKeyId::generate(), ..key.clone() }).await, Err(PortError::AlreadyExists)));
    assert_eq!(st.api_keys.list_api_keys(&"acc_a".into()).await.unwrap().len(), 1);
    assert!(!st.api_keys.delete_api_key(&"acc_b".into(), &key.id).await.unwrap());
    assert!(st.api_keys.delete_api_key(&"acc_a".into(), &key.id).await.unwrap());
    assert_eq!(st.api_keys.find_api_key(&hash).await.unwrap(), None);
}

pub async fn salesforce_connections_keep_refreshed_tokens_and_case_claims_are_exclusive_until_they_expire(st: &Stores) {
    let now = Utc::now();
    let c = SalesforceConnection {
        account_id: "acc_a".into(),
        instance_url: "https://acme.my.salesforce.com".into(),
        token_url: "https://login.salesforce.com/services/oauth2/token".into(),
        client_id: "3MVG9".into(),
        client_secret: SecretString::new("cs"),
        refresh_token: SecretString::new("rt"),
        access_token: None,
        external_id_field: None,
        rule: None,
        connected_by: "usr_a".into(),
        connected_at: now,
        updated_at: now,
    };
    st.salesforce.put_connection(&c).await.unwrap();
    st.salesforce.set_access_token(&"acc_a".into(), &SecretString::new("00D!new")).await.unwrap();
    let got = st.salesforce.get_connection(&"acc_a".into()).await.unwrap().unwrap();
    assert_eq!(got.access_token, Some(SecretString::new("00D!new")));
    assert_eq!(got.refresh_token, c.refresh_token);
    assert!(st.salesforce.get_connection(&"acc_b".into()).await.unwrap().is_none());
    st.salesforce.set_access_token(&"acc_b".into(), &SecretString::new("x")).await.unwrap();
    assert!(st.salesforce.get_connection(&"acc_b".into()).await.unwrap().is_none(), "no connection, nothing kept");

    let conv = ConversationId::from("cnv_1");
    assert!(st.salesforce.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap());
    assert!(!st.salesforce.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap(), "held");
    assert!(st.salesforce.claim_case(&conv, now + Duration::minutes(3), now + Duration::minutes(5)).await.unwrap(), "expired");
    st.salesforce.release_case(&conv).await.unwrap();
    assert!(st.salesforce.claim_case(&conv, now, now + Duration::minutes(2)).await.unwrap(), "released");
    assert!(st.salesforce.delete_connection(&"acc_a".into()).await.unwrap());
    assert!(!st.salesforce.delete_connection(&"acc_a".into()).await.unwrap());
}

/// A clock the test moves.
pub struct ManualClock(pub std::sync::Mutex<Timestamp>);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// The use cases over these stores, with real adapters around them: a SQLite queue and
/// outbox (unused by deliveries), the real webhook sender (loopback allowed), and network
/// clients pointed at `unused` (never called).
pub fn deps_over(st: &Stores, clock: Arc<dyn Clock>, dir: &std::path::Path, unused: &str) -> inbox_domain::usecases::Deps {
    let db = inbox_sqlite::Db::open(inbox_sqlite::DbConfig::new(dir.join("queue.db"))).expect("db");
    let cipher = Arc::new(inbox_platforms::sealing::LocalCipher::new([3; inbox_platforms::sealing::KEY_LEN]));
    let outbound = inbox_integrations::outbound(inbox_integrations::EgressPolicy::loopback_only(), cipher.clone()).expect("clients");
    let networks = inbox_networks::HttpPlatformClient::new(inbox_networks::NetworkConfig::all_at(unused), cipher.clone()).expect("client");
    let signin = Arc::new(
        inbox_networks::HttpSignIn::new(inbox_networks::NetworkConfig::all_at(unused), Default::default(), clock.clone()).expect("sign-in"),
    );
    inbox_domain::usecases::Deps {
        cipher,
        signin,
        flows: st.flows.clone(),
        renewals: st.renewals.clone(),
        settings: Default::default(),
        health: st.health.clone(),
        polls: st.polls.clone(),
        directory: st.directory.clone(),
        conversations: st.conversations.clone(),
        tabs: st.tabs.clone(),
        saved_replies: st.saved_replies.clone(),
        notifications: st.notifications.clone(),
        queue: Arc::new(inbox_sqlite::SqliteQueue::new(db)),
        mailer: Arc::new(inbox_sqlite::OutboxMailer::new(dir.join("outbox"), "inbox@localhost").expect("outbox")),
        clock,
        subscriptions: st.subscriptions.clone(),
        deliveries: st.deliveries.clone(),
        api_keys: st.api_keys.clone(),
        salesforce: st.salesforce.clone(),
        egress: outbound.egress,
        webhook_sender: outbound.webhook_sender,
        salesforce_client: outbound.salesforce_client,
        integration_cipher: outbound.cipher,
        health_marks: Default::default(),
        pause: Arc::new(inbox_domain::ports::NoPause),
        networks: Arc::new(networks),
    }
}

/// A receiver answering `status` after `delay_ms`, a subscription of `account` to it, and `n`
/// deliveries due at `t0()`.
async fn due_deliveries_to_a_receiver(
    st: &Stores,
    account: &str,
    n: usize,
    status: u16,
    delay_ms: u64,
) -> (wiremock::MockServer, WebhookSubscription, Vec<WebhookDelivery>) {
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let receiver = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(status).set_delay(std::time::Duration::from_millis(delay_ms)))
        .mount(&receiver)
        .await;
    let mut sub = new_subscription(account);
    sub.url = format!("{}/hook", receiver.uri());
    st.subscriptions.insert_subscription(&sub, 50).await.unwrap();
    let deliveries: Vec<WebhookDelivery> = (0..n).map(|_| new_delivery(&sub, t0())).collect();
    for d in &deliveries {
        st.deliveries.insert_delivery(d).await.unwrap();
    }
    (receiver, sub, deliveries)
}

/// How many requests the receiver got per `webhook-id`.
async fn sent_by_id(receiver: &wiremock::MockServer) -> std::collections::BTreeMap<String, usize> {
    let mut sent: std::collections::BTreeMap<String, usize> = Default::default();
    for r in receiver.received_requests().await.unwrap() {
        let id = r.headers.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("?").to_string();
        *sent.entry(id).or_default() += 1;
    }
    sent
}

/// One scheduled delivery run sends everything due, not a fixed 50: its workers take disjoint
/// shares, round after round, and each delivery reaches the receiver exactly once (two runs
/// overlapping, as two scheduled invocations may, change nothing).
pub async fn a_delivery_run_sends_all_that_is_due_once(st: &Stores) {
    let (receiver, _sub, _) = due_deliveries_to_a_receiver(st, "acc_run", 180, 200, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(std::sync::Mutex::new(t0() + Duration::seconds(1))));
    let deps = deps_over(st, clock, dir.path(), &receiver.uri());
    let (a, b) = tokio::join!(fn_integrations::run_deliveries(&deps), fn_integrations::run_deliveries(&deps));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.delivered + b.delivered, 180, "{a:?} {b:?}");
    let sent = sent_by_id(&receiver).await;
    assert_eq!(sent.len(), 180);
    assert!(sent.values().all(|n| *n == 1), "each once: {sent:?}");
    assert_eq!(fn_integrations::run_deliveries(&deps).await.unwrap().attempted, 0, "nothing left");
}

/// Counts polls per profile. Answers each with an empty page after a moment; or, `refusing`,
/// as a network that refuses every poll for a second (rate limited) while each poll takes two
/// seconds of that clock, so that every profile it polls is due again a moment later.
#[derive(Default)]
struct CountingPoller {
    counts: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
    refusing: Option<Arc<ManualClock>>,
}

#[async_trait::async_trait]
impl inbox_domain::ports::PlatformPoller for CountingPoller {
    fn units_per_poll(&self, _: Network) -> u32 {
        0
    }
    async fn poll(
        &self,
        profile: &Profile,
        _: Option<&str>,
        _: Timestamp,
    ) -> Result<inbox_domain::ports::PollPage, inbox_domain::ports::PollError> {
        *self.counts.lock().unwrap().entry(profile.id.to_string()).or_default() += 1;
        match &self.refusing {
            Some(clock) => {
                *clock.0.lock().unwrap() += Duration::seconds(2);
                Err(inbox_domain::ports::PollError::RateLimited { retry_after_secs: Some(1) })
            }
            None => {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok(Default::default())
            }
        }
    }
}

/// `n` LinkedIn profiles of `account` (ids `<prefix>NNN`), each due to be polled at `t0`.
async fn due_linkedin_profiles(st: &Stores, account: &str, prefix: &str, n: usize) {
    for i in 0..n {
        let pid = format!("{prefix}{i:03}");
        st.directory.put_profile(&profile(account, &pid, Network::Linkedin, &format!("urn:li:organization:{prefix}{i}"))).await.unwrap();
        let state = PollState {
            profile_id: pid.as_str().into(),
            account_id: account.into(),
            network: Network::Linkedin,
            cursor: None,
            next_at: t0(),
            interval_secs: 60,
            last_ok_at: None,
            last_error: None,
            failures: 0,
        };
        st.polls.ensure_poll_state(&state).await.unwrap();
    }
}

/// One scheduled poll run polls every profile that is due, not a fixed 50 for all tenants:
/// its workers take disjoint shares, round after round, and each profile is polled exactly
/// once (two runs overlapping, as two scheduled invocations may, change nothing).
pub async fn a_poll_run_polls_all_that_is_due_once(st: &Stores) {
    let n = 130;
    due_linkedin_profiles(st, "acc_polls", "prf_poll", n).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(std::sync::Mutex::new(t0() + Duration::seconds(1))));
    let deps = deps_over(st, clock, dir.path(), "http://127.0.0.1:9");
    let poller = CountingPoller::default();
    let (a, b) = tokio::join!(fn_poller::run(&deps, &poller), fn_poller::run(&deps, &poller));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.polled + b.polled, n, "{a:?} {b:?}");
    let polled = poller.counts.lock().unwrap().clone();
    assert_eq!(polled.len(), n);
    assert!(polled.values().all(|c| *c == 1), "each once: {polled:?}");
    assert_eq!(fn_poller::run(&deps, &poller).await.unwrap().polled, 0, "nothing left");
}

/// A run polls what was due when it started, once: a profile its poll made due again a
/// moment later (a network asking to come back in a second) waits for the next run, however
/// long this one goes on.
pub async fn a_poll_run_never_polls_a_profile_twice(st: &Stores) {
    let n = 12;
    due_linkedin_profiles(st, "acc_again", "prf_again", n).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(std::sync::Mutex::new(t0() + Duration::seconds(1))));
    let deps = deps_over(st, clock.clone(), dir.path(), "http://127.0.0.1:9");
    let poller = CountingPoller { refusing: Some(clock.clone()), ..Default::default() };
    let run = fn_poller::run(&deps, &poller).await.unwrap();
    let counts = poller.counts.lock().unwrap().clone();
    assert_eq!(counts.len(), n, "{run:?}");
    assert!(counts.values().all(|c| *c == 1), "each once in the run: {counts:?}");
    assert!(*clock.0.lock().unwrap() > t0() + Duration::seconds(20), "the first ones were due again long before the run ended");
    assert_eq!(fn_poller::run(&deps, &poller).await.unwrap().failed, n, "the next run polls them again");
}

/// Many delivery workers racing over failing deliveries: each attempt reaches the receiver
/// exactly once. (A list read before another worker saved its outcome must not lease the
/// delivery again before its next attempt, and a worker whose lease ran out saves nothing.)
pub async fn racing_delivery_workers_send_each_attempt_exactly_once(st: &Stores) {
    let (receiver, sub, deliveries) = due_deliveries_to_a_receiver(st, "acc_race", 6, 500, 15).await;
    let start = t0();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(std::sync::Mutex::new(start)));
    let deps = deps_over(st, clock.clone(), dir.path(), &receiver.uri());
    // The retry schedule's first waits (30 s, 2 min), passed one by one.
    let mut at = start;
    for (round, wait) in [(1u32, 0i64), (2, 31), (3, 121)] {
        at += Duration::seconds(wait);
        *clock.0.lock().unwrap() = at;
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let deps = deps.clone();
            workers.spawn(async move {
                for _ in 0..3 {
                    inbox_domain::usecases::integrations::deliver_due(&deps, 10).await.unwrap();
                }
            });
        }
        while let Some(r) = workers.join_next().await {
            r.unwrap();
        }
        let sent = sent_by_id(&receiver).await;
        for d in &deliveries {
            assert_eq!(
                sent.get(d.event_id.as_str()).copied().unwrap_or(0),
                round as usize,
                "attempts of {} after round {round}: {sent:?}",
                d.id
            );
            let stored = st.deliveries.get_delivery(&sub.account_id, &d.id).await.unwrap().unwrap();
            assert_eq!(stored.attempts, round, "{}", d.id);
        }
    }
}

/// How many racing creations were made and how many refused for the limit (any other
/// outcome fails the test).
async fn made_and_refused(mut set: tokio::task::JoinSet<Result<(), PortError>>) -> (usize, usize) {
    let (mut made, mut refused) = (0, 0);
    while let Some(r) = set.join_next().await {
        match r.unwrap() {
            Ok(()) => made += 1,
            Err(PortError::LimitReached) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    (made, refused)
}

/// Creations racing for the last places of an account's limit: exactly the limit is stored,
/// the rest are `LimitReached`; deleting one frees a place.
pub async fn concurrent_creations_never_pass_the_subscription_limit(st: &Stores) {
    let max = 5;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let subs = st.subscriptions.clone();
        set.spawn(async move { subs.insert_subscription(&new_subscription("acc_lim"), max).await });
    }
    let (made, refused) = made_and_refused(set).await;
    assert_eq!((made, refused), (max, 16 - max));
    let held = st.subscriptions.list_subscriptions(&"acc_lim".into()).await.unwrap();
    assert_eq!(held.len(), max);
    assert!(matches!(st.subscriptions.insert_subscription(&new_subscription("acc_lim"), max).await, Err(PortError::LimitReached)));
    assert!(st.subscriptions.insert_subscription(&new_subscription("acc_other"), max).await.is_ok(), "per account");
    assert!(st.subscriptions.delete_subscription(&"acc_lim".into(), &held[0].id).await.unwrap());
    assert!(!st.subscriptions.delete_subscription(&"acc_lim".into(), &held[0].id).await.unwrap(), "gone: the count moves once");
    st.subscriptions.insert_subscription(&new_subscription("acc_lim"), max).await.expect("a place is free again");
    assert!(matches!(st.subscriptions.insert_subscription(&new_subscription("acc_lim"), max).await, Err(PortError::LimitReached)));
}

/// A profile's credentials are replaced only while it is stored as it was read: never a
/// profile deleted (or changed) meanwhile, which would bring it back.
pub async fn a_profile_is_updated_only_as_it_was_read(s: &Stores) {
    let d = &s.directory;
    let p = profile("acc_1", "prf_u", Network::Youtube, "UC_u");
    d.put_profile(&p).await.unwrap();
    let renewed =
        Profile { credentials: Credentials { access_token: Some(Sealed::from_sealed("new")), ..Credentials::default() }, ..p.clone() };
    assert!(d.update_profile(&p, &renewed).await.unwrap());
    assert_eq!(d.get_profile(&"acc_1".into(), &"prf_u".into()).await.unwrap(), Some(renewed.clone()));
    assert_eq!(d.find_profile(Network::Youtube, "UC_u").await.unwrap(), Some(renewed.clone()), "found by its presence as changed");
    let stale =
        Profile { credentials: Credentials { access_token: Some(Sealed::from_sealed("stale")), ..Credentials::default() }, ..p.clone() };
    assert!(!d.update_profile(&p, &stale).await.unwrap(), "read before the renewal: refused");
    assert_eq!(d.get_profile(&"acc_1".into(), &"prf_u".into()).await.unwrap(), Some(renewed.clone()));
    assert!(d.delete_profile(&"acc_1".into(), &"prf_u".into()).await.unwrap());
    assert!(!d.update_profile(&renewed, &stale).await.unwrap(), "deleted meanwhile: refused");
    assert_eq!(d.get_profile(&"acc_1".into(), &"prf_u".into()).await.unwrap(), None, "not brought back");
    assert_eq!(d.find_profile(Network::Youtube, "UC_u").await.unwrap(), None);
    let moved = Profile { external_id: "UC_other".into(), ..p.clone() };
    assert!(d.update_profile(&p, &moved).await.is_err(), "a presence is not changed this way");
}
