//! The conformance suites on the AWS adapters (DynamoDB, SQS, SES) against moto. Needs
//! `MOTO_ENDPOINT` (scripts/test.sh starts moto_server and sets it); fails without it.

mod store {
    inbox_conformance::store_conformance!(inbox_conformance::backends::dynamodb());

    /// With a tiny budget a search answers in many short pages, each with a position to go
    /// on from, and still finds exactly what the rule matches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_that_runs_out_of_budget_goes_on_from_where_it_stopped() {
        let tiny = inbox_aws::FeedBudget { max_examined: 4, max_examined_searching: 4, max_searched: 2, index_page: 3 };
        let stores = inbox_conformance::backends::dynamodb_with(tiny).await;
        inbox_conformance::store::a_search_finds_exactly_what_the_search_rule_matches(&stores).await;
        let stores = inbox_conformance::backends::dynamodb_with(tiny).await;
        inbox_conformance::store::the_feed_filters_like_the_tabs_ask(&stores).await;
    }
}

/// A search rules out, from the feed index entries alone, the conversations whose search
/// signature lacks a word it needs (`signature.rs`): on an account of 60 conversations and
/// one with the rare word, it reads a fraction of what the same search reads once the
/// signatures are gone (records written before them), and both find the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_skips_the_conversations_whose_signature_rules_them_out() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_conformance::store::{conversation, create, feed_query, item};
    use inbox_domain::ports::ConversationStore;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let meter = inbox_aws::dynamo::CapacityMeter::new();
    let store = inbox_aws::DynamoDbStore::new(meter.client(&config), table.clone());
    for i in 0..60 {
        let id = format!("cnv_r{i:03}");
        let text = if i == 17 { "a zeppelin over the lake".to_string() } else { format!("tent order {i} please, size and colour") };
        let items = vec![
            item(&format!("itm_r{i:03}"), &id, Some(&format!("r{i}")), &text, i),
            item(&format!("itm_s{i:03}"), &id, Some(&format!("s{i}")), "thanks", i),
        ];
        store.write(create(conversation(&id, &id, i), items)).await.unwrap();
    }
    let search = || async {
        let mut q = feed_query(&["prf_1"]);
        q.search = inbox_domain::search::SearchQuery::parse("zeppelin");
        let before = meter.units();
        let mut found = Vec::new();
        loop {
            let page = store.feed(&q).await.unwrap();
            found.extend(page.entries.iter().map(|e| e.conversation.id.to_string()));
            match page.next {
                Some(next) => q.after = Some(next),
                None => break,
            }
        }
        (found, meter.units() - before)
    };
    let (found, with) = search().await;
    assert_eq!(found, ["cnv_r017"]);
    for i in 0..60 {
        client
            .update_item()
            .table_name(&table)
            .key("pk", AttributeValue::S(format!("C#cnv_r{i:03}")))
            .key("sk", AttributeValue::S("C".into()))
            .update_expression("REMOVE sg")
            .send()
            .await
            .unwrap();
    }
    let (found, without) = search().await;
    assert_eq!(found, ["cnv_r017"], "a record without a signature is read, as before");
    assert!(with.read_units * 4.0 < without.read_units, "with signatures {with:?}, without {without:?}");
}

/// An item whose first delivery stopped after writing it (before the summary update that adds
/// its words to the search signature) and whose activity was overtaken since: its event, come
/// again, is a duplicate to the plan, and the store adds the missing bits then
/// (`stored_again`); when they are there, it makes no request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_stored_again_gets_its_words_into_the_signature() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_conformance::store::{conversation, create, feed_query, item, update};
    use inbox_domain::ports::ConversationStore;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let meter = inbox_aws::dynamo::CapacityMeter::new();
    let store = inbox_aws::DynamoDbStore::new(meter.client(&config), table.clone());
    let acc: inbox_domain::AccountId = "acc_1".into();
    let cid: inbox_domain::ConversationId = "cnv_w1".into();
    store.write(create(conversation("cnv_w1", "w1", 0), vec![item("itm_w1", "cnv_w1", Some("w1"), "hello", 0)])).await.unwrap();
    let walrus = item("itm_w2", "cnv_w1", Some("w2"), "a walrus", 1);
    let read = store.get_conversation(&acc, &cid).await.unwrap().unwrap();
    store.write(update(read, vec![walrus.clone()])).await.unwrap();
    // As if the summary update never ran: the item is there, its bit is not.
    let bit = inbox_domain::search::token_bit("walrus").to_string();
    client
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("C#cnv_w1".into()))
        .key("sk", AttributeValue::S("C".into()))
        .update_expression("DELETE sg :b")
        .expression_attribute_values(":b", AttributeValue::Ns(vec![bit]))
        .send()
        .await
        .unwrap();
    let mut q = feed_query(&["prf_1"]);
    q.search = inbox_domain::search::SearchQuery::parse("walrus");
    assert!(store.feed(&q).await.unwrap().entries.is_empty(), "the hazard: ruled out by a signature without its bit");
    let read = store.get_conversation(&acc, &cid).await.unwrap().unwrap();
    store.stored_again(&read, &walrus).await.unwrap();
    let found: Vec<String> = store.feed(&q).await.unwrap().entries.iter().map(|e| e.conversation.id.to_string()).collect();
    assert_eq!(found, ["cnv_w1"]);
    let read = store.get_conversation(&acc, &cid).await.unwrap().unwrap();
    let before = meter.units();
    store.stored_again(&read, &walrus).await.unwrap();
    assert_eq!((meter.units() - before).requests, 0, "nothing missing: no request");
}

/// A conversation record from before the compact document and the summary attributes (its
/// document whole, no `lia` or `ex`) reads the same, and a change that keeps the summary
/// leaves it readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_conversation_record_reads_and_takes_a_change_that_keeps_the_summary() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_conformance::store::{conversation, create, item};
    use inbox_domain::ports::{ConversationStore, ConversationWrite};
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let store = inbox_aws::DynamoDbStore::new(client.clone(), table.clone());
    let acc: inbox_domain::AccountId = "acc_1".into();
    let c = conversation("cnv_old", "old", 0);
    store.write(create(c.clone(), vec![item("itm_o1", "cnv_old", Some("o1"), "hello", 0)])).await.unwrap();
    client
        .update_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("C#cnv_old".into()))
        .key("sk", AttributeValue::S("C".into()))
        .update_expression("SET doc = :doc REMOVE lia, ex, lra, sg")
        .expression_attribute_values(":doc", AttributeValue::S(serde_json::to_string(&c).unwrap()))
        .send()
        .await
        .unwrap();
    let read = store.get_conversation(&acc, &c.id).await.unwrap().unwrap();
    assert_eq!((read.excerpt.as_str(), read.last_inbound_at), (c.excerpt.as_str(), c.last_inbound_at));
    let assigned = inbox_domain::Conversation { assignee_id: Some("usr_2".into()), version: read.version + 1, ..read.clone() };
    let w = ConversationWrite { expected_version: Some(read.version), ..ConversationWrite::of(assigned, vec![], vec![]) };
    store.write(w.keeping_summary()).await.unwrap();
    let after = store.get_conversation(&acc, &c.id).await.unwrap().unwrap();
    assert_eq!(after.assignee_id.as_ref().map(|a| a.as_str()), Some("usr_2"));
    assert_eq!((after.excerpt.as_str(), after.last_inbound_at), (c.excerpt.as_str(), c.last_inbound_at));
}

/// A store that keeps its lookups (the ingest and integrations functions') reads what it wrote
/// itself at once, and what another function wrote once the time to live is over; meanwhile
/// the lookups cost nothing.
mod lookups {
    use inbox_conformance::store;
    use inbox_domain::ports::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_store_keeping_lookups_passes_the_directory_posts_and_integrations_suites() {
        let long = Duration::from_secs(600);
        store::directory_round_trips_and_keeps_emails_and_presences_unique(
            &inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0,
        )
        .await;
        store::a_profile_is_updated_only_as_it_was_read(&inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0).await;
        store::subscriptions_are_versioned_and_deleting_one_drops_its_deliveries(
            &inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0,
        )
        .await;
        store::subscriptions_are_replaced_only_at_the_version_read_and_stay_in_their_account(
            &inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0,
        )
        .await;
        store::salesforce_connections_and_case_claims(&inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0).await;
        store::cached_posts_are_kept_per_profile_and_replaced(&inbox_conformance::backends::dynamodb_keeping_lookups(long).await.0).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn another_functions_change_is_seen_once_the_time_to_live_is_over() {
        let (stores, other) = inbox_conformance::backends::dynamodb_keeping_lookups(Duration::from_millis(1500)).await;
        let mut p = store::profile_for_tests("acc_1", "prf_1", inbox_domain::Network::Facebook, "page_1");
        other.put_profile(&p).await.unwrap();
        assert_eq!(stores.directory.find_profile(inbox_domain::Network::Facebook, "page_1").await.unwrap().unwrap().name, p.name);
        let expected = p.clone();
        p.name = "Renamed".into();
        assert!(other.update_profile(&expected, &p).await.unwrap());
        let kept = stores.directory.find_profile(inbox_domain::Network::Facebook, "page_1").await.unwrap().unwrap();
        assert_eq!(kept.name, expected.name, "kept for its time to live");
        assert!(stores.directory.find_profile(inbox_domain::Network::Facebook, "page_unknown").await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(1600)).await;
        let fresh = stores.directory.find_profile(inbox_domain::Network::Facebook, "page_1").await.unwrap().unwrap();
        assert_eq!(fresh.name, "Renamed");
        // Absence is never kept: a channel connected a moment ago is found at once.
        other.put_profile(&store::profile_for_tests("acc_1", "prf_2", inbox_domain::Network::Facebook, "page_unknown")).await.unwrap();
        assert!(stores.directory.find_profile(inbox_domain::Network::Facebook, "page_unknown").await.unwrap().is_some());
    }
}

mod queue {
    inbox_conformance::queue_conformance!(inbox_conformance::backends::sqs_queue());
}

mod mail {
    inbox_conformance::mail_conformance!(inbox_conformance::backends::ses_mail());
}

/// DynamoDB deletes expired records lazily (up to days late) and moto never does: the adapter
/// must ignore a record whose `ttl` has passed, and let a new one replace it. The records are
/// written raw, as an expired record DynamoDB has not deleted yet looks.
mod expiry {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_domain::ports::ConversationStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn expired_tombstones_and_early_edits_are_ignored_and_replaced() {
        let sdk = inbox_conformance::moto::sdk_config().await;
        let (client, table) = inbox_conformance::moto::table(&sdk).await;
        let store = inbox_aws::DynamoDbStore::new(client.clone(), table.clone());
        let now = chrono::Utc::now();
        let (s, n) = (|v: &str| AttributeValue::S(v.into()), |v: i64| AttributeValue::N(v.to_string()));
        let expired = now.timestamp() - 60;
        let far_future_us = (now + chrono::Duration::days(365)).timestamp_micros();
        for (sk, text) in [("D", None), ("E", Some("an edit from long ago"))] {
            let mut put = client
                .put_item()
                .table_name(&table)
                .item("pk", s("G#prf_1#p1"))
                .item("sk", s(sk))
                .item("at", n(far_future_us))
                .item("ttl", n(expired));
            if let Some(t) = text {
                put = put.item("text", s(t));
            }
            put.send().await.expect("put a raw record on moto");
        }
        let profile = "prf_1".into();
        assert!(!store.is_tombstoned(&profile, "p1").await.unwrap(), "an expired tombstone is no tombstone");
        assert_eq!(store.early_edit(&profile, "p1").await.unwrap(), None, "an expired early edit is none");
        // New ones take their place, though the expired ones claim a later time.
        store.put_tombstone(&profile, "p1", now).await.unwrap();
        store.put_early_edit(&profile, "p1", "the edit of today", now).await.unwrap();
        assert!(store.is_tombstoned(&profile, "p1").await.unwrap());
        assert_eq!(store.early_edit(&profile, "p1").await.unwrap().as_deref(), Some("the edit of today"));
    }
}

/// Reply `i` to tweet 1000 of the X profile 42 (reply 0 is the tweet itself), at `at`.
fn x_reply(i: u64, at: inbox_domain::Timestamp) -> inbox_domain::ingest::InboundEvent {
    use inbox_domain::ingest::{Change, InboundEvent, ThreadRef};
    use inbox_domain::*;
    InboundEvent {
        network: Network::Twitter,
        profile_external_id: "42".into(),
        platform_id: format!("{}", 1_000 + i),
        thread: ThreadRef {
            kind: Kind::Reply,
            thread_key: "1000".into(),
            parent_platform_id: (i > 0).then(|| "1000".into()),
            post_id: None,
        },
        occurred_at: at,
        change: Change::Posted {
            direction: Direction::Inbound,
            text: format!("reply {i} about the tent"),
            author: Author { id: format!("u{i}"), name: "Fan".into(), handle: "fan".into() },
            correlation: None,
        },
        sponsored: false,
    }
}

/// Issue #10.7 on DynamoDB: appending to a thread costs the same capacity whatever its length
/// (the append reads the conversation and the platform id, and writes them with the item;
/// nothing of the thread's other items).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appending_to_a_thread_costs_the_same_whatever_its_length() {
    use inbox_domain::*;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let meter = inbox_aws::dynamo::CapacityMeter::new();
    let store = std::sync::Arc::new(inbox_aws::DynamoDbStore::new(client, table).with_client(meter.client(&config)));
    let stores = inbox_conformance::store::Stores::of(store, Box::new(()));
    let dir = tempfile::tempdir().unwrap();
    let deps = inbox_conformance::store::deps_over(
        &stores,
        std::sync::Arc::new(inbox_domain::ports::SystemClock),
        dir.path(),
        "http://127.0.0.1:9",
    );
    let now = chrono::Utc::now();
    stores.directory.put_account(&Account { id: "acc_t".into(), name: "T".into(), created_at: now }).await.unwrap();
    let profile = Profile {
        id: "prf_x".into(),
        account_id: "acc_t".into(),
        network: Network::Twitter,
        external_id: "42".into(),
        name: "X".into(),
        handle: "x".into(),
        credentials: Credentials::default(),
        bot_app_id: None,
        created_at: now,
    };
    stores.directory.put_profile(&profile).await.unwrap();
    let reply = |i: u64| x_reply(i, now);
    let cost_of = |i: u64| {
        let (deps, meter) = (deps.clone(), meter.clone());
        async move {
            let before = meter.units();
            let outcome = inbox_domain::usecases::ingest(&deps, &reply(i)).await.unwrap();
            assert!(matches!(outcome, inbox_domain::usecases::IngestOutcome::Appended(_)), "{outcome:?}");
            meter.units() - before
        }
    };
    inbox_domain::usecases::ingest(&deps, &reply(0)).await.unwrap();
    let early = cost_of(1).await;
    for i in 2..120 {
        inbox_domain::usecases::ingest(&deps, &reply(i)).await.unwrap();
    }
    let late = cost_of(120).await;
    assert_eq!(
        (late.requests, late.read_units, late.write_units),
        (early.requests, early.read_units, early.write_units),
        "{early:?} vs {late:?}"
    );
}

/// A busy thread's feed entry moves at most once a second (`FEED_MOVE_US`): replies within the
/// second move its activity time, not its index entry (no index write); one a second and a half
/// later moves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_threads_feed_entry_moves_at_most_once_a_second() {
    use inbox_domain::*;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let meter = inbox_aws::dynamo::CapacityMeter::new();
    let store = std::sync::Arc::new(inbox_aws::DynamoDbStore::new(client.clone(), table.clone()).with_client(meter.client(&config)));
    let stores = inbox_conformance::store::Stores::of(store, Box::new(()));
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::DateTime::from_timestamp_millis(chrono::Utc::now().timestamp_millis()).unwrap();
    let clock = std::sync::Arc::new(inbox_conformance::store::ManualClock(std::sync::Mutex::new(start)));
    let deps = inbox_conformance::store::deps_over(&stores, clock.clone(), dir.path(), "http://127.0.0.1:9");
    stores.directory.put_account(&Account { id: "acc_t".into(), name: "T".into(), created_at: start }).await.unwrap();
    let mut profile = inbox_conformance::store::profile_for_tests("acc_t", "prf_x", Network::Twitter, "42");
    profile.credentials = Credentials::default();
    stores.directory.put_profile(&profile).await.unwrap();
    let reply = |i: u64| x_reply(i, start);
    let at = |ms: i64| *clock.0.lock().unwrap() = start + chrono::Duration::milliseconds(ms);
    let feed_sk = || {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let cid = ConversationId::for_thread(&"prf_x".into(), "1000");
            let r = client
                .get_item()
                .table_name(&table)
                .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("C#{cid}")))
                .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("C".into()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap();
            let sk = r["g1sk"].as_s().unwrap().clone();
            let lra: i64 = r["lra"].as_n().unwrap().parse().unwrap();
            (sk[..20].parse::<i64>().unwrap(), lra)
        }
    };
    inbox_domain::usecases::ingest(&deps, &reply(0)).await.unwrap();
    let (created, _) = feed_sk().await;
    let before = meter.units();
    for i in 1..=30 {
        at(i as i64 * 20);
        inbox_domain::usecases::ingest(&deps, &reply(i)).await.unwrap();
    }
    let within = meter.units() - before;
    let (entry, activity) = feed_sk().await;
    assert_eq!(entry, created, "30 replies within 600 ms: the entry stays");
    assert_eq!(activity, created + 600_000, "the activity time moves with each");
    assert_eq!(within.index_write_units, 0, "{within:?}");
    at(1_500);
    inbox_domain::usecases::ingest(&deps, &reply(31)).await.unwrap();
    let (entry, activity) = feed_sk().await;
    assert_eq!((entry, activity), (created + 1_500_000, created + 1_500_000), "a second and a half on: moved");
    let query = inbox_domain::ports::FeedQuery {
        account_id: "acc_t".into(),
        viewer: "usr_t".into(),
        profiles: vec!["prf_x".into()],
        status: Some(Status::Open),
        assignee: None,
        networks: vec![],
        kinds: vec![],
        sponsored: None,
        seen: None,
        search: Default::default(),
        after: None,
        limit: 10,
    };
    assert_eq!(stores.conversations.feed(&query).await.unwrap().entries.len(), 1, "in the open feed");
}

/// Issue #10.6 on DynamoDB: subscriptions made before the account's count was kept count
/// against the limit (the count is made from them, once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_made_before_the_count_count_against_the_limit() {
    use inbox_domain::error::PortError;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let store = inbox_aws::DynamoDbStore::new(client.clone(), table.clone());
    let sub = || inbox_conformance::store::new_subscription("acc_legacy");
    use inbox_domain::ports::SubscriptionStore;
    for _ in 0..3 {
        store.insert_subscription(&sub(), 50).await.unwrap();
    }
    // As a table written before the count existed: the subscriptions, no count.
    let key = |pk: &str, sk: &str| {
        std::collections::HashMap::from([
            ("pk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(pk.into())),
            ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S(sk.into())),
        ])
    };
    client.delete_item().table_name(&table).set_key(Some(key("A#acc_legacy", "WCOUNT"))).send().await.unwrap();
    assert!(matches!(store.insert_subscription(&sub(), 3).await, Err(PortError::LimitReached)), "three held already");
    store.insert_subscription(&sub(), 4).await.expect("room for a fourth");
    assert!(matches!(store.insert_subscription(&sub(), 4).await, Err(PortError::LimitReached)));
}

/// Tabs stored in the older layout (a `T#<tab>` record each, a marker without the set) are read
/// as they are, and the first change moves them into the marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_of_the_older_layout_are_read_and_moved_on_the_first_change() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use inbox_domain::ports::TabStore;
    let config = inbox_conformance::moto::sdk_config().await;
    let (client, table) = inbox_conformance::moto::table(&config).await;
    let store = inbox_aws::DynamoDbStore::new(client.clone(), table.clone());
    let item = |sk: &str, doc: Option<String>| {
        let mut m = std::collections::HashMap::from([
            ("pk".to_string(), AttributeValue::S("U#usr_old".into())),
            ("sk".to_string(), AttributeValue::S(sk.into())),
        ]);
        if let Some(d) = doc {
            m.insert("doc".into(), AttributeValue::S(d));
        }
        m
    };
    client.put_item().table_name(&table).set_item(Some(item("TABS", None))).send().await.unwrap();
    for (i, name) in ["Inbox", "Mine"].iter().enumerate() {
        let doc = serde_json::json!({"id": format!("tab_old{i}"), "name": name, "position": i, "filters": {}, "query": ""}).to_string();
        client.put_item().table_name(&table).set_item(Some(item(&format!("T#tab_old{i}"), Some(doc)))).send().await.unwrap();
    }
    let user: inbox_domain::UserId = "usr_old".into();
    let set = store.tabs_or_init(&user, &inbox_domain::tabs::default_tabs(&user)).await.unwrap();
    assert_eq!(set.tabs.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Inbox", "Mine"], "read as they are, no defaults");
    let renamed = inbox_domain::tabs::Tab { name: "Mine, renamed".into(), ..set.tabs[1].clone() };
    store.write_tabs(&user, set.version, &[renamed], &[]).await.unwrap();
    let after = store.tabs_or_init(&user, &[]).await.unwrap();
    assert_eq!(after.tabs.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Inbox", "Mine, renamed"]);
    let left = client
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :t)")
        .expression_attribute_values(":pk", AttributeValue::S("U#usr_old".into()))
        .expression_attribute_values(":t", AttributeValue::S("T#".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(left.count, 0, "the older records are gone");
}

/// The token key serves two purposes under two encryption contexts, which IAM grants apart: a
/// network token sealed for the networks' functions does not open under the integrations'
/// context (and the other way round), on moto's KMS as on KMS.
mod kms_purposes {
    use inbox_aws::KmsCipher;
    use inbox_aws::kms::{INTEGRATION_SECRETS, NETWORK_TOKENS};
    use inbox_domain::SecretString;
    use inbox_domain::ports::SecretCipher;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_secret_sealed_for_one_purpose_does_not_open_for_the_other() {
        let sdk = inbox_conformance::moto::sdk_config().await;
        let kms = inbox_aws::aws_sdk_kms::Client::new(&sdk);
        let key = kms.create_key().send().await.expect("a key on moto").key_metadata.expect("metadata").key_id;
        let networks = KmsCipher::new(&sdk, key.clone(), NETWORK_TOKENS);
        let integrations = KmsCipher::new(&sdk, key.clone(), INTEGRATION_SECRETS);
        let token = networks.seal("facebook:1", &SecretString::new("EAAG-page-token")).await.unwrap();
        assert_eq!(networks.open("facebook:1", &token).await.unwrap().expose(), "EAAG-page-token");
        assert!(integrations.open("facebook:1", &token).await.is_err(), "the integrations' context opens no network token");
        let secret = integrations.seal("webhook:whs_1", &SecretString::new("whsec_x")).await.unwrap();
        assert!(KmsCipher::new(&sdk, key, NETWORK_TOKENS).open("webhook:whs_1", &secret).await.is_err());
    }
}
