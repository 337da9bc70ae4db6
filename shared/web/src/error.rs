//! The one place where errors become HTTP answers:
//! `{"error":{"code":"snake_case_code","message":"..."}}`. Internals are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use inbox_domain::DomainError;
use inbox_domain::error::PortError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is too large")]
    TooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    NotImplemented(String),
    /// An outside system the request needed (Salesforce) refused or failed; the message says
    /// what it answered.
    #[error("{0}")]
    BadGateway(String),
    #[error("a dependency failed")]
    Unavailable(#[source] PortError),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unprocessable(_) => "rule_violated",
            ApiError::NotImplemented(_) => "not_implemented",
            ApiError::BadGateway(_) => "upstream_failed",
            ApiError::Unavailable(_) => "dependency_unavailable",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Unavailable(_) => "a dependency of the inbox failed; nothing was lost, try again shortly".to_string(),
            other => other.to_string(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => ApiError::NotFound(what.to_string()),
            DomainError::Invalid(m) => ApiError::BadRequest(m),
            DomainError::Forbidden(m) => ApiError::Forbidden(m),
            DomainError::Rule(m) => ApiError::Unprocessable(m),
            DomainError::Conflict => ApiError::Conflict(DomainError::Conflict.to_string()),
            DomainError::InProgress(m) => ApiError::Conflict(m),
            DomainError::Changed(what) => ApiError::Conflict(DomainError::Changed(what).to_string()),
            DomainError::Upstream(m) => ApiError::BadGateway(m),
            DomainError::Dependency(p) => ApiError::Unavailable(p),
        }
    }
}

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        ApiError::Unavailable(e)
    }
}

/// The JSON error body.
pub fn error_body(code: &str, message: &str) -> serde_json::Value {
    serde_json::json!({"error": {"code": code, "message": message}})
}

impl ApiError {
    /// This error's body with another status (405 from the router, say).
    pub fn with_status(self, status: StatusCode) -> Response {
        (
            status,
            axum::Json(error_body(
                if status == StatusCode::METHOD_NOT_ALLOWED { "method_not_allowed" } else { self.code() },
                &self.message(),
            )),
        )
            .into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            let source = std::error::Error::source(&self).map(|s| s.to_string());
            tracing::error!(error = %self, source = source.as_deref().unwrap_or(""), "request failed");
        }
        (status, axum::Json(error_body(self.code(), &self.message()))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
