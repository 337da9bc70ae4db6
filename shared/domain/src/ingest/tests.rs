//! The rules of `ingest::plan`, one case at a time.

use super::*;
use chrono::TimeZone;

fn at(s: i64) -> Timestamp {
    chrono::Utc.timestamp_opt(1_767_225_600 + s, 0).unwrap()
}

fn profile() -> Profile {
    Profile {
        id: "prf_1".into(),
        account_id: "acc_1".into(),
        network: Network::Facebook,
        external_id: "page".into(),
        name: "Page".into(),
        handle: "page".into(),
        credentials: Credentials::default(),
        bot_app_id: None,
        created_at: at(0),
    }
}

fn posted(id: &str, thread: &str, t: i64, direction: Direction, text: &str) -> InboundEvent {
    InboundEvent {
        network: Network::Facebook,
        profile_external_id: "page".into(),
        platform_id: id.into(),
        thread: ThreadRef { kind: Kind::Comment, thread_key: thread.into(), parent_platform_id: None, post_id: None },
        occurred_at: at(t),
        change: Change::Posted {
            direction,
            text: text.into(),
            author: Author { id: "u".into(), name: "U".into(), handle: String::new() },
            correlation: None,
        },
        sponsored: false,
    }
}

fn created(p: Plan) -> (Conversation, Item) {
    match p {
        Plan::Create { conversation, item, .. } => (conversation, item),
        other => panic!("expected Create, got {other:?}"),
    }
}

#[test]
fn our_own_sponsored_post_is_remembered_and_replies_under_it_are_sponsored() {
    let mut ours = posted("t1", "t1", 10, Direction::Outbound, "Our winter sale");
    ours.sponsored = true;
    match plan(&ours, &profile(), Existing::default(), at(99)) {
        Plan::RememberSponsoredPost(p) => {
            assert_eq!((p.id.as_str(), p.text.as_str(), p.sponsored, p.fetched_at), ("t1", "Our winter sale", Some(true), at(99)))
        }
        other => panic!("expected RememberSponsoredPost, got {other:?}"),
    }
    // Not sponsored: nothing to remember.
    ours.sponsored = false;
    assert!(matches!(plan(&ours, &profile(), Existing::default(), at(99)), Plan::Ignore(_)));

    let reply = posted("r1", "t1", 20, Direction::Inbound, "Is it on in Lyon too?");
    let known = Existing { post_sponsored: true, ..Default::default() };
    assert!(created(plan(&reply, &profile(), known, at(99))).0.sponsored);
    assert!(!created(plan(&reply, &profile(), Existing::default(), at(99))).0.sponsored);
    let (c, _) = created(plan(&reply, &profile(), Existing::default(), at(99)));
    // Our promoted tweet after a reply threaded on it: it joins that thread, sponsored.
    ours.sponsored = true;
    match plan(&ours, &profile(), Existing { conversation: Some(&c), ..Default::default() }, at(99)) {
        Plan::Append { conversation, item, .. } => assert!(conversation.sponsored && item.direction == Direction::Outbound),
        other => panic!("expected Append, got {other:?}"),
    }
}

#[test]
fn a_first_inbound_item_creates_an_open_conversation_ordered_by_its_time() {
    let (c, i) = created(plan(&posted("c1", "c1", 10, Direction::Inbound, "hello"), &profile(), Existing::default(), at(99)));
    assert_eq!((c.status, c.last_inbound_at, c.version, c.excerpt.as_str()), (Status::Open, at(10), 1, "hello"));
    assert_eq!((i.platform_id.as_deref(), i.state, i.direction), (Some("c1"), ItemState::Received, Direction::Inbound));
}

#[test]
fn a_duplicate_delivery_is_ignored() {
    let (c, i) = created(plan(&posted("c1", "c1", 10, Direction::Inbound, "hello"), &profile(), Existing::default(), at(99)));
    let again = plan(
        &posted("c1", "c1", 10, Direction::Inbound, "hello"),
        &profile(),
        Existing { conversation: Some(&c), item: Some(&i), ..Default::default() },
        at(100),
    );
    assert!(matches!(again, Plan::Ignore(_)));
}

#[test]
fn new_inbound_activity_reopens_a_closed_conversation_as_the_system() {
    let (mut c, _) = created(plan(&posted("c1", "c1", 10, Direction::Inbound, "hello"), &profile(), Existing::default(), at(99)));
    c.status = Status::Closed;
    let Plan::Append { conversation, history, .. } = plan(
        &posted("c2", "c1", 20, Direction::Inbound, "again"),
        &profile(),
        Existing { conversation: Some(&c), ..Default::default() },
        at(100),
    ) else {
        panic!("expected Append")
    };
    assert_eq!(conversation.status, Status::Open);
    assert_eq!(conversation.last_inbound_at, at(20));
    assert!(history.iter().any(|h| h.action == HistoryAction::Reopened && h.actor == Actor::System));
}

#[test]
fn an_older_event_arriving_late_never_moves_the_conversation_back() {
    let (c, _) = created(plan(&posted("c2", "c1", 50, Direction::Inbound, "newer"), &profile(), Existing::default(), at(99)));
    let Plan::Append { conversation, .. } = plan(
        &posted("c1", "c1", 10, Direction::Inbound, "older"),
        &profile(),
        Existing { conversation: Some(&c), ..Default::default() },
        at(100),
    ) else {
        panic!("expected Append")
    };
    assert_eq!((conversation.last_inbound_at, conversation.excerpt.as_str()), (at(50), "newer"));
}

#[test]
fn our_own_echo_never_creates_or_reopens_and_confirms_our_pending_item() {
    assert!(matches!(plan(&posted("e1", "c9", 10, Direction::Outbound, "ours"), &profile(), Existing::default(), at(99)), Plan::Ignore(_)));
    let (mut c, _) = created(plan(&posted("c1", "c1", 10, Direction::Inbound, "hello"), &profile(), Existing::default(), at(99)));
    c.status = Status::Closed;
    let Plan::Append { conversation, item, .. } = plan(
        &posted("e1", "c1", 20, Direction::Outbound, "from Page Inbox"),
        &profile(),
        Existing { conversation: Some(&c), ..Default::default() },
        at(100),
    ) else {
        panic!("expected Append")
    };
    assert_eq!((conversation.status, conversation.last_inbound_at), (Status::Closed, at(10)));
    assert_eq!((item.direction, item.state), (Direction::Outbound, ItemState::Sent));
    let pending = Item { state: ItemState::Pending, platform_id: None, direction: Direction::Outbound, ..item };
    let Plan::UpdateItem { item, .. } = plan(
        &posted("e2", "c1", 21, Direction::Outbound, "ours"),
        &profile(),
        Existing { conversation: Some(&c), correlated: Some(&pending), ..Default::default() },
        at(101),
    ) else {
        panic!("expected UpdateItem")
    };
    assert_eq!((item.id, item.state, item.platform_id.as_deref()), (pending.id, ItemState::Sent, Some("e2")));
}

#[test]
fn edits_update_the_text_and_deletions_mark_the_item_and_a_deletion_first_leaves_a_tombstone() {
    let (c, i) = created(plan(&posted("c1", "c1", 10, Direction::Inbound, "hello"), &profile(), Existing::default(), at(99)));
    let mut edit = posted("c1", "c1", 10, Direction::Inbound, "");
    edit.change = Change::Edited { text: "hello, edited".into() };
    let Plan::UpdateItem { item, conversation, .. } =
        plan(&edit, &profile(), Existing { conversation: Some(&c), item: Some(&i), ..Default::default() }, at(100))
    else {
        panic!("expected UpdateItem")
    };
    assert_eq!((item.text.as_str(), item.edited, conversation.excerpt.as_str()), ("hello, edited", true, "hello, edited"));
    let mut del = posted("c1", "c1", 10, Direction::Inbound, "");
    del.change = Change::Deleted;
    let Plan::UpdateItem { item, .. } =
        plan(&del, &profile(), Existing { conversation: Some(&c), item: Some(&i), ..Default::default() }, at(100))
    else {
        panic!("expected UpdateItem")
    };
    assert!(item.deleted);
    assert_eq!(plan(&del, &profile(), Existing::default(), at(100)), Plan::Tombstone);
    let late = plan(
        &posted("c1", "c1", 10, Direction::Inbound, "hello"),
        &profile(),
        Existing { tombstoned: true, ..Default::default() },
        at(101),
    );
    assert!(matches!(late, Plan::Ignore(_)));
}

#[test]
fn an_edit_that_overtakes_its_comment_is_remembered_and_shown_when_the_comment_arrives() {
    let mut edit = posted("c1", "c1", 10, Direction::Inbound, "");
    edit.change = Change::Edited { text: "hello, edited".into() };
    assert_eq!(plan(&edit, &profile(), Existing::default(), at(100)), Plan::RememberEdit("hello, edited".into()));
    let late = plan(
        &posted("c1", "c1", 10, Direction::Inbound, "hello"),
        &profile(),
        Existing { early_edit: Some("hello, edited"), ..Default::default() },
        at(101),
    );
    let (c, i) = created(late);
    assert_eq!((i.text.as_str(), i.edited, c.excerpt.as_str()), ("hello, edited", true, "hello, edited"));
}

#[test]
fn excerpts_are_cut_at_a_character_boundary() {
    let long = "é".repeat(200);
    let e = excerpt(&long);
    assert_eq!(e.chars().count(), 141);
    assert!(e.ends_with('…'));
}

#[test]
fn a_new_conversations_id_is_its_threads() {
    let first = created(plan(&posted("c1", "t1", 10, Direction::Inbound, "hi"), &profile(), Existing::default(), at(100))).0;
    let again = created(plan(&posted("c2", "t1", 11, Direction::Inbound, "hi"), &profile(), Existing::default(), at(101))).0;
    assert_eq!(first.id, again.id, "two first events of one thread name one conversation");
    assert_eq!(first.id, crate::ConversationId::for_thread(&profile().id, "t1"));
    let other = created(plan(&posted("c3", "t2", 11, Direction::Inbound, "hi"), &profile(), Existing::default(), at(101))).0;
    assert_ne!(first.id, other.id);
}

#[test]
fn a_reply_to_a_stored_conversation_changes_only_its_summary_and_says_so() {
    let c = created(plan(&posted("c1", "t1", 10, Direction::Inbound, "hi"), &profile(), Existing::default(), at(100))).0;
    let Plan::Append { conversation, activity: Some(a), .. } = plan(
        &posted("c2", "t1", 20, Direction::Inbound, "again"),
        &profile(),
        Existing { conversation: Some(&c), ..Default::default() },
        at(200),
    ) else {
        panic!("a summary-only append")
    };
    let mut absorbed = c.clone();
    absorbed.absorb(&a);
    assert_eq!(conversation, absorbed, "the plan is the absorb of its activity");
    // The thread's first message after its replies: the author changes too, so not.
    let mut first = posted("t1", "t1", 5, Direction::Inbound, "the start");
    if let Change::Posted { author, .. } = &mut first.change {
        author.name = "Someone else".into();
    }
    let Plan::Append { activity, .. } = plan(&first, &profile(), Existing { conversation: Some(&c), ..Default::default() }, at(300)) else {
        panic!("an append")
    };
    assert!(activity.is_none(), "written against the version read");
}

#[test]
fn the_event_that_made_a_conversation_and_stopped_before_its_item_finishes_the_creation() {
    let event = posted("c1", "t1", 10, Direction::Inbound, "hi");
    let (c, _) = created(plan(&event, &profile(), Existing::default(), at(100)));
    let actions = |e: &InboundEvent, c: &Conversation, claimed: bool| {
        let existing = Existing { conversation: Some(c), claimed_for: claimed.then_some(&c.id), ..Default::default() };
        match plan(e, &profile(), existing, at(200)) {
            Plan::Append { history, .. } => history.iter().map(|h| h.action).collect::<Vec<_>>(),
            other => panic!("an append: {other:?}"),
        }
    };
    assert_eq!(actions(&event, &c, true), [HistoryAction::Created], "its item carries the creation's history");
    // Another comment of the thread (even the same words by the same author in the same
    // second: its platform id was never claimed), or the same once anything changed the
    // conversation: a reply as usual.
    assert_eq!(actions(&posted("c2", "t1", 10, Direction::Inbound, "hi"), &c, false), [HistoryAction::ItemReceived]);
    assert_eq!(actions(&event, &c, false), [HistoryAction::ItemReceived]);
    assert_eq!(actions(&event, &Conversation { version: 2, ..c.clone() }, true), [HistoryAction::ItemReceived]);
}

#[test]
fn a_redelivered_item_the_conversation_does_not_show_has_its_activity_applied() {
    let c = created(plan(&posted("c1", "t1", 10, Direction::Inbound, "hi"), &profile(), Existing::default(), at(100))).0;
    // Stored (its write went through), the summary not (the delivery stopped between).
    let reply = posted("c2", "t1", 20, Direction::Inbound, "the reply");
    let Plan::Append { item, .. } = plan(&reply, &profile(), Existing { conversation: Some(&c), ..Default::default() }, at(200)) else {
        panic!("an append")
    };
    assert_eq!(item.id, crate::ItemId::for_platform(&profile().id, "c2"), "the item's id is its platform id's");
    let again = plan(&reply, &profile(), Existing { conversation: Some(&c), item: Some(&item), ..Default::default() }, at(300));
    let Plan::Absorb { conversation, activity, .. } = again else { panic!("its activity applied: {again:?}") };
    assert_eq!((conversation.excerpt.as_str(), conversation.last_inbound_at, activity.received_at), ("the reply", at(20), at(300)));
    // Once the conversation shows it: a duplicate.
    let shown = plan(&reply, &profile(), Existing { conversation: Some(&conversation), item: Some(&item), ..Default::default() }, at(400));
    assert!(matches!(shown, Plan::Ignore(_)), "{shown:?}");
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: 200, ..ProptestConfig::default() })]

    /// The summary rule commutes: items applied in any order leave the same newest time,
    /// excerpt, status, sponsored and version, and an activity time at or after the
    /// newest receipt (a microsecond past it for each item applied after it).
    #[test]
    fn absorbing_items_in_any_order_gives_one_summary(
        items in prop::collection::vec((0i64..50, 0i64..50, any::<bool>(), any::<bool>()), 1..12),
        seed in any::<u64>(),
    ) {
        let mut c = created(plan(&posted("c0", "t1", 0, Direction::Inbound, "start"), &profile(), Existing::default(), at(0))).0;
        c.status = Status::Closed;
        let acts: Vec<Activity> = items.iter().enumerate().map(|(i, (occ, rec, sp, reopens))| Activity {
            occurred_at: at(*occ) + chrono::Duration::milliseconds(i as i64),
            received_at: at(100 + rec),
            excerpt: format!("item {i}"),
            sponsored: *sp,
            reopens: *reopens,
        }).collect();
        let mut shuffled = acts.clone();
        let mut x = seed;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let (mut a, mut b) = (c.clone(), c.clone());
        acts.iter().for_each(|x| a.absorb(x));
        shuffled.iter().for_each(|x| b.absorb(x));
        prop_assert_eq!((a.version, a.status, a.sponsored, a.last_inbound_at, &a.excerpt), (b.version, b.status, b.sponsored, b.last_inbound_at, &b.excerpt));
        let newest = acts.iter().map(|x| x.received_at).max().unwrap();
        for end in [&a, &b] {
            prop_assert!(end.activity_at() >= newest && end.activity_at() <= newest + chrono::Duration::microseconds(acts.len() as i64));
        }
    }
}
