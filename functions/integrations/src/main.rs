//! The integrations Lambda: SQS batches of the `events` queue through
//! `fn_integrations::handle_message` (webhook and Zapier deliveries, the Salesforce rule).

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let deps = Aws::connect(&config).await.keeping_lookups().deps(&config)?;
    runtime::run_sqs(move |body: Vec<u8>| {
        let deps = deps.clone();
        async move { fn_integrations::handle_message(&deps, &body).await }
    })
    .await
}
