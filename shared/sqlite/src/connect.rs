//! `ConnectStore` and `RenewalStore` on SQLite: sign-in flows (a flow changes only over the
//! version it was read at), and the renewal schedule with its leases.

use crate::codec::{from_doc, one, port_err, to_doc, us};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::Timestamp;
use inbox_domain::connect::ConnectFlow;
use inbox_domain::error::PortResult;
use inbox_domain::ports::{ConnectStore, Renewal, RenewalStore};
use inbox_domain::*;
use rusqlite::params;

/// Finished or abandoned flows are kept this long past their expiry (a used state stays
/// refused as "unknown" after that), then removed by the next write.
const KEEP_EXPIRED_US: i64 = 24 * 3600 * 1_000_000;

#[async_trait]
impl ConnectStore for SqliteStore {
    async fn put_flow(&self, flow: &ConnectFlow) -> PortResult<()> {
        let f = flow.clone();
        self.db
            .write(move |c| {
                c.execute("DELETE FROM connect_flows WHERE expires_us < ?1", [us(f.created_at) - KEEP_EXPIRED_US]).map_err(port_err)?;
                c.execute(
                    "INSERT INTO connect_flows (id, account_id, version, expires_us, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![f.id.as_str(), f.account_id.as_str(), f.version as i64, us(f.expires_at), to_doc(&f)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_flow(&self, id: &FlowId) -> PortResult<Option<ConnectFlow>> {
        let id = id.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM connect_flows WHERE id = ?1", [id])).await
    }

    async fn replace_flow(&self, flow: &ConnectFlow, expected: u64) -> PortResult<bool> {
        let f = flow.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE connect_flows SET version = ?2, expires_us = ?3, doc = ?4 WHERE id = ?1 AND version = ?5",
                    params![f.id.as_str(), f.version as i64, us(f.expires_at), to_doc(&f), expected as i64],
                )
                .map(|n| n == 1)
                .map_err(port_err)
            })
            .await
    }
}

#[async_trait]
impl RenewalStore for SqliteStore {
    async fn put_renewal(&self, r: &Renewal) -> PortResult<()> {
        let r = r.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO renewals (profile_id, account_id, due_us, lease_us, holder, doc) VALUES (?1, ?2, ?3, 0, NULL, ?4)
                     ON CONFLICT (profile_id) DO UPDATE SET due_us = excluded.due_us, lease_us = 0, holder = NULL, doc = excluded.doc",
                    params![r.profile_id.as_str(), r.account_id.as_str(), us(r.due_at), to_doc(&r)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn ensure_renewal(&self, r: &Renewal) -> PortResult<()> {
        let r = r.clone();
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO renewals (profile_id, account_id, due_us, lease_us, holder, doc) VALUES (?1, ?2, ?3, 0, NULL, ?4)
                     ON CONFLICT (profile_id) DO NOTHING",
                    params![r.profile_id.as_str(), r.account_id.as_str(), us(r.due_at), to_doc(&r)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_renewal(&self, profile: &ProfileId) -> PortResult<Option<Renewal>> {
        let p = profile.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM renewals WHERE profile_id = ?1", [p])).await
    }

    async fn delete_renewal(&self, profile: &ProfileId) -> PortResult<()> {
        let p = profile.to_string();
        self.db.write(move |c| c.execute("DELETE FROM renewals WHERE profile_id = ?1", [p]).map(|_| ()).map_err(port_err)).await
    }

    async fn due_renewals(&self, now: Timestamp, limit: usize) -> PortResult<Vec<Renewal>> {
        let now = us(now);
        self.db
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached("SELECT doc FROM renewals WHERE due_us <= ?1 AND lease_us <= ?1 ORDER BY due_us LIMIT ?2")
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

    async fn lease_renewal(&self, profile: &ProfileId, holder: &str, now: Timestamp, until: Timestamp) -> PortResult<bool> {
        let (p, h, now, until) = (profile.to_string(), holder.to_string(), us(now), us(until));
        self.db
            .write(move |c| {
                c.execute(
                    "UPDATE renewals SET lease_us = ?3, holder = ?4 WHERE profile_id = ?1 AND lease_us <= ?2",
                    params![p, now, until, h],
                )
                .map(|n| n == 1)
                .map_err(port_err)
            })
            .await
    }

    async fn finish_renewal(&self, profile: &ProfileId, holder: &str, next: Option<Timestamp>) -> PortResult<bool> {
        let (p, h) = (profile.to_string(), holder.to_string());
        self.db
            .write(move |c| {
                let n = match next {
                    None => c.execute("DELETE FROM renewals WHERE profile_id = ?1 AND holder = ?2", params![p, h]),
                    Some(at) => c.execute(
                        "UPDATE renewals SET due_us = ?3, lease_us = 0, holder = NULL,
                             doc = json_set(doc, '$.due_at', ?4) WHERE profile_id = ?1 AND holder = ?2",
                        params![p, h, us(at), serde_json::to_value(at).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()],
                    ),
                };
                n.map(|n| n == 1).map_err(port_err)
            })
            .await
    }
}

impl SqliteStore {
    /// Seals the tokens an older release stored in the clear (before tokens were sealed), so
    /// that the database file holds no usable token. Run at start; returns how many profiles it
    /// sealed. A token already sealed is left as it is.
    pub async fn seal_clear_tokens(&self, cipher: &dyn inbox_domain::ports::SecretCipher) -> PortResult<usize> {
        use inbox_domain::ports::DirectoryStore;
        let profiles: Vec<Profile> = self.db.read(|c| crate::codec::many(c, "SELECT doc FROM profiles", [])).await?;
        let clear = |s: &Option<Sealed>| s.as_ref().is_some_and(|t| !t.as_str().starts_with("v1."));
        let mut sealed = 0;
        for p in profiles {
            let c = &p.credentials;
            if !(clear(&c.access_token) || clear(&c.token_secret) || clear(&c.refresh_token)) {
                continue;
            }
            let context = presence_context(p.network, &p.external_id);
            let mut next = p.clone();
            for field in [&mut next.credentials.access_token, &mut next.credentials.token_secret, &mut next.credentials.refresh_token] {
                if let Some(t) = field.as_ref().filter(|t| !t.as_str().starts_with("v1.")) {
                    *field = Some(cipher.seal(&context, &SecretString::new(t.as_str())).await?);
                }
            }
            if self.update_profile(&p, &next).await? {
                sealed += 1;
            }
        }
        sealed += self.seal_clear_integration_secrets(cipher).await?;
        Ok(sealed)
    }

    /// The same for webhook signing secrets and Salesforce credentials (one transaction each:
    /// the row is rewritten only as it was read).
    async fn seal_clear_integration_secrets(&self, cipher: &dyn inbox_domain::ports::SecretCipher) -> PortResult<usize> {
        use inbox_domain::salesforce::{SalesforceConnection, secrets_context};
        use inbox_domain::webhooks::{WebhookSubscription, secret_context};
        let clear = |s: &SecretString| !s.expose().starts_with("v1.");
        let seal = |context: String, s: SecretString| async move {
            if clear(&s) { cipher.seal(&context, &s).await.map(|x| SecretString::new(x.as_str())) } else { Ok(s) }
        };
        let mut sealed = 0;
        let subs: Vec<(String, WebhookSubscription)> = self
            .db
            .read(|c| {
                let mut stmt = c.prepare("SELECT doc FROM webhook_subscriptions").map_err(port_err)?;
                let docs = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(port_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(port_err)?;
                docs.into_iter().map(|d| Ok((d.clone(), from_doc(&d)?))).collect()
            })
            .await?;
        for (raw, mut sub) in subs.into_iter().filter(|(_, s)| clear(&s.secret)) {
            sub.secret = seal(secret_context(&sub.id), sub.secret.clone()).await?;
            let (id, doc) = (sub.id.to_string(), to_doc(&sub));
            let n = self
                .db
                .write(move |c| {
                    c.execute("UPDATE webhook_subscriptions SET doc = ?2 WHERE id = ?1 AND doc = ?3", params![id, doc, raw])
                        .map_err(port_err)
                })
                .await?;
            sealed += n;
        }
        let conns: Vec<(String, SalesforceConnection)> = self
            .db
            .read(|c| {
                let mut stmt = c.prepare("SELECT doc FROM salesforce_connections").map_err(port_err)?;
                let docs = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(port_err)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(port_err)?;
                docs.into_iter().map(|d| Ok((d.clone(), from_doc(&d)?))).collect()
            })
            .await?;
        for (raw, mut sf) in conns
            .into_iter()
            .filter(|(_, c)| clear(&c.client_secret) || clear(&c.refresh_token) || c.access_token.as_ref().is_some_and(&clear))
        {
            let context = secrets_context(&sf.account_id);
            sf.client_secret = seal(context.clone(), sf.client_secret.clone()).await?;
            sf.refresh_token = seal(context.clone(), sf.refresh_token.clone()).await?;
            if let Some(t) = sf.access_token.clone() {
                sf.access_token = Some(seal(context, t).await?);
            }
            let (account, doc) = (sf.account_id.to_string(), to_doc(&sf));
            let n = self
                .db
                .write(move |c| {
                    c.execute("UPDATE salesforce_connections SET doc = ?2 WHERE account_id = ?1 AND doc = ?3", params![account, doc, raw])
                        .map_err(port_err)
                })
                .await?;
            sealed += n;
        }
        Ok(sealed)
    }
}
