//! Admin routes: users and profiles of the caller's account.

use crate::dto::ProfileDto;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use inbox_domain::usecases::{self, ProfileInput, UserInput};
use inbox_domain::*;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::Deserialize;
use std::collections::BTreeSet;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(list_users).post(create_user))
        .route("/api/users/{id}", get(get_user).put(update_user).delete(delete_user))
        .route("/api/profiles", get(list_profiles).post(create_profile))
        .route("/api/profiles/{id}", get(get_profile).delete(delete_profile))
        .route("/api/profiles/{id}/credentials", axum::routing::put(reconnect_profile))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    name: String,
    email: String,
    #[serde(default = "member")]
    role: Role,
    #[serde(default = "yes")]
    inbox_access: bool,
    /// Notifications by email as well as in the app.
    #[serde(default = "yes")]
    email_notifications: bool,
    #[serde(default)]
    profile_ids: BTreeSet<String>,
}

fn member() -> Role {
    Role::Member
}
fn yes() -> bool {
    true
}

impl UserBody {
    fn input(self) -> ApiResult<UserInput> {
        let profile_ids = self
            .profile_ids
            .iter()
            .map(|p| ProfileId::parse(p).ok_or_else(|| ApiError::Unprocessable(format!("unknown profile {}", crate::params::truncate(p)))))
            .collect::<ApiResult<_>>()?;
        Ok(UserInput {
            name: self.name,
            email: self.email,
            role: self.role,
            inbox_access: self.inbox_access,
            email_notifications: self.email_notifications,
            profile_ids,
        })
    }
}

fn user_id(id: &str) -> ApiResult<UserId> {
    UserId::parse(id).ok_or_else(|| ApiError::NotFound("user".into()))
}

async fn list_users(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::UsersAnswer>> {
    Ok(axum::Json(crate::answers::UsersAnswer { users: usecases::list_users(&state.deps, &viewer).await? }))
}

async fn get_user(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(usecases::get_user(&state.deps, &viewer, &user_id(&id)?).await?))
}

async fn create_user(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<UserBody>,
) -> ApiResult<(StatusCode, axum::Json<User>)> {
    Ok((StatusCode::CREATED, axum::Json(usecases::create_user(&state.deps, &viewer, body.input()?).await?)))
}

async fn update_user(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<UserBody>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(usecases::update_user(&state.deps, &viewer, &user_id(&id)?, body.input()?).await?))
}

async fn delete_user(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_user(&state.deps, &viewer, &user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileBody {
    network: Network,
    external_id: String,
    name: String,
    #[serde(default)]
    handle: String,
    /// The presence's own token: the network is asked whom it belongs to before the profile
    /// is stored.
    access_token: String,
    #[serde(default)]
    token_secret: Option<String>,
    /// When the access token expires, if the network said (RFC 3339).
    #[serde(default)]
    token_expires_at: Option<Timestamp>,
    /// Messenger: the app id of the Page's chatbot (Primary Receiver), if it has one.
    #[serde(default)]
    bot_app_id: Option<String>,
}

fn profile_id(id: &str) -> ApiResult<ProfileId> {
    ProfileId::parse(id).ok_or_else(|| ApiError::NotFound("profile".into()))
}

async fn list_profiles(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::ProfilesAnswer>> {
    let profiles = usecases::list_profiles(&state.deps, &viewer).await?.iter().map(ProfileDto::from).collect();
    Ok(axum::Json(crate::answers::ProfilesAnswer { profiles }))
}

async fn get_profile(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<ProfileDto>> {
    let id = profile_id(&id)?;
    let list = usecases::list_profiles(&state.deps, &viewer).await?;
    list.iter().find(|p| p.id == id).map(|p| axum::Json(ProfileDto::from(p))).ok_or_else(|| ApiError::NotFound("profile".into()))
}

async fn create_profile(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<ProfileBody>,
) -> ApiResult<(StatusCode, axum::Json<ProfileDto>)> {
    let input = ProfileInput {
        network: body.network,
        external_id: body.external_id,
        name: body.name,
        handle: body.handle,
        credentials: Credentials {
            access_token: Some(body.access_token),
            token_secret: body.token_secret,
            expires_at: body.token_expires_at,
        },
        bot_app_id: body.bot_app_id,
    };
    let p = usecases::create_profile(&state.deps, &viewer, input).await?;
    Ok((StatusCode::CREATED, axum::Json(ProfileDto::from(&p))))
}

/// New credentials for a connected profile (after its token expired or lost a permission).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsBody {
    access_token: String,
    #[serde(default)]
    token_secret: Option<String>,
    #[serde(default)]
    token_expires_at: Option<Timestamp>,
}

async fn reconnect_profile(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<CredentialsBody>,
) -> ApiResult<axum::Json<ProfileDto>> {
    let credentials =
        Credentials { access_token: Some(body.access_token), token_secret: body.token_secret, expires_at: body.token_expires_at };
    let p = usecases::reconnect_profile(&state.deps, &viewer, &profile_id(&id)?, credentials).await?;
    Ok(axum::Json(ProfileDto::from(&p)))
}

async fn delete_profile(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_profile(&state.deps, &viewer, &profile_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
