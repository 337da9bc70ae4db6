//! What the Lambda functions share around the handlers the local runner runs too.
//!
//! - [`sqs_batch`]: an SQS event, handled one message at a time by a function's per-message
//!   handler, answered with the messages that failed (`ReportBatchItemFailures`), so that only
//!   those are retried. Plain Rust over the event types: testable without AWS.
//! - `runtime` (feature `runtime`, what the functions' `main.rs` use): JSON tracing, the typed
//!   configuration read once from the environment, secrets read once from SSM Parameter
//!   Store, the AWS adapters built once, the API Gateway claims layer, and the `run_*` entry
//!   points. Only Lambda builds (`--features lambda` on a function) compile it, with the AWS
//!   SDK and the Lambda runtime; the local runner never does.

pub mod sqs_batch;

#[cfg(feature = "runtime")]
pub mod runtime;

pub use aws_lambda_events;
