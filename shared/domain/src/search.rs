//! The inbox search language.
//!
//! A query is a list of clauses joined by AND:
//!
//! * `word` — the text must contain the word.
//! * `"exact phrase"` — the text must contain the words consecutively.
//! * `-word`, `-"exact phrase"` — the text must *not* contain the word/phrase.
//!
//! Parsing never fails: a malformed query is read as well as it can be.
//!
//! * An unclosed quote runs to the end of the query.
//! * A lone `-`, empty quotes, or anything else that yields no words produces no clause.
//! * Several leading dashes (`--word`) count as one.
//! * Typographic quotes (`“`, `”`, `„`) and the full-width quote `＂` count as `"`.
//! * A quote inside a bare term ends that term (`foo"bar baz"` is `foo` AND `"bar baz"`).
//! * A dash that does not start a term is just a separator: `foo-bar` is the phrase
//!   `"foo bar"`, as is `foo.bar`.
//!
//! Words are normalised by [`tokenize`]: text is split on every character that is not
//! alphanumeric ([`char::is_alphanumeric`]), so punctuation, symbols and emoji never take part
//! in matching, then each token is lowercased char by char ([`char::to_lowercase`]), Greek final
//! sigma `ς` is folded to `σ`, and anything non-alphanumeric that lowercasing introduced (the
//! combining dot of `İ` → `i̇`) is dropped. So `Café` matches `CAFÉ` and `order #1234` is the two
//! words `order` and `1234`. This is lowercasing, not full case folding: `ß` stays `ß` and does not
//! match `SS`, and text is not Unicode-normalised (a precomposed `é` does not match `e` + U+0301).
//!
//! Matching compares whole tokens: `cat` does not match `category`.
//!
//! # Bounds
//!
//! To bound the work done for hostile input, [`SearchQuery::parse`]:
//!
//! * reads at most [`MAX_QUERY_CHARS`] characters (the rest is ignored; truncation happens at a
//!   character boundary, so it may split a word or drop a closing quote);
//! * keeps at most [`MAX_CLAUSES`] clauses (later ones are ignored);
//! * keeps at most the first [`MAX_WORDS_PER_CLAUSE`] words of a phrase (so an over-long phrase
//!   matches, or for an exclusion excludes, a little more than written);
//! * stops before a clause whose canonical form ([`std::fmt::Display`]) would make the whole
//!   query longer than [`MAX_QUERY_CHARS`] characters (lowercasing can lengthen text), so that
//!   the canonical string of a parsed query always parses back to the same query.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// Characters of query input that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Clauses kept from one query; later ones are ignored.
pub const MAX_CLAUSES: usize = 32;
/// Words kept from one phrase; later ones are ignored.
pub const MAX_WORDS_PER_CLAUSE: usize = 16;

/// A parsed search query: every clause must hold (AND). The empty query matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SearchQuery {
    pub clauses: Vec<Clause>,
}

/// One term of a query: a word (one element) or a phrase (several), possibly excluded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Clause {
    /// `true` for `-word` / `-"phrase"`: the text must not contain the words.
    pub negated: bool,
    /// Normalised tokens (see [`tokenize`]), to be found consecutively in the text.
    pub words: Vec<String>,
}

/// Splits `text` into normalised search tokens (see the [module docs](self)).
///
/// Storage adapters should index and match with exactly these tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    tokens(text).collect()
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|raw| !raw.is_empty()).filter_map(normalize_token)
}

/// Lowercases one run of alphanumeric characters. Char by char, so the result does not depend on
/// the neighbouring text (unlike `str::to_lowercase`'s final-sigma rule).
fn normalize_token(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            let lower = if lower == 'ς' { 'σ' } else { lower };
            if lower.is_alphanumeric() {
                out.push(lower);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{FF02}')
}

/// `s` cut to at most `max` characters, at a character boundary.
fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// `true` if `words` occur as consecutive elements of `tokens`.
fn contains_sequence(tokens: &[String], words: &[String]) -> bool {
    match words {
        [] => true,
        [word] => tokens.iter().any(|t| t == word),
        _ => tokens.windows(words.len()).any(|window| window == words),
    }
}

impl Clause {
    /// `true` if this clause has more than one word.
    pub fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }

    /// `true` if the clause holds for a text with these tokens (taking `negated` into account).
    pub fn matches_tokens(&self, tokens: &[String]) -> bool {
        contains_sequence(tokens, &self.words) != self.negated
    }

    /// Length in characters of this clause's [`Display`](fmt::Display) form.
    fn canonical_len(&self) -> usize {
        let words: usize = self.words.iter().map(|w| w.chars().count()).sum();
        let spaces = self.words.len().saturating_sub(1);
        let quotes = if self.is_phrase() { 2 } else { 0 };
        usize::from(self.negated) + quotes + words + spaces
    }
}

impl SearchQuery {
    /// Parses a query. Never fails; see the [module docs](self) for the grammar and the bounds.
    pub fn parse(input: &str) -> SearchQuery {
        let mut rest = truncate_chars(input, MAX_QUERY_CHARS);
        let mut clauses: Vec<Clause> = Vec::new();
        let mut canonical_len = 0usize;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() || clauses.len() >= MAX_CLAUSES {
                break;
            }
            let negated = rest.starts_with('-');
            rest = rest.trim_start_matches('-');
            let body = match rest.strip_prefix(is_quote) {
                Some(quoted) => {
                    let end = quoted.find(is_quote).unwrap_or(quoted.len());
                    let (body, tail) = quoted.split_at(end);
                    rest = tail.strip_prefix(is_quote).unwrap_or(tail);
                    body
                }
                None => {
                    let end = rest.find(|c: char| c.is_whitespace() || is_quote(c)).unwrap_or(rest.len());
                    let (body, tail) = rest.split_at(end);
                    rest = tail;
                    body
                }
            };
            let words: Vec<String> = tokens(body).take(MAX_WORDS_PER_CLAUSE).collect();
            if words.is_empty() {
                continue;
            }
            let clause = Clause { negated, words };
            let separator = usize::from(!clauses.is_empty());
            let len = canonical_len + separator + clause.canonical_len();
            if len > MAX_QUERY_CHARS {
                break;
            }
            canonical_len = len;
            clauses.push(clause);
        }
        SearchQuery { clauses }
    }

    /// `true` if the query has no clauses (it then matches everything).
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// `true` if every positive clause occurs in `text` and no negated clause does.
    pub fn matches(&self, text: &str) -> bool {
        self.is_empty() || self.matches_tokens(&tokenize(text))
    }

    /// Like [`matches`](Self::matches), for a text already split by [`tokenize`].
    pub fn matches_tokens(&self, tokens: &[String]) -> bool {
        self.clauses.iter().all(|clause| clause.matches_tokens(tokens))
    }

    /// The words of the positive clauses, in order (a text can only match if it contains all of
    /// them), for index prefiltering.
    pub fn positive_words(&self) -> impl Iterator<Item = &str> {
        self.clauses.iter().filter(|clause| !clause.negated).flat_map(|clause| clause.words.iter().map(String::as_str))
    }
}

impl FromStr for SearchQuery {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SearchQuery::parse(s))
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        if self.is_phrase() {
            write!(f, "\"{}\"", self.words.join(" "))
        } else {
            f.write_str(self.words.first().map_or("", String::as_str))
        }
    }
}

/// The canonical query string: clauses separated by one space, phrases quoted, exclusions
/// prefixed with `-`. For a parsed query it parses back to the same query.
impl fmt::Display for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn tokenize_splits_on_non_alphanumerics_and_lowercases() {
        assert_eq!(tokenize("Order #1234, please!"), ["order", "1234", "please"]);
        assert_eq!(tokenize("foo-bar_baz.qux"), ["foo", "bar", "baz", "qux"]);
        assert_eq!(tokenize("Café CAFÉ"), ["café", "café"]);
        assert_eq!(tokenize("party🎉time 🎉"), ["party", "time"]);
        assert_eq!(tokenize("東京 タワー"), ["東京", "タワー"]);
        assert_eq!(tokenize("İstanbul"), ["istanbul"]);
        assert_eq!(tokenize("ΟΔΟΣ οδος οδοσ"), ["οδοσ", "οδοσ", "οδοσ"]);
        assert!(tokenize("").is_empty());
        assert!(tokenize("  -- \"\" 🎉 !?").is_empty());
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
    fn degenerate_inputs_give_empty_queries() {
        for input in ["", "   ", "\t\n", "-", "- - --", "\"\"", "\"", "\"\"\"\"", "-\"\"", "-\" \"", "🎉", "#!"] {
            let query = q(input);
            assert!(query.is_empty(), "{input:?} -> {query:?}");
            assert!(query.matches("anything"));
            assert!(query.matches(""));
            assert_eq!(query.to_string(), "");
        }
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
    fn unicode_case_insensitive() {
        assert!(q("été").matches("L'ÉTÉ indien"));
        assert!(q("ÉTÉ").matches("un été chaud"));
        assert!(q("Café").matches("CAFÉ"));
        assert!(q("straße").matches("STRAßE"));
        assert!(q("STRAẞE").matches("straße"));
        // Lowercasing, not full case folding: ß does not match SS.
        assert!(!q("straße").matches("STRASSE"));
        assert!(q("οδος").matches("ΟΔΟΣ"));
        assert!(q("istanbul").matches("İSTANBUL"));
        assert!(q("Москва").matches("МОСКВА"));
    }

    #[test]
    fn emoji_are_ignored() {
        assert_eq!(clauses("🎉 party 🎉"), [word("party")]);
        assert_eq!(clauses("\"🎉 party🎉time\""), [phrase(&["party", "time"])]);
        assert!(q("party").matches("🎉party🎉"));
    }

    #[test]
    fn positive_words_and_display() {
        let query = q("Hello -spam \"big  Deal\" -\"no way\" x");
        assert_eq!(query.positive_words().collect::<Vec<_>>(), ["hello", "big", "deal", "x"]);
        assert_eq!(query.to_string(), "hello -spam \"big deal\" -\"no way\" x");
        assert_eq!(q(&query.to_string()), query);
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
        assert_eq!(query.clauses[0].words[15], "w15");

        // Input beyond MAX_QUERY_CHARS is ignored (cut at a char boundary, here mid-word).
        let input = format!("{} tail", "é".repeat(MAX_QUERY_CHARS - 2));
        assert_eq!(q(&input).clauses, [word(&"é".repeat(MAX_QUERY_CHARS - 2)), word("t")]);

        // A clause whose canonical form would not fit (here: the closing quote added to an
        // unclosed phrase) is dropped, so the canonical form always round-trips.
        let input = format!("x \"{} {}", "a".repeat(500), "b".repeat(MAX_QUERY_CHARS - 504));
        assert_eq!(input.chars().count(), MAX_QUERY_CHARS);
        let query = q(&input);
        assert_eq!(query.clauses, [word("x")]);
        assert_eq!(q(&query.to_string()), query);
    }

    /// Token normalisation is idempotent for every char, which Display round-trips rely on.
    #[test]
    fn normalisation_is_idempotent_for_every_char() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let once = tokenize(c.encode_utf8(&mut [0; 4]));
            let twice = tokenize(&once.join(" "));
            assert_eq!(once, twice, "char {c:?} (U+{:04X})", u32::from(c));
        }
    }

    /// Query-ish strings: words (some non-ASCII), dashes, quotes, spaces, punctuation.
    fn query_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[a-zA-Z0-9]{1,6}",
            2 => prop::sample::select(vec![
                "Été", "ÉTÉ", "straße", "İ", "ΟΔΟΣ", "東京", "🎉", "ǅ", "ﬃ", "\u{301}",
            ]).prop_map(str::to_owned),
            3 => Just(" ".to_owned()),
            2 => Just("-".to_owned()),
            2 => Just("\"".to_owned()),
            1 => prop::sample::select(vec!["#", ".", "“", "”", "\t", "--", "\u{a0}"]).prop_map(str::to_owned),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    /// Long query-ish strings, to exercise the bounds.
    fn long_query_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof!["[a-zA-Z]{1,12}", Just(" ".to_owned()), Just("-".to_owned()), Just("\"".to_owned()), Just("İ".to_owned()),];
        prop::collection::vec(piece, 300..900).prop_map(|pieces| pieces.concat())
    }

    fn any_query_string() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), query_string(), long_query_string(), ".{0,1200}"]
    }

    proptest! {
        // No regression files: this module must not write next to the crate.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parse_never_panics_and_respects_bounds(input in any_query_string()) {
            let query = SearchQuery::parse(&input);
            prop_assert!(query.clauses.len() <= MAX_CLAUSES);
            for clause in &query.clauses {
                prop_assert!(!clause.words.is_empty());
                prop_assert!(clause.words.len() <= MAX_WORDS_PER_CLAUSE);
                for w in &clause.words {
                    prop_assert!(!w.is_empty());
                    prop_assert!(w.chars().all(char::is_alphanumeric));
                }
            }
            prop_assert!(query.to_string().chars().count() <= MAX_QUERY_CHARS);
        }

        #[test]
        fn matches_never_panics(input in any_query_string(), text in any::<String>()) {
            let query = SearchQuery::parse(&input);
            let tokens = tokenize(&text);
            prop_assert_eq!(query.matches(&text), query.matches_tokens(&tokens));
        }

        #[test]
        fn display_round_trips(input in any_query_string()) {
            let query = SearchQuery::parse(&input);
            let canonical = query.to_string();
            prop_assert_eq!(SearchQuery::parse(&canonical), query.clone());
            prop_assert_eq!(SearchQuery::parse(&canonical).to_string(), canonical);
        }

        #[test]
        fn text_of_positive_clauses_matches(input in any_query_string(), sep in "[ ,.!?\n🎉-]{1,3}") {
            // Without dashes a query has no negations.
            let query = SearchQuery::parse(&input.replace('-', " "));
            prop_assert!(query.clauses.iter().all(|c| !c.negated));
            let text = query
                .clauses
                .iter()
                .map(|c| c.words.join(" "))
                .collect::<Vec<_>>()
                .join(&sep);
            prop_assert!(query.matches(&text), "{:?} vs {:?}", query, text);
            prop_assert!(query.matches(&text.to_uppercase()) || !text.is_ascii());
        }

        #[test]
        fn positive_only_queries_match_their_joined_words(input in any_query_string()) {
            let mut query = SearchQuery::parse(&input);
            query.clauses.retain(|c| !c.negated);
            let text = query.positive_words().collect::<Vec<_>>().join(" ");
            prop_assert!(query.matches(&text));
        }

        #[test]
        fn negated_clause_present_means_no_match(
            words in prop::collection::vec("[a-zA-Zé]{1,5}", 1..4),
            rest in query_string(),
            before in ".{0,30}",
            after in ".{0,30}",
        ) {
            let query = SearchQuery::parse(&format!("-\"{}\" {rest}", words.join(" ")));
            prop_assert!(query.clauses[0].negated);
            let text = format!("{before} {} {after}", words.join(" ").to_uppercase());
            prop_assert!(!query.matches(&text));
        }

        #[test]
        fn any_parsed_negation_present_means_no_match(
            neg in "[a-zA-Zé]{1,5}",
            input in query_string(),
            pick in any::<prop::sample::Index>(),
        ) {
            // The leading `-word` guarantees at least one negation; `input` may add more.
            let query = SearchQuery::parse(&format!("-{neg} {input}"));
            let negated: Vec<&Clause> = query.clauses.iter().filter(|c| c.negated).collect();
            prop_assert!(!negated.is_empty());
            let clause = negated[pick.index(negated.len())];
            let text = format!("some text {} more", clause.words.join(" "));
            prop_assert!(!query.matches(&text));
        }

        #[test]
        fn ascii_case_insensitive(input in query_string(), text in "[ -~]{0,60}", words in prop::collection::vec("[a-zA-Z0-9]{1,4}", 0..4)) {
            let query = SearchQuery::parse(&input);
            // Mix some of the query's words into the text so matches are not always false.
            let text = format!("{text} {} {}", words.join(" "), query.positive_words().take(3).collect::<Vec<_>>().join(" "));
            let text: String = text.chars().filter(char::is_ascii).collect();
            let expected = query.matches(&text);
            prop_assert_eq!(query.matches(&text.to_uppercase()), expected);
            prop_assert_eq!(query.matches(&text.to_lowercase()), expected);
        }

        #[test]
        fn query_case_does_not_matter(input in query_string(), text in query_string()) {
            let ascii: String = input.chars().filter(char::is_ascii).collect();
            prop_assert_eq!(
                SearchQuery::parse(&ascii.to_uppercase()),
                SearchQuery::parse(&ascii.to_lowercase())
            );
            // `str::to_lowercase` turns `İ` into `i` + U+0307, a separator; `tokenize` drops it.
            let text = text.replace('İ', "I");
            let query = SearchQuery::parse(&input);
            prop_assert_eq!(query.matches(&text), query.matches(&text.to_lowercase()));
        }
    }
}
