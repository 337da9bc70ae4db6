//! `PollStore` and `HealthStore` on SQLite.

use crate::codec::port_err;
use crate::codec::{from_doc, one, to_doc};
use crate::codec::{from_us, us};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::PortResult;
use inbox_domain::ports::{ChannelHealth, HealthStore, PollState, PollStore};
use inbox_domain::*;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl PollStore for SqliteStore {
    async fn ensure_poll_state(&self, state: &PollState) -> PortResult<()> {
        let s = state.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT OR IGNORE INTO poll_states (profile_id, account_id, network, next_us, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.profile_id.as_str(), s.account_id.as_str(), s.network.as_str(), us(s.next_at), to_doc(&s)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn due_polls(&self, now: Timestamp, limit: usize) -> PortResult<Vec<PollState>> {
        let now = us(now);
        self.db
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT doc FROM poll_states WHERE next_us <= ?1 AND lease_us <= ?1 ORDER BY next_us LIMIT ?2")
                    .map_err(port_err)?;
                let docs = stmt
                    .query_map(params![now, limit as i64], |r| r.get::<_, String>(0))
                    .map_err(port_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(port_err)?;
                docs.iter().map(|d| from_doc(d)).collect()
            })
            .await
    }

    async fn lease_poll(&self, profile: &ProfileId, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (p, now, until) = (profile.to_string(), us(now), us(until));
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE poll_states SET lease_us = ?3 WHERE profile_id = ?1 AND lease_us <= ?2 AND next_us <= ?2",
                    params![p, now, until],
                )
                .map(|n| n == 1)
                .map_err(port_err)
            })
            .await
    }

    async fn finish_poll(&self, state: &PollState) -> PortResult<()> {
        let s = state.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO poll_states (profile_id, account_id, network, next_us, lease_us, doc) VALUES (?1, ?2, ?3, ?4, 0, ?5)
                     ON CONFLICT (profile_id) DO UPDATE SET next_us = excluded.next_us, lease_us = 0, doc = excluded.doc",
                    params![s.profile_id.as_str(), s.account_id.as_str(), s.network.as_str(), us(s.next_at), to_doc(&s)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn poll_state(&self, profile: &ProfileId) -> PortResult<Option<PollState>> {
        let p = profile.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM poll_states WHERE profile_id = ?1", [p])).await
    }

    async fn spend_quota(&self, network: Network, now: Timestamp, units: u32, budget: u32) -> PortResult<bool> {
        let day = inbox_domain::poll::quota_day(now);
        self.db
            .write(move |c| {
                let spent: u32 = c
                    .query_row("SELECT spent FROM quotas WHERE network = ?1 AND day = ?2", params![network.as_str(), day], |r| r.get(0))
                    .optional()
                    .map_err(port_err)?
                    .unwrap_or(0);
                if spent.saturating_add(units) > budget {
                    return Ok(false);
                }
                c.execute(
                    "INSERT INTO quotas (network, day, spent) VALUES (?1, ?2, ?3) ON CONFLICT (network, day) DO UPDATE SET spent = spent + excluded.spent",
                    params![network.as_str(), day, units],
                )
                .map_err(port_err)?;
                Ok(true)
            })
            .await
    }

    async fn refund_quota(&self, network: Network, now: Timestamp, units: u32) -> PortResult<()> {
        let day = inbox_domain::poll::quota_day(now);
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE quotas SET spent = MAX(0, spent - ?3) WHERE network = ?1 AND day = ?2",
                    params![network.as_str(), day, units],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn count_polled(&self, network: Network) -> PortResult<u32> {
        self.db
            .read(move |c| {
                c.query_row("SELECT COUNT(*) FROM poll_states WHERE network = ?1", [network.as_str()], |r| r.get(0)).map_err(port_err)
            })
            .await
    }

    async fn quota_spent(&self, network: Network, now: Timestamp) -> PortResult<u32> {
        let day = inbox_domain::poll::quota_day(now);
        self.db
            .read(move |c| {
                c.query_row("SELECT spent FROM quotas WHERE network = ?1 AND day = ?2", params![network.as_str(), day], |r| r.get(0))
                    .optional()
                    .map(|o| o.unwrap_or(0))
                    .map_err(port_err)
            })
            .await
    }
}

#[async_trait]
impl HealthStore for SqliteStore {
    async fn record_event(&self, profile: &ProfileId, at: Timestamp) -> PortResult<()> {
        let (p, at) = (profile.to_string(), us(at));
        self.db
            .write(move |c| {
                c.execute(
                    // The usual gap is a moving average of the gaps between newest events.
                    "INSERT INTO channel_health (profile_id, last_event_us) VALUES (?1, ?2)
                     ON CONFLICT (profile_id) DO UPDATE SET
                       typical_gap_s = CASE
                         WHEN last_event_us IS NULL OR excluded.last_event_us <= last_event_us THEN typical_gap_s
                         WHEN typical_gap_s IS NULL THEN (excluded.last_event_us - last_event_us) / 1e6
                         ELSE 0.8 * typical_gap_s + 0.2 * ((excluded.last_event_us - last_event_us) / 1e6) END,
                       last_event_us = MAX(COALESCE(last_event_us, 0), excluded.last_event_us)",
                    params![p, at],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn set_token_state(&self, profile: &ProfileId, state: TokenState, error: Option<String>) -> PortResult<()> {
        let p = profile.to_string();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO channel_health (profile_id, token_state, token_error) VALUES (?1, ?2, ?3)
                     ON CONFLICT (profile_id) DO UPDATE SET token_state = excluded.token_state, token_error = excluded.token_error",
                    params![p, state.as_str(), error],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn set_webhook_state(&self, profile: &ProfileId, subscribed: bool, at: Timestamp) -> PortResult<()> {
        let p = profile.to_string();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO channel_health (profile_id, webhook_subscribed, webhook_checked_us) VALUES (?1, ?2, ?3)
                     ON CONFLICT (profile_id) DO UPDATE SET webhook_subscribed = excluded.webhook_subscribed, webhook_checked_us = excluded.webhook_checked_us",
                    params![p, subscribed, us(at)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn channel_health(&self, profile: &ProfileId) -> PortResult<ChannelHealth> {
        let p = profile.to_string();
        let id = profile.clone();
        self.db
            .read(move |c| {
                type Row = (Option<i64>, String, Option<String>, Option<f64>, Option<bool>, Option<i64>);
                let row: Option<Row> = c
                    .query_row(
                        "SELECT last_event_us, token_state, token_error, typical_gap_s, webhook_subscribed, webhook_checked_us
                         FROM channel_health WHERE profile_id = ?1",
                        [p],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
                    )
                    .optional()
                    .map_err(port_err)?;
                let (last, state, error, gap, subscribed, checked) = row.unwrap_or((None, "valid".into(), None, None, None, None));
                Ok(ChannelHealth {
                    profile_id: id,
                    last_event_at: last.map(from_us),
                    typical_gap_secs: gap.map(|g| g.round() as u64),
                    token_state: TokenState::parse(&state).unwrap_or(TokenState::Valid),
                    token_error: error,
                    webhook_subscribed: subscribed,
                    webhook_checked_at: checked.map(from_us),
                })
            })
            .await
    }
}
