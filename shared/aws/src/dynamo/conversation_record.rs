//! The conversation record and how it is read: its document, under the summary attributes an
//! append moves (`conversations.rs`), and the feed index keys it carries (`feed.rs` reads them).

use super::store::*;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::*;

/// The conversation record. Its summary (version, status, activity and newest network times,
/// excerpt, sponsored) is kept in attributes of their own beside the document, and read over
/// it ([`conversation_from`]): an append changes them with one conditional update, without
/// reading the document and writing it back ([`DynamoDbStore::absorb`]). The excerpt and the
/// activity time are not kept twice (the document's are blank): a record of a little under
/// 1 KB is one write unit an append instead of two.
pub(crate) fn conversation_record(c: &Conversation) -> Record {
    let acc = c.account_id.as_str();
    let mut r = record(key::conversation(c.id.as_str()));
    r.insert("doc".into(), compact_doc(c));
    r.insert("ver".into(), n(c.version));
    // The version of this whole write (see `keeping_summary`): appends move `ver` only.
    r.insert("dver".into(), n(c.version));
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

/// A change of a conversation that leaves its summary as read
/// (`ConversationWrite::keeps_summary`), as one update: the document, status and assignee (and
/// the feed partitions that follow them) set, the summary attributes (`lra`, `lia`, `ex`, `sp`,
/// the feed position `g1sk`) left as appends made them, `dver` and `ver` moved one past the
/// stored `ver`. It holds while nothing but appends changed the record since the version read:
/// no whole write since (`dver`, the version a whole write left, at most the one read; a record
/// written before `dver` existed: exactly at it), and the status still the one read (`read`: an
/// append that reopened the conversation since is a conflict, so the change is made again on
/// the open conversation and never closes what a reply reopened). So a status change or an
/// assignment on a thread taking hundreds of replies a second is not refused again and again.
/// Returns the update expression, its condition and values.
pub(crate) fn keeping_summary(
    c: &Conversation,
    expected: u64,
    read: Status,
) -> (String, &'static str, Vec<(&'static str, AttributeValue)>) {
    let acc = c.account_id.as_str();
    // The attributes the compact document leaves out, set where a record older than them has
    // none (appends made them since; a record no append has touched may lack `lia` and `ex`).
    let mut expr = String::from(
        "SET doc = :doc, st = :st, g1pk = :g1pk, dver = ver + :one, ver = ver + :one, lia = if_not_exists(lia, :lia), \
         ex = if_not_exists(ex, :ex), prof = if_not_exists(prof, :prof), net = if_not_exists(net, :net), \
         kind = if_not_exists(kind, :kind), sp = if_not_exists(sp, :sp)",
    );
    let mut values = vec![
        (":doc", compact_doc(c)),
        (":st", s(c.status.as_str())),
        (":g1pk", s(key::feed_pk(acc, c.status, c.id.as_str()))),
        (":one", n(1u64)),
        (":e", n(expected)),
        (":rst", s(read.as_str())),
        (":lia", n(us(c.last_inbound_at))),
        (":ex", s(&c.excerpt)),
        (":prof", s(c.profile_id.as_str())),
        (":net", s(c.network.as_str())),
        (":kind", s(c.kind.as_str())),
        (":sp", AttributeValue::Bool(c.sponsored)),
    ];
    match &c.assignee_id {
        Some(a) => {
            expr.push_str(", asg = :asg, g2pk = :g2pk");
            values.push((":asg", s(a.as_str())));
            values.push((":g2pk", s(format!("{acc}#{a}"))));
        }
        None => expr.push_str(" REMOVE asg, g2pk"),
    }
    (expr, "((attribute_not_exists(dver) AND ver = :e) OR dver <= :e) AND st = :rst", values)
}

/// The fields of a conversation its record keeps in attributes of their own, not in the
/// document: the document's field, the attribute.
const KEPT_BESIDE: [(&str, &str); 8] = [
    ("profile_id", "prof"),
    ("network", "net"),
    ("kind", "kind"),
    ("status", "st"),
    ("sponsored", "sp"),
    ("version", "ver"),
    ("last_inbound_at", "lia"),
    ("excerpt", "ex"),
];

/// The document of a conversation record: what its attributes do not hold (the id is the
/// key's; [`KEPT_BESIDE`]; the activity time and the assignee are `lra` and `asg`), absent
/// fields left out (they read back as none). About 240 bytes fewer than the whole
/// conversation, which leaves room for the search signature in a record of one write unit.
fn compact_doc(c: &Conversation) -> AttributeValue {
    let mut v = serde_json::to_value(Conversation { last_received_at: None, assignee_id: None, ..c.clone() }).expect("serialisable");
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, value| !value.is_null() && k != "id" && !KEPT_BESIDE.iter().any(|(field, _)| field == k));
    }
    s(v.to_string())
}

/// A conversation record's document made whole from the record's attributes (a document
/// written before [`compact_doc`] left them out has them already).
fn whole_doc(r: &Record) -> PortResult<Conversation> {
    let doc = get_s(r, "doc").ok_or_else(|| PortError::Corrupt("a stored record has no document".into()))?;
    let mut v: serde_json::Value =
        serde_json::from_str(doc).map_err(|e| PortError::Corrupt(format!("stored document does not parse: {e}")))?;
    if let Some(m) = v.as_object_mut() {
        if let Some(id) = get_s(r, "pk").and_then(|pk| pk.strip_prefix("C#")) {
            m.entry("id").or_insert_with(|| id.into());
        }
        for (field, attr) in KEPT_BESIDE {
            if m.contains_key(field) {
                continue;
            }
            let value = match (field, r.get(attr)) {
                ("last_inbound_at", Some(_)) => get_n::<i64>(r, attr).map(|t| serde_json::json!(from_us(t))),
                (_, Some(AttributeValue::S(x))) => Some(x.as_str().into()),
                (_, Some(AttributeValue::Bool(b))) => Some((*b).into()),
                (_, Some(AttributeValue::N(x))) => x.parse::<u64>().ok().map(Into::into),
                _ => None,
            };
            if let Some(value) = value {
                m.insert(field.into(), value);
            }
        }
    }
    serde_json::from_value(v).map_err(|e| PortError::Corrupt(format!("stored conversation does not parse: {e}")))
}

/// A conversation record read: its document, under the summary attributes an append may have
/// moved since the document was written.
pub(crate) fn conversation_from(r: &Record) -> PortResult<Conversation> {
    let mut c: Conversation = whole_doc(r)?;
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
    if let Some(asg) = get_s(r, "asg") {
        c.assignee_id = Some(asg.into());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DynamoDB's size of a record: each attribute's name and value (a number: about one byte
    /// per two digits).
    fn size(r: &Record) -> usize {
        r.iter()
            .map(|(k, v)| {
                k.len()
                    + match v {
                        AttributeValue::S(s) => s.len(),
                        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
                        AttributeValue::Ns(ns) => ns.iter().map(|n| n.len().div_ceil(2) + 1).sum::<usize>() + 3,
                        _ => 1,
                    }
            })
            .sum()
    }

    fn typical() -> Conversation {
        let now = chrono::DateTime::from_timestamp_micros(1_765_151_999_223_456).unwrap();
        serde_json::from_value(serde_json::json!({
            "id": ConversationId::for_thread(&"prf_0190a1b2c3d4e5f60718293a4b5c6d7e".into(), "1874999999999999999"),
            "account_id": "acc_0190a1b2c3d4e5f60718293a4b5c6d7e", "profile_id": "prf_0190a1b2c3d4e5f60718293a4b5c6d7e",
            "network": "twitter", "kind": "mention", "thread_key": "1874999999999999999", "status": "open",
            "assignee_id": "usr_0190a1b2c3d4e5f60718293a4b5c6d7e", "sponsored": false, "last_inbound_at": now,
            "last_received_at": now, "created_at": now,
            "author": {"id": "2244994945", "name": "Someone With A Longish Name", "handle": "someone_longish"},
            "excerpt": "x".repeat(140), "thread_owner": null, "version": 1234, "post_id": "1874999999999999999"
        }))
        .expect("a conversation")
    }

    /// An append rewrites the conversation record, and DynamoDB charges the whole record: under
    /// 1 KB it is one write unit, so one thread takes 500 replies a second (the item one unit,
    /// the summary one, on the conversation's partition of 1,000).
    #[test]
    fn a_typical_conversation_record_is_one_write_unit() {
        let c = typical();
        let mut r = conversation_record(&c);
        // With the largest search signature an append leaves (`signature.rs`), bits of four
        // digits.
        use super::super::signature::{CAP, PER_ITEM, complete};
        let sg = (0..(CAP + PER_ITEM) as u32).map(|b| 8191 - b).chain([complete()]);
        r.insert("sg".into(), AttributeValue::Ns(sg.map(|b| b.to_string()).collect()));
        assert!(size(&r) <= 1024, "{} bytes", size(&r));
        let back = conversation_from(&r).unwrap();
        assert_eq!(back, c, "the document and the summary attributes make the conversation whole");
        assert!(!get_s(&r, "doc").unwrap().contains(&"x".repeat(140)), "the excerpt is kept once");
        // A record written before the document left out what attributes hold reads the same.
        let mut older = r.clone();
        older.insert("doc".into(), s(serde_json::to_string(&c).unwrap()));
        assert_eq!(conversation_from(&older).unwrap(), c);
    }
}
