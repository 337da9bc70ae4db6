//! The conformance suites on the AWS adapters (DynamoDB, SQS, SES) against moto. Needs
//! `MOTO_ENDPOINT` (scripts/test.sh starts moto_server and sets it); fails without it.

mod store {
    inbox_conformance::store_conformance!(inbox_conformance::backends::dynamodb());

    /// With a tiny budget a search answers in many short pages, each with a position to go
    /// on from, and still finds exactly what the rule matches.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_search_that_runs_out_of_budget_goes_on_from_where_it_stopped() {
        let tiny = inbox_aws::FeedBudget { max_examined: 4, max_searched: 2, index_page: 3 };
        let stores = inbox_conformance::backends::dynamodb_with(tiny).await;
        inbox_conformance::store::a_search_finds_exactly_what_the_search_rule_matches(&stores).await;
        let stores = inbox_conformance::backends::dynamodb_with(tiny).await;
        inbox_conformance::store::the_feed_filters_like_the_tabs_ask(&stores).await;
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
