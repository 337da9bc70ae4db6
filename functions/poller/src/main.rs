//! The poller Lambda: on each scheduled (EventBridge) event, one `fn_poller::run` with the
//! networks' pollers, built once.

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await.with_sign_in(&config).await?;
    let deps = aws.deps(&config)?;
    let poller = aws.platform_poller(&config)?;
    runtime::run_scheduled(move || {
        let (deps, poller) = (deps.clone(), poller.clone());
        async move {
            // At once, each within its own budget (renewals a minute, polls 50 s), so that
            // together they end within the function's 120 s timeout.
            let (renewed, polled) = tokio::join!(fn_poller::renew(&deps), fn_poller::run(&deps, poller.as_ref()));
            Ok::<_, inbox_domain::DomainError>((polled?, renewed?))
        }
    })
    .await
}
