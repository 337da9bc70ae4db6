//! `DirectoryStore` on DynamoDB: accounts, users (with a guard record that keeps an email
//! unique per account) and profiles (with a guard record per network presence, which also
//! answers `find_profile` in one read on the ingest path).

use super::store::*;
use async_trait::async_trait;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::DirectoryStore;
use inbox_domain::*;

/// How often a put that raced another put of the same record is tried again.
const RETRIES: usize = 8;

#[async_trait]
impl DirectoryStore for DynamoDbStore {
    async fn put_account(&self, account: &Account) -> PortResult<()> {
        let mut r = record(key::account(account.id.as_str()));
        r.insert("doc".into(), to_doc(account));
        self.put_record().set_item(Some(r)).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn get_account(&self, id: &AccountId) -> PortResult<Option<Account>> {
        self.get_doc(key::account(id.as_str())).await
    }

    async fn put_user(&self, user: &User) -> PortResult<()> {
        let (acc, uid) = (user.account_id.as_str(), user.id.as_str());
        let email = user.email.as_str().to_lowercase();
        for _ in 0..RETRIES {
            let old = self.get(key::user(acc, uid)).await?;
            let old_email = old.as_ref().and_then(|r| get_s(r, "email")).map(str::to_string);
            let mut r = record(key::user(acc, uid));
            r.insert("doc".into(), to_doc(user));
            r.insert("email".into(), s(&email));
            let mut actions = vec![match &old_email {
                None => tx::put(&self.table, r, Some("attribute_not_exists(pk)"), vec![]),
                Some(e) => tx::put(&self.table, r, Some("email = :old"), vec![(":old", s(e))]),
            }];
            let mut guard = record(key::email(acc, &email));
            guard.insert("uid".into(), s(uid));
            actions.push(tx::put(&self.table, guard, Some("attribute_not_exists(pk) OR uid = :uid"), vec![(":uid", s(uid))]));
            if let Some(e) = old_email.as_ref().filter(|e| **e != email) {
                actions.push(tx::delete(&self.table, key::email(acc, e), Some("uid = :uid"), vec![(":uid", s(uid))]));
            }
            if let Some(done) = guarded(self.transact(actions).await) {
                return done;
            }
        }
        Err(PortError::Conflict)
    }

    /// A compare-and-swap on the user's `doc`: only that field changes, only if it is as read.
    async fn set_email_notifications(&self, account: &AccountId, id: &UserId, on: bool) -> PortResult<Option<User>> {
        let (acc, uid) = (account.as_str(), id.as_str());
        for _ in 0..RETRIES {
            let Some(stored) = self.get(key::user(acc, uid)).await? else { return Ok(None) };
            let Some(raw) = stored.get("doc").cloned() else { return Ok(None) };
            let mut user: User = from_doc(&stored)?;
            user.email_notifications = on;
            let (pk, sk) = key::user(acc, uid);
            let r = self
                .update_at(pk, sk)
                .update_expression("SET doc = :new")
                .condition_expression("doc = :old")
                .expression_attribute_values(":new", to_doc(&user))
                .expression_attribute_values(":old", raw)
                .send()
                .await;
            if applied(r)? {
                return Ok(Some(user));
            }
        }
        Err(PortError::Conflict)
    }

    async fn get_user(&self, account: &AccountId, id: &UserId) -> PortResult<Option<User>> {
        self.get_doc(key::user(account.as_str(), id.as_str())).await
    }

    async fn list_users(&self, account: &AccountId) -> PortResult<Vec<User>> {
        let mut users: Vec<User> =
            self.query_prefix(&key::account(account.as_str()).0, "U#").await?.iter().map(from_doc).collect::<PortResult<_>>()?;
        users.sort_by_key(|u| u.email.as_str().to_lowercase());
        Ok(users)
    }

    async fn delete_user(&self, account: &AccountId, id: &UserId) -> PortResult<bool> {
        let (acc, uid) = (account.as_str(), id.as_str());
        let Some(old) = self.get(key::user(acc, uid)).await? else {
            return Ok(false);
        };
        let mut actions = vec![tx::delete(&self.table, key::user(acc, uid), Some("attribute_exists(pk)"), vec![])];
        if let Some(e) = get_s(&old, "email") {
            actions.push(tx::delete(
                &self.table,
                key::email(acc, e),
                Some("attribute_not_exists(pk) OR uid = :uid"),
                vec![(":uid", s(uid))],
            ));
        }
        match self.transact(actions).await {
            Ok(()) => {}
            Err(e) if e.failed(0) => return Ok(false),
            Err(e) => return Err(e.into_port()),
        }
        // What hangs off the user: their tabs, and their assignments.
        for tab in self.query_prefix(&key::tabs_marker(uid).0, "T").await? {
            let (Some(pk), Some(sk)) = (get_s(&tab, "pk"), get_s(&tab, "sk")) else { continue };
            self.delete((pk.to_string(), sk.to_string())).await?;
        }
        self.unassign_all(account, id).await?;
        Ok(true)
    }

    async fn put_profile(&self, profile: &Profile) -> PortResult<()> {
        let _forget = self.forgetting_profiles();
        let (acc, pid) = (profile.account_id.as_str(), profile.id.as_str());
        for _ in 0..RETRIES {
            let old = self.get(key::profile(acc, pid)).await?;
            let old_presence = old.as_ref().and_then(|r| Some((get_s(r, "net")?.to_string(), get_s(r, "ext")?.to_string())));
            let mut r = record(key::profile(acc, pid));
            r.insert("doc".into(), to_doc(profile));
            r.insert("net".into(), s(profile.network.as_str()));
            r.insert("ext".into(), s(&profile.external_id));
            let mut actions = vec![match &old_presence {
                None => tx::put(&self.table, r, Some("attribute_not_exists(pk)"), vec![]),
                Some((net, ext)) => tx::put(&self.table, r, Some("net = :net AND ext = :ext"), vec![(":net", s(net)), (":ext", s(ext))]),
            }];
            let mut guard = record(key::external(profile.network.as_str(), &profile.external_id));
            guard.insert("pid".into(), s(pid));
            guard.insert("acc".into(), s(acc));
            guard.insert("doc".into(), to_doc(profile));
            actions.push(tx::put(&self.table, guard, Some("attribute_not_exists(pk) OR pid = :pid"), vec![(":pid", s(pid))]));
            if let Some((net, ext)) = old_presence.as_ref().filter(|(n, e)| n != profile.network.as_str() || *e != profile.external_id) {
                actions.push(tx::delete(&self.table, key::external(net, ext), Some("pid = :pid"), vec![(":pid", s(pid))]));
            }
            if let Some(done) = guarded(self.transact(actions).await) {
                return done;
            }
        }
        Err(PortError::Conflict)
    }

    /// A compare-and-swap on the stored record: it is read, compared with `expected`, and
    /// replaced (with its external-id record) only if its `doc` is still the one read.
    async fn update_profile(&self, expected: &Profile, profile: &Profile) -> PortResult<bool> {
        let _forget = self.forgetting_profiles();
        if (expected.id.as_str(), expected.account_id.as_str(), expected.network, &expected.external_id)
            != (profile.id.as_str(), profile.account_id.as_str(), profile.network, &profile.external_id)
        {
            return Err(PortError::Corrupt("update_profile changes credentials and settings only".into()));
        }
        let (acc, pid) = (profile.account_id.as_str(), profile.id.as_str());
        let Some(stored) = self.get(key::profile(acc, pid)).await? else { return Ok(false) };
        if from_doc::<Profile>(&stored)? != *expected {
            return Ok(false);
        }
        let Some(raw) = stored.get("doc").cloned() else { return Ok(false) };
        let mut r = record(key::profile(acc, pid));
        r.insert("doc".into(), to_doc(profile));
        r.insert("net".into(), s(profile.network.as_str()));
        r.insert("ext".into(), s(&profile.external_id));
        let mut guard = record(key::external(profile.network.as_str(), &profile.external_id));
        guard.insert("pid".into(), s(pid));
        guard.insert("acc".into(), s(acc));
        guard.insert("doc".into(), to_doc(profile));
        let actions = vec![
            tx::put(&self.table, r, Some("doc = :old"), vec![(":old", raw)]),
            tx::put(&self.table, guard, Some("pid = :pid"), vec![(":pid", s(pid))]),
        ];
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(e) if e.failed(0) || e.failed(1) || e.conflicted() => Ok(false),
            Err(e) => Err(e.into_port()),
        }
    }

    async fn get_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<Option<Profile>> {
        self.get_doc(key::profile(account.as_str(), id.as_str())).await
    }

    async fn find_profile(&self, network: Network, external_id: &str) -> PortResult<Option<Profile>> {
        let k = (network.as_str().to_string(), external_id.to_string());
        if let Some(p) = self.lookups.as_ref().and_then(|l| l.profiles.get(&k)) {
            return Ok(Some(p));
        }
        let found: Option<Profile> = self.get_doc(key::external(network.as_str(), external_id)).await?;
        if let (Some(l), Some(p)) = (&self.lookups, &found) {
            l.profiles.put(k, p.clone());
        }
        Ok(found)
    }

    async fn list_profiles(&self, account: &AccountId) -> PortResult<Vec<Profile>> {
        let mut profiles: Vec<Profile> =
            self.query_prefix(&key::account(account.as_str()).0, "P#").await?.iter().map(from_doc).collect::<PortResult<_>>()?;
        profiles.sort_by(|a, b| (a.network.as_str(), &a.external_id).cmp(&(b.network.as_str(), &b.external_id)));
        Ok(profiles)
    }

    async fn delete_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<bool> {
        let _forget = self.forgetting_profiles();
        let (acc, pid) = (account.as_str(), id.as_str());
        let Some(old) = self.get(key::profile(acc, pid)).await? else {
            return Ok(false);
        };
        let mut actions = vec![tx::delete(&self.table, key::profile(acc, pid), Some("attribute_exists(pk)"), vec![])];
        if let (Some(net), Some(ext)) = (get_s(&old, "net"), get_s(&old, "ext")) {
            actions.push(tx::delete(
                &self.table,
                key::external(net, ext),
                Some("attribute_not_exists(pk) OR pid = :pid"),
                vec![(":pid", s(pid))],
            ));
        }
        match self.transact(actions).await {
            Ok(()) => Ok(true),
            Err(e) if e.failed(0) => Ok(false),
            Err(e) => Err(e.into_port()),
        }
    }
}

/// The outcome of a record's transaction with the guard record that keeps one of its values
/// unique (a user's email, a profile's presence): action 0 writes the record, 1 claims the
/// guard, 2 releases the old guard. `None`: a concurrent change; read again and retry.
fn guarded(outcome: Result<(), TxError>) -> Option<PortResult<()>> {
    match outcome {
        Ok(()) => Some(Ok(())),
        Err(e) if e.failed(1) => Some(Err(PortError::AlreadyExists)),
        Err(e) if e.failed(0) || e.failed(2) || e.conflicted() => None,
        Err(e) => Some(Err(e.into_port())),
    }
}
