//! `ConnectStore` and `RenewalStore` on DynamoDB.
//!
//! A sign-in flow is `F#<flow>`, versioned (`ver`), with a TTL a day past its expiry (a used or
//! expired state stays refused as unknown once DynamoDB removes it). A renewal is `R#<profile>`
//! in the `due_polls` index under its own partition (`g3pk = "RENEW#<shard>"`, `g3sk` = due, µs), and a
//! lease is a conditional update of `lease` and `holder`, as a poll's is: one worker at a time
//! may spend a profile's refresh token.

use super::store::*;
use async_trait::async_trait;
use inbox_domain::Timestamp;
use inbox_domain::connect::ConnectFlow;
use inbox_domain::error::PortResult;
use inbox_domain::ports::{ConnectStore, Renewal, RenewalStore};
use inbox_domain::*;

const RENEW_PARTITION: &str = "RENEW";

fn flow_record(flow: &ConnectFlow) -> Record {
    let mut r = record(key::flow(flow.id.as_str()));
    r.insert("doc".into(), to_doc(flow));
    r.insert("ver".into(), n(flow.version));
    r.insert("ttl".into(), n(ttl_after(flow.expires_at, 1)));
    r
}

fn renewal_record(r: &Renewal) -> Record {
    let mut rec = record(key::renewal(r.profile_id.as_str()));
    rec.insert("doc".into(), to_doc(r));
    rec.insert("g3pk".into(), s(key::due_pk(RENEW_PARTITION, r.profile_id.as_str())));
    rec.insert("g3sk".into(), n(us(r.due_at)));
    rec.insert("lease".into(), n(0));
    rec
}

#[async_trait]
impl ConnectStore for DynamoDbStore {
    async fn put_flow(&self, flow: &ConnectFlow) -> PortResult<()> {
        self.put_versioned(flow_record(flow), None).await
    }

    async fn get_flow(&self, id: &FlowId) -> PortResult<Option<ConnectFlow>> {
        match self.get(key::flow(id.as_str())).await? {
            Some(r) if !expired(&r, chrono::Utc::now()) => Ok(Some(from_doc(&r)?)),
            _ => Ok(None),
        }
    }

    async fn replace_flow(&self, flow: &ConnectFlow, expected: u64) -> PortResult<bool> {
        match self.put_versioned(flow_record(flow), Some(expected)).await {
            Ok(()) => Ok(true),
            Err(inbox_domain::error::PortError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl RenewalStore for DynamoDbStore {
    async fn put_renewal(&self, r: &Renewal) -> PortResult<()> {
        self.put_record().set_item(Some(renewal_record(r))).send().await.map(|_| ()).map_err(unavailable)
    }

    async fn ensure_renewal(&self, r: &Renewal) -> PortResult<()> {
        let put = self.put_record().set_item(Some(renewal_record(r))).condition_expression("attribute_not_exists(pk)").send().await;
        applied(put).map(|_| ())
    }

    async fn get_renewal(&self, profile: &ProfileId) -> PortResult<Option<Renewal>> {
        self.get_doc(key::renewal(profile.as_str())).await
    }

    async fn delete_renewal(&self, profile: &ProfileId) -> PortResult<()> {
        let (pk, sk) = key::renewal(profile.as_str());
        self.client().delete_item().table_name(self.table_name()).key("pk", s(pk)).key("sk", s(sk)).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn due_renewals(&self, now: Timestamp, limit: usize) -> PortResult<Vec<Renewal>> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        for r in self.due_unleased(RENEW_PARTITION, us(now), limit).await? {
            out.push(from_doc(&r)?);
        }
        Ok(out)
    }

    async fn lease_renewal(&self, profile: &ProfileId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (pk, sk) = key::renewal(profile.as_str());
        let r = self
            .update_at(pk, sk)
            .update_expression("SET lease = :until, holder = :h")
            .condition_expression("attribute_exists(pk) AND lease <= :now")
            .expression_attribute_values(":until", n(us(until)))
            .expression_attribute_values(":now", n(us(now)))
            .expression_attribute_values(":h", s(holder))
            .send()
            .await;
        applied(r)
    }

    async fn finish_renewal(&self, profile: &ProfileId, holder: &str, next: Option<Timestamp>) -> PortResult<bool> {
        let (pk, sk) = key::renewal(profile.as_str());
        match next {
            None => {
                let r = self
                    .client()
                    .delete_item()
                    .table_name(self.table_name())
                    .key("pk", s(pk))
                    .key("sk", s(sk))
                    .condition_expression("holder = :h")
                    .expression_attribute_values(":h", s(holder))
                    .send()
                    .await;
                applied(r)
            }
            Some(at) => {
                let Some(stored) = self.get_renewal(profile).await? else { return Ok(false) };
                let mut rec = renewal_record(&Renewal { due_at: at, ..stored });
                rec.insert("lease".into(), n(0));
                let r = self
                    .put_record()
                    .set_item(Some(rec))
                    .condition_expression("holder = :h")
                    .expression_attribute_values(":h", s(holder))
                    .send()
                    .await;
                applied(r)
            }
        }
    }
}
