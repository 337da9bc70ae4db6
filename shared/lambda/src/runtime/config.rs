//! The typed configuration of a function, read once from its environment at start. A missing
//! or malformed variable names itself and stops the start.

use inbox_domain::messages::QueueName;
use inbox_domain::usecases::Settings;
use inbox_integrations::EgressPolicy;
use inbox_networks::NetworkConfig;
use inbox_web::state::AuthMode;
use std::collections::HashMap;

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Largest request body the HTTP functions take: SQS carries at most 256 KiB a message
/// (more with an extended client), and a queued webhook is its body inside a JSON envelope.
pub const DEFAULT_MAX_BODY_BYTES: usize = 200 * 1024;

#[derive(Debug, Clone)]
pub struct LambdaConfig {
    /// `INBOX_TABLE`: the DynamoDB table (required).
    pub table: String,
    /// `INBOX_QUEUE_INGEST`, `_ACTIONS`, `_NOTIFY`, `_EVENTS`: the URLs of the queues this
    /// function sends to (a send to one it was not given fails, naming it).
    pub queues: HashMap<QueueName, String>,
    /// `INBOX_MAIL_FROM`: the verified SES identity emails come from (the notifier's).
    pub mail_from: Option<String>,
    /// `INBOX_SECRETS_PATH`: the SSM Parameter Store path of this function's secrets
    /// (`/inbox/prod/webhook`), read once at start.
    pub secrets_path: Option<String>,
    /// `INBOX_AUTH` = `gateway` (default: API Gateway's JWT authorizer verified the token;
    /// claims `INBOX_AUTH_USER_CLAIM`, default `sub`, and `INBOX_AUTH_ACCOUNT_CLAIM`, default
    /// `custom:account_id`) or `hs256` (the function verifies tokens with the `jwt-secret`).
    pub auth: AuthMode,
    /// `INBOX_META_APP_ID`, `INBOX_POLL_BUDGET_<NETWORK>`.
    pub settings: Settings,
    /// `INBOX_OUTBOUND_ALLOW`, `INBOX_OUTBOUND_ONLY_ALLOWED`: where integrations may send.
    pub egress: EgressPolicy,
    /// `INBOX_GRAPH_BASE`, ... (the networks' APIs; the public ones by default).
    pub networks: NetworkConfig,
    /// `INBOX_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
    /// `INBOX_ACTIONS_MAX_RECEIVES` (default 30): the actions queue's `maxReceiveCount`
    /// (template.yaml; `infra/check_template.py` holds the two equal). On that receive a job
    /// gets no other delivery, so the actions function ends its item instead of retrying.
    pub actions_max_receives: u32,
    /// `INBOX_TOKEN_KEY_ID`: the KMS key that seals network tokens (envelope encryption), for
    /// the functions that store or call with them; the others have none and cannot open one.
    pub token_key_id: Option<String>,
    /// `INBOX_SIGNIN_SECRETS_PATH`: the SSM path of the apps' secrets for the networks' sign-in
    /// and token renewal (`meta-app-secret`, `x-client-secret`, `linkedin-client-secret`,
    /// `google-client-secret`), for the functions that connect channels or renew tokens.
    pub signin_secrets_path: Option<String>,
    /// `INBOX_MAIL_SECRETS_PATH`: the SSM path of `unsubscribe-key`, which signs the one-click
    /// unsubscribe links of notification emails (the notifier) and verifies them (the API).
    pub mail_secrets_path: Option<String>,
    /// `INBOX_FANOUT` = `stream` (what the template sets: the table's stream and the fanout
    /// function send every change's notifications and events) or `direct` (the default: the
    /// function that wrote a change sends them after the write, for a table without a stream).
    pub fanout_from_stream: bool,
}

impl LambdaConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let table = get("INBOX_TABLE").ok_or_else(|| ConfigError("INBOX_TABLE is not set: the DynamoDB table's name".into()))?;
        let queues =
            QueueName::ALL.iter().filter_map(|q| get(&format!("INBOX_QUEUE_{}", q.as_str().to_uppercase())).map(|url| (*q, url))).collect();
        let auth = match get("INBOX_AUTH").as_deref() {
            None | Some("gateway") => AuthMode::Gateway {
                user_claim: get("INBOX_AUTH_USER_CLAIM").unwrap_or_else(|| "sub".into()),
                account_claim: get("INBOX_AUTH_ACCOUNT_CLAIM").unwrap_or_else(|| "custom:account_id".into()),
            },
            Some("hs256") => AuthMode::Hs256,
            Some(other) => return Err(ConfigError(format!("INBOX_AUTH must be gateway or hs256, not {other}"))),
        };
        let poll_budgets = inbox_domain::poll::budgets_from(get).map_err(ConfigError)?;
        let egress = EgressPolicy::from_lookup(get).map_err(ConfigError)?;
        let max_body_bytes = match get("INBOX_MAX_BODY_BYTES") {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(v) => v.parse().map_err(|_| ConfigError("INBOX_MAX_BODY_BYTES must be a number of bytes".into()))?,
        };
        let actions_max_receives = match get("INBOX_ACTIONS_MAX_RECEIVES") {
            None => 30,
            Some(v) => v
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError("INBOX_ACTIONS_MAX_RECEIVES must be a count of receives (1 or more)".into()))?,
        };
        let fanout_from_stream = match get("INBOX_FANOUT").as_deref() {
            None | Some("direct") => false,
            Some("stream") => true,
            Some(other) => return Err(ConfigError(format!("INBOX_FANOUT must be stream or direct, not {other}"))),
        };
        Ok(Self {
            table,
            queues,
            mail_from: get("INBOX_MAIL_FROM"),
            secrets_path: get("INBOX_SECRETS_PATH"),
            auth,
            settings: Settings {
                meta_app_id: get("INBOX_META_APP_ID"),
                poll_budgets,
                action_retry: Default::default(),
                public_url: {
                    let cell = std::sync::OnceLock::new();
                    if let Some(url) = get("INBOX_PUBLIC_URL") {
                        let _ = cell.set(url.trim_end_matches('/').to_string());
                    }
                    std::sync::Arc::new(cell)
                },
                unsubscribe_key: None,
            },
            egress,
            networks: NetworkConfig::from_lookup(|k| get(k)),
            max_body_bytes,
            actions_max_receives,
            token_key_id: get("INBOX_TOKEN_KEY_ID"),
            signin_secrets_path: get("INBOX_SIGNIN_SECRETS_PATH"),
            mail_secrets_path: get("INBOX_MAIL_SECRETS_PATH"),
            fanout_from_stream,
        })
    }

    /// `INBOX_SECRETS_PATH`, for the functions that read secrets.
    pub fn secrets_path(&self) -> Result<&str, ConfigError> {
        self.secrets_path
            .as_deref()
            .ok_or_else(|| ConfigError("INBOX_SECRETS_PATH is not set: the SSM path of this function's secrets".into()))
    }

    /// `INBOX_MAIL_FROM`, for the function that sends email.
    pub fn mail_from(&self) -> Result<&str, ConfigError> {
        self.mail_from
            .as_deref()
            .ok_or_else(|| ConfigError("INBOX_MAIL_FROM is not set: the verified SES identity emails come from".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_missing_table_names_itself_and_the_rest_has_defaults() {
        let e = LambdaConfig::from_lookup(lookup(&[])).unwrap_err();
        assert!(e.0.contains("INBOX_TABLE"), "{e}");
        let c = LambdaConfig::from_lookup(lookup(&[("INBOX_TABLE", "inbox"), ("INBOX_QUEUE_NOTIFY", "https://sqs/notify")])).unwrap();
        assert_eq!(c.table, "inbox");
        assert_eq!(c.queues.get(&QueueName::Notify).map(String::as_str), Some("https://sqs/notify"));
        assert!(!c.queues.contains_key(&QueueName::Ingest));
        assert_eq!(c.auth, AuthMode::Gateway { user_claim: "sub".into(), account_claim: "custom:account_id".into() });
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert!(c.mail_from().is_err() && c.secrets_path().is_err());
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (k, v) in [
            ("INBOX_AUTH", "basic"),
            ("INBOX_POLL_BUDGET_YOUTUBE", "lots"),
            ("INBOX_MAX_BODY_BYTES", "big"),
            ("INBOX_OUTBOUND_ONLY_ALLOWED", "yes"),
        ] {
            let e = LambdaConfig::from_lookup(lookup(&[("INBOX_TABLE", "t"), (k, v)])).unwrap_err();
            assert!(e.0.contains(k), "{k}: {e}");
        }
        let c = LambdaConfig::from_lookup(lookup(&[("INBOX_TABLE", "t"), ("INBOX_AUTH", "hs256"), ("INBOX_POLL_BUDGET_YOUTUBE", "5000")]))
            .unwrap();
        assert_eq!(c.auth, AuthMode::Hs256);
        assert_eq!(c.settings.poll_budgets, vec![(inbox_domain::Network::Youtube, 5000)]);
    }
}
