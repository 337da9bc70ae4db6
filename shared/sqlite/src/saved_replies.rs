//! `SavedReplyStore` on SQLite: one row per reply, its document whole.

use crate::codec::port_err;
use crate::codec::{AccountRow, many, one, to_doc};
use crate::store::SqliteStore;
use async_trait::async_trait;
use inbox_domain::error::PortResult;
use inbox_domain::ports::SavedReplyStore;
use inbox_domain::saved_replies::SavedReply;
use inbox_domain::*;

fn row(r: &SavedReply) -> AccountRow<'_> {
    AccountRow { table: "saved_replies", id: r.id.as_str(), account: r.account_id.as_str(), version: r.version, doc: to_doc(r) }
}

#[async_trait]
impl SavedReplyStore for SqliteStore {
    async fn saved_replies(&self, account: &AccountId) -> PortResult<Vec<SavedReply>> {
        let account = account.to_string();
        self.db.read(move |c| many(c, "SELECT doc FROM saved_replies WHERE account_id = ?1 ORDER BY id", [account])).await
    }

    async fn get_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<Option<SavedReply>> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db.read(move |c| one(c, "SELECT doc FROM saved_replies WHERE id = ?1 AND account_id = ?2", [id, account])).await
    }

    async fn insert_saved_reply(&self, reply: &SavedReply, max_per_account: usize) -> PortResult<()> {
        let r = reply.clone();
        self.db.write(move |c| row(&r).insert_under(c, max_per_account)).await
    }

    async fn put_saved_reply(&self, reply: &SavedReply, expected_version: u64) -> PortResult<()> {
        let r = reply.clone();
        self.db.write(move |c| row(&r).replace_at(c, expected_version)).await
    }

    async fn delete_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<bool> {
        let (account, id) = (account.to_string(), id.to_string());
        self.db
            .write(move |c| {
                let n = c.execute("DELETE FROM saved_replies WHERE id = ?1 AND account_id = ?2", [&id, &account]).map_err(port_err)?;
                Ok(n > 0)
            })
            .await
    }
}
