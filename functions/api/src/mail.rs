//! The caller's notification emails, and the one-click unsubscribe of the emails themselves
//! (RFC 8058): the link names the user and carries a MAC only this deployment makes, so it
//! needs no sign-in, turns that user's emails off, and does nothing else.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use inbox_domain::User;
use inbox_domain::usecases;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_notifications)).routes(routes!(unsubscribe_page, unsubscribe))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NotificationSettingsRequest)]
struct NotificationsBody {
    /// Notifications by email as well as in the app.
    email_notifications: bool,
}

#[utoipa::path(put, path = "/api/me/notifications", operation_id = "setMyNotifications", tag = "me", summary = "Turn the caller's notification emails on or off", description = "Any signed-in user, for themself (in-app notifications stay). Answers the user.", security(("bearerAuth" = [])), request_body(content = NotificationsBody, content_type = "application/json"), responses((status = 200, description = "The user.", body = User), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn set_notifications(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<NotificationsBody>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(usecases::set_my_email_notifications(&state.deps, &viewer, body.email_notifications).await?))
}

/// The token of an unsubscribe link (`t`).
fn token(q: &crate::params::QueryPairs) -> ApiResult<String> {
    q.get("t").filter(|t| !t.is_empty() && t.len() <= 400).map(str::to_string).ok_or_else(|| ApiError::NotFound("unsubscribe link".into()))
}

#[utoipa::path(get, path = "/api/unsubscribe", operation_id = "unsubscribePage", tag = "me", summary = "The page an email's unsubscribe link opens", description = "No sign-in: the link's token names the user. Changes nothing (mail scanners open links): answers a page whose button turns the emails off (a POST to the same address).", params(("t" = String, Query, description = "The link's token.", min_length = 1, max_length = 400)), responses((status = 200, description = "The page.", content_type = "text/html", body = String), (status = 400, response = inbox_web::openapi::BadRequest), (status = 404, response = inbox_web::openapi::NotFound)))]
async fn unsubscribe_page(q: crate::params::QueryPairs) -> ApiResult<Response> {
    let t = token(&q)?;
    let t = inbox_domain::mail::escape(&t);
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Notification emails</title></head><body style=\"font:16px system-ui;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         <main><h1>Stop notification emails?</h1><p>In-app notifications stay; you can turn emails back on in your settings.</p>\
         <form method=\"post\" action=\"/api/unsubscribe?t={t}\"><input type=\"hidden\" name=\"from\" value=\"page\">\
         <button type=\"submit\">Turn off notification emails</button></form></main></body></html>"
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response())
}

/// A one-click unsubscribe.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Unsubscribed)]
struct UnsubscribeAnswer {
    email_notifications: bool,
}

#[utoipa::path(post, path = "/api/unsubscribe", operation_id = "unsubscribe", tag = "me", summary = "One-click unsubscribe (RFC 8058)", description = "No sign-in: the link's token names the user and carries a MAC only this deployment makes; a token it did not make is 404 and changes nothing. Turns that user's notification emails off (in-app notifications stay). The body is what mail clients send (`List-Unsubscribe=One-Click`); from the page's button the answer sends the browser to the user's notification settings.", params(("t" = String, Query, description = "The link's token.", min_length = 1, max_length = 400)), request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`List-Unsubscribe=One-Click`"), responses((status = 200, description = "Unsubscribed.", body = UnsubscribeAnswer), (status = 303, description = "From the page: on to the notification settings."), (status = 400, response = inbox_web::openapi::BadRequest), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn unsubscribe(State(state): State<AppState>, q: crate::params::QueryPairs, body: Bytes) -> ApiResult<Response> {
    let t = token(&q)?;
    let user = usecases::unsubscribe(&state.deps, &t).await?;
    if body.as_ref() == b"from=page" {
        // Relative: the page that posted is the web inbox's.
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/settings/notifications?unsubscribed=1")]).into_response());
    }
    Ok(axum::Json(UnsubscribeAnswer { email_notifications: user.email_notifications }).into_response())
}
