//! The webhook Lambda: the same routes the local runner serves (`fn_webhook::router`), behind
//! API Gateway, with the platforms' secrets read once from SSM.

use inbox_lambda::runtime::{self, Aws, LambdaConfig, Secrets, WebSecrets};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await;
    let path = config.secrets_path()?;
    let secrets = WebSecrets::webhook(&Secrets::load(&aws.ssm, path).await?, path)?;
    let state = runtime::web_state(aws.deps(&config)?, &config, &secrets);
    runtime::run_http(runtime::http_app(fn_webhook::router(), state)).await
}
