//! Admin routes: users and profiles of the caller's account.

use crate::dto::ProfileDto;
use axum::extract::State;
use axum::http::StatusCode;
use inbox_domain::usecases::{self, ProfileInput, UserInput};
use inbox_domain::*;
use inbox_web::AppState;
use inbox_web::auth::Caller;
use inbox_web::error::{ApiError, ApiResult};
use inbox_web::json::Json;
use inbox_web::path::Path;
use serde::Deserialize;
use std::collections::BTreeSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(list_profiles, create_profile))
        .routes(routes!(get_profile, delete_profile))
        .routes(routes!(reconnect_profile))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = UserRequest)]
struct UserBody {
    /// 1 to 100 characters once trimmed.
    #[schema(max_length = 100, pattern = r"\S")]
    name: String,
    /// Unique in the account; stored in lower case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[serde(default = "member")]
    role: Role,
    #[serde(default = "yes")]
    #[schema(default = true)]
    inbox_access: bool,
    /// Notifications by email as well as in the app.
    #[serde(default = "yes")]
    #[schema(default = true)]
    email_notifications: bool,
    #[serde(default)]
    #[schema(value_type = Vec<String>, default = json!([]))]
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

#[utoipa::path(get, path = "/api/users", operation_id = "listUsers", tag = "admin", summary = "The account's users", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), responses((status = 200, description = "Users.", body = crate::answers::UsersAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list_users(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::UsersAnswer>> {
    Ok(axum::Json(crate::answers::UsersAnswer { users: usecases::list_users(&state.deps, &viewer).await? }))
}

#[utoipa::path(get, path = "/api/users/{id}", operation_id = "getUser", tag = "admin", summary = "One user", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id.", min_length = 1)), responses((status = 200, description = "The user.", body = inbox_domain::User), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn get_user(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(usecases::get_user(&state.deps, &viewer, &user_id(&id)?).await?))
}

#[utoipa::path(post, path = "/api/users", operation_id = "createUser", tag = "admin", summary = "Add a user", description = "Admins only (403 otherwise). 400 for a blank name or an invalid email; 422 for an unknown profile or an email in use.", security(("bearerAuth" = [])), request_body(content = UserBody, content_type = "application/json"), responses((status = 201, description = "The new user.", body = inbox_domain::User), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn create_user(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Json(body): Json<UserBody>,
) -> ApiResult<(StatusCode, axum::Json<User>)> {
    Ok((StatusCode::CREATED, axum::Json(usecases::create_user(&state.deps, &viewer, body.input()?).await?)))
}

#[utoipa::path(put, path = "/api/users/{id}", operation_id = "updateUser", tag = "admin", summary = "Replace a user's name, email, role, inbox access and profiles", description = "Admins only (403 otherwise). 422 also when admins would remove their own admin role.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id.", min_length = 1)), request_body(content = UserBody, content_type = "application/json"), responses((status = 200, description = "The user after the change.", body = inbox_domain::User), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn update_user(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<UserBody>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(usecases::update_user(&state.deps, &viewer, &user_id(&id)?, body.input()?).await?))
}

#[utoipa::path(delete, path = "/api/users/{id}", operation_id = "deleteUser", tag = "admin", summary = "Remove a user", description = "Admins only (403 otherwise). 422 when admins would delete themselves.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id.", min_length = 1)), responses((status = 204, description = "Removed."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn delete_user(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_user(&state.deps, &viewer, &user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = ProfileRequest)]
struct ProfileBody {
    network: Network,
    /// The network's id of the page, account or channel: no spaces, at most 200 bytes once
    /// trimmed.
    #[schema(max_length = 200, pattern = r"^\s*\S+\s*$")]
    external_id: String,
    /// 1 to 200 characters once trimmed.
    #[schema(max_length = 200, pattern = r"\S")]
    name: String,
    #[serde(default)]
    #[schema(default = "")]
    handle: String,
    /// The presence's own token: the network is asked whom it belongs to before the profile
    /// is stored.
    #[schema(pattern = r"\S")]
    access_token: String,
    #[serde(default)]
    token_secret: Option<String>,
    /// When the access token expires, if the network said (RFC 3339).
    #[serde(default)]
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>)]
    token_expires_at: Option<Timestamp>,
    /// Messenger: the app id of the Page's chatbot (Primary Receiver), if it has one.
    #[serde(default)]
    bot_app_id: Option<String>,
}

fn profile_id(id: &str) -> ApiResult<ProfileId> {
    ProfileId::parse(id).ok_or_else(|| ApiError::NotFound("profile".into()))
}

#[utoipa::path(get, path = "/api/profiles", operation_id = "listProfiles", tag = "admin", summary = "The account's profiles", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), responses((status = 200, description = "Profiles.", body = crate::answers::ProfilesAnswer), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn list_profiles(State(state): State<AppState>, Caller(viewer): Caller) -> ApiResult<axum::Json<crate::answers::ProfilesAnswer>> {
    let profiles = usecases::list_profiles(&state.deps, &viewer).await?.iter().map(ProfileDto::from).collect();
    Ok(axum::Json(crate::answers::ProfilesAnswer { profiles }))
}

#[utoipa::path(get, path = "/api/profiles/{id}", operation_id = "getProfile", tag = "admin", summary = "One profile", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Profile id.", min_length = 1)), responses((status = 200, description = "The profile.", body = crate::dto::ProfileDto), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn get_profile(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<axum::Json<ProfileDto>> {
    let id = profile_id(&id)?;
    let list = usecases::list_profiles(&state.deps, &viewer).await?;
    list.iter().find(|p| p.id == id).map(|p| axum::Json(ProfileDto::from(p))).ok_or_else(|| ApiError::NotFound("profile".into()))
}

#[utoipa::path(post, path = "/api/profiles", operation_id = "createProfile", tag = "admin", summary = "Connect a profile", description = "Admins only (403 otherwise). The network is asked whom `access_token` belongs to first: 422, in words, when the network refuses the token or says it belongs to another page, account or channel; 502 when the network cannot be reached. Then 422 when this network presence is connected already.", security(("bearerAuth" = [])), request_body(content = ProfileBody, content_type = "application/json"), responses((status = 201, description = "The new profile.", body = crate::dto::ProfileDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 502, response = inbox_web::openapi::BadGateway), (status = 503, response = inbox_web::openapi::Unavailable)))]
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
        tokens: Tokens {
            access_token: SecretString::new(body.access_token),
            token_secret: body.token_secret.map(SecretString::new),
            expires_at: body.token_expires_at,
            ..Default::default()
        },
        bot_app_id: body.bot_app_id,
    };
    let p = usecases::create_profile(&state.deps, &viewer, input).await?;
    Ok((StatusCode::CREATED, axum::Json(ProfileDto::from(&p))))
}

/// New credentials for a connected profile (after its token expired or lost a permission).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::ToSchema)]
#[schema(as = CredentialsRequest)]
struct CredentialsBody {
    #[schema(pattern = r"\S")]
    access_token: String,
    #[serde(default)]
    token_secret: Option<String>,
    /// When the access token expires, if the network said (LinkedIn: 60 days).
    #[serde(default)]
    #[schema(value_type = Option<inbox_domain::openapi::TimestampSchema>)]
    token_expires_at: Option<Timestamp>,
}

#[utoipa::path(put, path = "/api/profiles/{id}/credentials", operation_id = "reconnectProfile", tag = "admin", summary = "Reconnect a profile with new credentials", description = "Admins only (403 otherwise). The network is asked whom the new `access_token` belongs to: 422, in words, when it refuses the token or says it is another presence's (the profile keeps its old credentials); 502 when it cannot be reached. Then replaces the profile's access token (and its expiry, when the network said), and shows its token as valid again in `/api/channels` until a call says otherwise.", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Profile id.", min_length = 1)), request_body(content = CredentialsBody, content_type = "application/json"), responses((status = 200, description = "The profile.", body = crate::dto::ProfileDto), (status = 400, response = inbox_web::openapi::BadRequest), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 413, response = inbox_web::openapi::PayloadTooLarge), (status = 415, response = inbox_web::openapi::UnsupportedMediaType), (status = 422, response = inbox_web::openapi::Unprocessable), (status = 502, response = inbox_web::openapi::BadGateway), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn reconnect_profile(
    State(state): State<AppState>,
    Caller(viewer): Caller,
    Path(id): Path<String>,
    Json(body): Json<CredentialsBody>,
) -> ApiResult<axum::Json<ProfileDto>> {
    let tokens = Tokens {
        access_token: SecretString::new(body.access_token),
        token_secret: body.token_secret.map(SecretString::new),
        expires_at: body.token_expires_at,
        ..Default::default()
    };
    let p = usecases::reconnect_profile(&state.deps, &viewer, &profile_id(&id)?, tokens).await?;
    Ok(axum::Json(ProfileDto::from(&p)))
}

#[utoipa::path(delete, path = "/api/profiles/{id}", operation_id = "deleteProfile", tag = "admin", summary = "Disconnect a profile", description = "Admins only (403 otherwise).", security(("bearerAuth" = [])), params(("id" = String, Path, description = "Profile id.", min_length = 1)), responses((status = 204, description = "Removed."), (status = 401, response = inbox_web::openapi::Unauthorized), (status = 403, response = inbox_web::openapi::Forbidden), (status = 404, response = inbox_web::openapi::NotFound), (status = 503, response = inbox_web::openapi::Unavailable)))]
async fn delete_profile(State(state): State<AppState>, Caller(viewer): Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    usecases::delete_profile(&state.deps, &viewer, &profile_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
