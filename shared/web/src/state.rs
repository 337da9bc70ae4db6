//! What every HTTP route is given ([`AppState`]): the use cases' ports and the functions'
//! secrets and settings ([`WebConfig`]), with [`Secret`], a value never printed.

use inbox_domain::usecases::Deps;
use std::sync::Arc;

/// How callers are authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// Verify `Authorization: Bearer <HS256 JWT>` with [`WebConfig::jwt_secret`].
    Hs256,
    /// Trust the claims API Gateway's JWT authorizer verified: the user id in `user_claim`
    /// (`sub`, or `custom:user_id` with Cognito) and the account id in `account_claim`.
    Gateway { user_claim: String, account_claim: String },
}

/// A secret value: never printed by `Debug`, never serialised.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Secrets and settings of the HTTP functions, parsed once at start.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// How callers are authenticated: HS256 tokens (`jwt_secret`) or an authorizer's claims.
    pub auth: AuthMode,
    /// HS256 key of user tokens (unused with `AuthMode::Gateway`).
    pub jwt_secret: Secret,
    /// Meta App Secret: signs `X-Hub-Signature-256`.
    pub meta_app_secret: Secret,
    /// The string typed into Meta's dashboard for the GET handshake.
    pub meta_verify_token: Secret,
    /// X consumer (API key) secret: signs CRC answers and `x-twitter-webhooks-signature`.
    pub x_consumer_secret: Secret,
    /// LinkedIn app client secret: signs `X-LI-Signature` and the `challengeCode` answer.
    pub linkedin_client_secret: Secret,
    /// Seals feed cursors so that they cannot be forged or used by another caller.
    pub cursor_key: Secret,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

/// Shared state of every route.
#[derive(Clone)]
pub struct AppState {
    pub deps: Deps,
    pub config: Arc<WebConfig>,
}
