//! One conformance suite per port, run against both backends: the embedded adapters
//! (`inbox-sqlite`) and the AWS adapters (`inbox-aws`) on moto. A suite is a set of async
//! functions that take the port(s) to test; `tests/sqlite.rs` and `tests/aws.rs` instantiate
//! every one of them with the macros below, so both backends answer the same questions.
//!
//! - [`store`]: every store port (`DirectoryStore`, `ConversationStore`, `TabStore`,
//!   `NotificationStore`, `PollStore`, `HealthStore`, and the integrations'
//!   `SubscriptionStore`, `DeliveryStore`, `ApiKeyStore`, `SalesforceStore`).
//! - [`queue`]: the `Queue` port and what its consumers rely on (at-least-once delivery,
//!   visibility timeout, retries, dead-lettering), through a small harness per backend.
//! - [`mail`]: the `Mailer` port (once per id, subject and body as given, no header injection).
//!
//! The AWS side needs moto: `scripts/test.sh` starts `moto_server` and exports
//! `MOTO_ENDPOINT`. A test that needs moto and cannot reach it fails, with that said; it never
//! passes silently. Each test makes its own table, queues and identity (moto's reset is
//! global, tests run in parallel).

pub mod backends;
pub mod connect_store;
pub mod mail;
pub mod moto;
pub mod queue;
pub mod store;

/// Instantiates every store conformance test with `$make`, an async expression giving
/// [`store::Stores`].
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        $crate::store_conformance!(@tests $make;
            directory_round_trips_and_keeps_emails_and_presences_unique,
            a_profile_is_updated_only_as_it_was_read,
            deleting_a_user_unassigns_them_and_drops_their_tabs,
            one_thread_makes_one_conversation_and_one_platform_id_one_item,
            concurrent_first_events_of_a_thread_make_one_conversation,
            concurrent_first_events_of_a_thread_under_its_own_id_make_one_conversation,
            concurrent_appends_to_one_conversation_keep_every_item_and_the_newest_summary,
            a_write_against_a_stale_version_is_a_conflict_and_changes_nothing,
            items_notes_and_history_come_back_in_order,
            a_confirmed_send_replaces_its_echo,
            tombstones_and_early_edits_are_remembered,
            cached_posts_are_kept_per_profile_and_replaced,
            seen_marks_never_move_backwards,
            the_feed_is_newest_first_and_pages_without_gaps_or_repeats,
            the_feed_filters_like_the_tabs_ask,
            the_feed_orders_and_compares_seen_by_when_the_inbox_received,
            a_feed_position_of_another_account_is_refused,
            a_search_finds_exactly_what_the_search_rule_matches,
            a_search_finds_every_message_however_it_was_written,
            outbound_dms_are_found_by_recipient,
            saved_replies_stay_in_their_account_and_under_the_limit,
            tabs_are_initialised_once_and_never_recreated,
            concurrent_changes_to_one_tab_set_write_once,
            notifications_are_idempotent_newest_first_and_read_per_user,
            poll_schedules_leases_and_quotas,
            channel_health_keeps_the_newest_event_and_a_moving_gap,
            subscriptions_are_versioned_and_deleting_one_drops_its_deliveries,
            deliveries_are_scheduled_leased_and_listed_newest_first,
            api_keys_are_unique_by_hash_and_found_by_it,
            salesforce_connections_and_case_claims,
            subscriptions_are_replaced_only_at_the_version_read_and_stay_in_their_account,
            deliveries_are_due_on_schedule_leased_once_and_listed_newest_first,
            concurrent_workers_lease_each_delivery_once,
            racing_delivery_workers_send_each_attempt_exactly_once,
            a_delivery_run_sends_all_that_is_due_once,
            a_poll_run_polls_all_that_is_due_once,
            a_poll_run_never_polls_a_profile_twice,
            concurrent_creations_never_pass_the_subscription_limit,
            api_keys_are_found_by_hash_only_and_revoked_per_account,
            salesforce_connections_keep_refreshed_tokens_and_case_claims_are_exclusive_until_they_expire,
        );
        $crate::store_conformance!(@connect $make;
            a_sign_in_flow_changes_only_at_the_version_read,
            renewals_are_due_in_order_and_leased_to_one_worker_at_a_time,
            racing_renewers_take_one_lease,
            racing_ensured_renewals_take_one_lease,
            email_notifications_change_alone_and_never_recreate_a_user,
        );
    };
    (@connect $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let stores = $make.await;
                $crate::connect_store::$name(&stores).await;
            }
        )+
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let stores = $make.await;
                $crate::store::$name(&stores).await;
            }
        )+
    };
}

/// Instantiates every queue conformance test with `$make`, an async expression giving a
/// [`queue::QueueHarness`].
#[macro_export]
macro_rules! queue_conformance {
    ($make:expr) => {
        $crate::queue_conformance!(@tests $make;
            a_message_handed_back_comes_again_after_its_wait_and_not_before,
            a_message_is_hidden_while_in_flight_and_delivered_again_after_its_visibility_timeout,
            queues_are_separate_and_bodies_come_back_byte_for_byte,
            concurrent_sends_all_arrive_once_acked,
            a_batch_arrives_whole_and_once,
            a_message_that_keeps_failing_is_dead_lettered_after_the_last_attempt,
            a_message_never_answered_is_dead_lettered_after_its_last_delivery,
        );
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let harness = $make.await;
                $crate::queue::$name(&harness).await;
            }
        )+
    };
}

/// Instantiates every mailer conformance test with `$make`, an async expression giving a
/// [`mail::MailHarness`].
#[macro_export]
macro_rules! mail_conformance {
    ($make:expr) => {
        $crate::mail_conformance!(@tests $make;
            an_email_is_sent_once_per_id,
            an_email_has_text_and_html_parts_and_a_one_click_unsubscribe,
            subject_and_recipient_cannot_inject_headers,
        );
    };
    (@tests $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let harness = $make.await;
                $crate::mail::$name(&harness).await;
            }
        )+
    };
}
