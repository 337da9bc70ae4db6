//! The scheduled poller: reads the networks that have no webhook for what we need (LinkedIn
//! organisation comments, YouTube comment threads) and reconciles X mentions missed by webhooks.
//! Each run polls the profiles that are due, under a lease per profile, within each network's
//! daily budget; what it finds goes through the same ingestion as webhooks. The same run renews
//! the networks' tokens that are due ([`renew`]).

use inbox_domain::ids::Share;
use inbox_domain::ports::PlatformPoller;
use inbox_domain::usecases::{self, Deps, PollRound, RenewRound};

/// Profiles one worker polls in a round.
pub const MAX_PER_RUN: usize = 50;

/// Workers of a run, each on its own share of the due profiles (by profile id).
pub const WORKERS: u32 = 8;

/// How long a run takes new polls: a poll leased by then ends (a network call, a few
/// seconds at most) well within the function's timeout (120 s, `template.yaml`), with the
/// renewals before it.
pub const RUN_BUDGET: std::time::Duration = std::time::Duration::from_secs(50);

/// One scheduled run of the poller: [`WORKERS`] workers, each on its share of the due profiles,
/// taking round after round of [`MAX_PER_RUN`] until their share has nothing due or
/// [`RUN_BUDGET`] is spent (checked before each poll). A run's rate grows with what is due: eight polls at a time for
/// most of a minute (thousands of profiles a run, where it polled 50 for every tenant
/// together). Only what was due when the run started: a profile it polled and made due again
/// at once (a renewed token, a Retry-After of a second) waits for the next run. The workers
/// run concurrently on this task (the polls are network waits).
#[tracing::instrument(skip_all)]
pub async fn run(deps: &Deps, poller: &dyn PlatformPoller) -> Result<PollRound, inbox_domain::DomainError> {
    let started = std::time::Instant::now();
    let due_by = deps.clock.now();
    let until = due_by + chrono::Duration::from_std(RUN_BUDGET).expect("a short budget");
    let worker = |part: u32| async move {
        let share = Share { part, parts: WORKERS };
        let mut total = PollRound::default();
        loop {
            let round = usecases::poll_due_share(deps, poller, MAX_PER_RUN, share, due_by, until).await?;
            // Nothing due in the share. (Profiles another run took meanwhile are not listed
            // again: a leased profile is not due.)
            let done = round.polled + round.deferred_for_quota + round.failed + round.leased_elsewhere == 0;
            add(&mut total, &round);
            if done || started.elapsed() >= RUN_BUDGET {
                return Ok::<_, inbox_domain::DomainError>(total);
            }
        }
    };
    let mut run = PollRound::default();
    let mut first_error = None;
    for result in futures_util::future::join_all((0..WORKERS).map(worker)).await {
        match result {
            Ok(round) => add(&mut run, &round),
            Err(e) => first_error = first_error.or(Some(e)),
        }
    }
    if run.polled + run.deferred_for_quota + run.failed > 0 {
        tracing::info!(
            polled = run.polled,
            events = run.events,
            stored = run.stored,
            failed = run.failed,
            deferred = run.deferred_for_quota,
            "poll run"
        );
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(run),
    }
}

fn add(total: &mut PollRound, round: &PollRound) {
    total.polled += round.polled;
    total.events += round.events;
    total.stored += round.stored;
    total.failed += round.failed;
    total.deferred_for_quota += round.deferred_for_quota;
    total.leased_elsewhere += round.leased_elsewhere;
}

pub const RENEWALS_PER_RUN: usize = 50;

/// The same schedule's other work: renewing the tokens that are due, under a lease per profile
/// (a refresh token is spent once), and checking those that do not expire.
#[tracing::instrument(skip_all)]
pub async fn renew(deps: &Deps) -> Result<RenewRound, inbox_domain::DomainError> {
    let round = usecases::renew_due(deps, RENEWALS_PER_RUN).await?;
    if round != RenewRound::default() {
        tracing::info!(
            renewed = round.renewed,
            checked = round.checked,
            refused = round.refused,
            failed = round.failed,
            skipped = round.skipped,
            "renewal run"
        );
    }
    Ok(round)
}
