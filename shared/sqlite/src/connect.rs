//! `ConnectStore` and `RenewalStore` on SQLite: sign-in flows (a flow changes only over the
//! version it was read at), and the renewal schedule with its leases.

use crate::codec::{from_doc, many, one, port_err, to_doc, us};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::Timestamp;
use inbox_domain::connect::ConnectFlow;
use inbox_domain::error::PortResult;
use inbox_domain::ports::{ConnectStore, Renewal, RenewalStore, SecretCipher};
use inbox_domain::salesforce::{SalesforceConnection, secrets_context};
use inbox_domain::webhooks::{WebhookSubscription, secret_context};
use inbox_domain::*;
use rusqlite::{OptionalExtension, params};

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
                many(
                    c,
                    "SELECT doc FROM renewals WHERE due_us <= ?1 AND lease_us <= ?1 ORDER BY due_us LIMIT ?2",
                    params![now, limit as i64],
                )
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

/// Set in `meta` once the secrets an older release kept in the clear are sealed.
const SEALED_MARK: &str = "secrets_sealed";

impl SqliteStore {
    /// Seals the secrets an older release stored in the clear (before they were sealed): the
    /// profiles' tokens, webhook signing secrets, Salesforce credentials, so that the database
    /// file holds no usable secret. Run at start, once per database (a mark in `meta` ends it:
    /// what is written since is sealed already); each row is rewritten only as it was read.
    /// Returns how many rows it sealed.
    pub async fn seal_clear_tokens(&self, cipher: &dyn SecretCipher) -> PortResult<usize> {
        let done: Option<String> = self
            .db
            .read(|c| c.query_row("SELECT value FROM meta WHERE key = ?1", [SEALED_MARK], |r| r.get(0)).optional().map_err(port_err))
            .await?;
        if done.is_some() {
            return Ok(0);
        }
        let mut sealed = 0;
        for (raw, mut p) in self.docs_as_read::<Profile>("profiles").await? {
            let context = presence_context(p.network, &p.external_id);
            let c = &mut p.credentials;
            let mut changed = false;
            for field in [&mut c.access_token, &mut c.token_secret, &mut c.refresh_token] {
                if let Some(text) = seal_clear(cipher, &context, field.as_ref().map(Sealed::as_str)).await? {
                    *field = Some(Sealed::from_sealed(text));
                    changed = true;
                }
            }
            if changed {
                sealed += self.replace_as_read("profiles", "id", p.id.to_string(), raw, to_doc(&p)).await?;
            }
        }
        for (raw, mut w) in self.docs_as_read::<WebhookSubscription>("webhook_subscriptions").await? {
            if let Some(text) = seal_clear(cipher, &secret_context(&w.id), Some(w.secret.expose())).await? {
                w.secret = SecretString::new(text);
                sealed += self.replace_as_read("webhook_subscriptions", "id", w.id.to_string(), raw, to_doc(&w)).await?;
            }
        }
        for (raw, mut sf) in self.docs_as_read::<SalesforceConnection>("salesforce_connections").await? {
            let context = secrets_context(&sf.account_id);
            let mut changed = false;
            for field in [&mut sf.client_secret, &mut sf.refresh_token].into_iter().chain(sf.access_token.as_mut()) {
                if let Some(text) = seal_clear(cipher, &context, Some(field.expose())).await? {
                    *field = SecretString::new(text);
                    changed = true;
                }
            }
            if changed {
                sealed += self.replace_as_read("salesforce_connections", "account_id", sf.account_id.to_string(), raw, to_doc(&sf)).await?;
            }
        }
        self.db
            .write(|c| {
                c.execute("INSERT INTO meta (key, value) VALUES (?1, '1') ON CONFLICT (key) DO NOTHING", [SEALED_MARK])
                    .map(|_| ())
                    .map_err(port_err)
            })
            .await?;
        Ok(sealed)
    }

    /// Every row of `table` as stored (its `doc` text) and as read.
    async fn docs_as_read<T: serde::de::DeserializeOwned + Send + 'static>(&self, table: &'static str) -> PortResult<Vec<(String, T)>> {
        self.db
            .read(move |c| {
                let docs: Vec<String> = c
                    .prepare(&format!("SELECT doc FROM {table}"))
                    .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
                    .map_err(port_err)?;
                docs.into_iter().map(|d| Ok((d.clone(), from_doc(&d)?))).collect()
            })
            .await
    }

    /// Replaces a row's `doc` with `doc` if it is still `raw`; 1 if it was, 0 otherwise.
    async fn replace_as_read(
        &self,
        table: &'static str,
        key_column: &'static str,
        key: String,
        raw: String,
        doc: String,
    ) -> PortResult<usize> {
        self.db
            .write(move |c| {
                c.execute(&format!("UPDATE {table} SET doc = ?2 WHERE {key_column} = ?1 AND doc = ?3"), params![key, doc, raw])
                    .map_err(port_err)
            })
            .await
    }
}

/// The sealed text of `kept`, if it was kept in the clear (`None`: nothing to seal).
async fn seal_clear(cipher: &dyn SecretCipher, context: &str, kept: Option<&str>) -> PortResult<Option<String>> {
    match kept.filter(|k| !Sealed::is_sealed_text(k)) {
        Some(clear) => Ok(Some(cipher.seal(context, &SecretString::new(clear)).await?.as_str().to_string())),
        None => Ok(None),
    }
}
