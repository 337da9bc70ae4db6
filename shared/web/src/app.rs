//! The layers every deployment puts around its routes: `/health`, JSON 404 and 405, the body
//! limit and request tracing. The local runner serves the webhook and API routes together
//! through this; each Lambda serves its own routes through it.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;

/// `routes` with the common layers, ready to serve.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    routes
        .route("/health", axum::routing::get(crate::openapi::health))
        .fallback(|| async { ApiError::NotFound("route".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::BadRequest("this method is not allowed on this route".into()).with_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
