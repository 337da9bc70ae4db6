//! The fanout Lambda: batches of the table's DynamoDB stream through `fn_fanout::handle`.
// The stream handler's future (the adapter's reads and sends inside the runtime's service)
// is nested deeper than the default limit lets the compiler lay out.
#![recursion_limit = "256"]

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    // Keeps each account's subscriptions and Salesforce connection 30 s (which events anything
    // takes), as the integrations function does.
    let aws = Aws::connect(&config).await.keeping_lookups();
    runtime::run_stream(move |records| {
        let aws = aws.clone();
        async move { fn_fanout::handle(&aws.store, &aws.queue, records).await }
    })
    .await
}
