//! The baseline of `lambda-start`: the smallest `lambda_runtime` function (it echoes its
//! event), built and started exactly like the inbox's functions, so that the difference
//! between the two start-up times is what the inbox's own start costs (configuration, SDK
//! clients, secrets from SSM, the router).

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move { Ok::<Value, Error>(event.payload) })).await
}
