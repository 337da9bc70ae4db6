//! The embedded adapters' contracts: durable queues, optimistic concurrency, uniqueness.

use inbox_domain::error::PortError;
use inbox_domain::messages::*;
use inbox_domain::ports::*;
use inbox_domain::*;
use inbox_sqlite::*;
use std::sync::Arc;
use std::time::Duration;

fn open(dir: &tempfile::TempDir) -> Arc<Db> {
    Db::open(DbConfig::new(dir.path().join("t.db"))).expect("db opens")
}

#[tokio::test]
async fn a_received_message_is_hidden_until_its_visibility_timeout_then_delivered_again() {
    let dir = tempfile::tempdir().unwrap();
    let q = SqliteQueue::new(open(&dir));
    q.send(QueueName::Ingest, b"one".to_vec()).await.unwrap();
    let first = q.receive(QueueName::Ingest, 10, Duration::from_millis(300)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].body, b"one");
    assert_eq!(first[0].attempts, 1);
    assert!(q.receive(QueueName::Ingest, 10, Duration::from_secs(30)).await.unwrap().is_empty(), "hidden while in flight");
    assert!(q.receive(QueueName::Actions, 10, Duration::from_secs(30)).await.unwrap().is_empty(), "queues are separate");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let again = q.receive(QueueName::Ingest, 10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(again.len(), 1, "a consumer that died loses nothing");
    assert_eq!(again[0].attempts, 2);
    q.ack(again[0].id).await.unwrap();
    assert_eq!(q.depth(QueueName::Ingest).await.unwrap(), 0);
}

#[tokio::test]
async fn failed_messages_back_off_and_are_dead_lettered_after_max_attempts_then_replayable() {
    let dir = tempfile::tempdir().unwrap();
    let mut q = SqliteQueue::new(open(&dir));
    q.max_attempts = 2;
    q.send(QueueName::Notify, b"poison".to_vec()).await.unwrap();
    let d = q.receive(QueueName::Notify, 1, Duration::from_secs(30)).await.unwrap().remove(0);
    assert!(!q.fail(&d, "boom 1").await.unwrap(), "first failure is retried");
    assert!(q.receive(QueueName::Notify, 1, Duration::from_secs(30)).await.unwrap().is_empty(), "backing off");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let d = q.receive(QueueName::Notify, 1, Duration::from_secs(30)).await.unwrap().remove(0);
    assert_eq!(d.attempts, 2);
    assert!(q.fail(&d, "boom 2").await.unwrap(), "dead-lettered at the limit");
    assert_eq!(q.depth(QueueName::Notify).await.unwrap(), 0);
    let dead = q.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
    assert_eq!(dead[0].last_error.as_deref(), Some("boom 2"));
    assert_eq!(dead[0].queue, "notify");
    assert!(q.replay(dead[0].id).await.unwrap());
    assert!(q.dead_letters(10).await.unwrap().is_empty());
    let back = q.receive(QueueName::Notify, 1, Duration::from_secs(30)).await.unwrap();
    assert_eq!(back[0].body, b"poison");
    assert_eq!(back[0].attempts, 1, "a replay starts afresh");
    assert!(!q.replay(424242).await.unwrap());
}

#[tokio::test]
async fn concurrent_sends_are_group_committed_and_all_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let q = SqliteQueue::new(db.clone());
    let mut set = tokio::task::JoinSet::new();
    for i in 0..500u32 {
        let q = q.clone();
        set.spawn(async move { q.send(QueueName::Ingest, i.to_be_bytes().to_vec()).await });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap().unwrap();
    }
    db.close();
    drop(q);
    drop(db);
    let q = SqliteQueue::new(open(&dir));
    assert_eq!(q.depth(QueueName::Ingest).await.unwrap(), 500);
    let got = q.receive(QueueName::Ingest, 1000, Duration::from_secs(30)).await.unwrap();
    let mut ids: Vec<u32> = got.iter().map(|d| u32::from_be_bytes(d.body.clone().try_into().unwrap())).collect();
    ids.sort();
    assert_eq!(ids, (0..500).collect::<Vec<_>>());
}

fn conversation(id: &str, thread: &str) -> Conversation {
    let now = chrono::Utc::now();
    Conversation {
        id: id.into(),
        account_id: "acc_1".into(),
        profile_id: "prf_1".into(),
        network: Network::Facebook,
        kind: Kind::Comment,
        thread_key: thread.into(),
        status: Status::Open,
        assignee_id: None,
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

fn item(id: &str, conv: &str, platform: &str) -> Item {
    Item {
        id: id.into(),
        conversation_id: conv.into(),
        direction: Direction::Inbound,
        text: "hello there".into(),
        author: Author::default(),
        created_at: chrono::Utc::now(),
        platform_id: Some(platform.into()),
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

#[tokio::test]
async fn one_thread_makes_one_conversation_and_one_platform_id_one_item() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(open(&dir));
    let w = |c: Conversation, items: Vec<Item>| ConversationWrite {
        outbox: vec![],
        keeps_summary: None,
        conversation: c,
        expected_version: None,
        items,
        notes: vec![],
        history: vec![],
    };
    store.write(w(conversation("cnv_a", "t1"), vec![item("itm_a", "cnv_a", "p1")])).await.unwrap();
    let dup = store.write(w(conversation("cnv_b", "t1"), vec![item("itm_b", "cnv_b", "p2")])).await;
    assert!(matches!(dup, Err(PortError::AlreadyExists)), "{dup:?}");
    // The failed write left nothing behind.
    assert!(store.get_item(&"cnv_b".into(), &"itm_b".into()).await.unwrap().is_none());
    let mut c = conversation("cnv_a", "t1");
    c.version = 2;
    let again = store
        .write(ConversationWrite {
            outbox: vec![],
            keeps_summary: None,
            conversation: c,
            expected_version: Some(1),
            items: vec![item("itm_c", "cnv_a", "p1")],
            notes: vec![],
            history: vec![],
        })
        .await;
    assert!(matches!(again, Err(PortError::AlreadyExists)), "same platform id twice: {again:?}");
    assert_eq!(store.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap().version, 1, "rolled back whole");
}

#[tokio::test]
async fn a_write_against_a_stale_version_is_a_conflict_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(open(&dir));
    store
        .write(ConversationWrite {
            outbox: vec![],
            keeps_summary: None,
            conversation: conversation("cnv_a", "t1"),
            expected_version: None,
            items: vec![],
            notes: vec![],
            history: vec![],
        })
        .await
        .unwrap();
    let mut first = conversation("cnv_a", "t1");
    first.version = 2;
    first.status = Status::Closed;
    let mut second = conversation("cnv_a", "t1");
    second.version = 2;
    second.assignee_id = Some("usr_x".into());
    store
        .write(ConversationWrite {
            outbox: vec![],
            keeps_summary: None,
            conversation: first,
            expected_version: Some(1),
            items: vec![],
            notes: vec![],
            history: vec![],
        })
        .await
        .unwrap();
    let lost = store
        .write(ConversationWrite {
            outbox: vec![],
            keeps_summary: None,
            conversation: second,
            expected_version: Some(1),
            items: vec![],
            notes: vec![],
            history: vec![],
        })
        .await;
    assert!(matches!(lost, Err(PortError::Conflict)));
    let now = store.get_conversation(&"acc_1".into(), &"cnv_a".into()).await.unwrap().unwrap();
    assert_eq!((now.status, now.assignee_id, now.version), (Status::Closed, None, 2));
    assert!(store.get_conversation(&"acc_2".into(), &"cnv_a".into()).await.unwrap().is_none(), "bound to its account");
}

#[tokio::test]
async fn a_changes_outbox_is_queued_in_its_transaction_and_only_if_the_change_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir);
    let (store, queue) = (SqliteStore::new(db.clone()), SqliteQueue::new(db.clone()));
    assert!(store.writes_outbox());
    let write = |c: Conversation, expected: Option<u64>, outbox: Vec<(QueueName, Vec<u8>)>| ConversationWrite {
        outbox,
        conversation: c,
        expected_version: expected,
        items: vec![],
        notes: vec![],
        history: vec![],
        keeps_summary: None,
    };
    let created = vec![(QueueName::Notify, b"notify-1".to_vec()), (QueueName::Events, b"event-1".to_vec())];
    store.write(write(conversation("cnv_a", "t1"), None, created)).await.unwrap();
    // A change that loses its version race is not stored, and neither is what it set in motion.
    let mut stale = conversation("cnv_a", "t1");
    stale.version = 2;
    let refused = store.write(write(stale, Some(7), vec![(QueueName::Notify, b"lost".to_vec())])).await;
    assert!(matches!(refused, Err(PortError::Conflict)), "{refused:?}");
    let bodies = |q| {
        let queue = queue.clone();
        async move { queue.receive(q, 10, Duration::from_secs(30)).await.unwrap().into_iter().map(|d| d.body).collect::<Vec<_>>() }
    };
    assert_eq!(bodies(QueueName::Notify).await, [b"notify-1".to_vec()]);
    assert_eq!(bodies(QueueName::Events).await, [b"event-1".to_vec()]);
}

#[tokio::test]
async fn the_outbox_mailer_writes_each_email_once() {
    let dir = tempfile::tempdir().unwrap();
    let m = OutboxMailer::new(dir.path().join("outbox"), "inbox@localhost").unwrap();
    let e = Email {
        id: "ntf_1".into(),
        to: "bob@example.com".into(),
        subject: "Hi\r\nBcc: evil@x".into(),
        text: "body".into(),
        html: "<p>body</p>".into(),
        unsubscribe_url: None,
    };
    m.send(&e).await.unwrap();
    m.send(&Email { text: "second".into(), ..e.clone() }).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(m.dir()).unwrap().collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(m.dir().join("ntf_1.eml")).unwrap();
    assert!(text.contains("To: bob@example.com\r\n"));
    assert!(text.contains("Subject: Hi  Bcc: evil@x\r\n"), "no header injection: {text}");
    assert!(text.contains("Content-Type: multipart/alternative"), "{text}");
    assert!(!text.contains("second") && !text.contains("c2Vjb25k"), "the second send wrote nothing: {text}");
}

#[tokio::test]
async fn a_restarted_runner_gets_the_messages_its_predecessor_had_in_flight_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let q = SqliteQueue::new(open(&dir));
    q.send(QueueName::Ingest, b"in flight".to_vec()).await.unwrap();
    q.send(QueueName::Ingest, b"backing off".to_vec()).await.unwrap();
    let got = q.receive(QueueName::Ingest, 10, Duration::from_secs(3600)).await.unwrap();
    let backing_off = got.iter().find(|d| d.body == b"backing off").unwrap();
    q.fail(backing_off, "boom").await.unwrap();
    assert_eq!(q.release_in_flight().await.unwrap(), 1);
    let again = q.receive(QueueName::Ingest, 10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(again.iter().map(|d| d.body.clone()).collect::<Vec<_>>(), vec![b"in flight".to_vec()], "a failed one keeps its backoff");
}

/// Every conversation `search` matches, in feed order, paging through the whole feed.
async fn search_all(store: &SqliteStore, search: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let q = FeedQuery {
            account_id: "acc_1".into(),
            viewer: "usr_1".into(),
            profiles: vec!["prf_1".into()],
            status: None,
            assignee: None,
            networks: vec![],
            kinds: vec![],
            sponsored: None,
            seen: None,
            search: search::SearchQuery::parse(search),
            after,
            limit: 100,
        };
        let page = store.feed(&q).await.unwrap();
        found.extend(page.entries.into_iter().map(|e| e.conversation.id.to_string()));
        match page.next {
            Some(n) => after = Some(n),
            None => return found,
        }
    }
}

#[tokio::test]
async fn a_search_finds_exactly_what_the_search_rule_matches_for_rare_and_common_words() {
    // Rare words are answered through the full-text index, common ones by walking the feed:
    // both must find exactly the conversations the domain's rule matches, whatever the script.
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(open(&dir));
    let texts = [
        "Café ÜMLAUT at the tent",
        "ΟΔΟΣ σοφός and the tent",
        "İstanbul order, tent size",
        "नमस्ते दुनिया tent",
        "東京タワー tent",
        "x²+y² tent",
        "Ⓐ circled tent",
        "order #1234 has not arrived, tent",
        "party 🎉 emoji tent",
        "tab\ttab tent",
        "sleeping bag tent",
        "bag sleeping tent",
        "ǅemal Titlecase tent",
        "ﬁne ligature tent",
    ];
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let mut all = Vec::new();
    for i in 0..320usize {
        let text = if i < texts.len() { texts[i].to_string() } else { format!("filler number {i} tent") };
        let id = format!("cnv_{i:04}");
        let mut c = conversation(&id, &format!("thread_{i}"));
        c.last_inbound_at = start + chrono::Duration::seconds(i as i64);
        let mut it = item(&format!("itm_{i:04}"), &id, &format!("p_{i}"));
        it.text = text.clone();
        store
            .write(ConversationWrite {
                outbox: vec![],
                keeps_summary: None,
                conversation: c,
                expected_version: None,
                items: vec![it],
                notes: vec![],
                history: vec![],
            })
            .await
            .unwrap();
        all.push((id, text));
    }
    let queries = [
        "café",
        "ümlaut",
        "CAFÉ",
        "οδοσ",
        "σοφοσ",
        "σοφός",
        "istanbul",
        "i̇stanbul",
        "नमस्ते",
        "दुनिया",
        "東京タワー",
        "x²",
        "y²",
        "ⓐ",
        "1234",
        "\"order 1234\"",
        "🎉",
        "tab",
        "\"sleeping bag\"",
        "\"bag sleeping\"",
        "ǆemal",
        "ﬁne",
        "fine",
        "tent",
        "tent -bag",
        "tent \"sleeping bag\"",
        "filler -number",
        "-tent",
        "number 17",
        "\"number 17\"",
        "nothing",
    ];
    for q in queries {
        let rule = search::SearchQuery::parse(q);
        let mut expected: Vec<String> = all.iter().filter(|(_, t)| rule.matches(t)).map(|(id, _)| id.clone()).collect();
        expected.reverse(); // newest first
        assert_eq!(search_all(&store, q).await, expected, "search {q:?}");
    }
}

/// A database of the release before (schema 5, a search text per conversation, feeds by the
/// network's time) with conversations in it: opened by this release, its conversations keep
/// their order, their messages are indexed one by one, and search finds them.
#[tokio::test]
async fn a_database_of_the_previous_schema_is_upgraded_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrate_to(&mut conn, 5).unwrap();
        for (id, at, text) in [("cnv_a", 100, "the tent is torn"), ("cnv_b", 200, "这款帐篷防水吗"), ("cnv_c", 150, "Café ÜMLAUT")]
        {
            let t = chrono::DateTime::from_timestamp(at, 0).unwrap();
            let c = Conversation { last_inbound_at: t, created_at: t, excerpt: text.into(), ..conversation(id, id) };
            let i = Item { text: text.into(), created_at: t, ..item(&format!("itm_{id}"), id, &format!("p_{id}")) };
            conn.execute(
                "INSERT INTO conversations (id, account_id, profile_id, network, kind, thread_key, status, assignee_id, sponsored, last_inbound_us, version, search_text, doc)
                 VALUES (?1, 'acc_1', 'prf_1', 'facebook', 'comment', ?1, 'open', NULL, 0, ?2, 1, 'old tokens', ?3)",
                rusqlite::params![id, at * 1_000_000, serde_json::to_string(&c).unwrap()],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO items (id, conversation_id, profile_id, platform_id, created_us, doc) VALUES (?1, ?2, 'prf_1', ?3, ?4, ?5)",
                rusqlite::params![i.id.as_str(), id, i.platform_id, at * 1_000_000, serde_json::to_string(&i).unwrap()],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::new(open(&dir));
    assert_eq!(search_all(&store, "").await, ["cnv_b", "cnv_c", "cnv_a"], "the order of before");
    assert_eq!(search_all(&store, "tent").await, ["cnv_a"]);
    assert_eq!(search_all(&store, "帐篷").await, ["cnv_b"]);
    assert_eq!(search_all(&store, "cafe umlaut").await, ["cnv_c"]);
    assert!(search_all(&store, "old tokens").await.is_empty(), "the old search text is gone");
}
