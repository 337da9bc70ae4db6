//! A large account for the feed and search benchmark: conversations written straight through
//! the store's `ConversationWrite` (the same write the ingest use case makes), many at a time so
//! that the writer thread group-commits them.
//!
//! Texts are drawn from a vocabulary with a Zipf distribution (so a handful of words are in
//! most conversations and most words in few), plus a phrase in about 5% of conversations and a
//! set of rare words in about 0.05% each. Status, assignee, network, kind and "seen by Alice"
//! vary as in a real inbox.

use chrono::{Duration, Utc};
use inbox_domain::ports::{ConversationStore, ConversationWrite};
use inbox_domain::*;
use inbox_local::demo;
use std::sync::Arc;

/// A small, fast, deterministic random number generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.below(from.len() as u64) as usize]
    }
}

/// The vocabulary, most frequent first (rank r is drawn with probability ∝ 1/r).
const VOCABULARY: &str = "the i to my a and is it for you of order in have this on not can me with was your but please hi be do just \
     what when so at delivery still did help would how get thanks are we any from there if no refund will size one \
     an all that received package again week product service been tent jacket back new customer only could today \
     time hello shipping email they problem return need sent store boots good about wrong great love item days \
     number waiting know want like also or still sleeping bag arrived damaged exchange colour blue green black red \
     medium large small stock available price discount code sale winter summer hiking camping trail rain waterproof \
     warm light weight broken zip pole stakes instructions manual warranty repair replacement tracking courier \
     address change cancel payment card charged twice invoice receipt account login password app website checkout \
     cart voucher gift birthday present daughter son husband wife friend trip mountain lake forest weekend holiday \
     month yesterday tomorrow monday friday morning evening phone call chat answer reply message support team \
     manager complaint disappointed happy amazing terrible slow fast quick late early missing part box label parcel \
     post office collect pickup locker neighbour door signed photo picture video review rating stars recommend \
     quality material fabric seam leak water wet dry cold hot fit tight loose long short width length chart guide \
     stove gas fuel lantern torch battery charger cable backpack straps hip belt frame poles trekking socks gloves \
     hat scarf fleece layer base shell down insulated synthetic merino wool cotton nylon polyester gore tex \
     membrane breathable vent pocket hood collar cuff hem logo print pattern design style model version edition \
     limited exclusive member points loyalty newsletter unsubscribe spam privacy data delete student teacher group \
     club school bulk wholesale business partner sponsor event festival race marathon climb summit portugal spain \
     france germany italy lyon paris berlin madrid lisbon london dublin amsterdam";

/// Words that each appear in about one conversation in 2,000.
pub const RARE: &str = "zeppelin quasar marzipan okapi fjordland xylophone bivouac kraken tundra papyrus obsidian gazebo kumquat \
     narwhal sextant zircon yurt quokka wombat juniper";

struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut acc = 0.0;
        let cumulative = (1..=n)
            .map(|r| {
                acc += 1.0 / r as f64;
                acc
            })
            .collect::<Vec<_>>();
        let total = acc;
        Zipf { cumulative: cumulative.into_iter().map(|c| c / total).collect() }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        self.cumulative.partition_point(|&c| c < u).min(self.cumulative.len() - 1)
    }
}

const FIRST: &str = "Jane Marco Priya Tom Ana Lee Sam Olga Ines Kofi Mia Noah Yuki Omar Lena";
const LAST: &str = "Customer Velo N Beck Costa Park Rivers Petrova Silva Mensah Kim Berg Sato";

/// The words of a space-separated list.
pub fn words(list: &'static str) -> Vec<&'static str> {
    list.split_whitespace().collect()
}

pub struct TextGen {
    vocabulary: Vec<&'static str>,
    zipf: Zipf,
    rare: Vec<&'static str>,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
}

impl Default for TextGen {
    fn default() -> Self {
        let vocabulary = words(VOCABULARY);
        let zipf = Zipf::new(vocabulary.len());
        Self { vocabulary, zipf, rare: words(RARE), first: words(FIRST), last: words(LAST) }
    }
}

impl TextGen {
    /// A message of 6 to 35 words.
    pub fn message(&self, rng: &mut Rng, phrase: bool, rare: Option<&str>) -> String {
        let n = 6 + rng.below(30) as usize;
        let mut words: Vec<&str> = (0..n).map(|_| self.vocabulary[self.zipf.sample(rng)]).collect();
        if phrase {
            let at = rng.below(words.len() as u64) as usize;
            words.splice(at..at, ["what", "is", "the", "tracking", "number"]);
        }
        if let Some(r) = rare {
            let at = rng.below(words.len() as u64) as usize;
            words.insert(at, r);
        }
        let mut s = String::with_capacity(n * 7);
        for (k, w) in words.iter().enumerate() {
            if k == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    s.extend(f.to_uppercase());
                    s.push_str(c.as_str());
                }
            } else {
                s.push(' ');
                s.push_str(w);
            }
            if k + 1 < words.len() && rng.chance(0.08) {
                s.push(',');
            }
        }
        s.push_str(if rng.chance(0.3) { "?" } else { "." });
        s
    }
}

/// Where each conversation comes from: (profile, network, kind, share of conversations).
const SOURCES: &[(&str, Network, Kind, f64)] = &[
    ("prf_demo_twitter", Network::Twitter, Kind::Mention, 0.15),
    ("prf_demo_twitter", Network::Twitter, Kind::Reply, 0.10),
    ("prf_demo_twitter", Network::Twitter, Kind::Dm, 0.15),
    ("prf_demo_facebook", Network::Facebook, Kind::Comment, 0.25),
    ("prf_demo_facebook", Network::Facebook, Kind::Dm, 0.10),
    ("prf_demo_instagram", Network::Instagram, Kind::Comment, 0.15),
    ("prf_demo_linkedin", Network::Linkedin, Kind::Comment, 0.05),
    ("prf_demo_youtube", Network::Youtube, Kind::Comment, 0.05),
];

/// One conversation's write and whether Alice has seen it (and when).
pub fn conversation(i: usize, texts: &TextGen, rng: &mut Rng) -> (ConversationWrite, Option<Timestamp>) {
    let now = Utc::now();
    let mut u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
    let (profile, network, kind, _) = *SOURCES
        .iter()
        .find(|s| {
            u -= s.3;
            u <= 0.0
        })
        .unwrap_or(&SOURCES[0]);
    let id = ConversationId::generate();
    // Spread over the last 90 days, to the microsecond.
    let last_inbound_at = now - Duration::microseconds(rng.below(90 * 86_400 * 1_000_000) as i64);
    let created_at = last_inbound_at - Duration::seconds(rng.below(3 * 86_400) as i64);
    let author = Author {
        id: format!("{}", 7_000_000_000u64 + i as u64),
        name: format!("{} {}", rng.pick(&texts.first), rng.pick(&texts.last)),
        handle: format!("user{i}"),
    };
    let status = if rng.chance(0.7) { Status::Open } else { Status::Closed };
    let assignee = match rng.below(20) {
        0..=10 => None,
        11..=13 => Some(UserId::from(demo::ALICE)),
        14..=16 => Some(UserId::from(demo::BOB)),
        _ => Some(UserId::from(demo::CAROL)),
    };
    let phrase_in = rng.chance(0.05);
    let rare_in = texts.rare.iter().copied().find(|_| rng.chance(1.0 / 2000.0));
    let messages = 1 + rng.below(3) as usize;
    let mut items = Vec::with_capacity(messages + 1);
    for k in 0..messages {
        let text = texts.message(rng, phrase_in && k == 0, if k == messages - 1 { rare_in } else { None });
        let at = created_at + (last_inbound_at - created_at) * k as i32 / messages.max(2) as i32;
        let at = if k == messages - 1 { last_inbound_at } else { at };
        items.push(Item {
            id: ItemId::generate(),
            conversation_id: id.clone(),
            direction: Direction::Inbound,
            text,
            author: author.clone(),
            created_at: at,
            platform_id: Some(format!("bench_{i}_{k}")),
            state: ItemState::Received,
            failure: None,
            deleted: false,
            edited: false,
            action: None,
            target: None,
            dm_recipient: None,
            retry: None,
        });
    }
    if rng.chance(0.25) {
        items.push(Item {
            id: ItemId::generate(),
            conversation_id: id.clone(),
            direction: Direction::Outbound,
            text: "Thanks for reaching out! We are looking into it and will get back to you shortly.".into(),
            author: Author { id: "brand".into(), name: "Demo Outdoor".into(), handle: "demooutdoor".into() },
            created_at: last_inbound_at + Duration::minutes(5),
            platform_id: Some(format!("bench_{i}_reply")),
            state: ItemState::Sent,
            failure: None,
            deleted: false,
            edited: false,
            action: Some(Action::Reply),
            target: None,
            dm_recipient: None,
            retry: None,
        });
    }
    let excerpt = inbox_domain::ingest::excerpt(&items[messages - 1].text);
    let conversation = Conversation {
        id: id.clone(),
        account_id: AccountId::from(demo::ACCOUNT),
        profile_id: ProfileId::from(profile),
        network,
        kind,
        thread_key: format!("bench_thread_{i}"),
        status,
        assignee_id: assignee,
        sponsored: kind == Kind::Comment && network == Network::Facebook && rng.chance(0.1),
        last_inbound_at,
        last_received_at: None,
        created_at,
        author,
        excerpt,
        thread_owner: None,
        version: 1,
        salesforce_case: None,
        post_id: None,
    };
    let history = vec![HistoryEntry::new(
        &id,
        created_at,
        Actor::System,
        HistoryAction::Created,
        serde_json::json!({"platform_id": format!("bench_{i}_0")}),
    )];
    // Alice has seen 40% of conversations: most since their latest message, some before it.
    let seen = if rng.chance(0.4) {
        Some(if rng.chance(0.8) { last_inbound_at + Duration::minutes(1) } else { last_inbound_at - Duration::minutes(1) })
    } else {
        None
    };
    (ConversationWrite::of(conversation, items, history), seen)
}

/// Writes `n` conversations with up to `parallel` writes in flight. Returns how many Alice saw.
pub async fn seed(store: Arc<dyn ConversationStore>, n: usize, parallel: usize) -> usize {
    let texts = Arc::new(TextGen::default());
    let mut set = tokio::task::JoinSet::new();
    let chunk = n.div_ceil(parallel.max(1)).max(1);
    for start in (0..n).step_by(chunk) {
        let (store, texts) = (store.clone(), texts.clone());
        set.spawn(async move {
            let mut rng = Rng::new(0xC0FFEE ^ start as u64);
            let mut seen = 0;
            for i in start..(start + chunk).min(n) {
                let (write, seen_at) = conversation(i, &texts, &mut rng);
                let id = write.conversation.id.clone();
                store.write(write).await.expect("seed write");
                if let Some(at) = seen_at {
                    store.mark_seen(&UserId::from(demo::ALICE), &id, at).await.expect("seed seen");
                    seen += 1;
                }
            }
            seen
        });
    }
    let mut seen = 0;
    while let Some(r) = set.join_next().await {
        seen += r.expect("seed task");
    }
    seen
}
