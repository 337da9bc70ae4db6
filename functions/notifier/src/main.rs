//! The notifier Lambda: SQS batches of the `notify` queue through `fn_notifier::handle_message`
//! (in-app notifications, and emails through SES from `INBOX_MAIL_FROM`).

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let mut config = LambdaConfig::from_env()?;
    config.mail_from()?;
    let aws = Aws::connect(&config).await;
    aws.mail_secrets(&mut config).await?;
    let deps = aws.deps(&config)?;
    runtime::run_sqs(move |body: Vec<u8>| {
        let deps = deps.clone();
        async move { fn_notifier::handle_message(&deps, &body).await }
    })
    .await
}
