//! The actions Lambda: SQS batches of the `actions` queue through `fn_actions::handle_delivery`
//! with the networks' HTTP client, built once.

use inbox_lambda::runtime::{self, Aws, LambdaConfig};
use inbox_lambda::sqs_batch::Disposition;

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await.with_sign_in(&config).await?;
    let deps = aws.deps(&config)?;
    let client = aws.platform_client(&config)?;
    let max_receives = config.actions_max_receives;
    runtime::run_sqs_retrying(aws.queue.clone(), inbox_domain::messages::QueueName::Actions, move |body: Vec<u8>, receives: u32| {
        let (deps, client) = (deps.clone(), client.clone());
        async move {
            Ok::<_, fn_actions::ActionsError>(
                match fn_actions::handle_delivery(&deps, client.as_ref(), &body, receives >= max_receives).await? {
                    None => Disposition::Done,
                    Some(wait) => Disposition::RetryIn(wait),
                },
            )
        }
    })
    .await
}
