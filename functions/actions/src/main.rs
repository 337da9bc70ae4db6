//! The actions Lambda: SQS batches of the `actions` queue through `fn_actions::handle_message`
//! with the networks' HTTP client, built once.

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await;
    let deps = aws.deps(&config)?;
    let client = runtime::platform_client(&config)?;
    runtime::run_sqs_retrying(aws.queue.clone(), inbox_domain::ports::QueueName::Actions, move |body: Vec<u8>| {
        let (deps, client) = (deps.clone(), client.clone());
        async move {
            use inbox_domain::usecases::JobOutcome;
            use inbox_lambda::sqs_batch::Disposition;
            fn_actions::handle_message(&deps, client.as_ref(), &body).await.map(|o| match o {
                JobOutcome::Done(_) => Disposition::Done,
                JobOutcome::RetryIn(wait) => Disposition::RetryIn(wait),
            })
        }
    })
    .await
}
