//! The ingest Lambda: SQS batches of the `ingest` queue, each message through the handler the
//! local runner's worker runs (`fn_ingest::handle_message`), failures reported per message; a
//! message refused for throughput handed back with a short wait (`fn_ingest::busy_wait`).

use inbox_lambda::runtime::{self, Aws, LambdaConfig};
use inbox_lambda::sqs_batch::Disposition;

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await.keeping_lookups();
    let deps = aws.deps(&config)?;
    // An event refused for throughput comes back after a short wait (`fn_ingest::busy_wait`).
    runtime::run_sqs_retrying(aws.queue.clone(), inbox_domain::messages::QueueName::Ingest, move |body: Vec<u8>, receives: u32| {
        let deps = deps.clone();
        async move {
            match fn_ingest::handle_message(&deps, &body).await {
                Ok(_) => Ok(Disposition::Done),
                Err(e) => match fn_ingest::busy_wait(&e, receives) {
                    Some(wait) => Ok(Disposition::RetryIn(wait)),
                    None => Err(e),
                },
            }
        }
    })
    .await
}
