//! A conversation's search signature on DynamoDB (`inbox_domain::search::token_bit`): the
//! number set `sg` on the conversation record, projected into the feed indexes, so that a
//! search skips, from the index entry alone, every conversation that cannot match, without
//! reading its items (`feed.rs`).
//!
//! The set holds its messages' token bits and two marks: [`complete`] (the signature was made
//! with the conversation, by this `SIGNATURE_VERSION`, and has had every message's bits since)
//! and [`OVERFLOW`] (given up). A search trusts a set with the first and without the second;
//! any other record (made before signatures, or by another version) is read as before.
//!
//! Who adds bits, so that a trusted set never lacks one (a missing bit would hide a
//! conversation from a search):
//! - a new conversation's record: its items' bits and the mark (`of_new`);
//! - an append: `ADD sg :bits` in its one summary update (commutative and idempotent, like the
//!   rest of it), on condition ([`ROOM`]) that the set is trusted and holds at most [`CAP`]
//!   numbers; a full set, or an item of more than [`PER_ITEM`] bits, is given up instead: set
//!   to [`OVERFLOW`] alone ([`Add`]). So the set holds at most `CAP + PER_ITEM + 1` numbers
//!   (about 220 bytes), and a thread given up (every busy one) keeps 4 bytes: the record,
//!   which every append rewrites, stays one write unit (`conversation_record.rs` tests it);
//! - a write that keeps the summary: the same, in its update;
//! - a whole write (a put under a version): the set as it was at that version (kept when the
//!   record was read, `DynamoDbStore::signatures`) with the write's items' bits; when that set
//!   is not known, given up (`carried`).
//!
//! A deleted or edited message's old bits stay: a search reads that conversation for nothing,
//! and finds what its messages say. An item stored whose summary update never ran (its event
//! dead-lettered) is missing from the signature as it is from the summary, until the event is
//! replayed.

use super::store::*;
use aws_sdk_dynamodb::types::AttributeValue;
use inbox_domain::search::{SIGNATURE_VERSION, SearchQuery, text_bits};
use inbox_domain::*;
use std::collections::BTreeSet;

/// The attribute.
pub(crate) const ATTR: &str = "sg";
/// The mark of a signature given up. Token bits are below `SIGNATURE_BITS` (8,192).
pub(crate) const OVERFLOW: u32 = 9_999;
/// The numbers a set may hold for an append to add its bits.
pub(crate) const CAP: usize = 36;
/// The bits an item may add (more: the signature is given up).
pub(crate) const PER_ITEM: usize = 36;

/// The mark of a signature made with its conversation by this version.
pub(crate) fn complete() -> u32 {
    10_000 + SIGNATURE_VERSION
}

/// A record's set as stored (`None`: no attribute).
pub(crate) type Stored = SignatureSet;

/// The set a record holds.
pub(crate) fn stored(r: &Record) -> Stored {
    let ns = r.get(ATTR)?.as_ns().ok()?;
    Some(ns.iter().filter_map(|v| v.parse().ok()).collect())
}

fn given_up() -> BTreeSet<u32> {
    BTreeSet::from([OVERFLOW])
}

fn trusted(set: &BTreeSet<u32>) -> bool {
    set.contains(&complete()) && !set.contains(&OVERFLOW)
}

fn value(set: &BTreeSet<u32>) -> AttributeValue {
    AttributeValue::Ns(set.iter().map(u32::to_string).collect())
}

/// The bits of some items' texts.
pub(crate) fn bits<'a>(items: impl IntoIterator<Item = &'a Item>) -> BTreeSet<u32> {
    text_set(items.into_iter().map(|i| i.text.as_str()))
}

/// The bits of one text.
pub(crate) fn bits_of_text(text: &str) -> BTreeSet<u32> {
    text_bits(text).into_iter().map(u32::from).collect()
}

fn text_set<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<u32> {
    texts.into_iter().flat_map(text_bits).map(u32::from).collect()
}

/// The signature of a new conversation whose items are `items`.
pub(crate) fn of_new<'a>(items: impl IntoIterator<Item = &'a Item>) -> AttributeValue {
    let mut set = bits(items);
    if set.len() > CAP + PER_ITEM {
        return value(&given_up());
    }
    set.insert(complete());
    value(&set)
}

/// The signature a whole write of a record leaves, from the set it had at the version written
/// over (`known`: `None` when not known) and the items the write adds or changes. `None`: no
/// attribute.
pub(crate) fn carried<'a>(known: Option<&Stored>, items: impl IntoIterator<Item = &'a Item>) -> Option<AttributeValue> {
    match known {
        None => Some(value(&given_up())),
        Some(None) => None,
        Some(Some(set)) if of_another_version(set) => Some(value(&given_up())),
        Some(Some(set)) if !trusted(set) => Some(value(set)),
        Some(Some(set)) => {
            let mut all = set.clone();
            all.extend(bits(items));
            Some(value(&if all.len() > CAP + PER_ITEM + 1 { given_up() } else { all }))
        }
    }
}

/// Whether a set as stored has nothing to gain from `bits`: they are in it, or it is not a
/// signature searches trust.
pub(crate) fn holds(set: &Stored, bits: &BTreeSet<u32>) -> bool {
    match set {
        Some(set) if trusted(set) => bits.is_subset(set),
        _ => true,
    }
}

/// A set whose completeness mark is another version's (written by an older or newer release
/// running beside this one, or before a rollback): given up rather than left to that
/// version, which may trust it.
fn of_another_version(set: &BTreeSet<u32>) -> bool {
    set.iter().any(|b| *b >= 10_000 && *b != complete())
}

/// What a write that adds items to a record it does not replace adds to its signature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Add {
    Nothing,
    /// The items' bits, on condition that the set has room ([`ROOM`]).
    Bits(BTreeSet<u32>),
    /// The signature given up: [`OVERFLOW`] alone.
    Overflow,
}

/// The condition [`Add::Bits`] holds on: the set is trusted (it has the mark of completeness,
/// which a set given up has not) and has room.
pub(crate) const ROOM: &str = "(contains(sg, :sgc) AND size(sg) <= :sgcap)";

impl Add {
    /// For items with `bits` added to a record whose set is `known` (`None`: not known).
    pub(crate) fn of(known: Option<&Stored>, bits: BTreeSet<u32>) -> Add {
        if bits.is_empty() {
            return Add::Nothing;
        }
        match known {
            // Nothing to keep whole (no signature, or given up already).
            Some(None) => Add::Nothing,
            Some(Some(set)) if of_another_version(set) => Add::Overflow,
            Some(Some(set)) if !trusted(set) => Add::Nothing,
            Some(Some(set)) if set.len() > CAP => Add::Overflow,
            _ if bits.len() > PER_ITEM => Add::Overflow,
            _ => Add::Bits(bits),
        }
    }

    /// The set after this addition to `before`.
    pub(crate) fn apply(&self, before: Stored) -> Stored {
        match (self, before) {
            (Add::Nothing, b) => b,
            (Add::Bits(bits), b) => Some(b.unwrap_or_default().into_iter().chain(bits.iter().copied()).collect()),
            (Add::Overflow, _) => Some(given_up()),
        }
    }

    /// The update: its `ADD` or `SET` clause, the condition to add to the update's (joined
    /// with AND), and the values they name.
    pub(crate) fn update(&self) -> Option<Update> {
        match self {
            Add::Nothing => None,
            Add::Bits(bits) => Some(Update {
                add: Some("sg :sg"),
                set: None,
                condition: Some(ROOM),
                values: vec![(":sg", value(bits)), (":sgc", n(complete())), (":sgcap", n(CAP))],
            }),
            Add::Overflow => Some(Update { add: None, set: Some("sg = :sg"), condition: None, values: vec![(":sg", value(&given_up()))] }),
        }
    }
}

/// The parts of an update expression that change a signature ([`Add::update`]).
pub(crate) struct Update {
    pub add: Option<&'static str>,
    pub set: Option<&'static str>,
    pub condition: Option<&'static str>,
    pub values: Vec<(&'static str, AttributeValue)>,
}

/// `false` when a feed index entry (or record) says that its conversation cannot match
/// `query`; `true` when it may, or does not say.
pub(crate) fn may_match(query: &SearchQuery, entry: &Record) -> bool {
    // (Every feed page passes here, most with no search: nothing to parse then.)
    if query.positive_words().next().is_none() {
        return !query.matches_nothing();
    }
    match entry.get(ATTR).and_then(|v| v.as_ns().ok()) {
        Some(ns) => {
            let set: BTreeSet<u32> = ns.iter().filter_map(|v| v.parse().ok()).collect();
            !trusted(&set) || query.may_match_signature(|b| set.contains(&u32::from(b)))
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str) -> Item {
        serde_json::from_value(serde_json::json!({
            "id": "itm_1", "conversation_id": "cnv_1", "direction": "inbound", "text": text,
            "author": {"id": "1", "name": "Someone", "handle": "someone"}, "created_at": "2026-12-08T00:00:00Z",
            "platform_id": "1", "state": "received", "failure": null, "deleted": false, "edited": false, "action": null
        }))
        .expect("an item")
    }

    fn entry(sg: AttributeValue) -> Record {
        Record::from([(ATTR.to_string(), sg)])
    }

    #[test]
    fn a_new_conversations_signature_rules_out_what_it_lacks() {
        let e = entry(of_new(&[item("Where is my refund?"), item("order 1234")]));
        assert!(may_match(&SearchQuery::parse("refund"), &e));
        assert!(may_match(&SearchQuery::parse("refund -order"), &e));
        assert!(!may_match(&SearchQuery::parse("tent"), &e));
        assert!(may_match(&SearchQuery::parse("tent"), &Record::new()), "no signature: read it");
    }

    #[test]
    fn a_signature_given_up_or_of_another_version_rules_out_nothing() {
        let set = BTreeSet::from([u32::from(inbox_domain::search::token_bit("refund")), complete(), OVERFLOW]);
        assert!(may_match(&SearchQuery::parse("tent"), &entry(value(&set))));
        let old = BTreeSet::from([u32::from(inbox_domain::search::token_bit("refund")), complete() - 1]);
        assert!(may_match(&SearchQuery::parse("tent"), &entry(value(&old))));
        let many: Vec<Item> = (0..(CAP + PER_ITEM + 1)).map(|i| item(&format!("w{i}"))).collect();
        assert!(may_match(&SearchQuery::parse("tent"), &entry(of_new(&many))), "too many bits: given up");
    }

    #[test]
    fn an_addition_keeps_a_signature_whole_or_gives_it_up() {
        let made = stored(&entry(of_new(&[item("hello")])));
        let refund = bits([&item("refund please")]);
        let add = Add::of(Some(&made), refund.clone());
        assert_eq!(add, Add::Bits(refund.clone()));
        let after = add.apply(made.clone());
        assert!(may_match(&SearchQuery::parse("refund"), &entry(value(after.as_ref().unwrap()))));
        assert!(!may_match(&SearchQuery::parse("tent"), &entry(value(after.as_ref().unwrap()))));
        assert_eq!(Add::of(Some(&None), refund.clone()), Add::Nothing, "no signature to keep whole");
        assert_eq!(Add::of(None, refund.clone()), Add::Bits(refund.clone()), "not known: on condition of room");
        assert_eq!(Add::of(Some(&made), BTreeSet::new()), Add::Nothing);
        let full: BTreeSet<u32> = (0..=CAP as u32).chain([complete()]).collect();
        assert_eq!(Add::of(Some(&Some(full)), refund), Add::Overflow);
        let long = bits((0..=PER_ITEM).map(|i| item(&format!("w{i}"))).collect::<Vec<_>>().iter());
        assert_eq!(Add::of(Some(&made), long), Add::Overflow);
        // A whole write: what it was at that version, and the write's items.
        let over = carried(Some(&made), &[item("tent")]).unwrap();
        assert!(may_match(&SearchQuery::parse("tent hello"), &entry(over.clone())));
        assert!(!may_match(&SearchQuery::parse("refund"), &entry(over)));
        assert!(may_match(&SearchQuery::parse("refund"), &entry(carried(None, &[]).unwrap())), "not known: given up");
        assert_eq!(carried(Some(&None), &[item("tent")]), None, "none stays none");
    }
}
