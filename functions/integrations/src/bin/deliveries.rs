//! The deliveries Lambda: on each scheduled (EventBridge) event, one
//! `fn_integrations::run_deliveries` (the due webhook deliveries, under leases).

use inbox_lambda::runtime::{self, Aws, LambdaConfig};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let deps = Aws::connect(&config).await.deps(&config)?;
    runtime::run_scheduled(move || {
        let deps = deps.clone();
        async move { fn_integrations::run_deliveries(&deps).await }
    })
    .await
}
