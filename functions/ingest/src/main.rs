//! The ingest Lambda: SQS batches of the `ingest` queue, each message through the handler the
//! local runner's worker runs (`fn_ingest::handle_message`), failures reported per message.

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let deps = Aws::connect(&config).await.keeping_lookups().deps(&config)?;
    runtime::run_sqs(move |body: Vec<u8>| {
        let deps = deps.clone();
        async move { fn_ingest::handle_message(&deps, &body).await }
    })
    .await
}
