//! The actions Lambda: SQS batches of the `actions` queue through `fn_actions::handle_message`
//! with the networks' HTTP client, built once.

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let deps = Aws::connect(&config).await.deps(&config)?;
    let client = runtime::platform_client(&config)?;
    runtime::run_sqs(move |body: Vec<u8>| {
        let (deps, client) = (deps.clone(), client.clone());
        async move { fn_actions::handle_message(&deps, client.as_ref(), &body).await }
    })
    .await
}
