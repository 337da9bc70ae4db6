//! A channel's credentials, as the use cases that connect, renew and call with them share
//! them: sealing the tokens a network gave, scheduling their renewal, and what happens when a
//! network refuses one (the channel marked, the admins told once). Below connecting
//! (`connect`, `admin`) and renewing (`renewal`), above nothing but the ports.

use super::deps::Deps;
use crate::connect::{CHECK_EVERY_HOURS, renew_at, warn_ahead};
use crate::error::DomainResult;
use crate::model::*;
use crate::ports::*;
use crate::presence_context;
use chrono::Duration;

/// Seals a presence's tokens for storing (see [`Sealed`]).
pub(in crate::usecases) async fn seal_tokens(
    deps: &Deps,
    network: Network,
    external_id: &str,
    tokens: &Tokens,
) -> DomainResult<Credentials> {
    let context = presence_context(network, external_id);
    let seal = |s: SecretString| {
        let context = context.clone();
        async move { deps.cipher.seal(&context, &s).await }
    };
    let access_token = Some(seal(SecretString::new(tokens.access_token.expose().trim())).await?);
    let token_secret = match &tokens.token_secret {
        Some(s) => Some(seal(s.clone()).await?),
        None => None,
    };
    let refresh_token = match &tokens.refresh_token {
        Some(s) => Some(seal(s.clone()).await?),
        None => None,
    };
    Ok(Credentials {
        access_token,
        token_secret,
        refresh_token,
        expires_at: tokens.expires_at,
        refresh_expires_at: tokens.refresh_expires_at,
    })
}

/// When `profile`'s token is next renewed or checked, if ever.
pub fn next_renewal(profile: &Profile, now: Timestamp) -> Option<Timestamp> {
    let c = &profile.credentials;
    c.access_token.as_ref()?;
    let due = match (c.expires_at, c.refresh_token.is_some()) {
        (Some(exp), true) => Some(renew_at(now.min(exp), exp)),
        // Nothing renews it: the admins are told a week ahead, then when it ends.
        (Some(exp), false) if exp - Duration::days(7) > now => Some(exp - Duration::days(7)),
        (Some(exp), false) => Some(exp.max(now)),
        // Meta's Page tokens do not expire, but die with a password change or a lost role.
        (None, _) if matches!(profile.network, Network::Facebook | Network::Instagram) => Some(now + Duration::hours(CHECK_EVERY_HOURS)),
        (None, _) => None,
    };
    // The warning ahead of an ending refresh token; once it is given, the end itself.
    let warn = c.refresh_expires_at.and_then(|end| {
        let at = end - warn_ahead(profile.network);
        if at > now { Some(at) } else { (end > now).then_some(end) }
    });
    match (due, warn) {
        (Some(d), Some(w)) => Some(d.min(w)),
        (d, w) => d.or(w),
    }
}

/// Puts `profile` in the renewal schedule (or takes it out, when nothing about its token ever
/// needs doing).
pub(in crate::usecases) async fn schedule_renewal(deps: &Deps, profile: &Profile) -> DomainResult<()> {
    match next_renewal(profile, deps.clock.now()) {
        Some(due_at) => {
            let r = Renewal { profile_id: profile.id.clone(), account_id: profile.account_id.clone(), network: profile.network, due_at };
            Ok(deps.renewals.put_renewal(&r).await?)
        }
        None => Ok(deps.renewals.delete_renewal(&profile.id).await?),
    }
}

/// Records that a profile's token no longer works, unless the profile was reconnected (a new
/// token) since `profile` was read: a call made with the old token says nothing of the new one.
pub(in crate::usecases) async fn token_failed(deps: &Deps, profile: &Profile, why: &str) -> DomainResult<()> {
    let current = deps.directory.get_profile(&profile.account_id, &profile.id).await?;
    if current.is_some_and(|c| c.credentials.access_token == profile.credentials.access_token) {
        deps.health.set_token_state(&profile.id, TokenState::NeedsReconnection, Some(why.to_string())).await?;
        // Once per token: every later refusal of the same token is the same news.
        let token = profile.credentials.access_token.as_ref().map(|t| crate::connect::digest(t.as_str())).unwrap_or_default();
        let text = format!("{} ({}) needs reconnecting: {why}", profile.name, profile.network.label());
        tell_admins(deps, profile, NotificationType::ChannelNeedsReconnection, &format!("token-{token}"), &text).await?;
    }
    Ok(())
}

/// Tells every admin of the profile's account, in the inbox and by email, once per `key`: a
/// happening queued for the notifier (which alone sends email on AWS), whose id is made of the
/// key, so telling it again notifies nobody twice.
pub(in crate::usecases) async fn tell_admins(
    deps: &Deps,
    profile: &Profile,
    kind: NotificationType,
    key: &str,
    text: &str,
) -> DomainResult<()> {
    let event = crate::notify::NotifyEvent {
        event_id: format!("chn_{}", &crate::connect::digest(&format!("{}|{}|{key}", profile.id, kind.as_str()))[..24]),
        account_id: profile.account_id.clone(),
        conversation_id: None,
        profile_id: Some(profile.id.clone()),
        actor: Actor::System,
        at: deps.clock.now(),
        happening: crate::notify::Happening::ChannelAttention { kind, text: text.to_string() },
    };
    deps.queue.send(crate::messages::QueueName::Notify, serde_json::to_vec(&event).expect("serialisable")).await?;
    Ok(())
}
