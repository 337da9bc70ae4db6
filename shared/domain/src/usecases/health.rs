//! Channel health: as the API shows it, and what changes it from the use cases (a token the
//! network refused, the daily YouTube quota that polls, post reads and ownership checks share).

use super::deps::{Deps, Viewer};
use crate::error::DomainResult;
use crate::ids::*;
use crate::model::*;
use serde::Serialize;

/// A profile's channel health as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Channel))]
pub struct ChannelView {
    pub profile_id: ProfileId,
    pub network: Network,
    pub name: String,
    pub handle: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub last_event_at: Option<Timestamp>,
    pub quiet: bool,
    pub token_state: TokenState,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub token_error: Option<String>,
    pub polled: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub last_poll_ok_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub next_poll_at: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_poll_error: Option<String>,
    /// Whether the webhook subscription was in place at the last check (Meta).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub webhook_subscribed: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub webhook_checked_at: Option<Timestamp>,
    /// When the token is next renewed (or, for one that does not expire, checked).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub next_renewal_at: Option<Timestamp>,
    /// When the sign-in itself ends, whatever is renewed (LinkedIn: 365 days after consent;
    /// Google: 7 days for an app in testing): the channel must be reconnected before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::TimestampSchema>, required = true))]
    pub refresh_expires_at: Option<Timestamp>,
}

/// The health of every channel the caller can see: when each last heard something, whether it
/// has gone quiet, its token, and its polling.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn channels(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<ChannelView>> {
    let now = deps.clock.now();
    let mut out = Vec::new();
    for p in deps.directory.list_profiles(viewer.account()).await? {
        if !viewer.profiles.contains(&p.id) {
            continue;
        }
        let h = deps.health.channel_health(&p.id).await?;
        let poll = deps.polls.poll_state(&p.id).await?;
        let renewal = deps.renewals.get_renewal(&p.id).await?;
        let since = h.last_event_at.and_then(|t| (now - t).to_std().ok());
        // A token that renews itself ends only with its refresh token (if that has an end).
        let renews = p.credentials.refresh_token.is_some();
        let ends_at = if renews { p.credentials.refresh_expires_at } else { p.credentials.expires_at };
        let token_state = crate::poll::token_state(h.token_state, ends_at, now);
        let token_error = match (&h.token_error, ends_at) {
            (Some(e), _) => Some(e.clone()),
            (None, Some(at)) if token_state != TokenState::Valid => Some(format!(
                "the {} {} {}; reconnect the profile",
                if renews { "sign-in" } else { "access token" },
                match (at <= now, renews) {
                    (true, true) => "ended",
                    (true, false) => "expired",
                    (false, true) => "ends",
                    (false, false) => "expires",
                },
                at.format("%Y-%m-%d %H:%M UTC")
            )),
            _ => None,
        };
        let refresh_expires_at = p.credentials.refresh_expires_at;
        out.push(ChannelView {
            next_renewal_at: renewal.map(|r| r.due_at),
            refresh_expires_at,
            quiet: crate::poll::is_quiet(since, h.typical_gap_secs.map(std::time::Duration::from_secs)),
            profile_id: p.id,
            network: p.network,
            name: p.name,
            handle: p.handle,
            last_event_at: h.last_event_at,
            token_state,
            token_error,
            webhook_subscribed: h.webhook_subscribed,
            webhook_checked_at: h.webhook_checked_at,
            polled: poll.is_some(),
            last_poll_ok_at: poll.as_ref().and_then(|s| s.last_ok_at),
            next_poll_at: poll.as_ref().map(|s| s.next_at),
            last_poll_error: poll.and_then(|s| s.last_error),
        });
    }
    Ok(out)
}

/// Spends `units` of YouTube's daily quota, which belongs to the application (every channel's
/// polls, replies and post reads count against it), or says in words that it is spent and
/// `what` happens after it resets. Sending anyway would fail every channel until it resets.
pub(in crate::usecases) async fn spend_youtube(deps: &Deps, units: u32, what: &str) -> DomainResult<Result<(), String>> {
    let quota = crate::poll::YOUTUBE_DAILY_QUOTA;
    if units == 0 || deps.polls.spend_quota(Network::Youtube, deps.clock.now(), units, quota).await? {
        return Ok(Ok(()));
    }
    Ok(Err(format!(
        "YouTube's daily API quota ({quota} units for every connected channel) is spent; {what} after it resets at midnight Pacific time"
    )))
}

/// Gives back units spent on a call that never reached YouTube (it is retried, and spends
/// them again then).
pub(in crate::usecases) async fn refund_youtube(deps: &Deps, units: u32) {
    if units > 0
        && let Err(e) = deps.polls.refund_quota(Network::Youtube, deps.clock.now(), units).await
    {
        tracing::warn!(error = %e, units, "could not give back YouTube quota units");
    }
}
