//! A path-parameter extractor whose rejections are our JSON errors.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Like `axum::extract::Path`, with errors in the API's shape: a parameter that is not valid
/// UTF-8 once percent-decoded can name nothing, so it is a 404 like any other unknown id.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) if matches!(e.kind(), ErrorKind::InvalidUtf8InPathParam { .. }) => {
                Err(ApiError::NotFound("resource".into()))
            }
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}
