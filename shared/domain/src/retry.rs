//! How long the inbox keeps trying to send an outbound action (a reply, a like, a DM) that a
//! network could not take: over a window that outlasts real outages and rate-limit windows
//! (X's is 15 minutes; a network's incident can last hours), honouring the wait a network asks
//! for, and then giving up in words so that a person can send it again. Never for ever, never
//! silently.

use std::time::Duration;

/// The waits before each retry of an outbound action, in seconds: 10 s, 30 s, 1, 2, 5, 10, 15
/// and 30 min, then 1 h, 1 h, 2 h and 2 h. About 7 hours in all, 13 tries.
pub const DEFAULT_WAITS_SECS: [u64; 12] = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 3600, 7200, 7200];

/// The longest a network's own wait is honoured for (SQS keeps a message hidden for at most
/// 12 hours).
pub const MAX_WAIT: Duration = Duration::from_secs(12 * 3600);

/// The waits between tries of an outbound action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    pub waits: Vec<Duration>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self { waits: DEFAULT_WAITS_SECS.iter().map(|s| Duration::from_secs(*s)).collect() }
    }
}

impl RetrySchedule {
    /// The wait before the next try after `failed` tries have failed, the network's own wait
    /// (`Retry-After`, a reset time) taken when it is longer; `None` once the schedule is spent.
    pub fn next_wait(&self, failed: u32, asked: Option<Duration>) -> Option<Duration> {
        let planned = *self.waits.get(failed.checked_sub(1)? as usize)?;
        Some(planned.max(asked.unwrap_or_default()).min(MAX_WAIT))
    }

    /// How long the schedule lasts in all, without the networks' own waits.
    pub fn span(&self) -> Duration {
        self.waits.iter().sum()
    }

    /// The number of tries in all.
    pub fn tries(&self) -> u32 {
        self.waits.len() as u32 + 1
    }
}

/// The longest wait before a change that lost races is tried again: none after the first two
/// lost races (each is another writer's success, so the next try usually passes), then up to
/// 5 ms, doubling to 320 ms from the ninth on (`ports::Pause` picks a random wait below it).
/// With 64 tries in all (`usecases::engine`), a change that keeps losing gives up after at
/// most 18 s of waits (9 s on average).
pub fn after_lost_races(lost: usize) -> Option<Duration> {
    let n = lost.checked_sub(3)?;
    Some(Duration::from_millis(5 << n.min(6)))
}

/// `d` in words: "45 s", "12 min", "7 h".
pub fn in_words(d: Duration) -> String {
    let s = d.as_secs();
    if s < 120 {
        format!("{s} s")
    } else if s < 2 * 3600 {
        format!("{} min", s / 60)
    } else {
        format!("{} h", s / 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_lasts_hours_and_then_gives_up() {
        let s = RetrySchedule::default();
        assert_eq!(s.next_wait(0, None), None, "no failure, no wait");
        assert_eq!(s.next_wait(1, None), Some(Duration::from_secs(10)));
        assert_eq!(s.next_wait(12, None), Some(Duration::from_secs(7200)));
        assert_eq!(s.next_wait(13, None), None, "spent");
        assert_eq!(s.tries(), 13);
        assert_eq!(in_words(s.span()), "7 h");
        assert!(s.span() >= Duration::from_secs(6 * 3600));
    }

    #[test]
    fn lost_races_are_tried_again_at_once_then_after_growing_jittered_waits() {
        assert_eq!((after_lost_races(0), after_lost_races(1), after_lost_races(2)), (None, None, None));
        assert_eq!(after_lost_races(3), Some(Duration::from_millis(5)));
        assert_eq!(after_lost_races(4), Some(Duration::from_millis(10)));
        assert_eq!(after_lost_races(9), Some(Duration::from_millis(320)));
        assert_eq!(after_lost_races(63), Some(Duration::from_millis(320)), "capped");
        let all: Duration = (0..64).filter_map(after_lost_races).sum();
        assert!(all > Duration::from_secs(15) && all < Duration::from_secs(20), "{all:?} at most in all");
    }

    #[test]
    fn a_networks_wait_is_honoured_when_longer_and_capped() {
        let s = RetrySchedule::default();
        assert_eq!(s.next_wait(1, Some(Duration::from_secs(900))), Some(Duration::from_secs(900)), "X's 15-minute window");
        assert_eq!(s.next_wait(9, Some(Duration::from_secs(5))), Some(Duration::from_secs(3600)), "the schedule when longer");
        assert_eq!(s.next_wait(1, Some(Duration::from_secs(86_400))), Some(MAX_WAIT));
    }

    #[test]
    fn words() {
        assert_eq!(in_words(Duration::from_secs(45)), "45 s");
        assert_eq!(in_words(Duration::from_secs(720)), "12 min");
        assert_eq!(in_words(Duration::from_secs(25_420)), "7 h");
    }
}
