//! The tokenizer: the one definition of a search token, used to index and to match
//! (see the [search module](super) for the rules).

/// The version of [`tokenize`]'s output. Stores that keep tokens recompute them when it moves.
pub const TOKENIZER_VERSION: u32 = 2;

use unicode_normalization::UnicodeNormalization;
use unicode_properties::UnicodeEmoji;
use unicode_segmentation::UnicodeSegmentation;

/// Splits `text` into search tokens (see the [module docs](super)).
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
pub(super) fn is_spaceless_script(c: char) -> bool {
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
