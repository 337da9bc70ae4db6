//! The table's key builders: the partition and sort key of every kind of record, and the
//! feed index's sort key. One place, so that no adapter builds another's keys by hand.
//! The record keys are one function per kind of record (see `docs/aws.md`).

use inbox_domain::{Conversation, Status};

pub fn account(acc: &str) -> (String, String) {
    (format!("A#{acc}"), "A".into())
}
pub fn user(acc: &str, uid: &str) -> (String, String) {
    (format!("A#{acc}"), format!("U#{uid}"))
}
pub fn email(acc: &str, email: &str) -> (String, String) {
    (format!("E#{acc}#{email}"), "E".into())
}
pub fn profile(acc: &str, pid: &str) -> (String, String) {
    (format!("A#{acc}"), format!("P#{pid}"))
}
pub fn external(network: &str, external_id: &str) -> (String, String) {
    (format!("X#{network}#{external_id}"), "X".into())
}
pub fn conversation(cid: &str) -> (String, String) {
    (format!("C#{cid}"), "C".into())
}
pub fn thread(pid: &str, thread_key: &str) -> (String, String) {
    (format!("T#{pid}#{thread_key}"), "T".into())
}
pub fn item(cid: &str, iid: &str) -> (String, String) {
    (format!("C#{cid}"), format!("I#{iid}"))
}
pub fn note(cid: &str, nid: &str) -> (String, String) {
    (format!("C#{cid}"), format!("N#{nid}"))
}
pub fn history(cid: &str, hid: &str) -> (String, String) {
    (format!("C#{cid}"), format!("H#{hid}"))
}
pub fn seen(cid: &str, uid: &str) -> (String, String) {
    (format!("C#{cid}"), format!("S#{uid}"))
}
/// The platform id of an item: which item holds it (`G`), a deletion seen before it (`D`),
/// an edit seen before it (`E`); of a post: its cached copy (`P`).
pub fn platform(pid: &str, platform_id: &str, what: &str) -> (String, String) {
    (format!("G#{pid}#{platform_id}"), what.into())
}
pub fn tabs_marker(uid: &str) -> (String, String) {
    (format!("U#{uid}"), "TABS".into())
}
pub fn notification(uid: &str, nid: &str) -> (String, String) {
    (format!("U#{uid}"), format!("N#{nid}"))
}
pub fn poll(pid: &str) -> (String, String) {
    (format!("L#{pid}"), "L".into())
}
pub fn poll_count(network: &str) -> (String, String) {
    (format!("LC#{network}"), "LC".into())
}
pub fn quota(network: &str, day: &str) -> (String, String) {
    (format!("Q#{network}#{day}"), "Q".into())
}
pub fn health(pid: &str) -> (String, String) {
    (format!("H#{pid}"), "H".into())
}
pub fn flow(id: &str) -> (String, String) {
    (format!("F#{id}"), "F".into())
}
pub fn renewal(pid: &str) -> (String, String) {
    (format!("R#{pid}"), "R".into())
}
pub fn mail(id: &str) -> (String, String) {
    (format!("M#{id}"), "M".into())
}

/// The feed index sort key: the activity time (when the inbox received the newest inbound
/// activity, µs, 20 digits) then id, so that string order is the feed order (newest first when
/// read backwards).
pub(crate) fn feed_sk(c: &Conversation) -> String {
    format!("{:020}#{}", c.activity_at().timestamp_micros().max(0), c.id)
}

/// How many partitions the feed of one account and status is spread over. A feed index
/// partition takes 1,000 write units a second, and a conversation whose activity moves
/// writes two there (its old entry deleted, the new one put): sixteen let one account take
/// 8,000 new conversations a second with room for their replies. A feed page reads the
/// sixteen and merges them (see `feed.rs`).
pub(crate) const FEED_SHARDS: u32 = 16;

/// The shard of a conversation's feed entries (`inbox_domain::ids::share_of` its id).
pub(crate) fn feed_shard(cid: &str) -> u32 {
    inbox_domain::ids::share_of(cid, FEED_SHARDS)
}

/// The feed index (`by_status`) partition of a conversation of `acc` in `status`:
/// `<account>#<status>#<shard>`.
pub(crate) fn feed_pk(acc: &str, status: Status, cid: &str) -> String {
    format!("{acc}#{}#{}", status.as_str(), feed_shard(cid))
}

/// Every feed index partition of `acc` in `status`.
pub(crate) fn feed_pks(acc: &str, status: Status) -> Vec<String> {
    (0..FEED_SHARDS).map(|shard| format!("{acc}#{}#{shard}", status.as_str())).collect()
}

/// How many partitions each schedule of the `due_polls` index is spread over.
pub(crate) const DUE_SHARDS: u32 = 16;

/// The `due_polls` partition of a scheduled record (a poll, a delivery, a renewal) of
/// `schedule`: `<schedule>#<shard>`, the shard from the record's id.
pub(crate) fn due_pk(schedule: &str, id: &str) -> String {
    format!("{schedule}#{}", inbox_domain::ids::share_of(id, DUE_SHARDS))
}
