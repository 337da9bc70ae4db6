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
