//! Saved replies: an account's library of answers its people give again and again, with
//! placeholders filled for the conversation they are used in, found from the reply box by
//! words of their title or text, and checked against the network's length limit before they
//! are sent (they go out as any reply does, through `access::validate_text`).
//!
//! Placeholders are written in braces: `{first_name}` (the author's first name, else their
//! handle), `{name}` (the author's name), `{handle}` (the author's handle, with its `@`),
//! `{agent_name}` and `{agent_first_name}` (the person sending it), `{profile_name}` (our
//! channel's name). A word in braces that is none of them is left as written, and saving a
//! reply that holds one is refused, so that a typo is caught when the reply is written, not
//! when a customer reads it.

use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::model::*;
use crate::search::{SearchQuery, tokenize};
use serde::{Deserialize, Serialize};

/// The longest title, in characters (once trimmed).
pub const MAX_TITLE_CHARS: usize = 80;
/// The longest text, in characters (once trimmed): more than any network takes in a reply.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Saved replies an account may hold.
pub const MAX_PER_ACCOUNT: usize = 500;

/// The placeholders a saved reply may hold.
pub const PLACEHOLDERS: [&str; 6] = ["first_name", "name", "handle", "agent_name", "agent_first_name", "profile_name"];

/// One saved reply of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReply {
    pub id: SavedReplyId,
    pub account_id: AccountId,
    pub title: String,
    /// The text, placeholders unfilled.
    pub text: String,
    /// Who wrote it (they, and admins, may change or remove it).
    pub created_by: UserId,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TimestampSchema))]
    pub updated_at: Timestamp,
    /// Bumped on every change: a change made from an older reading is refused.
    pub version: u64,
}

/// A title and a text as saved: trimmed, within their limits, every placeholder known.
pub fn validate(title: &str, text: &str) -> DomainResult<(String, String)> {
    let (title, text) = (title.trim(), text.trim());
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(DomainError::Invalid(format!("a saved reply needs a \"title\" of 1 to {MAX_TITLE_CHARS} characters")));
    }
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(DomainError::Invalid(format!("a saved reply needs a \"text\" of 1 to {MAX_TEXT_CHARS} characters")));
    }
    if let Some(unknown) = placeholders(text).find(|p| !PLACEHOLDERS.contains(p)) {
        return Err(DomainError::Invalid(format!(
            "{{{unknown}}} is not a placeholder; the placeholders are {}",
            PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok((title.to_string(), text.to_string()))
}

/// The longest word in braces read as a placeholder's name.
const MAX_NAME: usize = 32;

/// The word in braces `rest` starts with (after its `{`): letters, digits and `_`, at most
/// [`MAX_NAME`] of them, then `}`. Reads at most that far, so a text of many braces costs
/// one pass.
fn braced(rest: &str) -> Option<(&str, &str)> {
    let end = rest.bytes().take(MAX_NAME + 1).position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))?;
    (end > 0 && rest.as_bytes()[end] == b'}').then(|| (&rest[..end], &rest[end + 1..]))
}

/// The words in braces in `text` (`{word}`).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| braced(rest).map(|(name, _)| name))
}

/// What fills the placeholders of a reply used in one conversation.
#[derive(Debug, Clone)]
pub struct Fill<'a> {
    pub author: &'a Author,
    pub agent_name: &'a str,
    pub profile_name: &'a str,
}

fn first_word(name: &str) -> Option<&str> {
    name.split_whitespace().next()
}

impl Fill<'_> {
    fn value(&self, placeholder: &str) -> Option<String> {
        let handle = || {
            let h = self.author.handle.trim();
            if h.is_empty() || h.starts_with('@') { h.to_string() } else { format!("@{h}") }
        };
        Some(match placeholder {
            "first_name" => first_word(&self.author.name).map_or_else(handle, str::to_string),
            "name" => Some(self.author.name.trim()).filter(|n| !n.is_empty()).map_or_else(handle, str::to_string),
            "handle" => handle(),
            "agent_name" => self.agent_name.trim().to_string(),
            "agent_first_name" => first_word(self.agent_name).unwrap_or("").to_string(),
            "profile_name" => self.profile_name.trim().to_string(),
            _ => return None,
        })
    }
}

/// `text` with its placeholders filled (a word in braces that is not a placeholder stays as
/// written), and the placeholders that had nothing to fill them with here (an author with no
/// name or handle, a Facebook commenter's handle): the reply box warns of them.
pub fn render(text: &str, fill: &Fill<'_>) -> (String, Vec<String>) {
    let mut empty: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match braced(after).and_then(|(name, tail)| fill.value(name).map(|v| (v, tail))) {
            Some((value, tail)) => {
                if value.is_empty() {
                    let name = &after[..after.len() - tail.len() - 1];
                    if !empty.iter().any(|e| e == name) {
                        empty.push(name.to_string());
                    }
                }
                out.push_str(&value);
                rest = tail;
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, empty)
}

/// Whether `reply` is found by `input` as typed in the reply box: the inbox's search language
/// over its title and its text (every word or phrase in one of them, no excluded one in
/// either), and the last word, while it is being typed (nothing after it yet), also as the
/// start of a word: `/ref` finds "Refund policy". The empty input finds every reply.
pub fn found_by(reply: &SavedReply, input: &str) -> bool {
    let query = SearchQuery::parse(input);
    if query.is_empty() {
        return true;
    }
    let tokens = [tokenize(&reply.title), tokenize(&reply.text)];
    if query.matches_messages(&tokens) {
        return true;
    }
    let typing = input.chars().last().is_some_and(|c| c.is_alphanumeric());
    match query.clauses.split_last() {
        Some((last, before)) if typing && !last.negated && !last.is_phrase() => {
            let rest = SearchQuery { clauses: before.to_vec(), unsearchable: false };
            rest.matches_messages(&tokens) && tokens.iter().flatten().any(|t| t.starts_with(last.words[0].as_str()))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author(name: &str, handle: &str) -> Author {
        Author { id: "1".into(), name: name.into(), handle: handle.into() }
    }

    #[test]
    fn placeholders_are_filled_for_the_conversation_and_the_agent() {
        let a = author("Ann Smith", "annsmith");
        let fill = Fill { author: &a, agent_name: "Bob Jones", profile_name: "Demo Outdoor" };
        assert_eq!(
            render("Hi {first_name} ({handle}), {agent_first_name} from {profile_name} here. {agent_name}", &fill).0,
            "Hi Ann (@annsmith), Bob from Demo Outdoor here. Bob Jones"
        );
        assert_eq!(render("{name}: {unknown} {first_name", &fill).0, "Ann Smith: {unknown} {first_name", "left as written");
        assert_eq!(render("{{first_name}}", &fill).0, "{Ann}");
        let nameless = author("", "@ann");
        let fill = Fill { author: &nameless, agent_name: "", profile_name: "" };
        assert_eq!(render("Hi {first_name}, {name}", &fill).0, "Hi @ann, @ann", "the handle when there is no name");
        let unknown = author("", "");
        let fill = Fill { author: &unknown, agent_name: "Bob", profile_name: "" };
        assert_eq!(
            render("Hi {first_name} ({handle}), {first_name}! {agent_name}", &fill),
            ("Hi  (), ! Bob".to_string(), vec!["first_name".to_string(), "handle".to_string()]),
            "what had nothing to fill it is said, once each"
        );
    }

    #[test]
    fn a_reply_is_saved_trimmed_within_limits_and_with_known_placeholders() {
        assert_eq!(validate("  Refund ", " Hi {first_name} ").unwrap(), ("Refund".into(), "Hi {first_name}".into()));
        assert!(validate(" ", "text").is_err());
        assert!(validate("t", "  ").is_err());
        assert!(validate(&"x".repeat(MAX_TITLE_CHARS + 1), "text").is_err());
        assert!(validate("t", &"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
        let typo = validate("t", "Hi {frist_name}").unwrap_err().to_string();
        assert!(typo.contains("{frist_name} is not a placeholder") && typo.contains("{first_name}"), "{typo}");
        assert!(validate("t", "JSON like {\"a\": 1} or {} is text").is_ok(), "braces that name nothing are text");
        // Many braces cost one pass, not one scan to the end per brace.
        let braces = format!("{}}}", "{".repeat(MAX_TEXT_CHARS - 1));
        assert!(validate("t", &braces).is_ok());
        let a = author("Ann", "ann");
        assert_eq!(render(&braces, &Fill { author: &a, agent_name: "", profile_name: "" }).0, braces);
    }

    #[test]
    fn replies_are_found_by_words_of_their_title_or_text() {
        let r = SavedReply {
            id: "rpl_1".into(),
            account_id: "acc_1".into(),
            title: "Refund policy".into(),
            text: "You can return any tent within 30 days.".into(),
            created_by: "usr_1".into(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        };
        for (q, found) in [
            ("", true),
            ("refund", true),
            ("TENT", true),
            ("refund tent", true),
            ("\"30 days\"", true),
            ("-refund", false),
            ("shipping", false),
            ("ref", true),
            ("pol", true),
            ("tent ret", true),
            ("ref ", false),
            ("tent xyz", false),
            ("-ref", true), // an exclusion is of whole words only
        ] {
            assert_eq!(found_by(&r, q), found, "{q:?}");
        }
    }
}
