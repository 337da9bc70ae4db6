//! The two backends, each made fresh for one test.

use crate::mail::{MailHarness, OutboxHarness, SesHarness};
use crate::queue::{MAX_ATTEMPTS, QueueHarness, SqliteHarness, SqsHarness};
use crate::store::Stores;
use inbox_aws::{DynamoDbStore, FeedBudget, SesMailer, SqsQueue};
use inbox_sqlite::{Db, DbConfig, OutboxMailer, SqliteQueue, SqliteStore};
use std::sync::Arc;

fn temp_db() -> (tempfile::TempDir, Arc<Db>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(DbConfig::new(dir.path().join("conformance.db"))).expect("db opens");
    (dir, db)
}

/// Every store port on a fresh SQLite file.
pub async fn sqlite() -> Stores {
    let (dir, db) = temp_db();
    Stores::of(Arc::new(SqliteStore::new(db)), Box::new(dir))
}

/// Every store port on a fresh DynamoDB table on moto.
pub async fn dynamodb() -> Stores {
    dynamodb_with(FeedBudget::default()).await
}

/// The same with another feed budget (a small one makes searches page by budget).
pub async fn dynamodb_with(budget: FeedBudget) -> Stores {
    let config = crate::moto::sdk_config().await;
    let (client, table) = crate::moto::table(&config).await;
    Stores::of(Arc::new(DynamoDbStore::new(client, table).with_feed_budget(budget)), Box::new(()))
}

/// The store an event-consuming function uses: keeping its lookups for a while
/// (`DynamoDbStore::with_lookup_cache`), and a second store on the same table, as another
/// function would be.
pub async fn dynamodb_keeping_lookups(ttl: std::time::Duration) -> (Stores, Arc<DynamoDbStore>) {
    let config = crate::moto::sdk_config().await;
    let (client, table) = crate::moto::table(&config).await;
    let other = Arc::new(DynamoDbStore::new(client.clone(), table.clone()));
    (Stores::of(Arc::new(DynamoDbStore::new(client, table).with_lookup_cache(ttl)), Box::new(())), other)
}

pub async fn sqlite_queue() -> impl QueueHarness {
    let (dir, db) = temp_db();
    let mut q = SqliteQueue::new(db);
    q.max_attempts = MAX_ATTEMPTS;
    SqliteHarness::new(q, dir)
}

pub async fn sqs_queue() -> impl QueueHarness {
    let config = crate::moto::sdk_config().await;
    let (client, urls, dlqs) = crate::moto::queues(&config, MAX_ATTEMPTS).await;
    SqsHarness::new(SqsQueue::new(client.clone(), urls), client, dlqs)
}

pub async fn outbox_mail() -> impl MailHarness {
    let dir = tempfile::tempdir().expect("temp dir");
    let mailer = OutboxMailer::new(dir.path().join("outbox"), "inbox@localhost").expect("outbox");
    OutboxHarness::new(mailer, dir)
}

pub async fn ses_mail() -> impl MailHarness {
    let config = crate::moto::sdk_config().await;
    let (dynamo, table) = crate::moto::table(&config).await;
    let (ses, from) = crate::moto::identity(&config).await;
    SesHarness::new(SesMailer::new(ses, &from, DynamoDbStore::new(dynamo, table)), from)
}
