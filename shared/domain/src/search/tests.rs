//! The search rules, by example and by property.

use super::tokens::is_spaceless_script;
use super::*;
use proptest::prelude::*;

fn q(s: &str) -> SearchQuery {
    SearchQuery::parse(s)
}

fn word(w: &str) -> Clause {
    Clause { negated: false, words: vec![w.to_owned()] }
}

fn not_word(w: &str) -> Clause {
    Clause { negated: true, words: vec![w.to_owned()] }
}

fn phrase(ws: &[&str]) -> Clause {
    Clause { negated: false, words: ws.iter().map(|w| (*w).to_owned()).collect() }
}

fn not_phrase(ws: &[&str]) -> Clause {
    Clause { negated: true, ..phrase(ws) }
}

fn clauses(s: &str) -> Vec<Clause> {
    q(s).clauses
}

fn toks(s: &str) -> Vec<String> {
    tokenize(s)
}

#[test]
fn words_are_cut_at_unicode_word_boundaries_and_folded() {
    assert_eq!(toks("Order #1234, please!"), ["order", "1234", "please"]);
    assert_eq!(toks("foo-bar_baz qux"), ["foo", "bar_baz", "qux"]);
    assert_eq!(toks("can't won’t 3.14 e.g. l'été"), ["can", "t", "won", "t", "3.14", "e.g", "l", "ete"]);
    assert!(q("can't").matches("I CAN’T find it"));
    assert_eq!(toks("Café CAFÉ cafe\u{301}"), ["cafe", "cafe", "cafe"], "precomposed, upper case, combining accent");
    assert_eq!(toks("naïve NAÏVE"), ["naive", "naive"]);
    assert_eq!(toks("Straße STRASSE strasse STRAẞE"), ["strasse", "strasse", "strasse", "strasse"]);
    assert_eq!(toks("ｔｅｎｔ ＴＥＮＴ tent"), ["tent", "tent", "tent"], "full width");
    assert_eq!(toks("ﬁne ① ²"), ["fine", "1", "2"], "compatibility forms");
    assert_eq!(toks("İstanbul ISTANBUL"), ["istanbul", "istanbul"]);
    assert_eq!(toks("ΟΔΟΣ οδος οδοσ Ὀδός"), ["οδοσ", "οδοσ", "οδοσ", "οδοσ"]);
    assert_eq!(toks("Москва МОСКВА Ёлка ёлка"), ["москва", "москва", "елка", "елка"]);
    assert_eq!(toks("te\u{200b}nt"), ["te", "nt"], "a zero-width space separates");
    assert_eq!(toks("soft\u{ad}ware"), ["software"], "a soft hyphen does not");
    assert!(toks("").is_empty());
    assert!(toks("  -- \"\" !? ... \u{200b} \u{feff}").is_empty());
}

#[test]
fn hashtags_and_mentions_are_their_words() {
    assert_eq!(toks("#BlackFriday deals @DemoOutdoor"), ["blackfriday", "deals", "demooutdoor"]);
    assert!(q("#blackfriday").matches("Loving the #BlackFriday deals"));
    assert!(q("blackfriday").matches("Loving the #BlackFriday deals"));
}

#[test]
fn emoji_are_tokens_with_skin_tones_and_presentation_folded() {
    assert_eq!(toks("party🎉time 🎉"), ["party", "🎉", "time", "🎉"]);
    assert_eq!(toks("👍🏽 👍 👍\u{fe0f}"), ["👍", "👍", "👍"]);
    assert_eq!(toks("❤️ ❤"), ["❤", "❤"]);
    assert_eq!(toks("🇫🇷🇩🇪"), ["🇫🇷", "🇩🇪"], "flags are pairs of regional indicators");
    assert_eq!(toks("👨‍👩‍👧"), ["👨‍👩‍👧"], "a ZWJ sequence is one token");
    assert!(q("🎉").matches("great party 🎉🎉"));
    assert!(!q("🎉").matches("great party"));
    assert!(q("👍").matches("👍🏿 thanks"));
}

#[test]
fn scripts_without_spaces_are_indexed_as_characters_and_pairs() {
    assert_eq!(toks("東京タワー"), ["東", "東京", "京", "京タ", "タ", "タワ", "ワ", "ワー", "ー"]);
    assert_eq!(toks("東"), ["東"]);
    assert_eq!(toks("iPhone保护壳"), ["iphone", "保", "保护", "护", "护壳", "壳"]);
    // A word inside a sentence, one character or several.
    let zh = "这款帐篷防水吗？我下周去露营。";
    for query in ["帐篷", "防水", "露营", "篷", "帐篷防水", "帐篷 露营"] {
        assert!(q(query).matches(zh), "{query} in {zh}");
    }
    assert!(!q("帐防").matches(zh));
    let ja = "このテントは防水ですか？来週キャンプに行きます。";
    for query in ["テント", "防水", "キャンプ", "来週", "テントは防水"] {
        assert!(q(query).matches(ja), "{query} in {ja}");
    }
    assert!(!q("テンプ").matches(ja));
    // A Korean word with its particle attached.
    let ko = "텐트가 방수인가요? 다음 주에 캠핑을 가요.";
    for query in ["텐트", "방수", "캠핑", "캠핑을"] {
        assert!(q(query).matches(ko), "{query} in {ko}");
    }
    assert!(!q("텐캠").matches(ko));
    // Half-width katakana is the full-width word.
    assert!(q("テント").matches("ﾃﾝﾄ 在庫"));
}

#[test]
fn other_scripts_match_by_their_words_or_characters() {
    assert!(q("नमस्ते").matches("नमस्ते दुनिया"), "Devanagari keeps its marks");
    assert!(!q("नमस्त").matches("नमस्ते दुनिया"));
    assert!(q("مرحبا").matches("مرحبا بالعالم"));
    assert!(q("שלום").matches("שלום עולם"));
    assert!(q("สวัสดี").matches("สวัสดีครับ ยินดีต้อนรับ"), "Thai, character by character");
    assert!(q("ยินดี").matches("สวัสดีครับ ยินดีต้อนรับ"));
    assert!(q("Привет").matches("привет, мир"));
}

#[test]
fn and_of_words() {
    let query = q("hello World");
    assert_eq!(query.clauses, [word("hello"), word("world")]);
    assert!(query.matches("world, HELLO!"));
    assert!(!query.matches("hello there"));
    assert!(!query.matches("helloworld"));
    assert!(!q("cat").matches("category"));
}

#[test]
fn exact_phrase() {
    let query = q("\"Exact  Phrase\"");
    assert_eq!(query.clauses, [phrase(&["exact", "phrase"])]);
    assert!(query.matches("this is an exact phrase."));
    assert!(query.matches("EXACT—phrase"));
    assert!(!query.matches("phrase exact"));
    assert!(!query.matches("exact wrong phrase"));
    assert!(!query.matches("exact"));
}

#[test]
fn exclusions() {
    let query = q("refund -spam");
    assert_eq!(query.clauses, [word("refund"), not_word("spam")]);
    assert!(query.matches("refund please"));
    assert!(!query.matches("refund SPAM"));
    assert!(!query.matches("spam"));

    let query = q("refund -\"not now\"");
    assert_eq!(query.clauses, [word("refund"), not_phrase(&["not", "now"])]);
    assert!(query.matches("refund now, not later"));
    assert!(!query.matches("refund? not now."));
}

#[test]
fn a_conversation_matches_by_its_messages() {
    let query = q("\"sleeping bag\" refund -spam");
    assert!(query.matches_texts(["my sleeping bag tore", "I want a refund"]));
    assert!(!query.matches_texts(["my sleeping", "bag tore, refund"]), "a phrase never spans two messages");
    assert!(!query.matches_texts(["my sleeping bag tore", "refund", "this is spam"]), "an exclusion in any message");
    assert!(q("-spam").matches_texts(Vec::<&str>::new()));
}

#[test]
fn only_negations_match_texts_without_them() {
    let query = q("-spam -\"buy now\"");
    assert!(query.matches(""));
    assert!(query.matches("hello"));
    assert!(query.matches("now buy"));
    assert!(!query.matches("Spam!"));
    assert!(!query.matches("please buy now"));
}

#[test]
fn unclosed_quote_runs_to_end() {
    assert_eq!(clauses("a \"b c -d"), [word("a"), phrase(&["b", "c", "d"])]);
    assert_eq!(clauses("-\"b c"), [not_phrase(&["b", "c"])]);
    assert_eq!(clauses("\"b"), [word("b")]);
}

#[test]
fn a_blank_query_is_no_search_and_one_with_nothing_searchable_matches_nothing() {
    for blank in ["", "   ", "\t\n"] {
        let query = q(blank);
        assert!(query.is_empty() && !query.matches_nothing(), "{blank:?}");
        assert!(query.matches("anything"));
    }
    for input in ["-", "- - --", "\"\"", "\"", "\"\"\"\"", "-\"\"", "-\" \"", "#!", "...", "\u{200b}", "\u{feff}", "?!?", "-..."] {
        let query = q(input);
        assert!(query.clauses.is_empty() && query.matches_nothing() && !query.is_empty(), "{input:?} -> {query:?}");
        assert!(!query.matches("anything at all ... - \"\""), "{input:?} matches nothing");
        assert!(!query.matches(""));
        assert!(!query.matches_texts(["anything"]));
    }
    // Something searchable beside the unsearchable part: an ordinary query.
    assert_eq!(clauses("refund ..."), [word("refund")]);
    assert!(!q("refund ...").matches_nothing());
}

#[test]
fn dashes_and_quotes_inside_terms() {
    assert_eq!(clauses("foo-bar"), [phrase(&["foo", "bar"])]);
    assert_eq!(clauses("- foo"), [word("foo")]);
    assert_eq!(clauses("--foo"), [not_word("foo")]);
    assert_eq!(clauses("-foo-bar"), [not_phrase(&["foo", "bar"])]);
    assert_eq!(clauses("foo\"bar baz\"qux"), [word("foo"), phrase(&["bar", "baz"]), word("qux")]);
    assert_eq!(clauses("order #1234"), [word("order"), word("1234")]);
    assert_eq!(clauses("“smart quotes”"), [phrase(&["smart", "quotes"])]);
    assert!(q("foo-bar").matches("FOO BAR"));
    assert!(!q("foo-bar").matches("bar foo"));
}

#[test]
fn case_accent_width_and_compatibility_insensitive() {
    assert!(q("été").matches("L'ÉTÉ indien"));
    assert!(q("ete").matches("un été chaud"));
    assert!(q("cafe").matches("CAFÉ"));
    assert!(q("naive").matches("so naïve"));
    assert!(q("tent").matches("the ｔｅｎｔ arrived"));
    assert!(q("ＴＥＮＴ").matches("the tent arrived"));
    assert!(q("strasse").matches("Lange Straße 5"));
    assert!(q("straße").matches("STRASSE"));
    assert!(q("οδος").matches("ΟΔΟΣ"));
    assert!(q("istanbul").matches("İSTANBUL"));
    assert!(q("Москва").matches("МОСКВА"));
    assert!(q("fine").matches("ﬁne"));
}

#[test]
fn display_shows_the_clauses() {
    let query = q("Hello -spam \"big  Deal\" -\"no way\" x");
    assert_eq!(query.positive_words().collect::<Vec<_>>(), ["hello", "big", "deal", "x"]);
    assert_eq!(query.to_string(), "hello -spam \"big deal\" -\"no way\" x");
    assert_eq!(q(&query.to_string()), query, "latin queries still round-trip");
    assert_eq!("a -b".parse::<SearchQuery>(), Ok(q("a -b")));
}

#[test]
fn bounds() {
    let many = (0..100).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let query = q(&many);
    assert_eq!(query.clauses.len(), MAX_CLAUSES);
    assert_eq!(query.clauses[31], word("w31"));

    let long_phrase = format!("\"{many}\"");
    let query = q(&long_phrase);
    assert_eq!(query.clauses.len(), 1);
    assert_eq!(query.clauses[0].words.len(), MAX_WORDS_PER_CLAUSE);
    assert_eq!(query.clauses[0].words[31], "w31");

    // Input beyond MAX_QUERY_CHARS is ignored (cut at a char boundary, here mid-word).
    let input = format!("{} tail", "é".repeat(MAX_QUERY_CHARS - 2));
    assert_eq!(q(&input).clauses, [word(&"e".repeat(MAX_QUERY_CHARS - 2)), word("t")]);
}

/// Folding one character and folding the result again gives the same tokens (for every
/// character whose tokens are not pairs of a spaceless script).
#[test]
fn folding_is_idempotent_for_every_char() {
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let once = tokenize(c.encode_utf8(&mut [0; 4]));
        if once.iter().any(|t| t.chars().count() > 1 && t.chars().any(is_spaceless_script)) {
            continue;
        }
        let twice = tokenize(&once.join(" "));
        assert_eq!(once, twice, "char {c:?} (U+{:04X})", u32::from(c));
    }
}

/// A piece of text: a word (with a variant of its case, accents or width), a run of a
/// spaceless script, an emoji, or punctuation.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9]{1,8}",
        3 => prop::sample::select(vec![
            "Café", "CAFÉ", "naïve", "Straße", "STRASSE", "ｔｅｎｔ", "İstanbul", "ΟΔΟΣ", "Ёлка", "ﬁne", "can't",
            "नमस्ते", "مرحبا", "שלום", "#BlackFriday", "@DemoOutdoor",
        ]).prop_map(str::to_owned),
        3 => "[\u{4e00}-\u{4e40}\u{3041}-\u{3060}\u{30a1}-\u{30c0}\u{ac00}-\u{ac40}]{1,8}",
        1 => prop::sample::select(vec!["🎉", "👍🏽", "❤️", "🇫🇷"]).prop_map(str::to_owned),
    ]
}

fn separator() -> impl Strategy<Value = String> {
    prop::sample::select(vec![" ", ", ", ". ", "! ", " - ", "\n", "? ", " … ", "\u{3000}", "、"]).prop_map(str::to_owned)
}

/// Variants a person might type of the same query: another case, full width.
fn variant(query: &str, how: u8) -> String {
    match how % 3 {
        0 => query.to_string(),
        1 => query.to_uppercase(),
        _ => query.chars().map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect(),
    }
}

fn is_spaceless_piece(p: &str) -> bool {
    p.chars().all(is_spaceless_script)
}

proptest! {
    // No regression files: this module must not write next to the crate.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_and_respects_bounds(input in any::<String>()) {
        let query = SearchQuery::parse(&input);
        prop_assert!(query.clauses.len() <= MAX_CLAUSES);
        prop_assert!(query.unsearchable == (!input.chars().take(MAX_QUERY_CHARS).collect::<String>().trim().is_empty() && query.clauses.is_empty()));
        for clause in &query.clauses {
            prop_assert!(!clause.words.is_empty());
            prop_assert!(clause.words.len() <= MAX_WORDS_PER_CLAUSE);
            for w in &clause.words {
                prop_assert!(!w.is_empty() && !w.contains(char::is_whitespace));
            }
        }
    }

    #[test]
    fn matches_never_panics(input in any::<String>(), text in any::<String>()) {
        let query = SearchQuery::parse(&input);
        prop_assert_eq!(query.matches(&text), query.is_empty() || query.matches_tokens(&tokenize(&text)));
    }

    /// A folded query always finds the text it was cut from: a run of the text's pieces
    /// (cut anywhere inside a run of a spaceless script), quoted, typed in another case or
    /// width, finds the text.
    #[test]
    fn a_query_cut_from_a_text_finds_it(
        pieces in prop::collection::vec((piece(), separator()), 1..12),
        range in (any::<prop::sample::Index>(), any::<prop::sample::Index>()),
        cut in (0usize..8, 0usize..8),
        how in any::<u8>(),
    ) {
        let text: String = pieces.iter().map(|(p, s)| format!("{p}{s}")).collect();
        let (a, b) = (range.0.index(pieces.len()), range.1.index(pieces.len()));
        let (from, to) = (a.min(b), a.max(b));
        let mut chosen: Vec<String> = pieces[from..=to].iter().map(|(p, _)| p.clone()).collect();
        let seps: Vec<&str> = pieces[from..to].iter().map(|(_, s)| s.as_str()).collect();
        // Cut inside runs of a spaceless script at either end.
        if is_spaceless_piece(&chosen[0]) {
            let n = chosen[0].chars().count();
            chosen[0] = chosen[0].chars().skip(cut.0.min(n - 1)).collect();
        }
        let last = chosen.len() - 1;
        if is_spaceless_piece(&chosen[last]) {
            let n = chosen[last].chars().count();
            chosen[last] = chosen[last].chars().take(n - cut.1.min(n - 1)).collect();
        }
        let mut cut_text = String::new();
        for (i, p) in chosen.iter().enumerate() {
            cut_text.push_str(p);
            if let Some(s) = seps.get(i) {
                cut_text.push_str(s);
            }
        }
        let query = SearchQuery::parse(&format!("\"{}\"", variant(&cut_text, how).replace('"', " ")));
        prop_assume!(!query.clauses.is_empty());
        prop_assume!(query.clauses.iter().all(|c| c.words.len() < MAX_WORDS_PER_CLAUSE));
        prop_assert!(query.matches(&text), "{:?} (from {:?}) in {:?}", query, cut_text, text);
    }

    #[test]
    fn negated_clause_present_means_no_match(
        words in prop::collection::vec(piece(), 1..4),
        before in ".{0,30}",
        after in ".{0,30}",
    ) {
        let body = words.join(" ");
        let query = SearchQuery::parse(&format!("-\"{}\"", body.replace('"', " ")));
        prop_assume!(!query.clauses.is_empty());
        let text = format!("{before} {} {after}", body.to_uppercase());
        prop_assert!(!query.matches(&text));
    }

    #[test]
    fn case_and_width_do_not_matter(query in prop::collection::vec(piece(), 1..4), text in prop::collection::vec(piece(), 0..8), how in any::<u8>()) {
        let query = query.join(" ");
        let text = text.join(" ");
        prop_assert_eq!(SearchQuery::parse(&variant(&query, how)).matches(&text), SearchQuery::parse(&query).matches(&text));
    }
}

// Search signatures (`signature.rs`): what they rule out, and never a false miss.

fn signature<'a>(texts: impl IntoIterator<Item = &'a str>) -> std::collections::BTreeSet<u16> {
    texts.into_iter().flat_map(text_bits).collect()
}

#[test]
fn a_signature_rules_out_what_lacks_a_wanted_token() {
    let sig = signature(["Where is my refund?", "Order #1234 arrived broken"]);
    let may = |q: &str| SearchQuery::parse(q).may_match_signature(|b| sig.contains(&b));
    assert!(may("refund"));
    assert!(may("\"my refund\""));
    assert!(may("refund -broken"), "an exclusion never rules out");
    assert!(may(""), "no search");
    assert!(!may("tent"));
    assert!(!may("refund tent"));
    assert!(!may("\"refund tent\""));
    assert!(!may("..."), "unsearchable matches nothing");
    assert!(may("-tent"));
}

proptest! {
        /// Never a false miss: whatever matches the texts may match their signature.
        #[test]
        fn what_matches_may_match_its_signature(
            texts in proptest::collection::vec("[a-e ]{0,12}|[東京タワー ]{0,6}", 1..4),
            query in "-?[a-e]{1,3}( \"[a-e ]{1,7}\")?( -?[a-e]{1,2})?",
        ) {
            let q = SearchQuery::parse(&query);
            let sig = signature(texts.iter().map(String::as_str));
            if q.matches_texts(texts.iter().map(String::as_str)) {
                prop_assert!(q.may_match_signature(|b| sig.contains(&b)));
            }
        }

}
