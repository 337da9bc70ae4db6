//! The Lambda side of the functions: everything a `main.rs` wires, once per execution
//! environment (cold start), before the first event.
//!
//! ```text
//! init_tracing();                                   // JSON lines to CloudWatch
//! let config = LambdaConfig::from_env()?;           // typed, a missing variable names itself
//! let aws = Aws::connect(&config).await;            // SDK clients, built once
//! let deps = aws.deps(&config)?;                    // the adapters behind the domain's ports
//! run_sqs(|body| fn_ingest::handle_message(&deps, &body)).await   // or run_http / run_scheduled
//! ```

mod claims;
mod config;
mod secrets;

pub use claims::{gateway_claims, verified_claims};
pub use config::{ConfigError, LambdaConfig};
pub use secrets::{Secrets, WebSecrets};

pub use lambda_http;
pub use lambda_runtime;

use crate::sqs_batch::handle_batch;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use inbox_aws::{DynamoDbStore, SesMailer, SqsQueue};
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{Email, Grant, Mailer, SecretCipher, SignInError, SignedInPresence, SystemClock};
use inbox_domain::usecases::Deps;
use inbox_web::{AppState, WebConfig};
use lambda_runtime::{LambdaEvent, service_fn};
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

pub type Error = lambda_runtime::Error;

/// JSON log lines (one object per event, with its span's fields), filtered by `INBOX_LOG`
/// (or `RUST_LOG`), `info` by default. CloudWatch adds the time and request id.
pub fn init_tracing() {
    let filter = std::env::var("INBOX_LOG").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .init();
}

/// How long an event-consuming function keeps a profile, an account's subscriptions and its
/// Salesforce connection (docs/aws.md, "A viral spike"): a change made elsewhere reaches it
/// within this.
pub const LOOKUP_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The SDK clients, built once per execution environment.
#[derive(Clone)]
pub struct Aws {
    pub sdk: aws_config::SdkConfig,
    pub store: DynamoDbStore,
    pub queue: SqsQueue,
    pub ses: inbox_aws::aws_sdk_sesv2::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// Seals and opens network tokens: KMS with `INBOX_TOKEN_KEY_ID`, nothing otherwise.
    pub cipher: Arc<dyn SecretCipher>,
    /// Seals and opens the integrations' secrets: the same key under another encryption
    /// context, which IAM grants apart (`template.yaml`).
    pub integration_cipher: Arc<dyn SecretCipher>,
    /// The networks' sign-in: no app registered until [`Aws::with_sign_in`] reads their secrets.
    pub signin: Arc<dyn inbox_domain::ports::SignIn>,
}

impl Aws {
    /// Region, credentials and endpoints come from the environment (the function's role on
    /// Lambda; `AWS_ENDPOINT_URL` in tests).
    pub async fn connect(config: &LambdaConfig) -> Self {
        Self::with_sdk(inbox_aws::sdk_config().await, config)
    }

    pub fn with_sdk(sdk: aws_config::SdkConfig, config: &LambdaConfig) -> Self {
        let mut store = DynamoDbStore::new(inbox_aws::aws_sdk_dynamodb::Client::new(&sdk), config.table.clone());
        if config.fanout_from_stream {
            store = store.fanning_out_from_stream();
        }
        let queue = SqsQueue::new(inbox_aws::aws_sdk_sqs::Client::new(&sdk), config.queues.clone());
        let ses = inbox_aws::aws_sdk_sesv2::Client::new(&sdk);
        let ssm = aws_sdk_ssm::Client::new(&sdk);
        let cipher_for = |purpose: &'static str| -> Arc<dyn SecretCipher> {
            match &config.token_key_id {
                Some(key) => Arc::new(inbox_aws::KmsCipher::new(&sdk, key.clone(), purpose)),
                None => Arc::new(NoCipher),
            }
        };
        let (cipher, integration_cipher) = (cipher_for(inbox_aws::kms::NETWORK_TOKENS), cipher_for(inbox_aws::kms::INTEGRATION_SECRETS));
        // No HTTP client for a sign-in most functions never make (a cold start builds none).
        let signin: Arc<dyn inbox_domain::ports::SignIn> = Arc::new(NoSignIn);
        Self { sdk, store, queue, ses, ssm, cipher, integration_cipher, signin }
    }

    /// The same clients, the store keeping the lookups an event consumer repeats (see
    /// `DynamoDbStore::with_lookup_cache`) for [`LOOKUP_TTL`]: the ingest and integrations
    /// functions.
    pub fn keeping_lookups(mut self) -> Self {
        self.store = self.store.with_lookup_cache(LOOKUP_TTL);
        self
    }

    /// Reads `unsubscribe-key` from `INBOX_MAIL_SECRETS_PATH` into the settings (once, at
    /// start): notification emails then carry a one-click unsubscribe, which the API verifies.
    pub async fn mail_secrets(&self, config: &mut LambdaConfig) -> Result<(), ConfigError> {
        let Some(path) = config.mail_secrets_path.clone() else { return Ok(()) };
        let secrets = Secrets::load(&self.ssm, &path).await?;
        match secrets.get("unsubscribe-key") {
            Some(key) => config.settings.unsubscribe_key = Some(inbox_domain::SecretString::new(key.expose())),
            // A stack upgraded before the key was made: emails go without List-Unsubscribe
            // (their settings link stays) until it is.
            None => tracing::warn!(path = %path, "no unsubscribe-key: notification emails carry no one-click unsubscribe"),
        }
        Ok(())
    }

    /// The networks' sign-in with the apps registered with them: ids from the environment
    /// (`INBOX_META_APP_ID`, `INBOX_X_CLIENT_ID`, `INBOX_LINKEDIN_CLIENT_ID`,
    /// `INBOX_GOOGLE_CLIENT_ID`), secrets read once from `INBOX_SIGNIN_SECRETS_PATH`.
    pub async fn with_sign_in(mut self, config: &LambdaConfig) -> Result<Self, ConfigError> {
        let Some(path) = &config.signin_secrets_path else { return Ok(self) };
        let secrets = Secrets::load(&self.ssm, path).await?;
        let secret = |name: &str| secrets.get(name).map(|s| inbox_domain::SecretString::new(s.expose()));
        let lookup = |k: &str| match k {
            "INBOX_X_CLIENT_SECRET" => secret("x-client-secret").map(|s| s.expose().to_string()),
            "INBOX_GOOGLE_CLIENT_SECRET" => secret("google-client-secret").map(|s| s.expose().to_string()),
            k => std::env::var(k).ok(),
        };
        let signin_config = inbox_networks::SignInConfig::from_lookup(lookup, secret("meta-app-secret"), secret("linkedin-client-secret"));
        let signin = inbox_networks::HttpSignIn::new(config.networks.clone(), signin_config, Arc::new(SystemClock))
            .map_err(|e| ConfigError(format!("cannot build the networks' sign-in: {e}")))?;
        self.signin = Arc::new(signin);
        Ok(self)
    }

    /// The same, with a DynamoDB client whose requests `meter` counts (capacity units, as
    /// on-demand billing counts them: the moto end-to-end test reads the units per event).
    pub fn with_meter(mut self, meter: &inbox_aws::dynamo::CapacityMeter) -> Self {
        self.store = self.store.with_client(meter.client(&self.sdk));
        self
    }

    /// The same, with other DynamoDB and SQS clients (a scenario's, whose interceptors keep its
    /// simulated time).
    pub fn with_clients(mut self, dynamodb: inbox_aws::aws_sdk_dynamodb::Client, sqs: inbox_aws::aws_sdk_sqs::Client) -> Self {
        self.store = self.store.with_client(dynamodb);
        self.queue = self.queue.with_client(sqs);
        self
    }

    /// The domain's ports on the AWS adapters. Each function is granted (IAM) only what its
    /// handlers call; the rest are here but never used.
    pub fn deps(&self, config: &LambdaConfig) -> Result<Deps, ConfigError> {
        let store = Arc::new(self.store.clone());
        let mailer: Arc<dyn Mailer> = match &config.mail_from {
            Some(from) => Arc::new(SesMailer::new(self.ses.clone(), from, self.store.clone())),
            None => Arc::new(NoMailer),
        };
        let outbound = inbox_integrations::outbound(config.egress.clone(), self.integration_cipher.clone())
            .map_err(|e| ConfigError(format!("cannot build the integrations' HTTP clients: {e}")))?;
        let networks = self.platform_client(config)?;
        Ok(Deps::on_store(
            store,
            Arc::new(self.queue.clone()),
            mailer,
            Arc::new(SystemClock),
            config.settings.clone(),
            outbound,
            inbox_domain::usecases::NetworkPorts { client: networks, cipher: self.cipher.clone(), signin: self.signin.clone() },
        )
        .pausing(Arc::new(JitteredPause)))
    }

    /// The networks' HTTP client (replies, likes, DMs, thread control), built once.
    pub fn platform_client(&self, config: &LambdaConfig) -> Result<Arc<dyn inbox_domain::ports::PlatformClient>, ConfigError> {
        let client = inbox_networks::HttpPlatformClient::new(config.networks.clone(), self.cipher.clone())
            .map_err(|e| ConfigError(format!("cannot build the networks' client: {e}")))?;
        Ok(Arc::new(client))
    }

    /// The networks' pollers, built once.
    pub fn platform_poller(&self, config: &LambdaConfig) -> Result<Arc<dyn inbox_domain::ports::PlatformPoller>, ConfigError> {
        let poller = inbox_networks::HttpPlatformPoller::new(config.networks.clone(), self.cipher.clone())
            .map_err(|e| ConfigError(format!("cannot build the networks' poller: {e}")))?;
        Ok(Arc::new(poller))
    }
}

/// Waits on tokio's timer a random time up to what the use cases ask (full jitter).
struct JitteredPause;

#[async_trait::async_trait]
impl inbox_domain::ports::Pause for JitteredPause {
    async fn up_to(&self, ceiling: std::time::Duration) {
        tokio::time::sleep(ceiling.mul_f64(fastrand::f64())).await;
    }
}

/// The sign-in of functions that connect no channel and renew no token (the webhook, ingest,
/// notifier, integrations and deliveries functions; and any before [`Aws::with_sign_in`]).
struct NoSignIn;

#[async_trait::async_trait]
impl inbox_domain::ports::SignIn for NoSignIn {
    fn configured(&self, _: inbox_domain::Network) -> Result<(), String> {
        Err("this function connects no channel: it has no INBOX_SIGNIN_SECRETS_PATH".into())
    }
    fn authorize_url(&self, n: inbox_domain::Network, _: &str, _: &str, _: &str) -> Result<String, SignInError> {
        Err(SignInError::NotConfigured(self.configured(n).unwrap_err()))
    }
    async fn exchange(&self, n: inbox_domain::Network, _: &str, _: &str, _: &str) -> Result<Grant, SignInError> {
        Err(SignInError::NotConfigured(self.configured(n).unwrap_err()))
    }
    async fn presences(&self, n: inbox_domain::Network, _: &Grant) -> Result<Vec<SignedInPresence>, SignInError> {
        Err(SignInError::NotConfigured(self.configured(n).unwrap_err()))
    }
    async fn subscribe(&self, n: inbox_domain::Network, _: &str, _: &inbox_domain::SecretString) -> Result<Option<bool>, SignInError> {
        Err(SignInError::NotConfigured(self.configured(n).unwrap_err()))
    }
    async fn refresh(&self, n: inbox_domain::Network, _: &inbox_domain::SecretString) -> Result<Grant, SignInError> {
        Err(SignInError::NotConfigured(self.configured(n).unwrap_err()))
    }
}

/// The cipher of functions given no token key: they store no token and call no network.
struct NoCipher;

#[async_trait::async_trait]
impl SecretCipher for NoCipher {
    async fn seal(&self, _: &str, _: &inbox_domain::SecretString) -> PortResult<inbox_domain::Sealed> {
        Err(PortError::Unavailable("this function has no INBOX_TOKEN_KEY_ID: it stores no network token".into()))
    }
    async fn open(&self, _: &str, _: &inbox_domain::Sealed) -> PortResult<inbox_domain::SecretString> {
        Err(PortError::Unavailable("this function has no INBOX_TOKEN_KEY_ID: it opens no network token".into()))
    }
}

/// The mailer of functions that send no email (only the notifier has `INBOX_MAIL_FROM`).
struct NoMailer;

#[async_trait::async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _: &Email) -> PortResult<()> {
        Err(PortError::Unavailable("this function has no INBOX_MAIL_FROM: it sends no email".into()))
    }
}

/// The state of an HTTP function: its deps and its web configuration, with the secrets it
/// was given (anything it was not given is a random key nobody knows).
pub fn web_state(deps: Deps, config: &LambdaConfig, secrets: &WebSecrets) -> AppState {
    let web = WebConfig {
        auth: config.auth.clone(),
        jwt_secret: secrets.jwt_secret.clone(),
        meta_app_secret: secrets.meta_app_secret.clone(),
        meta_verify_token: secrets.meta_verify_token.clone(),
        x_consumer_secret: secrets.x_consumer_secret.clone(),
        linkedin_client_secret: secrets.linkedin_client_secret.clone(),
        cursor_key: secrets.cursor_key.clone(),
        max_body_bytes: config.max_body_bytes,
    };
    AppState { deps, config: Arc::new(web) }
}

/// A function's routes with the layers every deployment adds (`inbox_web::app`), and the
/// claims API Gateway's authorizer verified, made available to the one auth extractor.
pub fn http_app(routes: axum::Router<AppState>, state: AppState) -> axum::Router {
    inbox_web::app::app(routes, state).layer(axum::middleware::from_fn(gateway_claims))
}

/// Serves an HTTP function (API Gateway HTTP API, payload 2.0) until the environment ends.
pub async fn run_http(app: axum::Router) -> Result<(), Error> {
    lambda_http::run(app).await
}

/// Serves an SQS-triggered function: each message of a batch through `handler`, the failed
/// ones reported (`ReportBatchItemFailures`), never the whole batch for one message.
pub async fn run_sqs<F, Fut, T, E>(handler: F) -> Result<(), Error>
where
    F: Fn(Vec<u8>) -> Fut + Send + Sync + Clone,
    Fut: Future<Output = Result<T, E>> + Send,
    E: Display,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let handler = handler.clone();
        async move { Ok::<SqsBatchResponse, Error>(handle_batch(event.payload, handler).await) }
    }))
    .await
}

/// Serves an SQS-triggered function whose handler may ask for a message to come back after a
/// wait (the actions queue: a network that cannot take an action yet): its visibility is set
/// to the wait on `queue`, and it is kept.
pub async fn run_sqs_retrying<F, Fut, E>(sqs: SqsQueue, queue: inbox_domain::messages::QueueName, handler: F) -> Result<(), Error>
where
    F: Fn(Vec<u8>, u32) -> Fut + Send + Sync + Clone,
    Fut: Future<Output = Result<crate::sqs_batch::Disposition, E>> + Send,
    E: Display,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (handler, sqs) = (handler.clone(), sqs.clone());
        async move {
            let retry = |receipt: String, wait| {
                let sqs = sqs.clone();
                async move { sqs.retry_in(queue, &receipt, wait).await.map_err(|e| e.to_string()) }
            };
            Ok::<SqsBatchResponse, Error>(crate::sqs_batch::handle_batch_retrying(event.payload, handler, retry).await)
        }
    }))
    .await
}

/// What a non-SQS invocation answers: its outcome, or its error (which fails it).
fn outcome<T: std::fmt::Debug, E: Display>(r: Result<T, E>) -> Result<serde_json::Value, Error> {
    match r {
        Ok(outcome) => Ok(serde_json::json!({ "outcome": format!("{outcome:?}") })),
        Err(e) => Err(Error::from(e.to_string())),
    }
}

/// Serves a function fed by the table's DynamoDB stream: each batch's records through
/// `handler`; an `Err` fails the batch, which the event source gives again (split in two
/// first, `BisectBatchOnFunctionError`), and after its retries to the on-failure queue.
pub async fn run_stream<F, Fut, T, E>(handler: F) -> Result<(), Error>
where
    F: Fn(Vec<inbox_aws::dynamo::StreamRecord>) -> Fut + Send + Sync + Clone,
    Fut: Future<Output = Result<T, E>> + Send,
    T: std::fmt::Debug,
    E: Display,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let handler = handler.clone();
        async move {
            let records = inbox_aws::dynamo::stream::records(&event.payload).map_err(Error::from)?;
            outcome(handler(records).await)
        }
    }))
    .await
}

/// Serves a scheduled function (EventBridge): `run` once per event. An `Err` fails the
/// invocation (the schedule simply runs again at its next tick).
pub async fn run_scheduled<F, Fut, T, E>(run: F) -> Result<(), Error>
where
    F: Fn() -> Fut + Send + Sync + Clone,
    Fut: Future<Output = Result<T, E>> + Send,
    T: std::fmt::Debug,
    E: Display,
{
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let run = run.clone();
        async move { outcome(run().await) }
    }))
    .await
}
