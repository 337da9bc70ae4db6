//! The conversation record and how it is read: its document, under the summary attributes an
//! append moves (`conversations.rs`), and the feed index keys it carries (`feed.rs` reads them).

use super::store::*;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::error::PortResult;
use inbox_domain::*;

/// The conversation record. Its summary (version, status, activity and newest network times,
/// excerpt, sponsored) is kept in attributes of their own beside the document, and read over
/// it ([`conversation_from`]): an append changes them with one conditional update, without
/// reading the document and writing it back ([`DynamoDbStore::absorb`]).
pub(crate) fn conversation_record(c: &Conversation) -> Record {
    let acc = c.account_id.as_str();
    let mut r = record(key::conversation(c.id.as_str()));
    r.insert("doc".into(), to_doc(c));
    r.insert("acc".into(), s(acc));
    r.insert("ver".into(), n(c.version));
    r.insert("g1pk".into(), s(key::feed_pk(acc, c.status, c.id.as_str())));
    r.insert("g1sk".into(), s(feed_sk(c)));
    if let Some(t) = c.last_received_at {
        r.insert("lra".into(), n(us(t)));
    }
    r.insert("lia".into(), n(us(c.last_inbound_at)));
    r.insert("ex".into(), s(&c.excerpt));
    r.insert("prof".into(), s(c.profile_id.as_str()));
    r.insert("net".into(), s(c.network.as_str()));
    r.insert("kind".into(), s(c.kind.as_str()));
    r.insert("sp".into(), AttributeValue::Bool(c.sponsored));
    r.insert("st".into(), s(c.status.as_str()));
    if let Some(a) = &c.assignee_id {
        r.insert("asg".into(), s(a.as_str()));
        r.insert("g2pk".into(), s(format!("{acc}#{a}")));
    }
    r
}

/// A conversation record read: its document, under the summary attributes an append may have
/// moved since the document was written.
pub(crate) fn conversation_from(r: &Record) -> PortResult<Conversation> {
    let mut c: Conversation = from_doc(r)?;
    if let Some(v) = get_n::<u64>(r, "ver") {
        c.version = v;
    }
    if let Some(st) = get_s(r, "st").and_then(Status::parse) {
        c.status = st;
    }
    // (Times are kept to the microsecond: a document's finer time that agrees stays as it is.)
    if let Some(t) = get_n::<i64>(r, "lra")
        && c.last_received_at.is_none_or(|l| us(l) != t)
    {
        c.last_received_at = Some(from_us(t));
    }
    if let Some(t) = get_n::<i64>(r, "lia")
        && us(c.last_inbound_at) != t
    {
        c.last_inbound_at = from_us(t);
    }
    if let Some(ex) = get_s(r, "ex") {
        c.excerpt = ex.to_string();
    }
    if let Some(sp) = get_bool(r, "sp") {
        c.sponsored = sp;
    }
    Ok(c)
}
