//! Poll scheduling: how often each profile is read, within the application's quotas.
//!
//! Quotas belong to the application, not the profile: YouTube's 10,000 units a day are shared by
//! every connected channel. Each network gets a daily budget for polling (what is left after a
//! reserve for replies); every profile's interval is at least the share of that budget that keeps
//! all of them within it, and within that floor it adapts to the profile's activity: a poll that
//! found something comes back soon, a quiet profile is polled less and less often.

use crate::model::{Network, Timestamp, TokenState};
use std::time::Duration;

/// How a network is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    pub min_interval: Duration,
    pub max_interval: Duration,
    /// Units a day the application may spend on polling this network (`None`: not metered).
    pub daily_budget: Option<u32>,
    /// How far back the first poll after connecting reads.
    pub backfill: Duration,
}

const MIN: u64 = 60;

/// YouTube's quota for the whole application (every connected channel), in units a day.
pub const YOUTUBE_DAILY_QUOTA: u32 = 10_000;
/// What one YouTube write (a comment reply) costs; a `commentThreads.list` page costs 1.
pub const YOUTUBE_WRITE_UNITS: u32 = 50;
/// What one YouTube read of a video (`videos.list`, the original post of a comment) costs.
pub const YOUTUBE_READ_UNITS: u32 = 1;

/// The daily polling budgets the configuration sets (`INBOX_POLL_BUDGET_<NETWORK>`, in quota
/// units a day).
pub fn budgets_from(get: impl Fn(&str) -> Option<String>) -> Result<Vec<(Network, u32)>, String> {
    let mut out = Vec::new();
    for n in Network::ALL {
        let name = format!("INBOX_POLL_BUDGET_{}", n.as_str().to_uppercase());
        if let Some(v) = get(&name) {
            out.push((*n, v.parse().map_err(|_| format!("{name} must be a whole number of quota units a day"))?));
        }
    }
    Ok(out)
}

/// The day a quota unit spent at `now` counts against (`YYYY-MM-DD`). YouTube's quota resets
/// at midnight Pacific time; the day is taken at UTC−8 all year, so in summer (UTC−7) it
/// turns an hour after YouTube's: never before it, so a new day never spends units YouTube
/// still counts against the old one. The other networks' budgets follow the same day.
pub fn quota_day(now: Timestamp) -> String {
    (now - QUOTA_DAY_OFFSET).format("%Y-%m-%d").to_string()
}

/// When the quota day after `now`'s begins.
pub fn next_quota_day(now: Timestamp) -> Timestamp {
    let day = (now - QUOTA_DAY_OFFSET).date_naive() + chrono::Duration::days(1);
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc() + QUOTA_DAY_OFFSET
}

const QUOTA_DAY_OFFSET: chrono::Duration = chrono::Duration::hours(8);

/// Days before its expiry that a token is shown as expiring (time to reconnect it).
pub const TOKEN_EXPIRING_DAYS: i64 = 7;

/// The token state channel health shows: what failed calls recorded, or, when nothing failed,
/// what the token's expiry says (expired: needs reconnection; within
/// [`TOKEN_EXPIRING_DAYS`]: expiring).
pub fn token_state(recorded: TokenState, expires_at: Option<Timestamp>, now: Timestamp) -> TokenState {
    match (recorded, expires_at) {
        (TokenState::NeedsReconnection, _) => TokenState::NeedsReconnection,
        (_, Some(at)) if at <= now => TokenState::NeedsReconnection,
        (_, Some(at)) if at - now <= chrono::Duration::days(TOKEN_EXPIRING_DAYS) => TokenState::Expiring,
        (state, _) => state,
    }
}

impl PollPolicy {
    /// Defaults. YouTube: 10,000 units a day ([`YOUTUBE_DAILY_QUOTA`]), of which polls may
    /// spend 7,000; replies ([`YOUTUBE_WRITE_UNITS`] each) spend from the same daily count up
    /// to the whole quota, so polls and replies together never pass it.
    pub fn default_for(network: Network) -> Option<PollPolicy> {
        let days = |d: u64| Duration::from_secs(d * 24 * 3600);
        match network {
            Network::Youtube => Some(PollPolicy {
                min_interval: Duration::from_secs(5 * MIN),
                max_interval: Duration::from_secs(60 * MIN),
                daily_budget: Some(7_000),
                backfill: days(7),
            }),
            Network::Linkedin => Some(PollPolicy {
                min_interval: Duration::from_secs(5 * MIN),
                max_interval: Duration::from_secs(60 * MIN),
                daily_budget: None,
                backfill: days(7),
            }),
            // X has webhooks; polling mentions is the reconciliation for missed deliveries.
            Network::Twitter => Some(PollPolicy {
                min_interval: Duration::from_secs(10 * MIN),
                max_interval: Duration::from_secs(30 * MIN),
                daily_budget: None,
                backfill: days(2),
            }),
            // Meta pushes by webhook; the "poll" checks that the Page is still subscribed.
            Network::Facebook | Network::Instagram => Some(PollPolicy {
                min_interval: Duration::from_secs(6 * 60 * MIN),
                max_interval: Duration::from_secs(6 * 60 * MIN),
                daily_budget: None,
                backfill: Duration::ZERO,
            }),
        }
    }
}

/// The shortest interval that keeps `profiles` profiles, each spending `units_per_poll`, within
/// `daily_budget` units a day.
pub fn budget_floor(units_per_poll: u32, profiles: u32, daily_budget: Option<u32>) -> Duration {
    match daily_budget {
        Some(budget) if budget > 0 && units_per_poll > 0 => {
            let polls_per_day = (budget / units_per_poll.max(1)).max(1) as u64;
            let per_profile = (polls_per_day / profiles.max(1) as u64).max(1);
            Duration::from_secs((86_400 / per_profile).max(1))
        }
        Some(_) => Duration::from_secs(86_400),
        None => Duration::ZERO,
    }
}

/// The next interval after a successful poll: back to the minimum when it found something,
/// half as long again when it did not; never under the budget floor nor over the maximum.
pub fn next_interval(previous: Duration, found_new: bool, policy: &PollPolicy, floor: Duration) -> Duration {
    let wanted = if found_new { policy.min_interval } else { previous.mul_f64(1.5).max(policy.min_interval) };
    wanted.min(policy.max_interval).max(floor)
}

/// The wait after a failed poll: the network's word when it gave one, else exponential from
/// one minute, at most an hour.
pub fn backoff(failures: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(r) = retry_after {
        return r.clamp(Duration::from_secs(1), Duration::from_secs(24 * 3600));
    }
    Duration::from_secs(MIN << failures.min(6)).min(Duration::from_secs(60 * MIN))
}

/// A channel has gone quiet when nothing arrived for three times its usual gap between events
/// (at least an hour).
pub fn is_quiet(since_last_event: Option<Duration>, typical_gap: Option<Duration>) -> bool {
    match (since_last_event, typical_gap) {
        (Some(since), Some(gap)) => since > (gap * 3).max(Duration::from_secs(3600)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_day_turns_at_midnight_pacific_standard_time() {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // 07:59 UTC is still the day before in California (PST, UTC−8)...
        assert_eq!(quota_day(at("2026-11-26T07:59:59Z")), "2026-11-25");
        assert_eq!(quota_day(at("2026-11-26T08:00:00Z")), "2026-11-26");
        assert_eq!(next_quota_day(at("2026-11-26T07:59:59Z")), at("2026-11-26T08:00:00Z"));
        assert_eq!(next_quota_day(at("2026-11-26T08:00:00Z")), at("2026-11-27T08:00:00Z"));
        // ...and in summer (PDT, UTC−7) YouTube turns at 07:00 UTC: ours an hour later, never before.
        assert_eq!(quota_day(at("2026-07-01T07:30:00Z")), "2026-06-30");
    }

    #[test]
    fn the_budget_floor_keeps_every_channel_within_the_daily_quota() {
        // 7,000 units, 1 unit a poll, 10 channels: 700 polls each, one every ~123 s.
        let f = budget_floor(1, 10, Some(7_000));
        assert_eq!(f, Duration::from_secs(86_400 / 700));
        // 100 channels at 3 units: 23 polls each a day.
        let f = budget_floor(3, 100, Some(7_000));
        assert_eq!(f, Duration::from_secs(86_400 / 23));
        let total_units = (86_400 / f.as_secs()) * 3 * 100;
        assert!(total_units <= 7_000, "{total_units}");
        assert_eq!(budget_floor(1, 5, None), Duration::ZERO);
    }

    #[test]
    fn intervals_adapt_to_activity_within_the_bounds() {
        let p = PollPolicy::default_for(Network::Youtube).unwrap();
        let i = next_interval(Duration::from_secs(1200), true, &p, Duration::ZERO);
        assert_eq!(i, p.min_interval);
        let i = next_interval(Duration::from_secs(1200), false, &p, Duration::ZERO);
        assert_eq!(i, Duration::from_secs(1800));
        let i = next_interval(Duration::from_secs(3000), false, &p, Duration::ZERO);
        assert_eq!(i, p.max_interval);
        let i = next_interval(Duration::from_secs(300), true, &p, Duration::from_secs(900));
        assert_eq!(i, Duration::from_secs(900), "never under the budget floor");
    }

    #[test]
    fn failures_back_off_exponentially_or_as_the_network_says() {
        assert_eq!(backoff(0, None), Duration::from_secs(60));
        assert_eq!(backoff(3, None), Duration::from_secs(480));
        assert_eq!(backoff(20, None), Duration::from_secs(3600));
        assert_eq!(backoff(0, Some(Duration::from_secs(900))), Duration::from_secs(900));
    }

    #[test]
    fn a_channel_is_quiet_after_three_usual_gaps() {
        let h = Duration::from_secs(3600);
        assert!(!is_quiet(Some(h * 2), Some(h)));
        assert!(is_quiet(Some(h * 4), Some(h)));
        assert!(!is_quiet(Some(Duration::from_secs(1800)), Some(Duration::from_secs(60))), "at least an hour");
        assert!(!is_quiet(None, None));
    }
}
