//! The inbox search language, and the one tokenizer every store indexes and matches with.
//!
//! A query is a list of clauses joined by AND:
//!
//! * `word` — some message of the conversation contains the word.
//! * `"exact phrase"` — some message contains the words consecutively.
//! * `-word`, `-"exact phrase"` — no message contains the word/phrase.
//!
//! Parsing never fails: a malformed query is read as well as it can be.
//!
//! * An unclosed quote runs to the end of the query.
//! * A lone `-`, empty quotes, or anything else that yields no tokens produces no clause.
//! * Several leading dashes (`--word`) count as one.
//! * Typographic quotes (`“`, `”`, `„`) and the full-width quote `＂` count as `"`.
//! * A quote inside a bare term ends that term (`foo"bar baz"` is `foo` AND `"bar baz"`).
//! * A dash that does not start a term is just a separator: `foo-bar` is the phrase
//!   `"foo bar"`.
//!
//! A query that asks for something but has nothing searchable in it (`...`, `-`, `""`, a
//! zero-width space) is [`unsearchable`](SearchQuery::unsearchable): it matches **no**
//! conversation, never all of them. Only an empty (or blank) query means "no search".
//!
//! # Tokens
//!
//! [`tokenize`] works the way mature engines analyse text (Elasticsearch's standard and CJK
//! analysers, Lucene's ICU folding):
//!
//! 1. **Folding**: Unicode compatibility normalisation (NFKC: full-width `ｔｅｎｔ` is `tent`,
//!    `ﬁ` is `fi`), lowercasing with the full case folds that matter (`ß`/`ẞ` → `ss`, final
//!    `ς` → `σ`), then the diacritics of the Latin, Greek and Cyrillic scripts are removed
//!    (`café` → `cafe`, `naïve` → `naive`, `İ` → `i`); the marks of other scripts (Devanagari
//!    vowel signs, Thai tone marks) are kept, as they are part of the letters. Curly
//!    apostrophes become `'`; invisible characters (zero-width space, joiner marks outside
//!    emoji, byte-order mark) are dropped or read as spaces.
//! 2. **Words** are cut at Unicode word boundaries (UAX #29), and at apostrophes (elisions:
//!    `l'été` is `l` and `ete`): `3.14` is one word, `wi-fi` is two, `can't` is `can` `t`
//!    (which the query `can't` finds), a hashtag `#tent` is the word `tent` (so `#tent` and
//!    `tent` both find it), a mention `@DemoOutdoor` is `demooutdoor`.
//! 3. **Scripts written without spaces** (Han, Hiragana, Katakana, Hangul): each run of their
//!    characters becomes its characters and the overlapping pairs of them, interleaved
//!    (`東京タワー` → `東 東京 京 京タ タ タワ ワ ワー ー`), so that any part of the run, one
//!    character or more, is a consecutive sequence of the run's tokens. A word inside a
//!    Chinese or Japanese sentence, or a Korean word with its particle attached, is found.
//!    Scripts without spaces and without this treatment (Thai, Lao, Khmer, Myanmar) are cut
//!    at every character by UAX #29 and so are matched character by character.
//! 4. **Emoji** are tokens of their own (an emoji with a skin tone, or its text or emoji
//!    presentation, is the same token as the plain one; flags and ZWJ sequences are one).
//!
//! Matching compares whole tokens: `cat` does not match `category`. [`TOKENIZER_VERSION`]
//! changes whenever tokens change, so that stores keeping tokens recompute them.
//!
//! # Bounds
//!
//! To bound the work done for hostile input, [`SearchQuery::parse`] reads at most
//! [`MAX_QUERY_CHARS`] characters (the rest is ignored; truncation happens at a character
//! boundary, so it may split a word or drop a closing quote), keeps at most [`MAX_CLAUSES`]
//! clauses (later ones are ignored) and at most the first [`MAX_WORDS_PER_CLAUSE`] tokens of a
//! phrase (so an over-long phrase matches, or for an exclusion excludes, a little more than
//! written).

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::UnicodeEmoji;
use unicode_segmentation::UnicodeSegmentation;

/// Characters of query input that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Clauses kept from one query; later ones are ignored.
pub const MAX_CLAUSES: usize = 32;
/// Tokens kept from one phrase; later ones are ignored.
pub const MAX_WORDS_PER_CLAUSE: usize = 32;
/// The version of [`tokenize`]'s output. Stores that keep tokens recompute them when it moves.
pub const TOKENIZER_VERSION: u32 = 2;

/// A parsed search query: every clause must hold (AND). The empty query matches everything;
/// an [unsearchable](Self::unsearchable) one matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SearchQuery {
    pub clauses: Vec<Clause>,
    /// The input asked for something (it was not blank) but nothing in it is searchable.
    pub unsearchable: bool,
}

/// One term of a query: a word (one token) or a phrase (several), possibly excluded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Clause {
    /// `true` for `-word` / `-"phrase"`: no message may contain the tokens.
    pub negated: bool,
    /// Tokens (see [`tokenize`]), to be found consecutively in one message.
    pub words: Vec<String>,
}

/// Splits `text` into search tokens (see the [module docs](self)).
///
/// Storage adapters index and match with exactly these tokens.
pub fn tokenize(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for segment in folded.split_word_bounds() {
        let mut word = String::new();
        for c in segment.chars() {
            if is_spaceless_script(c) {
                push_word(&mut out, &mut word);
                run.push(c);
            } else {
                flush_run(&mut out, &mut run);
                word.push(c);
            }
        }
        // A segment ends a word, not a run: runs go on across the boundaries UAX #29 puts
        // between ideographs.
        if !word.is_empty() {
            flush_run(&mut out, &mut run);
            push_word(&mut out, &mut word);
        }
    }
    flush_run(&mut out, &mut run);
    out
}

/// Folds case, width, compatibility forms and Latin/Greek/Cyrillic diacritics.
fn fold(text: &str) -> String {
    let mut lowered = String::with_capacity(text.len());
    for c in text.nfkc() {
        match c {
            'ß' | 'ẞ' => lowered.push_str("ss"),
            'ς' => lowered.push('σ'),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{FF07}' => lowered.push('\''),
            // Invisible: read as a space (zero-width space, a word separator in Thai and Khmer)
            // or dropped (byte-order mark, word joiner, soft hyphen, zero-width non-joiner).
            '\u{200B}' => lowered.push(' '),
            '\u{FEFF}' | '\u{2060}' | '\u{00AD}' | '\u{200C}' => {}
            c if c.is_ascii() => lowered.push(c.to_ascii_lowercase()),
            c => lowered.extend(c.to_lowercase()),
        }
    }
    lowered.nfd().filter(|c| !is_dropped_mark(*c)).nfc().collect()
}

/// Diacritics of the Latin, Greek and Cyrillic scripts (after decomposition), and the
/// presentation selectors and skin tones of emoji: folded away.
fn is_dropped_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'   // combining diacritical marks
        | '\u{1AB0}'..='\u{1AFF}' // … extended
        | '\u{1DC0}'..='\u{1DFF}' // … supplement
        | '\u{20D0}'..='\u{20FF}' // … for symbols (the keycap)
        | '\u{FE20}'..='\u{FE2F}' // half marks
        | '\u{FE00}'..='\u{FE0F}' // variation selectors (text or emoji presentation)
        | '\u{1F3FB}'..='\u{1F3FF}' // skin tones
    )
}

/// Han, Hiragana, Katakana and Hangul: written without spaces between words (or, in Korean,
/// with particles attached), so indexed as characters and pairs.
fn is_spaceless_script(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}'     // Hiragana
        | '\u{30A0}'..='\u{30FF}'   // Katakana (with the prolonged sound mark)
        | '\u{31F0}'..='\u{31FF}'   // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK unified ideographs, extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{20000}'..='\u{3134F}' // CJK unified ideographs, extensions B to H
        | '\u{1100}'..='\u{11FF}'   // Hangul jamo
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility jamo
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
    )
}

/// A word segment becomes a token when it has a letter or digit in it (it may hold the
/// apostrophes and points UAX #29 keeps inside words), or when it is an emoji.
fn push_word(out: &mut Vec<String>, word: &mut String) {
    let w = std::mem::take(word);
    if w.chars().any(char::is_alphanumeric) {
        // Apostrophes split (French and Italian elisions: `l'été` is `l` and `ete`, so `ete`
        // finds it; `can't` is `can` `t`, which the query `can't` finds as a phrase).
        for part in w.split('\'') {
            let trimmed = part.trim_matches(|c: char| !c.is_alphanumeric() && !is_mark(c));
            if !trimmed.is_empty() {
                out.push(trimmed.to_string());
            }
        }
    } else if w.chars().any(is_emoji) {
        let emoji: String = w.chars().filter(|c| !c.is_whitespace()).collect();
        out.push(emoji);
    }
}

fn is_mark(c: char) -> bool {
    unicode_normalization::char::is_combining_mark(c)
}

fn is_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char() && !c.is_alphanumeric()
}

/// Emits a run of spaceless-script characters as its characters and overlapping pairs.
fn flush_run(out: &mut Vec<String>, run: &mut Vec<char>) {
    for (i, c) in run.iter().enumerate() {
        if i > 0 {
            out.push([run[i - 1], *c].iter().collect());
        }
        out.push(c.to_string());
    }
    run.clear();
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
    /// `true` if this clause has more than one token.
    pub fn is_phrase(&self) -> bool {
        self.words.len() > 1
    }

    /// `true` if the tokens of one message contain this clause's tokens consecutively
    /// (whatever `negated` says).
    pub fn occurs_in(&self, tokens: &[String]) -> bool {
        contains_sequence(tokens, &self.words)
    }

    /// `true` if the clause holds for a text with these tokens (taking `negated` into account).
    pub fn matches_tokens(&self, tokens: &[String]) -> bool {
        self.occurs_in(tokens) != self.negated
    }
}

impl SearchQuery {
    /// Parses a query. Never fails; see the [module docs](self) for the grammar and the bounds.
    pub fn parse(input: &str) -> SearchQuery {
        let mut rest = truncate_chars(input, MAX_QUERY_CHARS);
        let asked = !rest.trim().is_empty();
        let mut clauses: Vec<Clause> = Vec::new();
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
            let mut words = tokenize(body);
            words.truncate(MAX_WORDS_PER_CLAUSE);
            if words.is_empty() {
                continue;
            }
            clauses.push(Clause { negated, words });
        }
        let unsearchable = asked && clauses.is_empty();
        SearchQuery { clauses, unsearchable }
    }

    /// `true` if there is no search: no clauses, and nothing was asked for (it then matches
    /// everything). An unsearchable query is not empty: it matches nothing.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty() && !self.unsearchable
    }

    /// `true` if the query can match no conversation at all.
    pub fn matches_nothing(&self) -> bool {
        self.unsearchable
    }

    /// `true` if a conversation whose messages have these texts matches: every positive clause
    /// occurs in some message and no negated clause in any.
    pub fn matches_texts<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        let tokens: Vec<Vec<String>> = texts.into_iter().map(tokenize).collect();
        self.matches_messages(&tokens)
    }

    /// Like [`matches_texts`](Self::matches_texts), for messages already split by [`tokenize`].
    pub fn matches_messages(&self, messages: &[Vec<String>]) -> bool {
        !self.unsearchable && self.clauses.iter().all(|clause| clause.negated != messages.iter().any(|tokens| clause.occurs_in(tokens)))
    }

    /// `true` if one text matches (a conversation of one message).
    pub fn matches(&self, text: &str) -> bool {
        self.is_empty() || self.matches_tokens(&tokenize(text))
    }

    /// Like [`matches`](Self::matches), for a text already split by [`tokenize`].
    pub fn matches_tokens(&self, tokens: &[String]) -> bool {
        !self.unsearchable && self.clauses.iter().all(|clause| clause.matches_tokens(tokens))
    }

    /// The positive clauses (what a message must contain), for index lookups.
    pub fn positive(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(|clause| !clause.negated)
    }

    /// The tokens of the positive clauses, in order (a text can only match if it contains all
    /// of them).
    pub fn positive_words(&self) -> impl Iterator<Item = &str> {
        self.positive().flat_map(|clause| clause.words.iter().map(String::as_str))
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

/// The clauses' tokens, for logs and tests: phrases quoted, exclusions prefixed with `-`. (It
/// does not parse back to the same query when a clause holds tokens of a spaceless script,
/// which are pairs of characters.)
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
            _ => {
                query.chars().map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect()
            }
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
}
