//! Administration: users and profiles (admins only).

use super::deps::{Deps, Viewer, require_admin};
use super::health::{refund_youtube, spend_youtube};
use super::polling::schedule_polls;
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::model::*;
use crate::ports::*;
use std::collections::BTreeSet;

/// The fields of a user an admin sets.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub inbox_access: bool,
    pub email_notifications: bool,
    pub profile_ids: BTreeSet<ProfileId>,
}

/// A user's or an account's name (`who`: "a user", "an account"): 1 to 100 characters, trimmed.
fn name_of(name: &str, who: &str) -> DomainResult<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(DomainError::Invalid(format!("{who} needs a name of 1 to 100 characters")));
    }
    Ok(n.to_string())
}

/// Stores a user, whose address must be new in its account (422 in words otherwise).
async fn put_user(deps: &Deps, user: User) -> DomainResult<User> {
    deps.directory.put_user(&user).await.map_err(|e| match e {
        PortError::AlreadyExists => DomainError::Rule(format!("a user with email {} exists already", user.email)),
        e => e.into(),
    })?;
    Ok(user)
}

/// The name and address of a user as given, checked; and that its profiles exist.
fn validate_user(input: &UserInput, profiles: &[Profile]) -> DomainResult<(String, EmailAddress)> {
    let name = name_of(&input.name, "a user")?;
    let email = EmailAddress::parse(&input.email).map_err(DomainError::Invalid)?;
    if let Some(p) = input.profile_ids.iter().find(|p| !profiles.iter().any(|q| &q.id == *p)) {
        return Err(DomainError::Rule(format!("unknown profile {p}")));
    }
    Ok((name, email))
}

/// A new account with its first admin (the runner's `create-account` command): the names and
/// the address are checked as for any user.
pub async fn create_account(deps: &Deps, name: &str, admin_name: &str, admin_email: &str) -> DomainResult<(Account, User)> {
    let account_name = name_of(name, "an account")?;
    let admin_name = name_of(admin_name, "a user")?;
    let email = EmailAddress::parse(admin_email).map_err(DomainError::Invalid)?;
    let now = deps.clock.now();
    let account = Account { id: AccountId::generate(), name: account_name, created_at: now };
    deps.directory.put_account(&account).await?;
    let admin = User {
        id: UserId::generate(),
        account_id: account.id.clone(),
        name: admin_name,
        email,
        role: Role::Admin,
        inbox_access: true,
        email_notifications: true,
        profile_ids: Default::default(),
        created_at: now,
    };
    Ok((account, put_user(deps, admin).await?))
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_users(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<User>> {
    require_admin(viewer, "users and profiles")?;
    Ok(deps.directory.list_users(viewer.account()).await?)
}

/// The caller's team, for any signed-in user: who can be mentioned in a note or picked as an
/// assignee. Sorted by name. Callers show only names and emails (roles and profiles stay
/// admin-only, in `list_users`).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_team(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<User>> {
    let mut users = deps.directory.list_users(viewer.account()).await?;
    users.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.id.cmp(&b.id)));
    Ok(users)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn get_user(deps: &Deps, viewer: &Viewer, id: &UserId) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    deps.directory.get_user(viewer.account(), id).await?.ok_or(DomainError::NotFound("user"))
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn create_user(deps: &Deps, viewer: &Viewer, input: UserInput) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    let profiles = deps.directory.list_profiles(viewer.account()).await?;
    let (name, email) = validate_user(&input, &profiles)?;
    let user = User {
        id: UserId::generate(),
        account_id: viewer.account().clone(),
        name,
        email,
        role: input.role,
        inbox_access: input.inbox_access,
        email_notifications: input.email_notifications,
        profile_ids: input.profile_ids,
        created_at: deps.clock.now(),
    };
    put_user(deps, user).await
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn update_user(deps: &Deps, viewer: &Viewer, id: &UserId, input: UserInput) -> DomainResult<User> {
    require_admin(viewer, "users and profiles")?;
    let old = deps.directory.get_user(viewer.account(), id).await?.ok_or(DomainError::NotFound("user"))?;
    let profiles = deps.directory.list_profiles(viewer.account()).await?;
    let (name, email) = validate_user(&input, &profiles)?;
    if old.id == viewer.user.id && input.role != Role::Admin {
        return Err(DomainError::Rule("admins cannot remove their own admin role".into()));
    }
    let user = User {
        name,
        email,
        role: input.role,
        inbox_access: input.inbox_access,
        email_notifications: input.email_notifications,
        profile_ids: input.profile_ids,
        ..old
    };
    put_user(deps, user).await
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn delete_user(deps: &Deps, viewer: &Viewer, id: &UserId) -> DomainResult<()> {
    require_admin(viewer, "users and profiles")?;
    if id == &viewer.user.id {
        return Err(DomainError::Rule("admins cannot delete themselves".into()));
    }
    if deps.directory.delete_user(viewer.account(), id).await? { Ok(()) } else { Err(DomainError::NotFound("user")) }
}

#[derive(Debug, Clone)]
pub struct ProfileInput {
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    pub tokens: Tokens,
    pub bot_app_id: Option<String>,
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_profiles(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<Profile>> {
    require_admin(viewer, "users and profiles")?;
    Ok(deps.directory.list_profiles(viewer.account()).await?)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn create_profile(deps: &Deps, viewer: &Viewer, input: ProfileInput) -> DomainResult<Profile> {
    require_admin(viewer, "users and profiles")?;
    let ext = input.external_id.trim();
    if ext.is_empty() || ext.len() > 200 || ext.chars().any(char::is_whitespace) {
        return Err(DomainError::Invalid("external_id must be the network's id of the page, account or channel".into()));
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        return Err(DomainError::Invalid("a profile needs a name of 1 to 200 characters".into()));
    }
    // The token must be the presence's own before anything is stored: whoever connects an id
    // receives its events. Checked before uniqueness, so that a caller without the token learns
    // nothing of whether the id is connected elsewhere.
    prove_owner(deps, input.network, ext, &input.tokens).await?;
    let credentials = super::channel::seal_tokens(deps, input.network, ext, &input.tokens).await?;
    let profile = Profile {
        id: ProfileId::generate(),
        account_id: viewer.account().clone(),
        network: input.network,
        external_id: ext.to_string(),
        name: input.name.trim().to_string(),
        handle: input.handle.trim().to_string(),
        credentials,
        bot_app_id: input.bot_app_id,
        created_at: deps.clock.now(),
    };
    deps.directory.put_profile(&profile).await.map_err(|e| match e {
        PortError::AlreadyExists => DomainError::Rule(format!("this {} presence is connected already", profile.network)),
        e => e.into(),
    })?;
    schedule_polls(deps, &profile).await?;
    super::channel::schedule_renewal(deps, &profile).await?;
    Ok(profile)
}

/// Reconnects a profile: new credentials (a fresh token, its expiry) replace the old ones, and
/// its channel shows a valid token again until a call says otherwise.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn reconnect_profile(deps: &Deps, viewer: &Viewer, id: &ProfileId, tokens: Tokens) -> DomainResult<Profile> {
    require_admin(viewer, "users and profiles")?;
    let mut profile = deps.directory.get_profile(viewer.account(), id).await?.ok_or(DomainError::NotFound("profile"))?;
    if tokens.access_token.expose().trim().is_empty() {
        return Err(DomainError::Invalid("reconnecting needs the new access_token".into()));
    }
    prove_owner(deps, profile.network, &profile.external_id, &tokens).await?;
    let before = profile.clone();
    profile.credentials = super::channel::seal_tokens(deps, profile.network, &profile.external_id, &tokens).await?;
    // Only the profile as it was read: one disconnected (or reconnected) while the network was
    // asked is left as it is now.
    if !deps.directory.update_profile(&before, &profile).await? {
        return Err(DomainError::Rule("the profile was disconnected or changed while its token was checked; look at it again".into()));
    }
    deps.health.set_token_state(&profile.id, TokenState::Valid, None).await?;
    super::channel::schedule_renewal(deps, &profile).await?;
    Ok(profile)
}

/// Asks `network` whom `tokens` belong to, and refuses them (422, in words) unless
/// `external_id` is among the presences they act as.
pub(in crate::usecases) async fn prove_owner(deps: &Deps, network: Network, external_id: &str, tokens: &Tokens) -> DomainResult<()> {
    if tokens.access_token.expose().trim().is_empty() {
        return Err(DomainError::Rule(format!(
            "connecting a {network} profile needs its access_token: the inbox asks {network} whom the token belongs to before the profile receives anything"
        )));
    }
    // YouTube's `channels.list` costs a unit of the quota every channel shares.
    let units = if network == Network::Youtube { 1 } else { 0 };
    spend_youtube(deps, units, "connect the channel").await?.map_err(DomainError::Rule)?;
    let owners = deps.networks.token_owners(network, &tokens.access_token).await;
    if owners.is_err() {
        // A refused or failed check is not billed by Google: nobody may burn the quota every
        // channel shares by connecting junk tokens.
        refund_youtube(deps, units).await;
    }
    let owners = owners.map_err(|e| match e {
        ActionError::NeedsReconnect(why) | ActionError::Rejected(why) => {
            DomainError::Rule(format!("{network} did not accept this access token: {why}"))
        }
        ActionError::Transient(why) | ActionError::RateLimited { reason: why, .. } => {
            DomainError::Upstream(format!("could not ask {network} whom this access token belongs to ({why}); try again"))
        }
    })?;
    if owners.iter().any(|o| crate::connect::same_presence(network, o, external_id)) {
        return Ok(());
    }
    let shown: Vec<&str> = owners.iter().take(5).map(String::as_str).collect();
    Err(DomainError::Rule(match shown.as_slice() {
        [] => {
            format!("this access token does not belong to {network} {external_id}: {network} says it acts for no page, account or channel")
        }
        _ => format!(
            "this access token does not belong to {network} {external_id}: {network} says it acts for {}; connect each profile with its own token",
            shown.join(", ")
        ),
    }))
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn delete_profile(deps: &Deps, viewer: &Viewer, id: &ProfileId) -> DomainResult<()> {
    require_admin(viewer, "users and profiles")?;
    if !deps.directory.delete_profile(viewer.account(), id).await? {
        return Err(DomainError::NotFound("profile"));
    }
    deps.renewals.delete_renewal(id).await?;
    Ok(())
}
