//! Tokens that renew themselves: every profile whose token expires (or, for Meta's Page
//! tokens, which do not, must be checked) has a renewal in the schedule; a worker renews it
//! ahead of expiry under a lease, so a single-use refresh token (X rotates them) is spent once
//! however many workers run. A refused renewal marks the channel "needs reconnection" and tells
//! the admins once; a refresh token with an end of its own (LinkedIn's 365 days, Google's 7
//! for apps in testing) is announced ahead.

use super::channel::{next_renewal, tell_admins, token_failed};
use super::deps::Deps;
use crate::connect::{sign_in_label, warn_ahead};
use crate::error::{DomainError, DomainResult};
use crate::model::*;
use crate::ports::*;
use crate::presence_context;
use chrono::Duration;

/// How long a worker may hold a renewal's lease (a refresh call takes a second or two).
const LEASE_SECS: i64 = 120;
/// When a renewal the network could not answer is tried again.
const RETRY_MINUTES: i64 = 5;

/// What one round of renewals did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RenewRound {
    /// Access tokens renewed with a refresh token.
    pub renewed: usize,
    /// Tokens that do not expire, checked with their network and still good.
    pub checked: usize,
    /// Renewals the network refused: the channel needs reconnecting.
    pub refused: usize,
    /// Renewals that could not be done now (network down): tried again in minutes.
    pub failed: usize,
    /// Renewals another worker held.
    pub skipped: usize,
}

/// How long one round may go on taking leases: well inside a lease (each renewal's calls are
/// bounded by the networks' timeout), so that no lease a round takes has run out before its
/// renewal is done, and well inside the poller function's timeout.
const ROUND_SECS: i64 = 60;

/// Renews (or checks) every due token, up to `limit`.
#[tracing::instrument(skip_all)]
pub async fn renew_due(deps: &Deps, limit: usize) -> DomainResult<RenewRound> {
    let started = deps.clock.now();
    let mut round = RenewRound::default();
    for r in deps.renewals.due_renewals(started, limit).await? {
        // The clock is read for each lease: one taken late in a round lasts as long as the first.
        let now = deps.clock.now();
        if now - started > Duration::seconds(ROUND_SECS) {
            break; // the next round goes on
        }
        let holder = uuid::Uuid::new_v4().to_string();
        if !deps.renewals.lease_renewal(&r.profile_id, &holder, now, now + Duration::seconds(LEASE_SECS)).await? {
            round.skipped += 1;
            continue;
        }
        let Some(profile) = deps.directory.get_profile(&r.account_id, &r.profile_id).await? else {
            deps.renewals.finish_renewal(&r.profile_id, &holder, None).await?;
            continue;
        };
        let outcome = renew_held(deps, &profile, &holder, true).await;
        match outcome {
            Ok(Renewed::New(_)) => round.renewed += 1,
            Ok(Renewed::Checked) => round.checked += 1,
            Ok(Renewed::Refused) => round.refused += 1,
            Ok(Renewed::Later) => round.failed += 1,
            Err(e) => {
                tracing::warn!(profile_id = %profile.id, error = %e, "a renewal failed; tried again later");
                let retry = deps.clock.now() + Duration::minutes(RETRY_MINUTES);
                let _ = deps.renewals.finish_renewal(&profile.id, &holder, Some(retry)).await;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// What renewing one profile's token came to.
#[derive(Debug)]
pub(in crate::usecases) enum Renewed {
    /// A new access token: the profile as stored now.
    New(Box<Profile>),
    /// A token that does not expire is still good.
    Checked,
    /// The network refused: the channel needs reconnecting (the admins were told).
    Refused,
    /// Not now (the network down, or another worker renewing it): try again later.
    Later,
}

/// Renews `profile`'s token at once, after the network refused it (a 401): under the same
/// lease as the schedule's, so a refresh token is never spent twice. `Later` when another
/// worker is renewing it right now, or when nothing can renew it.
pub(in crate::usecases) async fn renew_now(deps: &Deps, profile: &Profile) -> DomainResult<Renewed> {
    if profile.credentials.refresh_token.is_none() {
        return Ok(Renewed::Refused);
    }
    let now = deps.clock.now();
    let holder = uuid::Uuid::new_v4().to_string();
    if !deps.renewals.lease_renewal(&profile.id, &holder, now, now + Duration::seconds(LEASE_SECS)).await? {
        // Nobody has its schedule (an older profile, or one whose renewal was refused): make it
        // unless it exists (never over another worker's lease), then take it.
        let r = Renewal { profile_id: profile.id.clone(), account_id: profile.account_id.clone(), network: profile.network, due_at: now };
        deps.renewals.ensure_renewal(&r).await?;
        if !deps.renewals.lease_renewal(&profile.id, &holder, now, now + Duration::seconds(LEASE_SECS)).await? {
            return Ok(Renewed::Later);
        }
    }
    // Read again under the lease: another worker may have renewed it a moment ago.
    let Some(current) = deps.directory.get_profile(&profile.account_id, &profile.id).await? else {
        deps.renewals.delete_renewal(&profile.id).await?;
        return Ok(Renewed::Refused);
    };
    if current.credentials.access_token != profile.credentials.access_token {
        let next = next_renewal(&current, now);
        deps.renewals.finish_renewal(&profile.id, &holder, next).await?;
        return Ok(Renewed::New(Box::new(current)));
    }
    renew_held(deps, &current, &holder, false).await
}

/// Renews (or checks) `profile`'s token, `holder` holding its lease; ends the lease with the
/// next due time. `scheduled`: a due renewal (warnings of an ending sign-in are given then).
async fn renew_held(deps: &Deps, profile: &Profile, holder: &str, scheduled: bool) -> DomainResult<Renewed> {
    let now = deps.clock.now();
    let c = &profile.credentials;
    let context = presence_context(profile.network, &profile.external_id);
    let label = sign_in_label(profile.network);
    if scheduled {
        warn_if_ending(deps, profile, now).await?;
    }
    let outcome = if let Some(sealed) = &c.refresh_token {
        // Due (ahead of expiry, or woken to warn of an ending sign-in): renewing early costs
        // nothing and restarts the access token's life.
        let refresh_token = deps.cipher.open(&context, sealed).await?;
        match deps.signin.refresh(profile.network, &refresh_token).await {
            Ok(grant) => match store_renewed(deps, profile, grant, now).await? {
                Some(p) => {
                    deps.health.set_token_state(&p.id, TokenState::Valid, None).await?;
                    let next = next_renewal(&p, now);
                    deps.renewals.finish_renewal(&p.id, holder, next).await?;
                    return Ok(Renewed::New(Box::new(p)));
                }
                // Reconnected meanwhile: its new token stands, and is scheduled as it is.
                None => Renewed::Checked,
            },
            Err(SignInError::Refused(why)) => {
                let why = format!("{label} refused to renew the token ({why}); reconnect the channel");
                token_failed(deps, profile, &why).await?;
                deps.renewals.finish_renewal(&profile.id, holder, None).await?;
                return Ok(Renewed::Refused);
            }
            Err(SignInError::Transient(why) | SignInError::NotConfigured(why)) => {
                tracing::warn!(profile_id = %profile.id, reason = %why, "a token could not be renewed now");
                let next = Some(now + Duration::minutes(RETRY_MINUTES));
                deps.renewals.finish_renewal(&profile.id, holder, next).await?;
                return Ok(Renewed::Later);
            }
        }
    } else if let Some(exp) = c.expires_at {
        if exp <= now {
            let why =
                format!("the {label} token expired {}; nothing can renew it: reconnect the channel", exp.format("%Y-%m-%d %H:%M UTC"));
            token_failed(deps, profile, &why).await?;
            deps.renewals.finish_renewal(&profile.id, holder, None).await?;
            return Ok(Renewed::Refused);
        }
        let text = format!(
            "The {label} sign-in of {} ends {}: reconnect it before then (Settings → Channels)",
            profile.name,
            exp.format("%Y-%m-%d %H:%M UTC")
        );
        tell_admins(deps, profile, NotificationType::ChannelExpiring, &format!("expires-{}", exp.timestamp()), &text).await?;
        Renewed::Checked
    } else {
        // A token that does not expire: the network says whether it still works.
        let Some(sealed) = &c.access_token else {
            deps.renewals.finish_renewal(&profile.id, holder, None).await?;
            return Ok(Renewed::Refused);
        };
        let token = deps.cipher.open(&context, sealed).await?;
        match deps.networks.token_owners(profile.network, &token).await {
            Ok(owners) if owners.iter().any(|o| crate::connect::same_presence(profile.network, o, &profile.external_id)) => {
                Renewed::Checked
            }
            Ok(_) | Err(ActionError::NeedsReconnect(_) | ActionError::Rejected(_)) => {
                let why = format!(
                    "{label} no longer accepts the channel's token (a password change, a lost role, or the app removed); reconnect it"
                );
                token_failed(deps, profile, &why).await?;
                deps.renewals.finish_renewal(&profile.id, holder, None).await?;
                return Ok(Renewed::Refused);
            }
            Err(ActionError::Transient(_) | ActionError::RateLimited { .. }) => {
                deps.renewals.finish_renewal(&profile.id, holder, Some(now + Duration::minutes(RETRY_MINUTES))).await?;
                return Ok(Renewed::Later);
            }
        }
    };
    let next = next_renewal(profile, now).map(|n| n.max(now + Duration::minutes(1)));
    deps.renewals.finish_renewal(&profile.id, holder, next).await?;
    Ok(outcome)
}

/// Stores a renewed token over the one it replaces. `None` if the profile was reconnected (or
/// disconnected) meanwhile: the renewal is dropped, the newer token stands.
async fn store_renewed(deps: &Deps, profile: &Profile, grant: Grant, now: Timestamp) -> DomainResult<Option<Profile>> {
    let c = &profile.credentials;
    let context = presence_context(profile.network, &profile.external_id);
    let seal = |s: SecretString| {
        let context = context.clone();
        async move { deps.cipher.seal(&context, &s).await }
    };
    let refresh_token = match grant.refresh_token {
        // X answers a new one (the old one is spent); LinkedIn and Google may repeat it or not.
        Some(rt) => Some(seal(rt).await?),
        None => c.refresh_token.clone(),
    };
    let credentials = Credentials {
        access_token: Some(seal(grant.access_token).await?),
        token_secret: c.token_secret.clone(),
        refresh_token,
        expires_at: grant.expires_in.map(|s| now + Duration::seconds(s)),
        // The refresh token's own end runs from the first consent (LinkedIn): it is kept.
        refresh_expires_at: c.refresh_expires_at.or(grant.refresh_expires_in.map(|s| now + Duration::seconds(s))),
    };
    let mut expected = profile.clone();
    for _ in 0..3 {
        let renewed = Profile { credentials: credentials.clone(), ..expected.clone() };
        if deps.directory.update_profile(&expected, &renewed).await? {
            return Ok(Some(renewed));
        }
        match deps.directory.get_profile(&profile.account_id, &profile.id).await? {
            // Another change (a name, a chatbot) while the token stayed: write over it.
            Some(now_stored) if now_stored.credentials == profile.credentials => expected = now_stored,
            _ => return Ok(None),
        }
    }
    Err(DomainError::Conflict)
}

/// Tells the admins, ahead, that a channel's refresh token ends (once per end date).
async fn warn_if_ending(deps: &Deps, profile: &Profile, now: Timestamp) -> DomainResult<()> {
    let Some(end) = profile.credentials.refresh_expires_at else { return Ok(()) };
    if end - warn_ahead(profile.network) > now {
        return Ok(());
    }
    let label = sign_in_label(profile.network);
    let why = if profile.network == Network::Youtube {
        " (Google ends the sign-in of an app still in testing after 7 days: publish the app to production to lift it)"
    } else {
        ""
    };
    let text = format!(
        "The {label} sign-in of {} ends {}{why}: reconnect it before then (Settings → Channels)",
        profile.name,
        end.format("%Y-%m-%d %H:%M UTC")
    );
    tell_admins(deps, profile, NotificationType::ChannelExpiring, &format!("refresh-ends-{}", end.timestamp()), &text).await
}
