//! Feeds and search on DynamoDB.
//!
//! A feed walks a feed index newest first: `by_assignee` for "assigned to <user>", else
//! `by_status` for one status, else both `by_status` partitions of the account (open and
//! closed) merged in order. The index carries the attributes the cheap filters need (profile,
//! network, kind, sponsored, assignee, status); what passes is read from the table in one
//! batch with the viewer's seen marks, checked again on the record (the index is eventually
//! consistent), filtered on seen, and for a search, on the items' words with the domain's own
//! matcher. A search first rules out, from the index entry's search signature, every
//! conversation that cannot match, unread (`signature.rs`).
//!
//! Reads are bounded: a page reads at most [`FeedBudget::max_examined`] index entries
//! ([`FeedBudget::max_examined_searching`] for a search) and
//! searches at most [`FeedBudget::max_searched`] conversations. When the budget runs out
//! first, the page holds what was found (maybe nothing) and a position after the last
//! conversation looked at, so the client's next request goes on from there. There is never a
//! table scan. The position names its account, and a position of another account is refused.

use super::schema;
use super::store::*;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{FeedEntry, FeedPage, FeedQuery};
use inbox_domain::tabs::AssigneeSelector;
use inbox_domain::*;
use std::collections::{HashSet, VecDeque};

/// The position after `sk` (a feed index sort key) in a feed of `account`.
fn encode_position(account: &AccountId, sk: &str) -> String {
    format!("{account}|{sk}")
}

/// The feed index sort key a position names, if it is a position of `account`'s feed.
fn decode_position(account: &AccountId, position: &str) -> PortResult<String> {
    let bad = || PortError::Corrupt("bad feed position".into());
    let (acc, sk) = position.split_once('|').ok_or_else(bad)?;
    if acc != account.as_str() {
        return Err(PortError::Corrupt("a feed position of another account".into()));
    }
    let (t, id) = sk.split_once('#').ok_or_else(bad)?;
    if t.len() != 20 || !t.bytes().all(|b| b.is_ascii_digit()) || ConversationId::parse(id).is_none() {
        return Err(bad());
    }
    Ok(sk.to_string())
}

/// One partition of a feed index, read newest first, a page at a time.
struct Stream {
    index: &'static str,
    hash_attr: &'static str,
    hash: String,
    after: Option<String>,
    buf: VecDeque<Record>,
    start: Option<Record>,
    done: bool,
    /// Entries asked for by the next query: small at first when the feed is spread over many
    /// partitions (a page needs a few of each), doubling with each query up to the budget's.
    limit: i32,
}

impl Stream {
    fn new(index: &'static str, hash_attr: &'static str, hash: String, after: Option<String>, limit: i32) -> Self {
        Self { index, hash_attr, hash, after, buf: VecDeque::new(), start: None, done: false, limit }
    }

    fn wants(&self) -> bool {
        self.buf.is_empty() && !self.done
    }

    fn query(&mut self, store: &DynamoDbStore) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let q = store
            .client
            .query()
            .table_name(&*store.table)
            .index_name(self.index)
            .scan_index_forward(false)
            .limit(self.limit)
            .expression_attribute_names("#h", self.hash_attr)
            .expression_attribute_values(":h", s(&self.hash))
            .set_exclusive_start_key(self.start.take());
        self.limit = (self.limit * 2).min(store.budget.index_page);
        match &self.after {
            Some(a) => q.key_condition_expression("#h = :h AND g1sk < :a").expression_attribute_values(":a", s(a)),
            None => q.key_condition_expression("#h = :h"),
        }
    }

    fn take(&mut self, items: Vec<Record>, last: Option<Record>) {
        self.buf.extend(items);
        match last {
            Some(k) if !k.is_empty() => self.start = Some(k),
            _ => self.done = true,
        }
    }

    fn head(&self) -> Option<&str> {
        self.buf.front().and_then(|r| get_s(r, "g1sk"))
    }
}

/// Refills every stream that ran dry, the queries at once.
async fn fill(store: &DynamoDbStore, streams: &mut [Stream]) -> PortResult<()> {
    while streams.iter().any(Stream::wants) {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, st) in streams.iter_mut().enumerate().filter(|(_, st)| st.wants()) {
            let q = st.query(store);
            tasks.spawn(async move { (i, q.send().await) });
        }
        while let Some(joined) = tasks.join_next().await {
            let (i, out) = joined.map_err(|e| PortError::Unavailable(format!("a feed query did not finish: {e}")))?;
            let out = out.map_err(unavailable)?;
            streams[i].take(out.items.unwrap_or_default(), out.last_evaluated_key);
        }
    }
    Ok(())
}

/// The next index entry of the merged streams, newest first.
async fn next_entry(store: &DynamoDbStore, streams: &mut [Stream]) -> PortResult<Option<Record>> {
    fill(store, streams).await?;
    let best = streams.iter().enumerate().filter_map(|(i, st)| st.head().map(|h| (i, h.to_string()))).max_by(|a, b| a.1.cmp(&b.1));
    Ok(best.and_then(|(i, _)| streams[i].buf.pop_front()))
}

/// The filters that the index's attributes (or the record) can answer.
struct Filter<'a> {
    q: &'a FeedQuery,
    profiles: HashSet<&'a str>,
}

impl Filter<'_> {
    fn attrs(
        &self,
        prof: Option<&str>,
        st: Option<&str>,
        asg: Option<&str>,
        net: Option<&str>,
        kind: Option<&str>,
        sp: Option<bool>,
    ) -> bool {
        let q = self.q;
        prof.is_some_and(|p| self.profiles.contains(p))
            && q.status.is_none_or(|s| st == Some(s.as_str()))
            && match &q.assignee {
                None => true,
                Some(AssigneeSelector::Unassigned) => asg.is_none(),
                Some(AssigneeSelector::Anyone) => asg.is_some(),
                Some(AssigneeSelector::User(u)) => asg == Some(u.as_str()),
            }
            && (q.networks.is_empty() || q.networks.iter().any(|n| Some(n.as_str()) == net))
            && (q.kinds.is_empty() || q.kinds.iter().any(|k| Some(k.as_str()) == kind))
            && q.sponsored.is_none_or(|want| sp == Some(want))
    }

    /// An index entry passes the cheap filters, and its search signature says that it may
    /// match the search (`signature.rs`: most conversations are ruled out here, unread).
    fn index_entry(&self, r: &Record) -> bool {
        self.attrs(get_s(r, "prof"), get_s(r, "st"), get_s(r, "asg"), get_s(r, "net"), get_s(r, "kind"), get_bool(r, "sp"))
            && super::signature::may_match(&self.q.search, r)
    }

    fn conversation(&self, c: &Conversation) -> bool {
        c.account_id == self.q.account_id
            && self.attrs(
                Some(c.profile_id.as_str()),
                Some(c.status.as_str()),
                c.assignee_id.as_ref().map(|a| a.as_str()),
                Some(c.network.as_str()),
                Some(c.kind.as_str()),
                Some(c.sponsored),
            )
    }
}

pub(crate) async fn feed(store: &DynamoDbStore, q: &FeedQuery) -> PortResult<FeedPage> {
    if q.search.matches_nothing() {
        return Ok(FeedPage { entries: vec![], next: None });
    }
    let after = q.after.as_deref().map(|p| decode_position(&q.account_id, p)).transpose()?;
    let acc = q.account_id.as_str();
    let want = q.limit + 1;
    let page = store.budget.index_page;
    let mut streams: Vec<Stream> = match (&q.assignee, q.status) {
        (Some(AssigneeSelector::User(u)), _) => vec![Stream::new(schema::BY_ASSIGNEE, "g2pk", format!("{acc}#{u}"), after, page)],
        (_, status) => {
            let statuses = status.map_or(Status::ALL.to_vec(), |s| vec![s]);
            let hashes: Vec<String> = statuses.into_iter().flat_map(|s| key::feed_pks(acc, s)).collect();
            // A page of `want` spread over the partitions: a few entries of each at first.
            let first = ((want * 2).div_ceil(hashes.len()) as i32).max(5).min(page);
            hashes.into_iter().map(|h| Stream::new(schema::BY_STATUS, "g1pk", h, after.clone(), first)).collect()
        }
    };
    let filter = Filter { q, profiles: q.profiles.iter().map(|p| p.as_str()).collect() };
    let searching = !q.search.is_empty();
    let budget = store.budget;
    // Each found entry with its index sort key: where the next page starts.
    let mut entries: Vec<(FeedEntry, String)> = Vec::new();
    let mut batch: Vec<(String, String)> = Vec::new();
    let (mut examined, mut searched) = (0usize, 0usize);
    let mut last_examined: Option<String> = None;
    let mut out_of_budget = false;
    loop {
        let Some(entry) = next_entry(store, &mut streams).await? else { break };
        examined += 1;
        last_examined = get_s(&entry, "g1sk").map(str::to_string);
        if filter.index_entry(&entry)
            && let (Some(cid), Some(sk)) = (get_s(&entry, "pk").and_then(|p| p.strip_prefix("C#")), get_s(&entry, "g1sk"))
        {
            batch.push((cid.to_string(), sk.to_string()));
        }
        let room = want.saturating_sub(entries.len());
        let batch_size = if searching { room.min(budget.max_searched.saturating_sub(searched)).clamp(1, 25) } else { room.clamp(1, 50) };
        if batch.len() >= batch_size {
            searched += if searching { batch.len() } else { 0 };
            entries.extend(check(store, &filter, std::mem::take(&mut batch)).await?);
            if entries.len() >= want {
                break;
            }
        }
        let max_examined = if searching { budget.max_examined_searching } else { budget.max_examined };
        if examined >= max_examined || (searching && searched >= budget.max_searched) {
            out_of_budget = true;
            break;
        }
    }
    if !batch.is_empty() {
        entries.extend(check(store, &filter, std::mem::take(&mut batch)).await?);
    }
    let next = if entries.len() > q.limit {
        entries.truncate(q.limit);
        entries.last().map(|(_, sk)| encode_position(&q.account_id, sk))
    } else if out_of_budget {
        last_examined.map(|sk| encode_position(&q.account_id, &sk))
    } else {
        None
    };
    Ok(FeedPage { entries: entries.into_iter().map(|(e, _)| e).collect(), next })
}

/// Reads the candidates and the viewer's seen marks in one batch, keeps those that match,
/// in the candidates' order.
async fn check(store: &DynamoDbStore, filter: &Filter<'_>, candidates: Vec<(String, String)>) -> PortResult<Vec<(FeedEntry, String)>> {
    let q = filter.q;
    let mut keys: Vec<(String, String)> = Vec::new();
    for (cid, _) in &candidates {
        keys.push(key::conversation(cid));
        keys.push(key::seen(cid, q.viewer.as_str()));
    }
    let records = batch_get(store, keys, false).await?;
    let mut found: Vec<(FeedEntry, String)> = Vec::new();
    for (cid, sk) in candidates {
        let cid = cid.as_str();
        let Some(r) = records.get(&key::conversation(cid)) else { continue };
        let c = super::conversation_record::conversation_from(r)?;
        if !filter.conversation(&c) {
            continue;
        }
        let seen_at = records.get(&key::seen(cid, q.viewer.as_str())).and_then(|r| get_n::<i64>(r, "at")).map(from_us);
        let seen = seen_at.is_some_and(|s| s >= c.activity_at());
        if q.seen.is_some_and(|want| want != seen) {
            continue;
        }
        found.push((FeedEntry { conversation: c, seen_at }, sk));
    }
    if q.search.is_empty() {
        return Ok(found);
    }
    // The search rule on each candidate's words, read concurrently.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (e, _)) in found.iter().enumerate() {
        let (store, query, cid) = (store.clone(), q.search.clone(), e.conversation.id.clone());
        tasks.spawn(async move {
            // Eventually consistent, as the page it filters (half the units of a strong read).
            let records = store.query_prefix_reading(&key::conversation(cid.as_str()).0, "I#", false).await?;
            let items: Vec<Item> = records.iter().map(from_doc).collect::<PortResult<_>>()?;
            let matched = query.matches_texts(items.iter().filter(|i| !i.deleted).map(|i| i.text.as_str()));
            Ok::<_, PortError>((i, matched))
        });
    }
    let mut keep = vec![false; found.len()];
    while let Some(joined) = tasks.join_next().await {
        let (i, matched) = joined.map_err(|e| PortError::failed(format!("search task failed: {e}"), e))??;
        keep[i] = matched;
    }
    Ok(found.into_iter().zip(keep).filter_map(|(e, k)| k.then_some(e)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_opens_only_for_its_account_and_when_well_formed() {
        let acc = AccountId::from("acc_1");
        let p = encode_position(&acc, "00000001700000000000#cnv_9");
        assert_eq!(decode_position(&acc, &p).unwrap(), "00000001700000000000#cnv_9");
        assert!(decode_position(&AccountId::from("acc_2"), &p).is_err(), "another account's position");
        assert!(decode_position(&acc, "acc_1|123#cnv_9").is_err(), "short time");
        assert!(decode_position(&acc, "acc_1|0000000170000000000x#cnv_9").is_err());
        assert!(decode_position(&acc, "acc_1|00000001700000000000#cnv 9").is_err());
        assert!(decode_position(&acc, "garbage").is_err());
    }
}
