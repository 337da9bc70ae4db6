//! The API Lambda: the same router the local runner serves (`fn_api::router`), behind API
//! Gateway's JWT authorizer, whose verified claims name the caller. The cursor key is read
//! once from SSM.

use inbox_lambda::runtime::{self, Aws, LambdaConfig, Secrets, WebSecrets};

#[tokio::main]
async fn main() -> Result<(), runtime::Error> {
    runtime::init_tracing();
    let mut config = LambdaConfig::from_env()?;
    let aws = Aws::connect(&config).await.with_sign_in(&config).await?;
    aws.mail_secrets(&mut config).await?;
    let path = config.secrets_path()?;
    let secrets = WebSecrets::api(&Secrets::load(&aws.ssm, path).await?, path, &config.auth)?;
    let state = runtime::web_state(aws.deps(&config)?, &config, &secrets);
    runtime::run_http(runtime::http_app(fn_api::router(), state)).await
}
