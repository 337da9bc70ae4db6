//! A JSON body extractor whose rejections are our JSON errors (400, 413, 415).

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// Like `axum::Json`, with errors in the API's shape and words.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into())
                }
                JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!("the body is not valid JSON: {}", e.body_text())),
                JsonRejection::JsonDataError(e) => {
                    ApiError::BadRequest(format!("the body does not have the expected fields: {}", e.body_text()))
                }
                JsonRejection::BytesRejection(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// The raw request body, for signature checks; a body over the limit is a JSON 413.
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state).await.map(RawBody).map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE { ApiError::TooLarge } else { ApiError::BadRequest(e.body_text()) }
        })
    }
}
