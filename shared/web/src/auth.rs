//! Bearer JWTs: HS256 with the configured secret. Claims name the user (`sub`) and the
//! account (`account_id`).

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use inbox_domain::usecases::{Viewer, load_viewer};
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
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".into()))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".into()))?;
        let claims = verify(state.config.jwt_secret.expose(), token.trim())?;
        let (Some(account), Some(user)) = (AccountId::parse(&claims.account_id), UserId::parse(&claims.sub)) else {
            return Err(ApiError::Unauthorized("the bearer token is not valid".into()));
        };
        let viewer = load_viewer(&state.deps, &account, &user)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the user of this token no longer exists".into()))?;
        Ok(Caller(viewer))
    }
}
