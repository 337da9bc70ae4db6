//! Who is calling. One extractor, [`Caller`], in one of two configured modes ([`AuthMode`]):
//!
//! - `Hs256` (the local runner): a bearer JWT signed HS256 with the configured secret, whose
//!   claims name the user (`sub`) and the account (`account_id`).
//! - `Gateway` (the API Lambda): API Gateway's JWT authorizer has verified the token already
//!   (issuer, audience, signature, expiry); the function reads the verified claims that the
//!   Lambda adapter puts in the request's extensions ([`VerifiedClaims`]). Without them the
//!   request is refused: nothing here trusts a header.

use crate::error::ApiError;
use crate::state::{AppState, AuthMode};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use inbox_domain::usecases::{Viewer, load_viewer};
use inbox_domain::webhooks::ApiKey;
use inbox_domain::{AccountId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub account_id: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims an authorizer in front of the function verified (API Gateway's
/// `requestContext.authorizer.jwt.claims`), put in the request's extensions by the Lambda
/// adapter. Only [`AuthMode::Gateway`] reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifiedClaims(pub std::collections::HashMap<String, String>);

/// Mints a token for a user, valid for `ttl`.
pub fn mint(secret: &str, user: &UserId, account: &AccountId, ttl: chrono::Duration) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = Claims { sub: user.to_string(), account_id: account.to_string(), iat: now, exp: now + ttl.num_seconds() };
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes())).expect("HS256 encoding cannot fail")
}

/// Checks a token's signature and expiry.
pub fn verify(secret: &str, token: &str) -> Result<Claims, ApiError> {
    let mut v = Validation::new(Algorithm::HS256);
    v.leeway = 30;
    v.set_required_spec_claims(&["exp", "sub"]);
    decode::<Claims>(token, &DecodingKey::from_secret(secret.as_bytes()), &v).map(|d| d.claims).map_err(|e| {
        let why = match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the token has expired; sign in again",
            _ => "the bearer token is not valid",
        };
        ApiError::Unauthorized(why.into())
    })
}

/// The authenticated caller of a user route.
pub struct Caller(pub Viewer);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (account, user) = match &state.config.auth {
            AuthMode::Hs256 => {
                let token = bearer(parts).ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".into()))?;
                let claims = verify(state.config.jwt_secret.expose(), token)?;
                (AccountId::parse(&claims.account_id), UserId::parse(&claims.sub))
            }
            AuthMode::Gateway { user_claim, account_claim } => {
                let claims = parts
                    .extensions
                    .get::<VerifiedClaims>()
                    .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token> from the identity provider".into()))?;
                let claim = |name: &str| claims.0.get(name).map(String::as_str).unwrap_or_default();
                (AccountId::parse(claim(account_claim)), UserId::parse(claim(user_claim)))
            }
        };
        let (Some(account), Some(user)) = (account, user) else {
            return Err(ApiError::Unauthorized("the bearer token is not valid".into()));
        };
        let viewer = load_viewer(&state.deps, &account, &user)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the user of this token no longer exists".into()))?;
        Ok(Caller(viewer))
    }
}

/// The token of an `Authorization: Bearer <token>` header, trimmed. The scheme is matched
/// without regard to case (RFC 7235: `bearer`, `BEARER`), and may be followed by several
/// spaces.
fn bearer(parts: &Parts) -> Option<&str> {
    let h = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    bearer_token(h)
}

pub(crate) fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The caller of an API-key route (Zapier REST hooks): an account API key, sent as
/// `X-API-Key: <key>` or `Authorization: Bearer <key>`. A key is not a user: it reaches only
/// the routes that take this extractor, and a user's JWT is not a key.
pub struct ApiKeyCaller(pub ApiKey);

pub const API_KEY_HEADER: &str = "x-api-key";

impl FromRequestParts<AppState> for ApiKeyCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let missing = || ApiError::Unauthorized("send the account's API key as X-API-Key: <key> or Authorization: Bearer <key>".into());
        let header = |name| parts.headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
        let presented = match header(API_KEY_HEADER) {
            Some(k) => k.trim(),
            None => bearer(parts).ok_or_else(missing)?,
        };
        let key = inbox_domain::usecases::integrations::authenticate_api_key(&state.deps, presented)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the API key is not valid: it was mistyped or revoked".into()))?;
        Ok(ApiKeyCaller(key))
    }
}

#[cfg(test)]
mod bearer_tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_matched_without_regard_to_case() {
        for h in ["Bearer abc", "bearer abc", "BEARER abc", "BeArEr   abc ", " Bearer\tabc"] {
            assert_eq!(bearer_token(h), Some("abc"), "{h:?}");
        }
        for h in ["Bearer", "Bearer ", "Basic abc", "Bearerabc", "abc", ""] {
            assert_eq!(bearer_token(h), None, "{h:?}");
        }
    }
}
