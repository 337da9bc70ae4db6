//! Search signatures: a conversation's tokens hashed to small numbers ("bits"), so that a
//! store without a text index can tell from a few bytes kept beside a conversation that a
//! query cannot match it, and skip reading its messages (a Bloom filter with one hash).
//!
//! The rule is one-sided. A conversation whose signature lacks the bit of some token a
//! positive clause needs cannot match (its messages do not hold that token); one whose
//! signature has every such bit may match, and its messages decide (another token may share
//! the bit). Exclusions never rule a conversation out. So a signature is sound only while it
//! holds the bit of every token of every message: a store keeps it with the
//! [`SIGNATURE_VERSION`] it was made with, adds a message's bits whenever it writes one, and
//! gives the signature up (reads the messages every time) when it cannot.
//!
//! With `B` bits set, a query token is a false hit with probability `B / SIGNATURE_BITS`:
//! under 1% for a conversation of 80 distinct tokens.

use super::tokens::{TOKENIZER_VERSION, tokenize};
use std::collections::BTreeSet;

/// The number of distinct bits: a token's bit is below it.
pub const SIGNATURE_BITS: u16 = 8192;

/// Moves with the tokenizer (other tokens, other bits) and with [`token_bit`]'s hash (the
/// last digit): a signature made with another version is not used.
pub const SIGNATURE_VERSION: u32 = TOKENIZER_VERSION * 10 + 1;

/// A token's bit: its bytes' 64-bit FNV-1a hash, modulo [`SIGNATURE_BITS`]. Stable across
/// builds and machines (stores keep it).
pub fn token_bit(token: &str) -> u16 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h % u64::from(SIGNATURE_BITS)) as u16
}

/// The bits of a message's text (each token's, once).
pub fn text_bits(text: &str) -> BTreeSet<u16> {
    tokenize(text).iter().map(|t| token_bit(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_bits_are_pinned() {
        // Stores keep these numbers: a change here must move SIGNATURE_VERSION.
        assert_eq!((token_bit("refund"), token_bit("tent"), token_bit("東京")), (831, 8096, 3503));
        assert_eq!(SIGNATURE_VERSION, 21);
    }

    proptest! {
        #[test]
        fn bits_are_below_the_bound(token in "\\PC{1,20}") {
            prop_assert!(token_bit(&token) < SIGNATURE_BITS);
        }
    }
}
