//! The fanout function: the table's DynamoDB stream in, each committed change's notifications
//! and domain events out, on the `notify` and `events` queues (derived from the records the
//! change stored: `inbox_aws::dynamo::stream`). On AWS this is what sends them, so that a
//! function that dies right after its write loses none; the local runner has no stream (the
//! SQLite outbox is written in the change's transaction) and does not link this.

use inbox_aws::dynamo::{DynamoDbStore, StreamRecord};
use inbox_domain::error::PortError;
use inbox_domain::ports::Queue;

/// Sends what one batch of stream records tells others; returns how many messages. An error
/// fails the batch: the stream gives it again, and the same records give the same ids.
#[tracing::instrument(skip_all, fields(records = records.len()))]
pub async fn handle(store: &DynamoDbStore, queue: &dyn Queue, records: Vec<StreamRecord>) -> Result<usize, PortError> {
    let sent = store.forward(queue, &records).await?;
    tracing::info!(sent, "told a batch of changes");
    Ok(sent)
}
