//! `ConversationStore` on DynamoDB (the feed is in `feed.rs`).
//!
//! A conversation is one partition, `C#<id>`: the conversation record (`C`), its items
//! (`I#<id>`), notes (`N#<id>`), history (`H#<id>`, or carried by the item or note that the
//! same write added) and per-user seen marks (`S#<user>`). Beside it: the thread record
//! (`T#<profile>#<thread key>`), created in the same transaction as the conversation, so two
//! concurrent first events of a thread make one conversation; and one record per platform id
//! (`G#<profile>#<platform id>`) that says which item holds it, so an item's platform id is
//! unique per profile.

use super::conversation_record::{conversation_from, conversation_record, keeping_summary};
use super::schema;
use super::signature;
use super::store::*;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use inbox_domain::Timestamp;
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{Append, Appended, ConversationWrite, PlatformIdState};
use inbox_domain::*;

/// A platform-id record whose item never appeared (its writer died between claiming it and
/// committing) is taken over after this long: longer than any function runs.
pub(crate) const STALE_CLAIM_SECS: i64 = 300;
/// Days a tombstone or an early edit is kept (a comment arrives within minutes of its deletion
/// or edit when it arrives at all; 30 days is far beyond any redelivery).
pub(crate) const EARLY_RECORD_DAYS: i64 = 30;
/// Days a cached post is kept after it was fetched (a post nobody opens again goes away; one
/// that is opened is fetched again long before).
pub(crate) const POST_CACHE_DAYS: i64 = 30;

/// How many times an append's summary update is tried against a conversation other writers
/// moved meanwhile (see [`DynamoDbStore::absorb`]: a few at most in practice; from the fourth,
/// after a jittered wait).
const ABSORB_ATTEMPTS: u32 = 12;

/// What claiming a platform id found.
enum Claim {
    /// Nobody held it: ours now (released again if the write fails).
    Fresh,
    /// Our item held it already.
    Held,
    /// The echo of our own send held it (recorded as made outside the inbox before our send
    /// was confirmed): ours now; the echo's copy goes in the same write.
    TookEcho { guard: (String, String), echo: Record, echo_cid: String, echo_iid: String },
}

/// What [`DynamoDbStore::create`] made.
enum Created {
    Made,
    /// The conversation is there already (another event of the thread made it).
    ConversationTaken,
    /// The event's own item is there already (a delivery of the same event finished it).
    ItemTaken,
}

impl DynamoDbStore {
    /// Makes the platform-id record name (`cid`, `iid`), unless another item holds it.
    async fn claim(&self, profile: &str, platform_id: &str, cid: &str, iid: &str, now: Timestamp) -> PortResult<Claim> {
        let guard = key::platform(profile, platform_id, "G");
        let r = self
            .update_at(&guard.0, &guard.1)
            .update_expression("SET cid = :cid, iid = :iid, #at = :at")
            .condition_expression("attribute_not_exists(pk) OR (iid = :iid AND cid = :cid)")
            .expression_attribute_names("#at", "at")
            .expression_attribute_values(":cid", s(cid))
            .expression_attribute_values(":iid", s(iid))
            .expression_attribute_values(":at", n(us(now)))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let e = match r {
            Ok(out) => return Ok(if out.attributes.is_none_or(|a| a.is_empty()) { Claim::Fresh } else { Claim::Held }),
            Err(e) if is_condition_failed(&e) => e,
            Err(e) => return Err(unavailable(e)),
        };
        let old = condition_item(&e).ok_or(PortError::AlreadyExists)?;
        let (Some(ocid), Some(oiid), Some(oat)) = (get_s(&old, "cid"), get_s(&old, "iid"), get_n::<i64>(&old, "at")) else {
            return Err(PortError::AlreadyExists);
        };
        let (ocid, oiid) = (ocid.to_string(), oiid.to_string());
        match self.get(key::item(&ocid, &oiid)).await? {
            Some(holder) => {
                let held: Item = from_doc(&holder)?;
                let is_echo = held.direction == Direction::Outbound && held.action.is_none();
                if is_echo && self.get(key::item(cid, iid)).await?.is_some() && self.take(&guard, &oiid, oat, cid, iid, now).await? {
                    return Ok(Claim::TookEcho { guard, echo: holder, echo_cid: ocid, echo_iid: oiid });
                }
                Err(PortError::AlreadyExists)
            }
            None if oat < us(now) - STALE_CLAIM_SECS * 1_000_000 => {
                if self.take(&guard, &oiid, oat, cid, iid, now).await? {
                    Ok(Claim::Fresh)
                } else {
                    Err(PortError::AlreadyExists)
                }
            }
            // Another writer is between its claim and its commit.
            None => Err(PortError::AlreadyExists),
        }
    }

    /// Moves a platform-id record from the item that holds it to ours, if nothing changed it.
    async fn take(
        &self,
        (pk, sk): &(String, String),
        old_iid: &str,
        old_at: i64,
        cid: &str,
        iid: &str,
        now: Timestamp,
    ) -> PortResult<bool> {
        let r = self
            .update_at(pk, sk)
            .update_expression("SET cid = :cid, iid = :iid, #at = :at")
            .condition_expression("iid = :old AND #at = :old_at")
            .expression_attribute_names("#at", "at")
            .expression_attribute_values(":cid", s(cid))
            .expression_attribute_values(":iid", s(iid))
            .expression_attribute_values(":at", n(us(now)))
            .expression_attribute_values(":old", s(old_iid))
            .expression_attribute_values(":old_at", n(old_at))
            .send()
            .await;
        applied(r)
    }

    /// Undoes the claims of a write that did not happen.
    async fn release(&self, claims: Vec<(Claim, String)>) {
        for (claim, iid) in claims {
            let r = match claim {
                // Fresh claims are released by `release_fresh`, which knows their keys.
                Claim::Held | Claim::Fresh => continue,
                Claim::TookEcho { guard, echo_cid, echo_iid, .. } => self
                    .update_at(guard.0, guard.1)
                    .update_expression("SET cid = :cid, iid = :eiid")
                    .condition_expression("iid = :iid")
                    .expression_attribute_values(":cid", s(echo_cid))
                    .expression_attribute_values(":eiid", s(echo_iid))
                    .expression_attribute_values(":iid", s(iid))
                    .send()
                    .await
                    .map(|_| ()),
            };
            if let Err(e) = r {
                tracing::warn!(error = %unavailable(e), "could not give a platform id back to its echo");
            }
        }
    }

    async fn release_fresh(&self, fresh: Vec<((String, String), String)>) {
        for ((pk, sk), iid) in fresh {
            let r = self
                .client
                .delete_item()
                .table_name(&*self.table)
                .key("pk", s(pk))
                .key("sk", s(sk))
                .condition_expression("iid = :iid")
                .expression_attribute_values(":iid", s(iid))
                .send()
                .await;
            if let Err(e) = r
                && !is_condition_failed(&e)
            {
                tracing::warn!(error = %unavailable(e), "could not release a platform id; it is taken over after {STALE_CLAIM_SECS} s");
            }
        }
    }

    /// Clears every assignment of a user who is gone, each under its version.
    pub(crate) async fn unassign_all(&self, account: &AccountId, user: &UserId) -> PortResult<()> {
        let assigned = self
            .new_query()
            .index_name(schema::BY_ASSIGNEE)
            .key_condition_expression("g2pk = :p")
            .expression_attribute_values(":p", s(format!("{account}#{user}")));
        for entry in self.query_all(assigned).await? {
            let Some(cid) = get_s(&entry, "pk").and_then(|p| p.strip_prefix("C#")) else { continue };
            for _ in 0..16 {
                let Some(r) = self.get(key::conversation(cid)).await? else { break };
                let mut c = conversation_from(&r)?;
                if c.assignee_id.as_ref() != Some(user) {
                    break;
                }
                let expected = c.version;
                c.assignee_id = None;
                c.version += 1;
                let mut record = conversation_record(&c);
                if let Some(sg) = signature::carried(Some(&signature::stored(&r)), []) {
                    record.insert(signature::ATTR.into(), sg);
                }
                match self.put_versioned(record, Some(expected)).await {
                    Ok(()) => break,
                    Err(PortError::Conflict) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

fn history_values(entries: &[HistoryEntry]) -> AttributeValue {
    AttributeValue::L(entries.iter().map(|h| s(serde_json::to_string(h).expect("serialisable"))).collect())
}

/// The update that writes an item's record, carrying `history` (the history of the write that
/// adds it): its expression and values, for a single UpdateItem ([`item_update`]) or a
/// transaction's.
fn item_expression(prof: &str, item: &Item, history: Option<&[HistoryEntry]>) -> (String, Vec<(&'static str, AttributeValue)>) {
    let mut expr = String::from("SET doc = :doc");
    let mut values = vec![(":doc", to_doc(item))];
    if let Some(h) = history.filter(|h| !h.is_empty()) {
        expr.push_str(", h = list_append(if_not_exists(h, :empty), :h)");
        values.push((":h", history_values(h)));
        values.push((":empty", AttributeValue::L(vec![])));
    }
    if let Some(r) = &item.dm_recipient {
        expr.push_str(", g4pk = :g4");
        values.push((":g4", s(format!("{prof}#{r}"))));
    }
    (expr, values)
}

/// [`item_expression`] as one UpdateItem.
fn item_update(store: &DynamoDbStore, cid: &str, prof: &str, item: &Item, history: Option<&[HistoryEntry]>) -> UpdateItemFluentBuilder {
    let (expr, values) = item_expression(prof, item, history);
    let (pk, sk) = key::item(cid, item.id.as_str());
    values.into_iter().fold(store.update_at(pk, sk).update_expression(expr), |u, (k, v)| u.expression_attribute_values(k, v))
}

impl DynamoDbStore {
    /// Makes a conversation whose id its thread gives, then its items (the write's history on
    /// the first): single writes, no transaction. If an item cannot be written, the
    /// conversation is deleted again, so that the event's redelivery makes it whole. The event's
    /// own item there already was written by a delivery of the same event running now (its id
    /// is its platform id's), which finished the creation (`ingest::plan`): the other items (our
    /// DMs joined to the answer, ids of their own) are still written, then
    /// [`Created::ItemTaken`], nothing undone and the history not added twice.
    async fn create(&self, w: &ConversationWrite) -> PortResult<Created> {
        let c = &w.conversation;
        let (cid, prof) = (c.id.as_str(), c.profile_id.as_str());
        let mut r = conversation_record(c);
        r.insert(signature::ATTR.into(), signature::of_new(&w.items));
        match self.put_versioned(r, None).await {
            Ok(()) => {}
            Err(PortError::AlreadyExists) => return Ok(Created::ConversationTaken),
            Err(e) => return Err(e),
        }
        let mut history = Some(w.history.as_slice());
        let mut taken = false;
        for item in &w.items {
            let put = item_update(self, cid, prof, item, history.take()).condition_expression("attribute_not_exists(pk)").send().await;
            if let Err(e) = put {
                if is_condition_failed(&e) {
                    taken = true;
                    continue;
                }
                let e = unavailable(e);
                if taken {
                    // The conversation and its first item are the other delivery's: kept.
                    return Err(e);
                }
                for written in &w.items {
                    if let Err(d) = self.delete(key::item(cid, written.id.as_str())).await {
                        tracing::warn!(error = %d, "could not remove an item of a conversation not made");
                    }
                }
                if let Err(d) = self.delete(key::conversation(cid)).await {
                    tracing::warn!(error = %d, "could not remove a conversation whose item was not written");
                }
                return Err(e);
            }
        }
        if taken {
            return Ok(Created::ItemTaken);
        }
        if let Some(h) = history.filter(|h| !h.is_empty()) {
            let mut r = record(key::history(cid, h[0].id.as_str()));
            r.insert("h".into(), history_values(h));
            self.put_record().set_item(Some(r)).send().await.map_err(unavailable)?;
        }
        Ok(Created::Made)
    }

    /// Applies an item's activity to the conversation's summary attributes with one
    /// conditional update, in any order with other appends: the activity time set to this
    /// item's receipt if that is later, else moved a microsecond past whatever it is (an
    /// increment, which commutes: a seen mark taken before this item was stored never covers
    /// it); the excerpt only from a newer network time; the status only to open; the version
    /// bumped (so that a change computed from an older reading is refused, see
    /// [`Self::put_versioned`]). A refusal returns the record as it is: the update is computed
    /// again from it, without a read. Each refusal is another append's success, and after one
    /// on the activity time the increment cannot be refused for it: a refused append is tried
    /// at most a few times, whatever the number of writers. Gives the conversation after it,
    /// and whether it reopened it.
    /// The item's text's bits join the conversation's search signature in the same update
    /// (`signature.rs`: on condition that it has room, else it is given up).
    pub(crate) async fn absorb(&self, read: &Conversation, a: &Activity, text: &str) -> PortResult<(Conversation, bool)> {
        let cid = read.id.as_str();
        let acc = read.account_id.as_str();
        let mut known = read.clone();
        let bits = signature::bits_of_text(text);
        // The set as this process last saw it, at any version: a stale copy is safe here (a set
        // given up or never made stays so; a full one given up once more is no loss; one with
        // room is added to only on condition of room). On a busy thread the other appends of
        // this process move the version between this one's read and its write, and the copy
        // at the read's version is gone: without this, every append to a thread whose
        // signature was given up would be refused once first.
        let mut known_sg = self.signatures.get(&cid.to_string()).map(|(_, sg)| sg);
        for attempt in 0..ABSORB_ATTEMPTS {
            if attempt >= 3 {
                self.back_off(attempt - 2).await;
            }
            let mut after = known.clone();
            after.absorb(a);
            // Later than what is stored (the activity as read, a microsecond past it at most):
            // set; else stored is later than this receipt: incremented.
            let forward = known.last_received_at.is_none() || us(a.received_at) > us(known.activity_at());
            let lra = us(after.activity_at());
            let mut set = vec![];
            let mut cond = vec!["attribute_exists(pk)"];
            let (pk, sk) = key::conversation(cid);
            let mut u = self
                .update_at(pk, sk)
                .expression_attribute_values(":one", n(1u64))
                .return_values(ReturnValue::AllOld)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            let reopening = a.reopens && known.status == Status::Closed;
            // The feed entry moves when the status does, or when the activity ran a second past
            // where this process last saw the entry (see `FEED_MOVE_US`).
            let moves_feed = reopening || self.feed_marks.get(&cid.to_string()).is_none_or(|at| lra - at >= FEED_MOVE_US);
            if forward {
                set.push("lra = :lra");
                cond.push("(attribute_not_exists(lra) OR lra < :lra)");
                u = u.expression_attribute_values(":lra", n(lra));
                if moves_feed {
                    set.push("g1sk = :sk");
                    u = u.expression_attribute_values(":sk", s(feed_sk(&after)));
                }
            } else {
                // (The feed index keeps the sort key it has: a microsecond earlier, and the
                // feed's positions are taken from it, see `feed.rs`.)
                set.push("lra = lra + :one");
                cond.push("attribute_exists(lra)");
            }
            if a.occurred_at >= known.last_inbound_at {
                // (The newest network time only grows: from an older one, nothing to do.)
                set.extend(["lia = :lia", "ex = :ex"]);
                cond.push("(attribute_not_exists(lia) OR lia <= :lia)");
                u = u.expression_attribute_values(":lia", n(us(a.occurred_at))).expression_attribute_values(":ex", s(&a.excerpt));
            }
            if a.sponsored {
                set.push("sp = :t");
                u = u.expression_attribute_values(":t", AttributeValue::Bool(true));
            }
            // The status as read, as it still is (the feed partition follows it); reopened to
            // open (and its feed partition) if it was closed.
            cond.push("st = :st");
            u = u.expression_attribute_values(":st", s(known.status.as_str()));
            if reopening {
                set.extend(["st = :open", "g1pk = :g1"]);
                u = u
                    .expression_attribute_values(":open", s(Status::Open.as_str()))
                    .expression_attribute_values(":g1", s(key::feed_pk(acc, Status::Open, cid)));
            }
            let add = signature::Add::of(known_sg.as_ref(), bits.clone());
            let mut adds = String::from("ver :one");
            if let Some(sg) = add.update() {
                if let Some(a) = sg.add {
                    adds.push_str(", ");
                    adds.push_str(a);
                }
                set.extend(sg.set);
                cond.extend(sg.condition);
                u = sg.values.into_iter().fold(u, |u, (k, v)| u.expression_attribute_values(k, v));
            }
            let expr = if set.is_empty() { format!("ADD {adds}") } else { format!("SET {} ADD {adds}", set.join(", ")) };
            let r = u.update_expression(expr).condition_expression(cond.join(" AND ")).send().await;
            match r {
                Ok(out) => {
                    let old = out.attributes.unwrap_or_default();
                    let before = if old.is_empty() { known.clone() } else { conversation_from(&old)? };
                    let mut now = before.clone();
                    now.absorb(a);
                    let lra = if forward { lra } else { us(before.activity_at()) + 1 };
                    now.last_received_at = Some(from_us(lra));
                    if forward && moves_feed {
                        self.feed_marks.put(cid.to_string(), lra);
                    }
                    if !old.is_empty() {
                        self.signatures.put(cid.to_string(), (before.version + 1, add.apply(signature::stored(&old))));
                    }
                    return Ok((now, a.reopens && before.status == Status::Closed));
                }
                Err(e) if is_condition_failed(&e) => match condition_item(&e) {
                    Some(old) if !old.is_empty() => {
                        self.note_record(cid, &old);
                        known_sg = Some(signature::stored(&old));
                        known = conversation_from(&old)?
                    }
                    // Gone (deleted with its profile): the use case looks again.
                    _ => return Err(PortError::Conflict),
                },
                // The conversation's partition over its rate (every reply to one post), after
                // the SDK's retries, is `Busy`: the ingest hands the event back for a moment
                // (its item is stored; the redelivery applies the activity) rather than wait
                // here, holding its batch and the events behind it.
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(PortError::Conflict)
    }

    /// Remembers where a conversation record read says its feed index entry is (the activity
    /// time in `g1sk`), and its search signature at its version.
    fn note_record(&self, cid: &str, r: &Record) {
        if let Some(at) = get_s(r, "g1sk").and_then(|sk| sk.split('#').next()).and_then(|t| t.parse::<i64>().ok()) {
            self.feed_marks.put(cid.to_string(), at);
        }
        if let Some(ver) = get_n::<u64>(r, "ver") {
            self.signatures.put(cid.to_string(), (ver, signature::stored(r)));
        }
    }

    /// The search signature of `cid`'s record at version `ver`, if this process knows it.
    fn signature_at(&self, cid: &str, ver: u64) -> Option<signature::Stored> {
        self.signatures.get(&cid.to_string()).filter(|(v, _)| *v == ver).map(|(_, sg)| sg)
    }

    /// The item a platform-id claim (`G`) names, when it holds that platform id.
    async fn claimed_item(&self, claim: &Record, platform_id: &str) -> PortResult<Option<Item>> {
        let (Some(cid), Some(iid)) = (get_s(claim, "cid"), get_s(claim, "iid")) else { return Ok(None) };
        match self.get(key::item(cid, iid)).await? {
            Some(r) => {
                let item: Item = from_doc(&r)?;
                Ok(item.platform_id.as_deref().is_some_and(|p| p == platform_id).then_some(item))
            }
            // Claimed by a write that has not committed (or never will: taken over later).
            None => Ok(None),
        }
    }
}

#[async_trait::async_trait]
impl inbox_domain::ports::ConversationStore for DynamoDbStore {
    async fn get_conversation(&self, account: &AccountId, id: &ConversationId) -> PortResult<Option<Conversation>> {
        match self.get(key::conversation(id.as_str())).await? {
            Some(r) => {
                self.note_record(id.as_str(), &r);
                Ok(Some(conversation_from(&r)?).filter(|c| c.account_id == *account))
            }
            None => Ok(None),
        }
    }

    /// The conversation whose id the thread gives ([`ConversationId::for_thread`]), or else
    /// one made with another id, which a thread record (`T`) names: both read in one batch.
    async fn find_by_thread(&self, profile: &ProfileId, thread_key: &str) -> PortResult<Option<Conversation>> {
        let derived = ConversationId::for_thread(profile, thread_key);
        let (ck, tk) = (key::conversation(derived.as_str()), key::thread(profile.as_str(), thread_key));
        let found = batch_get(self, vec![ck.clone(), tk.clone()], true).await?;
        if let Some(r) = found.get(&ck) {
            self.note_record(derived.as_str(), r);
            let c = conversation_from(r)?;
            if c.profile_id == *profile && c.thread_key == thread_key {
                return Ok(Some(c));
            }
        }
        let Some(cid) = found.get(&tk).and_then(|t| get_s(t, "cid")) else { return Ok(None) };
        let Some(r) = self.get(key::conversation(cid)).await? else { return Ok(None) };
        self.note_record(cid, &r);
        conversation_from(&r).map(Some)
    }

    async fn find_item(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<Item>> {
        match self.get(key::platform(profile.as_str(), platform_id, "G")).await? {
            Some(g) => self.claimed_item(&g, platform_id).await,
            None => Ok(None),
        }
    }

    /// The claim (`G`), deletion (`D`) and early edit (`E`) of a platform id share its
    /// partition: one Query reads the three (1 RRU instead of 3), then the item if claimed.
    async fn platform_id_state(&self, profile: &ProfileId, platform_id: &str) -> PortResult<PlatformIdState> {
        let now = chrono::Utc::now();
        let (pk, _) = key::platform(profile.as_str(), platform_id, "G");
        let mut state = PlatformIdState::default();
        let mut claim = None;
        for r in self.query_prefix(&pk, "").await?.into_iter().filter(|r| !expired(r, now)) {
            match get_s(&r, "sk") {
                Some("G") => claim = Some(r),
                Some("D") => state.tombstoned = true,
                Some("E") => state.early_edit = get_s(&r, "text").map(str::to_string),
                _ => {}
            }
        }
        if let Some(g) = claim {
            state.item = self.claimed_item(&g, platform_id).await?;
            if state.item.is_none() {
                state.claimed_for = get_s(&g, "cid").map(ConversationId::from);
            }
        }
        Ok(state)
    }

    async fn get_item(&self, conversation: &ConversationId, id: &ItemId) -> PortResult<Option<Item>> {
        self.get_doc(key::item(conversation.as_str(), id.as_str())).await
    }

    async fn write(&self, w: ConversationWrite) -> PortResult<()> {
        let c = &w.conversation;
        let (cid, prof) = (c.id.as_str(), c.profile_id.as_str());
        let now = chrono::Utc::now();
        let table = &*self.table;

        // 1. The platform ids of the items: claimed first, so that the transaction below only
        //    writes items whose platform id is theirs.
        let mut fresh = Vec::new();
        let mut claims = Vec::new();
        for item in &w.items {
            let Some(pid) = &item.platform_id else { continue };
            match self.claim(prof, pid, cid, item.id.as_str(), now).await {
                Ok(Claim::Fresh) => fresh.push((key::platform(prof, pid, "G"), item.id.to_string())),
                Ok(claim) => claims.push((claim, item.id.to_string())),
                Err(e) => {
                    self.release_fresh(fresh).await;
                    self.release(claims).await;
                    return Err(e);
                }
            }
        }

        // 2a. A new conversation whose id its thread gives: no transaction. The conversation
        //     is made if absent (a concurrent first event of the thread made it already:
        //     `AlreadyExists`, and the use case appends to it), then its items.
        if w.expected_version.is_none() && w.notes.is_empty() && c.id.is_for_thread(&c.profile_id, &c.thread_key) {
            return match self.create(&w).await {
                Ok(Created::Made) => Ok(()),
                // The item is a concurrent delivery's of the same event, under the same claim
                // (the item id is derived): kept, or its item would be left without one.
                Ok(Created::ItemTaken) => Err(PortError::AlreadyExists),
                // Another event made the conversation: the use case appends to it.
                Ok(Created::ConversationTaken) => {
                    self.release_fresh(fresh).await;
                    self.release(claims).await;
                    Err(PortError::AlreadyExists)
                }
                Err(e) => {
                    self.release_fresh(fresh).await;
                    self.release(claims).await;
                    Err(e)
                }
            };
        }

        // 2b. One transaction: the conversation under its condition, and what hangs off it.
        let mut actions = Vec::new();
        // The conversation record as a whole write puts it (with the search signature it
        // leaves, `signature.rs`), or the update of a write that keeps the summary.
        let mut whole = conversation_record(c);
        let mut kept = None;
        match w.expected_version {
            None => {
                whole.insert(signature::ATTR.into(), signature::of_new(&w.items));
                actions.push(tx::put(table, whole.clone(), Some("attribute_not_exists(pk)"), vec![]));
                let mut thread = record(key::thread(prof, &c.thread_key));
                thread.insert("cid".into(), s(cid));
                actions.push(tx::put(table, thread, Some("attribute_not_exists(pk)"), vec![]));
            }
            Some(v) if let Some(read) = w.keeps_summary => {
                let (mut expr, cond, mut values) = keeping_summary(c, v, read);
                // Appends may have moved the version since: the set as last seen, or else given up.
                // (A refusal for want of room is a conflict: the use case reads again, and
                // the set read then is given up.)
                let known = self.signatures.get(&cid.to_string()).map(|(_, sg)| sg);
                let mut cond = cond.to_string();
                if let Some(sg) = signature::Add::of(known.as_ref(), signature::bits(&w.items)).update() {
                    if let Some(set) = sg.set {
                        // (`keeping_summary`'s expression starts with its SET clause.)
                        expr = expr.replacen("SET ", &format!("SET {set}, "), 1);
                    }
                    if let Some(add) = sg.add {
                        expr.push_str(" ADD ");
                        expr.push_str(add);
                    }
                    if let Some(c) = sg.condition {
                        cond = format!("{cond} AND {c}");
                    }
                    values.extend(sg.values);
                }
                actions.push(tx::update(table, key::conversation(cid), &expr, Some(&cond), vec![], values.clone()));
                kept = Some((expr, cond, values));
            }
            Some(v) => {
                if let Some(sg) = signature::carried(self.signature_at(cid, v).as_ref(), &w.items) {
                    whole.insert(signature::ATTR.into(), sg);
                }
                actions.push(tx::put(table, whole.clone(), Some("ver = :v"), vec![(":v", n(v))]));
            }
        }
        // The write's history rides on the first item or note it adds (one record fewer).
        let mut history = Some(w.history.clone()).filter(|h| !h.is_empty());
        for item in &w.items {
            let (expr, values) = item_expression(prof, item, history.take().as_deref());
            actions.push(tx::update(table, key::item(cid, item.id.as_str()), &expr, None, vec![], values));
        }
        let first_note = actions.len();
        for note in &w.notes {
            let mut r = record(key::note(cid, note.id.as_str()));
            r.insert("doc".into(), to_doc(note));
            if let Some(h) = history.take() {
                r.insert("h".into(), history_values(&h));
            }
            actions.push(tx::put(table, r, Some("attribute_not_exists(pk)"), vec![]));
        }
        let notes_end = actions.len();
        if let Some(h) = history.take() {
            let mut r = record(key::history(cid, h[0].id.as_str()));
            r.insert("h".into(), history_values(&h));
            actions.push(tx::put(table, r, None, vec![]));
        }
        for (claim, _) in &claims {
            if let Claim::TookEcho { echo, echo_cid, echo_iid, .. } = claim {
                actions.push(tx::delete(table, key::item(echo_cid, echo_iid), None, vec![]));
                if let Some(h) = echo.get("h").filter(|h| h.as_l().is_ok_and(|l| !l.is_empty())) {
                    let mut r = record(key::history(echo_cid, echo_iid));
                    r.insert("h".into(), h.clone());
                    // Entries told when they were written: the stream tells nothing of them.
                    r.insert("mv".into(), AttributeValue::Bool(true));
                    actions.push(tx::put(table, r, None, vec![]));
                }
            }
        }

        let result = if let (1, Some(v)) = (actions.len(), w.expected_version) {
            // The conversation alone (a creation always writes its thread record too): one
            // conditional write, at half the cost of a transaction.
            if let Some((expr, cond, values)) = kept {
                let (pk, sk) = key::conversation(cid);
                let u = values.into_iter().fold(self.update_at(pk, sk).update_expression(expr).condition_expression(cond), |u, (k, v)| {
                    u.expression_attribute_values(k, v)
                });
                match applied(u.send().await)? {
                    true => Ok(()),
                    false => Err(PortError::Conflict),
                }
            } else {
                self.put_versioned(whole.clone(), Some(v)).await
            }
        } else {
            match self.transact(actions).await {
                Ok(()) => Ok(()),
                Err(e) if w.expected_version.is_none() && (e.failed(0) || e.failed(1)) => Err(PortError::AlreadyExists),
                Err(e) if e.failed(0) => Err(PortError::Conflict),
                Err(e) if (first_note..notes_end).any(|i| e.failed(i)) => Err(PortError::AlreadyExists),
                Err(e) => Err(e.into_port()),
            }
        };
        if result.is_ok() && w.keeps_summary.is_none() {
            self.signatures.put(cid.to_string(), (c.version, signature::stored(&whole)));
        }
        if result.is_err() {
            self.release_fresh(fresh).await;
            self.release(claims).await;
        }
        result
    }

    fn appends_commutatively(&self) -> bool {
        true
    }

    fn derives_fanout(&self) -> bool {
        self.fanout_from_stream
    }

    /// Claims the item's platform id, writes the item (with its history), then applies its
    /// activity ([`DynamoDbStore::absorb`]): three single writes, none on a version, so any
    /// number of functions append to one thread at once without a lost race. The item's id is
    /// its platform id's ([`ItemId::for_platform`]): a delivery tried again after any failure
    /// writes the same record, never a second one. Nothing is undone when the summary cannot
    /// be written: the event comes back, finds its item and applies its activity then
    /// (`Append::item_stored`, see `ingest::plan`).
    async fn append(&self, a: Append) -> PortResult<Appended> {
        let read = &a.conversation;
        let (cid, prof, iid) = (read.id.as_str(), read.profile_id.as_str(), a.item.id.as_str());
        if !a.item_stored {
            let Some(pid) = a.item.platform_id.as_deref() else {
                return Err(PortError::Unavailable("an appended inbound item has no platform id".into()));
            };
            match self.claim(prof, pid, cid, iid, chrono::Utc::now()).await? {
                // Ours now, or ours already (this event, tried before).
                Claim::Fresh | Claim::Held => {}
                other => {
                    self.release(vec![(other, iid.to_string())]).await;
                    return Err(PortError::AlreadyExists);
                }
            }
            let put = item_update(self, cid, prof, &a.item, Some(&a.history)).condition_expression("attribute_not_exists(pk)").send().await;
            match put {
                Ok(_) => {}
                // Written by a delivery of the same event running now: it applies the activity.
                Err(e) if is_condition_failed(&e) => return Err(PortError::AlreadyExists),
                Err(e) => return Err(unavailable(e)),
            }
        }
        let (conversation, reopened) = self.absorb(read, &a.activity, &a.item.text).await?;
        if reopened {
            // The reopening's history record (which the stream tells): tried again with a
            // pause before giving up, since the redelivered event would find its item and
            // summary stored and write nothing.
            let mut r = record(key::history(cid, a.reopened.id.as_str()));
            r.insert("h".into(), history_values(std::slice::from_ref(&a.reopened)));
            for attempt in 1..=4u32 {
                match self.put_record().set_item(Some(r.clone())).send().await {
                    Ok(_) => break,
                    Err(e) if attempt < 4 => {
                        tracing::info!(error = %unavailable(e), conversation_id = %cid, attempt, "recording the reopening: trying again");
                        self.back_off(attempt).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %unavailable(e), conversation_id = %cid, "could not record the reopening in the history")
                    }
                }
            }
        }
        Ok(Appended { conversation, reopened })
    }

    /// The item's bits in its conversation's search signature, added if missing (its first
    /// delivery wrote the item and stopped before the summary update that adds them, and its
    /// activity was overtaken since, so nothing else will add them). Known from the read the
    /// ingest just made: no request when they are there, as they nearly always are.
    async fn stored_again(&self, conversation: &Conversation, item: &Item) -> PortResult<()> {
        let cid = conversation.id.as_str();
        let bits = signature::bits_of_text(&item.text);
        let mut known = self.signature_at(cid, conversation.version);
        for _ in 0..4 {
            if known.as_ref().is_some_and(|k| signature::holds(k, &bits)) {
                return Ok(());
            }
            let Some(sg) = signature::Add::of(known.as_ref(), bits.clone()).update() else { return Ok(()) };
            // (The version moves with the set: a whole write keeps the set it read at its version.)
            let mut expr = match sg.set {
                Some(set) => format!("SET {set} ADD ver :one"),
                None => "ADD ver :one".to_string(),
            };
            if let Some(add) = sg.add {
                expr.push_str(", ");
                expr.push_str(add);
            }
            let cond = sg.condition.map_or("attribute_exists(pk)".to_string(), |c| format!("attribute_exists(pk) AND {c}"));
            let (pk, sk) = key::conversation(cid);
            let u = self
                .update_at(pk, sk)
                .update_expression(expr)
                .condition_expression(cond)
                .expression_attribute_values(":one", n(1u64))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            match sg.values.into_iter().fold(u, |u, (k, v)| u.expression_attribute_values(k, v)).send().await {
                Ok(_) => {
                    self.signatures.forget(&cid.to_string());
                    return Ok(());
                }
                Err(e) if is_condition_failed(&e) => match condition_item(&e) {
                    Some(old) if !old.is_empty() => known = Some(signature::stored(&old)),
                    _ => return Ok(()), // gone
                },
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(PortError::Conflict)
    }

    async fn items(&self, conversation: &ConversationId) -> PortResult<Vec<Item>> {
        let mut items: Vec<Item> =
            self.query_prefix(&key::conversation(conversation.as_str()).0, "I#").await?.iter().map(from_doc).collect::<PortResult<_>>()?;
        items.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(items)
    }

    async fn notes(&self, conversation: &ConversationId) -> PortResult<Vec<Note>> {
        let mut notes: Vec<Note> =
            self.query_prefix(&key::conversation(conversation.as_str()).0, "N#").await?.iter().map(from_doc).collect::<PortResult<_>>()?;
        notes.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(notes)
    }

    async fn history(&self, conversation: &ConversationId) -> PortResult<Vec<HistoryEntry>> {
        let mut out = Vec::new();
        for r in self.query_prefix(&key::conversation(conversation.as_str()).0, "").await? {
            let Some(list) = r.get("h").and_then(|h| h.as_l().ok()) else { continue };
            for v in list {
                let json = v.as_s().map_err(|_| PortError::Corrupt("a history entry is not a string".into()))?;
                out.push(
                    serde_json::from_str::<HistoryEntry>(json)
                        .map_err(|e| PortError::Corrupt(format!("stored history entry does not parse: {e}")))?,
                );
            }
        }
        out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(out)
    }

    async fn get_post(&self, profile: &ProfileId, post_id: &str) -> PortResult<Option<Post>> {
        let k = (profile.to_string(), post_id.to_string());
        if let Some(p) = self.lookups.as_ref().and_then(|l| l.posts.get(&k)) {
            return Ok(Some(p));
        }
        let now = chrono::Utc::now();
        let found: Option<Post> = match self.get(key::platform(profile.as_str(), post_id, "P")).await? {
            Some(r) if !expired(&r, now) => Some(from_doc(&r)?),
            _ => None,
        };
        // (Kept once read and settled: a pending copy is about to change.)
        if let (Some(l), Some(p)) = (&self.lookups, found.as_ref().filter(|p| !p.pending)) {
            l.posts.put(k, p.clone());
        }
        Ok(found)
    }

    async fn put_post(&self, profile: &ProfileId, post: &Post) -> PortResult<()> {
        if let Some(l) = &self.lookups {
            l.posts.forget(&(profile.to_string(), post.id.clone()));
        }
        let mut r = record(key::platform(profile.as_str(), &post.id, "P"));
        r.insert("doc".into(), to_doc(post));
        if !post.is_only_record() {
            r.insert("ttl".into(), n(ttl_after(chrono::Utc::now(), POST_CACHE_DAYS)));
        }
        self.put_record().set_item(Some(r)).send().await.map_err(unavailable)?;
        Ok(())
    }

    async fn put_tombstone(&self, profile: &ProfileId, platform_id: &str, at: Timestamp) -> PortResult<()> {
        let now = chrono::Utc::now();
        let mut r = record(key::platform(profile.as_str(), platform_id, "D"));
        r.insert("at".into(), n(us(at)));
        r.insert("ttl".into(), n(ttl_after(now, EARLY_RECORD_DAYS)));
        let put = self
            .put_record()
            .set_item(Some(r))
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        applied(put).map(|_| ()) // the first deletion stays
    }

    async fn is_tombstoned(&self, profile: &ProfileId, platform_id: &str) -> PortResult<bool> {
        let now = chrono::Utc::now();
        Ok(self.get(key::platform(profile.as_str(), platform_id, "D")).await?.is_some_and(|r| !expired(&r, now)))
    }

    async fn put_early_edit(&self, profile: &ProfileId, platform_id: &str, text: &str, at: Timestamp) -> PortResult<()> {
        let now = chrono::Utc::now();
        let mut r = record(key::platform(profile.as_str(), platform_id, "E"));
        r.insert("at".into(), n(us(at)));
        r.insert("text".into(), s(text));
        r.insert("ttl".into(), n(ttl_after(now, EARLY_RECORD_DAYS)));
        let put = self
            .put_record()
            .set_item(Some(r))
            .condition_expression("attribute_not_exists(pk) OR #at <= :at OR #ttl <= :now")
            .expression_attribute_names("#at", "at")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":at", n(us(at)))
            .expression_attribute_values(":now", n(now.timestamp()))
            .send()
            .await;
        applied(put).map(|_| ()) // a newer edit is kept
    }

    async fn early_edit(&self, profile: &ProfileId, platform_id: &str) -> PortResult<Option<String>> {
        let now = chrono::Utc::now();
        Ok(self
            .get(key::platform(profile.as_str(), platform_id, "E"))
            .await?
            .filter(|r| !expired(r, now))
            .and_then(|r| get_s(&r, "text").map(str::to_string)))
    }

    async fn mark_seen(&self, user: &UserId, conversation: &ConversationId, at: Timestamp) -> PortResult<()> {
        let (pk, sk) = key::seen(conversation.as_str(), user.as_str());
        let r = self
            .update_at(pk, sk)
            .update_expression("SET #at = :at")
            .condition_expression("attribute_not_exists(#at) OR #at < :at")
            .expression_attribute_names("#at", "at")
            .expression_attribute_values(":at", n(us(at)))
            .send()
            .await;
        applied(r).map(|_| ()) // never moves backwards
    }

    async fn seen_at(&self, user: &UserId, conversation: &ConversationId) -> PortResult<Option<Timestamp>> {
        Ok(self.get(key::seen(conversation.as_str(), user.as_str())).await?.and_then(|r| get_n::<i64>(&r, "at")).map(from_us))
    }

    async fn feed(&self, query: &inbox_domain::ports::FeedQuery) -> PortResult<inbox_domain::ports::FeedPage> {
        super::feed::feed(self, query).await
    }

    async fn outbound_dms_to(&self, profile: &ProfileId, recipient: &str) -> PortResult<Vec<Item>> {
        let mut out: Vec<Item> = Vec::new();
        let q = self
            .new_query()
            .index_name(schema::DM_TO)
            .key_condition_expression("g4pk = :p")
            .expression_attribute_values(":p", s(format!("{profile}#{recipient}")));
        self.query_pages(q, |r| {
            let item: Item = from_doc(&r)?;
            if item.dm_recipient.as_deref() == Some(recipient) {
                out.push(item);
            }
            Ok(true)
        })
        .await?;
        out.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(out)
    }
}
