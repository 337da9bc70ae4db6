//! Internal notes and their `@mentions`.

use crate::ids::UserId;
use crate::model::User;

pub const MAX_NOTE: usize = 10_000;

/// The users a note mentions. A mention is `@` followed by a user's email, by their name with
/// the spaces left out (`@AliceMartin`), or by their first name when no other user of the
/// account shares it (`@alice`). Case-insensitive; each user once, in order of appearance.
pub fn mentions(text: &str, users: &[User]) -> Vec<UserId> {
    let mut found: Vec<UserId> = Vec::new();
    for token in mention_tokens(text) {
        let t = token.to_lowercase();
        let by_email = users.iter().find(|u| u.email.as_str().to_lowercase() == t);
        let by_name = || users.iter().find(|u| squash(&u.name) == t);
        let by_first = || {
            let mut m = users.iter().filter(|u| first_name(&u.name) == t);
            match (m.next(), m.next()) {
                (Some(u), None) => Some(u),
                _ => None,
            }
        };
        if let Some(u) = by_email.or_else(by_name).or_else(by_first)
            && !found.contains(&u.id)
        {
            found.push(u.id.clone());
        }
    }
    found
}

fn squash(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or("").to_lowercase()
}

/// The words after each `@` at a word start: letters, digits and `._+-@` (for emails),
/// without trailing punctuation.
fn mention_tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '@' && prev.is_none_or(|p| !p.is_alphanumeric()) {
            let rest = &text[i + 1..];
            let end = rest
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '@')))
                .map(|(j, _)| j)
                .unwrap_or(rest.len());
            let token = rest[..end].trim_end_matches(['.', '-', '_']);
            if !token.is_empty() {
                out.push(token);
            }
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn u(id: &str, name: &str, email: &str) -> User {
        User {
            id: UserId::from(id),
            account_id: "acc_1".into(),
            name: name.into(),
            email: email.into(),
            role: Role::Member,
            inbox_access: true,
            email_notifications: true,
            profile_ids: Default::default(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn mentions_by_email_full_name_and_unique_first_name() {
        let users =
            [u("usr_a", "Alice Martin", "alice@ex.com"), u("usr_b", "Bob Stone", "bob@ex.com"), u("usr_c", "Bob Ray", "bray@ex.com")];
        assert_eq!(mentions("ping @alice, please", &users), [UserId::from("usr_a")]);
        assert_eq!(mentions("@BobStone and @bray@ex.com.", &users), [UserId::from("usr_b"), UserId::from("usr_c")]);
        // "bob" is ambiguous: nobody is mentioned by it.
        assert!(mentions("@bob", &users).is_empty());
        // Emails inside words are not mentions; repeats count once.
        assert!(mentions("mail me at x@alice", &users).is_empty());
        assert_eq!(mentions("@alice @ALICE", &users).len(), 1);
    }
}
