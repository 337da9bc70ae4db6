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

mod signature;
#[cfg(test)]
mod tests;
mod tokens;

pub use signature::{SIGNATURE_BITS, SIGNATURE_VERSION, text_bits, token_bit};
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;
pub use tokens::{TOKENIZER_VERSION, tokenize};

/// Characters of query input that are read; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Clauses kept from one query; later ones are ignored.
pub const MAX_CLAUSES: usize = 32;
/// Tokens kept from one phrase; later ones are ignored.
pub const MAX_WORDS_PER_CLAUSE: usize = 32;

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

    /// `false` when a conversation whose search signature (`signature.rs`) holds exactly the
    /// bits for which `has` is true cannot match; `true` when it may (its messages decide).
    /// The empty query may match anything, an unsearchable one nothing.
    pub fn may_match_signature(&self, has: impl Fn(u16) -> bool) -> bool {
        !self.unsearchable && self.positive_words().all(|w| has(token_bit(w)))
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
