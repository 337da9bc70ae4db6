//! The scheduled poller: reads the networks that have no webhook for what we need (LinkedIn
//! organisation comments, YouTube comment threads) and reconciles X mentions missed by webhooks.
//! Each run polls the profiles that are due, under a lease per profile, within each network's
//! daily budget; what it finds goes through the same ingestion as webhooks. The same run renews
//! the networks' tokens that are due ([`renew`]).

use inbox_domain::ports::PlatformPoller;
use inbox_domain::usecases::{self, Deps, PollRound, RenewRound};

/// Most profiles one run polls (a Lambda invocation has a time limit; the rest wait for the
/// next run, which the schedule brings soon).
pub const MAX_PER_RUN: usize = 50;

/// One scheduled run.
#[tracing::instrument(skip_all)]
pub async fn run(deps: &Deps, poller: &dyn PlatformPoller) -> Result<PollRound, inbox_domain::DomainError> {
    let round = usecases::poll_due(deps, poller, MAX_PER_RUN).await?;
    if round.polled + round.deferred_for_quota + round.failed > 0 {
        tracing::info!(
            polled = round.polled,
            events = round.events,
            stored = round.stored,
            failed = round.failed,
            deferred = round.deferred_for_quota,
            "poll run"
        );
    }
    Ok(round)
}

/// Tokens one run renews (or checks) at most.
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
