//! `SavedReplyStore` on DynamoDB: a reply is `R#<id>` in its account's partition (`A#<account>`),
//! under a `ver` condition; `RCOUNT` there counts them, changed in the same transaction as each
//! insert and delete, so that concurrent creations never pass the account's limit. The
//! library is read only when someone opens the reply box or the settings: one query of the
//! partition (a library of 500 replies of 300 bytes is about 150 KB: 19 RRU).

use super::store::*;
use async_trait::async_trait;
use inbox_domain::error::PortResult;
use inbox_domain::ports::SavedReplyStore;
use inbox_domain::saved_replies::SavedReply;
use inbox_domain::*;

fn reply_key(acc: &str, id: &str) -> (String, String) {
    (format!("A#{acc}"), format!("R#{id}"))
}

fn count_key(acc: &str) -> (String, String) {
    (format!("A#{acc}"), "RCOUNT".into())
}

fn reply_record(r: &SavedReply) -> Record {
    let mut rec = record(reply_key(r.account_id.as_str(), r.id.as_str()));
    rec.insert("doc".into(), to_doc(r));
    rec.insert("ver".into(), n(r.version));
    rec
}

#[async_trait]
impl SavedReplyStore for DynamoDbStore {
    async fn saved_replies(&self, account: &AccountId) -> PortResult<Vec<SavedReply>> {
        // Eventually consistent (half the units): a list for the reply box, read per keystroke.
        self.query_prefix_reading(&key::account(account.as_str()).0, "R#", false).await?.iter().map(from_doc).collect()
    }

    async fn get_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<Option<SavedReply>> {
        self.get_doc(reply_key(account.as_str(), id.as_str())).await
    }

    async fn insert_saved_reply(&self, reply: &SavedReply, max_per_account: usize) -> PortResult<()> {
        self.insert_counted(count_key(reply.account_id.as_str()), "R#", reply_record(reply), max_per_account).await
    }

    async fn put_saved_reply(&self, reply: &SavedReply, expected_version: u64) -> PortResult<()> {
        self.put_versioned(reply_record(reply), Some(expected_version)).await
    }

    async fn delete_saved_reply(&self, account: &AccountId, id: &SavedReplyId) -> PortResult<bool> {
        self.delete_counted(count_key(account.as_str()), reply_key(account.as_str(), id.as_str())).await
    }
}
