//! `DirectoryStore` on SQLite: accounts, users, profiles.

use crate::codec::port_err;
use crate::codec::{many, one, to_doc};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::DirectoryStore;
use inbox_domain::*;
use rusqlite::{OptionalExtension, params};

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn put_account(&self, account: &Account) -> PortResult<()> {
        let (id, doc) = (account.id.to_string(), to_doc(account));
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO accounts (id, doc) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                    params![id, doc],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_account(&self, id: &AccountId) -> PortResult<Option<Account>> {
        let id = id.to_string();
        self.db.read(move |c| one(c, "SELECT doc FROM accounts WHERE id = ?1", [id])).await
    }

    async fn put_user(&self, user: &User) -> PortResult<()> {
        let (id, account, email, doc) =
            (user.id.to_string(), user.account_id.to_string(), user.email.as_str().to_lowercase(), to_doc(user));
        self.db
            .write(move |c| {
                c.execute(
                    "INSERT INTO users (id, account_id, email, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET email = excluded.email, doc = excluded.doc WHERE users.account_id = excluded.account_id",
                    params![id, account, email, doc],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn get_user(&self, account: &AccountId, id: &UserId) -> PortResult<Option<User>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM users WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn list_users(&self, account: &AccountId) -> PortResult<Vec<User>> {
        let account = account.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM users WHERE account_id = ?1 ORDER BY email", [account])).await
    }

    async fn delete_user(&self, account: &AccountId, id: &UserId) -> PortResult<bool> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM users WHERE id = ?1 AND account_id = ?2", params![id, account]).map_err(port_err)?;
                if n > 0 {
                    c.execute("DELETE FROM tabs WHERE user_id = ?1", [&id]).map_err(port_err)?;
                    c.execute("DELETE FROM tabs_initialised WHERE user_id = ?1", [&id]).map_err(port_err)?;
                    c.execute("UPDATE conversations SET assignee_id = NULL, version = version + 1, doc = json_set(doc, '$.assignee_id', NULL, '$.version', version + 1) WHERE assignee_id = ?1", [&id]).map_err(port_err)?;
                }
                Ok(n > 0)
            })
            .await
    }

    async fn set_email_notifications(&self, account: &AccountId, id: &UserId, on: bool) -> PortResult<Option<User>> {
        let (account, id) = (account.to_string(), id.to_string());
        // One write transaction: the read and the write see the same row.
        self.db
            .write(move |c| {
                let Some(mut user): Option<User> = one(c, "SELECT doc FROM users WHERE id = ?1 AND account_id = ?2", [&id, &account])?
                else {
                    return Ok(None);
                };
                user.email_notifications = on;
                c.execute("UPDATE users SET doc = ?3 WHERE id = ?1 AND account_id = ?2", params![id, account, to_doc(&user)])
                    .map_err(port_err)?;
                Ok(Some(user))
            })
            .await
    }

    async fn put_profile(&self, profile: &Profile) -> PortResult<()> {
        let p = profile.clone();
        self.db
            .write(move |c| {
                let owner: Option<String> = c
                    .query_row("SELECT account_id FROM profiles WHERE id = ?1", [p.id.as_str()], |r| r.get(0))
                    .optional()
                    .map_err(port_err)?;
                if owner.is_some_and(|o| o != p.account_id.as_str()) {
                    return Err(PortError::AlreadyExists);
                }
                c.execute(
                    "INSERT INTO profiles (id, account_id, network, external_id, doc) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (id) DO UPDATE SET network = excluded.network, external_id = excluded.external_id, doc = excluded.doc",
                    params![p.id.as_str(), p.account_id.as_str(), p.network.as_str(), p.external_id, to_doc(&p)],
                )
                .map(|_| ())
                .map_err(port_err)
            })
            .await
    }

    async fn update_profile(&self, expected: &Profile, profile: &Profile) -> PortResult<bool> {
        if (expected.id.as_str(), expected.account_id.as_str(), expected.network, &expected.external_id)
            != (profile.id.as_str(), profile.account_id.as_str(), profile.network, &profile.external_id)
        {
            return Err(PortError::Corrupt("update_profile changes credentials and settings only".into()));
        }
        let (expected, p) = (expected.clone(), profile.clone());
        // One write transaction: the comparison and the write see the same row.
        self.db
            .write(move |c| {
                let stored: Option<Profile> =
                    one(c, "SELECT doc FROM profiles WHERE id = ?1 AND account_id = ?2", [p.id.as_str(), p.account_id.as_str()])?;
                if stored.as_ref() != Some(&expected) {
                    return Ok(false);
                }
                c.execute("UPDATE profiles SET doc = ?2 WHERE id = ?1", params![p.id.as_str(), to_doc(&p)])
                    .map(|n| n == 1)
                    .map_err(port_err)
            })
            .await
    }

    async fn get_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<Option<Profile>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM profiles WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn find_profile(&self, network: Network, external_id: &str) -> PortResult<Option<Profile>> {
        let ext = external_id.to_string();
        self.db
            .read(move |c| one(c, "SELECT doc FROM profiles WHERE network = ?1 AND external_id = ?2", [network.as_str().to_string(), ext]))
            .await
    }

    async fn list_profiles(&self, account: &AccountId) -> PortResult<Vec<Profile>> {
        let account = account.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM profiles WHERE account_id = ?1 ORDER BY network, external_id", [account])).await
    }

    async fn delete_profile(&self, account: &AccountId, id: &ProfileId) -> PortResult<bool> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db
            .write(move |c| {
                c.execute("DELETE FROM profiles WHERE id = ?1 AND account_id = ?2", params![id, account]).map(|n| n > 0).map_err(port_err)
            })
            .await
    }
}
