//! The SDK's configuration and its errors, shared by the DynamoDB, SQS and SES adapters.

/// An SDK error as a port error, in words: the service's code and message (or what failed on
/// the way), never a panic. One for DynamoDB, SQS and SES: their errors share the SDK's types.
pub(crate) fn sdk_unavailable<E, R>(service: &str, e: aws_sdk_dynamodb::error::SdkError<E, R>) -> inbox_domain::error::PortError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = e.as_service_error().and_then(|s| s.code()).map(str::to_string);
    let words = match e.as_service_error() {
        Some(s) => format!("{service}: {}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => format!("{service}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)),
    };
    match code.as_deref() {
        // Refused for throughput after the SDK's own retries: worth trying again in a moment.
        Some("ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded") => {
            inbox_domain::error::PortError::Busy { words, source: Box::new(e) }
        }
        _ => inbox_domain::error::PortError::failed(words, e),
    }
}

/// The shared SDK configuration: region, credentials and endpoints from the environment
/// (`AWS_REGION`, the Lambda role, `AWS_ENDPOINT_URL` for moto), behavior version latest, and
/// [`timeouts`].
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts()).retry_config(retries()).load().await
}

/// How the SDK retries a call that failed in a way worth retrying (throttling, a 5xx, a
/// timeout): the standard mode's 3 attempts with exponential backoff and full jitter (the
/// first retry within 1 s, the second within 2 s). Named here so that the scale scenario
/// models the same retries the functions make.
pub fn retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
}

/// Every AWS call is bounded: a connection in 2 s, an attempt in 3 s, a call (its retries
/// included) in 10 s. A DynamoDB, SQS or SES call answers in milliseconds; one that does not is
/// failed and retried (by the SDK, then by the queue) rather than holding a function until its
/// own timeout (the webhook function's is 5 s).
pub fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(2))
        .operation_attempt_timeout(std::time::Duration::from_secs(3))
        .operation_timeout(std::time::Duration::from_secs(10))
        .build()
}

/// An SDK configuration pointed at one endpoint with static credentials (moto in tests).
pub async fn sdk_config_for(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::SdkError;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;

    #[test]
    fn an_sdk_error_keeps_its_source_and_says_which_service() {
        let e: SdkError<GetItemError, ()> = SdkError::construction_failure(std::io::Error::other("no region"));
        let port = super::sdk_unavailable("dynamodb", e);
        assert!(port.to_string().starts_with("dynamodb: "), "{port}");
        let source = std::error::Error::source(&port).expect("the chain is kept");
        assert!(source.downcast_ref::<SdkError<GetItemError, ()>>().is_some(), "{source:?}");
        assert!(!port.is_busy());
    }

    /// DynamoDB refusing for throughput (after the SDK's retries) is `Busy`: worth handing the
    /// work back for a moment; any other service error is not.
    #[test]
    fn a_throttled_call_is_busy() {
        use aws_sdk_dynamodb::error::ErrorMetadata;
        use aws_sdk_dynamodb::types::error::ProvisionedThroughputExceededException;
        let throttled = GetItemError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("Throughput exceeds the current capacity of your table or index.")
                .meta(ErrorMetadata::builder().code("ProvisionedThroughputExceededException").build())
                .build(),
        );
        let port = super::sdk_unavailable("dynamodb", SdkError::<GetItemError, ()>::service_error(throttled, ()));
        assert!(port.is_busy(), "{port}");
        assert!(port.to_string().contains("ProvisionedThroughputExceededException"), "{port}");
        let other = GetItemError::generic(ErrorMetadata::builder().code("ValidationException").build());
        assert!(!super::sdk_unavailable("dynamodb", SdkError::<GetItemError, ()>::service_error(other, ())).is_busy());
    }
}
