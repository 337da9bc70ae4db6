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
    // The actions queue's maxReceiveCount (template.yaml): on the last delivery a failure is the
    // queue giving up, and the item is failed rather than left pending.
    let last_receive: u32 = std::env::var("INBOX_ACTIONS_MAX_RECEIVES").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    runtime::run_sqs_retrying(aws.queue.clone(), inbox_domain::ports::QueueName::Actions, move |body: Vec<u8>, receives: u32| {
        let (deps, client) = (deps.clone(), client.clone());
        async move {
            use inbox_domain::usecases::JobOutcome;
            use inbox_lambda::sqs_batch::Disposition;
            match fn_actions::handle_message(&deps, client.as_ref(), &body).await {
                Ok(JobOutcome::Done(_)) => Ok(Disposition::Done),
                // No receive left to come back with: fail the item now rather than let SQS
                // dead-letter the job with its item pending.
                Ok(JobOutcome::RetryIn(_)) if receives >= last_receive => {
                    let why = "the queue's deliveries of it ran out before the network took it";
                    fn_actions::abandon_message(&deps, &body, why).await?;
                    Ok(Disposition::Done)
                }
                Ok(JobOutcome::RetryIn(wait)) => Ok(Disposition::RetryIn(wait)),
                Err(e) => {
                    if receives >= last_receive
                        && let Err(why) = fn_actions::abandon_message(&deps, &body, &e.to_string()).await
                    {
                        tracing::error!(error = %why, "cannot mark the abandoned action's item failed");
                    }
                    Err(e)
                }
            }
        }
    })
    .await
}
