//! The AWS adapters: every store port on DynamoDB (one table, see `docs/aws.md`), the queue port
//! on SQS and the mailer port on SES (v2).
//!
//! - [`DynamoDbStore`]: `DirectoryStore`, `ConversationStore` (feeds, seen marks, search,
//!   tombstones, early edits), `TabStore`, `NotificationStore`, `PollStore`, `HealthStore`,
//!   and the integrations' `SubscriptionStore`, `DeliveryStore`, `ApiKeyStore`, `SalesforceStore`.
//!   Aliases name it by role (`DynamoDbConversationStore`, ...), like the SQLite adapters.
//! - [`SqsQueue`]: `Queue` (send), plus what a consumer outside Lambda needs: receive with long
//!   polling, ack, fail with backoff, depth (dead-lettering is SQS's redrive policy).
//! - [`SesMailer`]: `Mailer`, simple content with text and HTML bodies from a verified identity,
//!   idempotent by email id through a conditional record in the table.
//!
//! Clients are built by the caller, once (see [`sdk_config`]), and cloned into the adapters.

pub mod dynamo;
pub mod ses;
pub mod sqs;

pub use dynamo::{DynamoDbStore, FeedBudget, schema};
pub use ses::{SesMailer, render_html};
pub use sqs::{SqsDelivery, SqsQueue};

pub type DynamoDbDirectoryStore = DynamoDbStore;
pub type DynamoDbConversationStore = DynamoDbStore;
pub type DynamoDbTabStore = DynamoDbStore;
pub type DynamoDbNotificationStore = DynamoDbStore;
pub type DynamoDbPollStore = DynamoDbStore;
pub type DynamoDbHealthStore = DynamoDbStore;
pub type DynamoDbSubscriptionStore = DynamoDbStore;
pub type DynamoDbDeliveryStore = DynamoDbStore;
pub type DynamoDbApiKeyStore = DynamoDbStore;
pub type DynamoDbSalesforceStore = DynamoDbStore;

pub use aws_config;
pub use aws_sdk_dynamodb;
pub use aws_sdk_sesv2;
pub use aws_sdk_sqs;

/// An SDK error as a port error, in words: the service's code and message (or what failed on
/// the way), never a panic. One for DynamoDB, SQS and SES: their errors share the SDK's types.
pub(crate) fn sdk_unavailable<E, R>(service: &str, e: aws_sdk_dynamodb::error::SdkError<E, R>) -> inbox_domain::error::PortError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let words = match e.as_service_error() {
        Some(s) => format!("{service}: {}: {}", s.code().unwrap_or("error"), s.message().unwrap_or("")),
        None => format!("{service}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)),
    };
    inbox_domain::error::PortError::Unavailable(words)
}

/// The shared SDK configuration: region, credentials and endpoints from the environment
/// (`AWS_REGION`, the Lambda role, `AWS_ENDPOINT_URL` for moto), behavior version latest.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await
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
