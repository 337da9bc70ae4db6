//! Secrets from SSM Parameter Store (SecureString parameters under one path per function),
//! read once at start: one `GetParametersByPath` call (paged), decrypted.

use super::ConfigError;
use inbox_web::Secret;
use inbox_web::state::AuthMode;
use std::collections::HashMap;

/// A function's secrets by name (the last segment of the parameter's path).
#[derive(Clone, Default)]
pub struct Secrets(HashMap<String, Secret>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    pub fn new(values: impl IntoIterator<Item = (String, String)>) -> Self {
        Self(values.into_iter().map(|(k, v)| (k, Secret::new(v))).collect())
    }

    /// Every parameter directly under `path` (`/inbox/prod/webhook`), decrypted.
    pub async fn load(ssm: &aws_sdk_ssm::Client, path: &str) -> Result<Self, ConfigError> {
        let mut out = HashMap::new();
        let mut next: Option<String> = None;
        loop {
            let page = ssm
                .get_parameters_by_path()
                .path(path)
                .recursive(false)
                .with_decryption(true)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| {
                    ConfigError(format!("cannot read the secrets under {path} from SSM: {}", aws_sdk_ssm::error::DisplayErrorContext(&e)))
                })?;
            for p in page.parameters.unwrap_or_default() {
                if let (Some(name), Some(value)) = (p.name, p.value) {
                    let short = name.rsplit('/').next().unwrap_or(&name).to_string();
                    out.insert(short, Secret::new(value));
                }
            }
            match page.next_token {
                Some(t) if !t.is_empty() => next = Some(t),
                _ => return Ok(Self(out)),
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Secret> {
        self.0.get(name)
    }

    pub fn require(&self, name: &str, path: &str) -> Result<Secret, ConfigError> {
        self.0.get(name).cloned().ok_or_else(|| ConfigError(format!("the secret {path}/{name} is missing from SSM Parameter Store")))
    }
}

/// A key nobody knows: for the secrets a function was not given (an HMAC with it verifies
/// nothing anyone sent).
fn unknowable() -> Secret {
    Secret::new(format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()))
}

/// The secrets of the HTTP functions' `WebConfig`.
#[derive(Debug, Clone)]
pub struct WebSecrets {
    pub jwt_secret: Secret,
    pub meta_app_secret: Secret,
    pub meta_verify_token: Secret,
    pub x_consumer_secret: Secret,
    pub linkedin_client_secret: Secret,
    pub cursor_key: Secret,
}

impl WebSecrets {
    /// The webhook function's: `meta-app-secret`, `meta-verify-token`, `x-consumer-secret`,
    /// `linkedin-client-secret`.
    pub fn webhook(s: &Secrets, path: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt_secret: unknowable(),
            meta_app_secret: s.require("meta-app-secret", path)?,
            meta_verify_token: s.require("meta-verify-token", path)?,
            x_consumer_secret: s.require("x-consumer-secret", path)?,
            linkedin_client_secret: s.require("linkedin-client-secret", path)?,
            cursor_key: unknowable(),
        })
    }

    /// The API function's: `cursor-key`, and `jwt-secret` when it verifies tokens itself.
    pub fn api(s: &Secrets, path: &str, auth: &AuthMode) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt_secret: match auth {
                AuthMode::Hs256 => s.require("jwt-secret", path)?,
                AuthMode::Gateway { .. } => unknowable(),
            },
            meta_app_secret: unknowable(),
            meta_verify_token: unknowable(),
            x_consumer_secret: unknowable(),
            linkedin_client_secret: unknowable(),
            cursor_key: s.require("cursor-key", path)?,
        })
    }
}
