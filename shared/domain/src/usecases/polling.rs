//! Polling (the poller function): scheduling, leasing and running each profile's polls.

use super::channel::token_failed;
use super::deps::Deps;
use super::ingest::{IngestOutcome, ingest};
use crate::error::DomainResult;
use crate::model::*;
use crate::ports::*;

/// Starts polling a profile of a polled network (LinkedIn, YouTube, X reconciliation): its first
/// poll, a backfill, is due now. Does nothing for networks without polling or when scheduled.
#[tracing::instrument(skip_all, fields(account_id = %profile.account_id, profile_id = %profile.id))]
pub async fn schedule_polls(deps: &Deps, profile: &Profile) -> DomainResult<()> {
    let Some(policy) = deps.settings.poll_policy(profile.network) else {
        return Ok(());
    };
    let state = PollState {
        profile_id: profile.id.clone(),
        account_id: profile.account_id.clone(),
        network: profile.network,
        cursor: None,
        next_at: deps.clock.now(),
        interval_secs: policy.min_interval.as_secs(),
        last_ok_at: None,
        last_error: None,
        failures: 0,
    };
    Ok(deps.polls.ensure_poll_state(&state).await?)
}

/// What one round of polling did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollRound {
    pub polled: usize,
    pub events: usize,
    pub stored: usize,
    pub failed: usize,
    pub deferred_for_quota: usize,
    pub leased_elsewhere: usize,
}

/// How long a poller holds a profile's lease: longer than any one poll takes.
pub const POLL_LEASE_SECS: i64 = 300;

/// Polls every profile that is due, each under a lease so that two pollers never work one
/// profile at once, within each network's daily budget. Events go through `ingest`, so a poll
/// overlapping a webhook stores nothing twice.
pub async fn poll_due(deps: &Deps, poller: &dyn PlatformPoller, limit: usize) -> DomainResult<PollRound> {
    let now = deps.clock.now();
    poll_due_share(deps, poller, limit, crate::ids::Share::WHOLE, now, now + chrono::Duration::days(1)).await
}

/// [`poll_due`] for one share of the due profiles (by profile id): at most `limit` of the
/// share's that were due by `due_by` (from the `limit × parts` earliest), none leased after
/// `until`. So workers on different shares poll at once without contending for a lease, a run
/// that takes round after round (due by its start) never polls again a profile it made due
/// again meanwhile, and a round ends by its run's deadline.
pub async fn poll_due_share(
    deps: &Deps,
    poller: &dyn PlatformPoller,
    limit: usize,
    share: crate::ids::Share,
    due_by: Timestamp,
    until: Timestamp,
) -> DomainResult<PollRound> {
    let now = deps.clock.now();
    let mut round = PollRound::default();
    let due = deps.polls.due_polls(due_by.min(now), limit.saturating_mul(share.parts.max(1) as usize)).await?;
    for state in due.into_iter().filter(|s| share.holds(s.profile_id.as_str())).take(limit) {
        if deps.clock.now() >= until {
            break;
        }
        if !deps.polls.lease_poll(&state.profile_id, now, now + chrono::Duration::seconds(POLL_LEASE_SECS)).await? {
            round.leased_elsewhere += 1;
            continue;
        }
        poll_one(deps, poller, state, &mut round).await?;
    }
    Ok(round)
}

async fn poll_one(deps: &Deps, poller: &dyn PlatformPoller, mut state: PollState, round: &mut PollRound) -> DomainResult<()> {
    let now = deps.clock.now();
    let Some(policy) = deps.settings.poll_policy(state.network) else {
        state.next_at = now + chrono::Duration::days(1);
        return Ok(deps.polls.finish_poll(&state).await?);
    };
    let Some(profile) = deps.directory.get_profile(&state.account_id, &state.profile_id).await? else {
        // Disconnected: stop polling it (far in the future; a reconnect schedules it again).
        state.next_at = now + chrono::Duration::days(3650);
        state.last_error = Some("the profile was disconnected".into());
        return Ok(deps.polls.finish_poll(&state).await?);
    };
    let units = poller.units_per_poll(state.network);
    if let Some(budget) = policy.daily_budget
        && units > 0
        && !deps.polls.spend_quota(state.network, now, units, budget).await?
    {
        // The day's budget is spent: try again when the quota day turns (`poll::quota_day`).
        state.next_at = crate::poll::next_quota_day(now);
        state.last_error = Some(format!("the daily {} quota for polling ({budget} units) is spent", state.network));
        round.deferred_for_quota += 1;
        return Ok(deps.polls.finish_poll(&state).await?);
    }
    round.polled += 1;
    let backfill_since = now - chrono::Duration::from_std(policy.backfill).unwrap_or_default();
    match poller.poll(&profile, state.cursor.as_deref(), backfill_since).await {
        Ok(page) => {
            if policy.daily_budget.is_some() && page.units < units {
                // Spent ahead for the most this poll could cost; give back what it did not use.
                deps.polls.refund_quota(state.network, now, units - page.units).await?;
            }
            if let Some(subscribed) = page.webhook_subscribed {
                deps.health.set_webhook_state(&profile.id, subscribed, now).await?;
            }
            round.events += page.events.len();
            let mut stored = 0;
            for event in &page.events {
                match ingest(deps, event).await {
                    Ok(IngestOutcome::Created(_) | IngestOutcome::Appended(_) | IngestOutcome::Updated(_)) => stored += 1,
                    Ok(_) => {}
                    Err(e) => {
                        // Keep the old cursor: the next poll reads these events again.
                        state.failures += 1;
                        state.last_error = Some(format!("storing polled events failed: {e}"));
                        state.next_at = now + chrono::Duration::from_std(crate::poll::backoff(state.failures, None)).unwrap_or_default();
                        round.failed += 1;
                        deps.polls.finish_poll(&state).await?;
                        return Err(e);
                    }
                }
            }
            round.stored += stored;
            if page.cursor.is_some() {
                state.cursor = page.cursor;
            }
            let floor = crate::poll::budget_floor(units, network_profiles(deps, &state).await?, policy.daily_budget);
            let interval = crate::poll::next_interval(std::time::Duration::from_secs(state.interval_secs), stored > 0, &policy, floor);
            state.interval_secs = interval.as_secs();
            state.next_at = now + chrono::Duration::from_std(interval).unwrap_or_default();
            state.last_ok_at = Some(now);
            state.last_error = None;
            state.failures = 0;
        }
        Err(e) => {
            round.failed += 1;
            state.failures += 1;
            let retry_after = match &e {
                PollError::RateLimited { retry_after_secs } => retry_after_secs.map(std::time::Duration::from_secs),
                _ => None,
            };
            let mut renewed = false;
            if let PollError::NeedsReconnect(why) = &e {
                // A token that can be renewed is, at once; the next poll uses the new one.
                match super::renewal::renew_now(deps, &profile).await? {
                    super::renewal::Renewed::New(_) => renewed = true,
                    super::renewal::Renewed::Later => {}
                    _ => token_failed(deps, &profile, why).await?,
                }
            }
            state.last_error = Some(e.to_string());
            state.next_at = if renewed {
                now
            } else {
                now + chrono::Duration::from_std(crate::poll::backoff(state.failures, retry_after)).unwrap_or_default()
            };
        }
    }
    Ok(deps.polls.finish_poll(&state).await?)
}

/// How many profiles share the network's budget (the polled profiles of that network).
async fn network_profiles(deps: &Deps, state: &PollState) -> DomainResult<u32> {
    Ok(deps.polls.count_polled(state.network).await?.max(1))
}
