//! The AWS adapters: every store port on DynamoDB (one table, see `docs/aws.md`), the queue port
//! on SQS and the mailer port on SES (v2).
//!
//! - [`DynamoDbStore`]: `DirectoryStore`, `ConversationStore` (feeds, seen marks, search,
//!   tombstones, early edits), `TabStore`, `NotificationStore`, `PollStore`, `HealthStore`,
//!   and the integrations' `SubscriptionStore`, `DeliveryStore`, `ApiKeyStore`, `SalesforceStore`.
//! - [`SqsQueue`]: `Queue` (send), plus what a consumer outside Lambda needs: receive with long
//!   polling, ack, fail with backoff, depth (dead-lettering is SQS's redrive policy).
//! - [`SesMailer`]: `Mailer`, simple content with text and HTML bodies from a verified identity,
//!   idempotent by email id through a conditional record in the table.
//!
//! Clients are built by the caller, once (see [`sdk_config`]), and cloned into the adapters.

pub mod dynamo;
pub mod kms;
pub mod sdk;
pub mod ses;
pub mod sqs;

pub use dynamo::{DynamoDbStore, FeedBudget, schema};
pub use kms::KmsCipher;
pub use sdk::{sdk_config, sdk_config_for};
pub use ses::SesMailer;
pub use sqs::{SqsDelivery, SqsQueue};

pub use aws_config;
pub use aws_sdk_dynamodb;
pub use aws_sdk_kms;
pub use aws_sdk_sesv2;
pub use aws_sdk_sqs;
