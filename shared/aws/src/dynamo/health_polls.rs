//! `PollStore` and `HealthStore` on DynamoDB.
//!
//! A poll schedule is `L#<profile>`; the sparse-free index `due_polls` orders every schedule by
//! its next poll (`g3pk = "POLL#<shard>"`, `g3sk` = µs), and a lease is a conditional update of
//! `lease`. A count per network (`LC#<network>`) is kept in the same transaction that creates
//! a schedule. Quotas are one counter per network and UTC day (`Q#<network>#<day>`), spent
//! with a conditional `ADD` so that concurrent pollers never overspend; they expire after
//! two days. Channel health is `H#<profile>`.

use super::store::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::Timestamp;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{ChannelHealth, HealthStore, PollState, PollStore};
use inbox_domain::*;

const POLL_PARTITION: &str = "POLL";

fn poll_record(state: &PollState, lease: i64) -> Record {
    let mut r = record(key::poll(state.profile_id.as_str()));
    r.insert("doc".into(), to_doc(state));
    r.insert("net".into(), s(state.network.as_str()));
    r.insert("g3pk".into(), s(key::due_pk(POLL_PARTITION, state.profile_id.as_str())));
    r.insert("g3sk".into(), n(us(state.next_at)));
    r.insert("lease".into(), n(lease));
    r
}

fn day(now: Timestamp) -> String {
    inbox_domain::poll::quota_day(now)
}

impl DynamoDbStore {
    /// Creates a schedule and counts it, unless the profile has one.
    async fn create_poll(&self, state: &PollState) -> PortResult<()> {
        let actions = vec![
            tx::put(&self.table, poll_record(state, 0), Some("attribute_not_exists(pk)"), vec![]),
            tx::update(&self.table, key::poll_count(state.network.as_str()), "ADD #n :one", None, vec![("#n", "n")], vec![(":one", n(1))]),
        ];
        match self.transact(actions).await {
            Ok(()) => Ok(()),
            Err(e) if e.failed(0) => Ok(()),
            Err(e) => Err(e.into_port()),
        }
    }
}

#[async_trait]
impl PollStore for DynamoDbStore {
    async fn ensure_poll_state(&self, state: &PollState) -> PortResult<()> {
        if self.get(key::poll(state.profile_id.as_str())).await?.is_some() {
            return Ok(());
        }
        self.create_poll(state).await
    }

    async fn due_polls(&self, now: Timestamp, limit: usize) -> PortResult<Vec<PollState>> {
        let now = us(now);
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        for r in self.due_unleased(POLL_PARTITION, now, limit).await? {
            out.push(from_doc(&r)?);
        }
        Ok(out)
    }

    async fn lease_poll(&self, profile: &ProfileId, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (pk, sk) = key::poll(profile.as_str());
        let r = self
            .update_at(pk, sk)
            .update_expression("SET lease = :until")
            // Due as well as free: a run that listed it before another run polled and finished
            // it (its next poll later) does not poll it again.
            .condition_expression("attribute_exists(pk) AND lease <= :now AND g3sk <= :now")
            .expression_attribute_values(":until", n(us(until)))
            .expression_attribute_values(":now", n(us(now)))
            .send()
            .await;
        applied(r)
    }

    async fn finish_poll(&self, state: &PollState) -> PortResult<()> {
        let put = self.put_record().set_item(Some(poll_record(state, 0))).condition_expression("attribute_exists(pk)").send().await;
        match put {
            Ok(_) => Ok(()),
            // A schedule nobody created: make it (and count it).
            Err(e) if is_condition_failed(&e) => self.create_poll(state).await,
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn poll_state(&self, profile: &ProfileId) -> PortResult<Option<PollState>> {
        self.get_doc(key::poll(profile.as_str())).await
    }

    async fn spend_quota(&self, network: Network, now: Timestamp, units: u32, budget: u32) -> PortResult<bool> {
        if units > budget {
            return Ok(false);
        }
        let (pk, sk) = key::quota(network.as_str(), &day(now));
        let r = self
            .update_at(pk, sk)
            .update_expression("SET #ttl = :ttl ADD spent :u")
            .condition_expression("attribute_not_exists(spent) OR spent <= :max")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":u", n(units))
            .expression_attribute_values(":max", n(budget - units))
            .expression_attribute_values(":ttl", n(ttl_after(now, 2)))
            .send()
            .await;
        applied(r)
    }

    async fn quota_spent(&self, network: Network, now: Timestamp) -> PortResult<u32> {
        Ok(self.get(key::quota(network.as_str(), &day(now))).await?.and_then(|r| get_n(&r, "spent")).unwrap_or(0))
    }

    async fn refund_quota(&self, network: Network, now: Timestamp, units: u32) -> PortResult<()> {
        let (pk, sk) = key::quota(network.as_str(), &day(now));
        let update = |expr: &'static str, cond: &'static str| {
            self.update_at(&pk, &sk).update_expression(expr).condition_expression(cond).expression_attribute_values(":u", n(units))
        };
        match update("SET spent = spent - :u", "spent >= :u").send().await {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failed(&e) => {
                // Less spent than given back: down to zero (a day without a record stays so).
                match update("SET spent = :zero", "attribute_exists(spent) AND spent < :u")
                    .expression_attribute_values(":zero", n(0))
                    .send()
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(e) if is_condition_failed(&e) => Ok(()),
                    Err(e) => Err(unavailable(e)),
                }
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn count_polled(&self, network: Network) -> PortResult<u32> {
        Ok(self.get(key::poll_count(network.as_str())).await?.and_then(|r| get_n(&r, "n")).unwrap_or(0))
    }
}

#[async_trait]
impl HealthStore for DynamoDbStore {
    async fn record_event(&self, profile: &ProfileId, at: Timestamp) -> PortResult<()> {
        let at = us(at);
        let (pk, sk) = key::health(profile.as_str());
        for attempt in 0..16 {
            // The update below holds only on the newest event read: a stale first read
            // (eventually consistent, half the units) is refused and read again strongly. A
            // refusal costs a write unit, so this pays while under one first read in eight
            // is stale: a copy is stale only within about a second of the last write, and a
            // channel's health is written at most once a minute per process.
            let old = self.get_reading((pk.clone(), sk.clone()), attempt > 0).await?;
            let last = old.as_ref().and_then(|r| get_n::<i64>(r, "last"));
            let gap = old.as_ref().and_then(|r| get_n::<f64>(r, "gap"));
            if last.is_some_and(|l| at <= l) {
                return Ok(()); // not newer: nothing changes
            }
            // The usual gap is a moving average of the gaps between newest events.
            let new_gap = match (last, gap) {
                (None, g) => g,
                (Some(l), None) => Some((at - l) as f64 / 1e6),
                (Some(l), Some(g)) => Some(0.8 * g + 0.2 * ((at - l) as f64 / 1e6)),
            };
            let mut u = self.update_at(&pk, &sk).expression_attribute_values(":at", n(at));
            u = match new_gap {
                Some(g) => u.update_expression("SET #last = :at, gap = :gap").expression_attribute_values(":gap", n(g)),
                None => u.update_expression("SET #last = :at"),
            };
            u = match last {
                Some(l) => u.condition_expression("#last = :old").expression_attribute_values(":old", n(l)),
                None => u.condition_expression("attribute_not_exists(#last)"),
            };
            match u.expression_attribute_names("#last", "last").send().await {
                Ok(_) => return Ok(()),
                Err(e) if is_condition_failed(&e) => continue, // another event moved it: again
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(PortError::Conflict)
    }

    async fn set_token_state(&self, profile: &ProfileId, state: TokenState, error: Option<String>) -> PortResult<()> {
        let (pk, sk) = key::health(profile.as_str());
        let mut u = self.update_at(pk, sk).expression_attribute_values(":s", s(state.as_str()));
        u = match error {
            Some(e) => u.update_expression("SET ts = :s, te = :e").expression_attribute_values(":e", s(e)),
            None => u.update_expression("SET ts = :s REMOVE te"),
        };
        u.send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn set_webhook_state(&self, profile: &ProfileId, subscribed: bool, at: Timestamp) -> PortResult<()> {
        let (pk, sk) = key::health(profile.as_str());
        self.update_at(pk, sk)
            .update_expression("SET ws = :w, wc = :at")
            .expression_attribute_values(":w", AttributeValue::Bool(subscribed))
            .expression_attribute_values(":at", n(us(at)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn channel_health(&self, profile: &ProfileId) -> PortResult<ChannelHealth> {
        let r = self.get(key::health(profile.as_str())).await?.unwrap_or_default();
        Ok(ChannelHealth {
            profile_id: profile.clone(),
            last_event_at: get_n::<i64>(&r, "last").map(from_us),
            typical_gap_secs: get_n::<f64>(&r, "gap").map(|g| g.round() as u64),
            token_state: get_s(&r, "ts").and_then(TokenState::parse).unwrap_or(TokenState::Valid),
            token_error: get_s(&r, "te").map(str::to_string),
            webhook_subscribed: get_bool(&r, "ws"),
            webhook_checked_at: get_n::<i64>(&r, "wc").map(from_us),
        })
    }
}
