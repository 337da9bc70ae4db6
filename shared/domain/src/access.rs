//! Who may see and act on what. Users see only their profiles' conversations; nothing ever
//! crosses accounts.

use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::model::*;
use std::collections::BTreeSet;

/// The profiles of `all` (one account's profiles) that `user` may see: admins see every
/// profile, members the ones granted to them; without inbox access, none.
pub fn visible_profiles(user: &User, all: &[Profile]) -> BTreeSet<ProfileId> {
    if !user.inbox_access {
        return BTreeSet::new();
    }
    all.iter()
        .filter(|p| p.account_id == user.account_id)
        .filter(|p| user.role == Role::Admin || user.profile_ids.contains(&p.id))
        .map(|p| p.id.clone())
        .collect()
}

pub fn can_see(user: &User, conversation: &Conversation) -> bool {
    user.account_id == conversation.account_id
        && user.inbox_access
        && (user.role == Role::Admin || user.profile_ids.contains(&conversation.profile_id))
}

/// A conversation may be assigned to a user of its account with inbox access who can see its
/// profile.
pub fn can_be_assigned(user: &User, conversation: &Conversation) -> bool {
    can_see(user, conversation)
}

/// The actions a conversation allows, by product.md's matrix.
pub fn available_actions(network: Network, kind: Kind) -> Vec<Action> {
    use Action::*;
    match (network, kind) {
        (Network::Twitter, Kind::Dm) => vec![Reply],
        (Network::Twitter, _) => vec![Reply, Like, Share, Dm],
        (Network::Facebook, Kind::Dm) => vec![Reply],
        (Network::Facebook, Kind::Tag) => vec![Reply, Like],
        (Network::Facebook, _) => vec![Reply, Like, Dm],
        (Network::Instagram, Kind::Dm) => vec![Reply],
        (Network::Instagram, _) => vec![Reply, Dm],
        (Network::Linkedin, _) => vec![Reply, Like],
        (Network::Youtube, _) => vec![Reply],
    }
}

/// The newest inbound message that is still on the network.
fn latest_inbound(items: &[Item]) -> Option<&Item> {
    items.iter().filter(|i| i.direction == Direction::Inbound && !i.deleted && i.platform_id.is_some()).max_by_key(|i| i.created_at)
}

/// What an outbound action acts on, as a platform id:
/// - a reply answers the thread's root comment (Facebook, Instagram, LinkedIn, YouTube threads
///   are one level deep under it; for a tag, the tagging post or comment), or on X the person's
///   newest tweet, so the answer threads under it;
/// - a like or a share acts on the person's newest message;
/// - a private reply (DM on a Facebook or Instagram comment) answers the newest comment;
/// - DMs in a DM conversation, and X DMs, go to the participant: no target.
pub fn action_target(conversation: &Conversation, items: &[Item], action: Action) -> Option<String> {
    let newest = || latest_inbound(items).and_then(|i| i.platform_id.clone());
    match (conversation.network, conversation.kind, action) {
        (_, Kind::Dm, _) => None,
        (Network::Twitter, _, Action::Dm) => None,
        (Network::Twitter, _, Action::Reply) => newest(),
        (_, _, Action::Reply) => Some(conversation.thread_key.clone()),
        (_, _, Action::Like | Action::Share | Action::Dm) => newest(),
    }
}

/// Whether `action` on this conversation needs a target message.
pub fn action_needs_target(conversation: &Conversation, action: Action) -> bool {
    !(conversation.kind == Kind::Dm || (conversation.network == Network::Twitter && action == Action::Dm))
}

/// The most characters `network` takes in the text of `action`.
pub fn text_limit(network: Network, action: Action) -> usize {
    match (network, action) {
        (Network::Twitter, Action::Reply) => 280,
        (Network::Twitter, _) => 10_000,
        (Network::Facebook | Network::Instagram, Action::Dm) => 2_000,
        (Network::Instagram, _) => 2_200,
        (Network::Linkedin, _) => 1_250,
        _ => 8_000,
    }
}

/// Checks an outbound text: present, not blank, within the network's limit.
pub fn validate_text(network: Network, action: Action, text: Option<&str>) -> DomainResult<String> {
    let t = text.unwrap_or("").trim();
    if t.is_empty() {
        return Err(DomainError::Invalid(format!("a {action} needs a non-empty \"text\"")));
    }
    let max = text_limit(network, action);
    let n = t.chars().count();
    if n > max {
        return Err(DomainError::Rule(format!("{network} allows at most {max} characters in a {action}; this one has {n}")));
    }
    Ok(t.to_string())
}

/// Messenger and Instagram DMs may be answered for 7 days after the user's last message
/// (24 hours with a standard reply, 7 days with the human-agent tag).
pub const MESSAGING_WINDOW_DAYS: i64 = 7;

/// Private replies (a DM to the author of a comment) are possible once per comment, within
/// this many days of the comment.
pub const PRIVATE_REPLY_DAYS: i64 = 7;

// Whether `action` may be taken on this conversation now is three checks, which the action
// use case makes in this order (checking the text and loading the items between them):
// - [`check_allowed`]: the action matrix;
// - [`check_window`]: Messenger and Instagram DMs are answered only within
//   [`MESSAGING_WINDOW_DAYS`] of the person's last message;
// - [`check_target`]: an action that needs a target needs one left (the person's messages may
//   be deleted); a private reply (a DM on a Facebook or Instagram comment) is possible once
//   per comment, within [`PRIVATE_REPLY_DAYS`] of it (a failed one does not count); a like or
//   a share is given once per conversation ([`check_once_per_conversation`]).

/// The action matrix: `action` is offered on this network and kind of conversation.
pub fn check_allowed(c: &Conversation, action: Action) -> DomainResult<()> {
    if available_actions(c.network, c.kind).contains(&action) {
        Ok(())
    } else {
        Err(DomainError::Rule(format!("{} {} conversations do not allow {action}", c.network, c.kind)))
    }
}

/// Messenger and Instagram DMs are answered only within [`MESSAGING_WINDOW_DAYS`] of the
/// person's last message.
pub fn check_window(c: &Conversation, now: Timestamp) -> DomainResult<()> {
    if c.kind == Kind::Dm && matches!(c.network, Network::Facebook | Network::Instagram) {
        let closed = now - c.last_inbound_at > chrono::Duration::days(MESSAGING_WINDOW_DAYS);
        if closed {
            return Err(DomainError::Rule(format!(
                "the {} messaging window closed: the person last wrote more than {MESSAGING_WINDOW_DAYS} days ago",
                c.network
            )));
        }
    }
    Ok(())
}

/// The message `action` targets, if the rules that depend on the thread allow it: a target
/// left, a private reply once per comment and within its days, a like or share once.
pub fn check_target(c: &Conversation, items: &[Item], action: Action, now: Timestamp) -> DomainResult<Option<String>> {
    let target = action_target(c, items, action);
    if target.is_none() && action_needs_target(c, action) {
        return Err(DomainError::Rule(format!("there is no message left to {action}: the person's messages were deleted")));
    }
    if action == Action::Dm && c.kind != Kind::Dm && matches!(c.network, Network::Facebook | Network::Instagram) {
        let comment = items.iter().find(|i| i.platform_id == target).ok_or(DomainError::NotFound("comment"))?;
        if now - comment.created_at > chrono::Duration::days(PRIVATE_REPLY_DAYS) {
            return Err(DomainError::Rule(format!(
                "a private reply is possible within {PRIVATE_REPLY_DAYS} days of the comment; this one is older"
            )));
        }
        if items.iter().any(|i| i.action == Some(Action::Dm) && i.target == target && i.state != ItemState::Failed) {
            return Err(DomainError::Rule(
                "this comment was already answered privately: the network allows one private reply per comment".into(),
            ));
        }
    }
    check_once_per_conversation(items, action)?;
    Ok(target)
}

/// A like or a share is given once per conversation (a failed one does not count). The
/// action use case checks it again against the version it writes, so that two concurrent
/// likes cannot both pass.
pub fn check_once_per_conversation(items: &[Item], action: Action) -> DomainResult<()> {
    if matches!(action, Action::Like | Action::Share) && items.iter().any(|i| i.action == Some(action) && i.state != ItemState::Failed) {
        return Err(DomainError::Rule(format!("this conversation was already given a {action}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three checks in the order the action use case makes them.
    fn check_action(c: &Conversation, items: &[Item], action: Action, now: Timestamp) -> DomainResult<Option<String>> {
        check_allowed(c, action)?;
        check_window(c, now)?;
        check_target(c, items, action, now)
    }

    fn user(role: Role, inbox: bool, profiles: &[&str]) -> User {
        User {
            id: UserId::from("usr_1"),
            account_id: AccountId::from("acc_1"),
            name: "U".into(),
            email: "u@example.com".into(),
            role,
            inbox_access: inbox,
            email_notifications: true,
            profile_ids: profiles.iter().map(|p| ProfileId::from(*p)).collect(),
            created_at: chrono::Utc::now(),
        }
    }

    fn profile(id: &str, account: &str) -> Profile {
        Profile {
            id: ProfileId::from(id),
            account_id: AccountId::from(account),
            network: Network::Facebook,
            external_id: id.into(),
            name: id.into(),
            handle: id.into(),
            credentials: Credentials::default(),
            bot_app_id: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn members_see_only_their_profiles_and_admins_all_of_their_account() {
        let all = [profile("prf_a", "acc_1"), profile("prf_b", "acc_1"), profile("prf_c", "acc_2")];
        let member = user(Role::Member, true, &["prf_a", "prf_c"]);
        assert_eq!(visible_profiles(&member, &all), [ProfileId::from("prf_a")].into());
        let admin = user(Role::Admin, true, &[]);
        assert_eq!(visible_profiles(&admin, &all).len(), 2);
        let no_inbox = user(Role::Admin, false, &["prf_a"]);
        assert!(visible_profiles(&no_inbox, &all).is_empty());
    }

    #[test]
    fn the_action_matrix_matches_the_product_rules() {
        use Action::*;
        assert_eq!(available_actions(Network::Twitter, Kind::Mention), [Reply, Like, Share, Dm]);
        assert_eq!(available_actions(Network::Twitter, Kind::Dm), [Reply]);
        assert_eq!(available_actions(Network::Facebook, Kind::Comment), [Reply, Like, Dm]);
        assert_eq!(available_actions(Network::Facebook, Kind::Tag), [Reply, Like]);
        assert_eq!(available_actions(Network::Facebook, Kind::Dm), [Reply]);
        assert_eq!(available_actions(Network::Instagram, Kind::Comment), [Reply, Dm]);
        assert_eq!(available_actions(Network::Linkedin, Kind::Comment), [Reply, Like]);
        assert_eq!(available_actions(Network::Youtube, Kind::Comment), [Reply]);
    }

    fn conv(network: Network, kind: Kind, last_inbound_at: Timestamp) -> Conversation {
        Conversation {
            id: ConversationId::from("cnv_1"),
            account_id: AccountId::from("acc_1"),
            profile_id: ProfileId::from("prf_1"),
            network,
            kind,
            thread_key: "root".into(),
            status: Status::Open,
            assignee_id: None,
            sponsored: false,
            last_inbound_at,
            last_received_at: None,
            created_at: last_inbound_at,
            author: Author { id: "u1".into(), name: "Ann".into(), handle: "ann".into() },
            excerpt: "hi".into(),
            thread_owner: None,
            version: 1,
            salesforce_case: None,
            post_id: None,
        }
    }

    fn inbound(platform_id: &str, at: Timestamp) -> Item {
        Item {
            id: ItemId::from(format!("itm_{platform_id}").as_str()),
            conversation_id: ConversationId::from("cnv_1"),
            direction: Direction::Inbound,
            text: "hello".into(),
            author: Author { id: "u1".into(), name: "Ann".into(), handle: "ann".into() },
            created_at: at,
            platform_id: Some(platform_id.into()),
            state: ItemState::Sent,
            failure: None,
            deleted: false,
            edited: false,
            action: None,
            target: None,
            dm_recipient: None,
            retry: None,
        }
    }

    fn ours(action: Action, target: Option<&str>, state: ItemState) -> Item {
        Item {
            id: ItemId::from("itm_ours"),
            direction: Direction::Outbound,
            platform_id: None,
            action: Some(action),
            target: target.map(str::to_string),
            state,
            ..inbound("x", chrono::Utc::now())
        }
    }

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    #[test]
    fn messenger_and_instagram_dms_are_answered_only_within_the_messaging_window() {
        let now = chrono::Utc::now();
        for network in [Network::Facebook, Network::Instagram] {
            let open = conv(network, Kind::Dm, now - days(MESSAGING_WINDOW_DAYS) + chrono::Duration::minutes(1));
            assert_eq!(check_action(&open, &[], Action::Reply, now).unwrap(), None, "a DM answers the participant");
            let closed = conv(network, Kind::Dm, now - days(MESSAGING_WINDOW_DAYS) - chrono::Duration::minutes(1));
            let err = check_action(&closed, &[], Action::Reply, now).unwrap_err();
            assert!(err.to_string().contains("messaging window closed"), "{err}");
        }
        // X DMs have no such window.
        assert!(check_action(&conv(Network::Twitter, Kind::Dm, now - days(30)), &[], Action::Reply, now).is_ok());
    }

    #[test]
    fn an_action_outside_the_matrix_or_without_a_target_left_is_refused() {
        let now = chrono::Utc::now();
        let c = conv(Network::Youtube, Kind::Comment, now);
        assert!(check_action(&c, &[], Action::Like, now).unwrap_err().to_string().contains("do not allow like"));
        let tweet = conv(Network::Twitter, Kind::Mention, now);
        let mut gone = inbound("t1", now);
        gone.deleted = true;
        let err = check_action(&tweet, &[gone], Action::Reply, now).unwrap_err();
        assert!(err.to_string().contains("no message left"), "{err}");
        assert_eq!(check_action(&tweet, &[inbound("t2", now)], Action::Reply, now).unwrap(), Some("t2".into()));
    }

    #[test]
    fn a_private_reply_is_possible_once_per_comment_within_its_days() {
        let now = chrono::Utc::now();
        let c = conv(Network::Facebook, Kind::Comment, now);
        let fresh = inbound("c1", now - days(PRIVATE_REPLY_DAYS) + chrono::Duration::minutes(1));
        assert_eq!(check_action(&c, std::slice::from_ref(&fresh), Action::Dm, now).unwrap(), Some("c1".into()));
        let old = inbound("c1", now - days(PRIVATE_REPLY_DAYS) - chrono::Duration::minutes(1));
        assert!(check_action(&c, &[old], Action::Dm, now).unwrap_err().to_string().contains("within 7 days"));
        let sent = ours(Action::Dm, Some("c1"), ItemState::Pending);
        let err = check_action(&c, &[fresh.clone(), sent], Action::Dm, now).unwrap_err();
        assert!(err.to_string().contains("already answered privately"), "{err}");
        assert!(matches!(err, DomainError::Rule(_)), "a rule (422), not invalid input: {err:?}");
        let failed = ours(Action::Dm, Some("c1"), ItemState::Failed);
        assert!(check_action(&c, &[fresh.clone(), failed], Action::Dm, now).is_ok(), "a failed private reply does not count");
        // Once per comment, not per conversation: the newest comment may still be answered.
        let newer = inbound("c2", now);
        let answered_older = ours(Action::Dm, Some("c1"), ItemState::Sent);
        assert_eq!(check_action(&c, &[fresh, newer, answered_older], Action::Dm, now).unwrap(), Some("c2".into()));
    }

    #[test]
    fn the_checks_are_made_matrix_first_then_window_then_thread() {
        let now = chrono::Utc::now();
        // A Messenger DM whose window closed, asked for a like (not in the matrix): the matrix
        // speaks first; a reply: the window.
        let closed = conv(Network::Facebook, Kind::Dm, now - days(30));
        let err = check_action(&closed, &[], Action::Like, now).unwrap_err();
        assert!(err.to_string().contains("do not allow like"), "{err}");
        let err = check_action(&closed, &[], Action::Reply, now).unwrap_err();
        assert!(err.to_string().contains("messaging window closed") && matches!(err, DomainError::Rule(_)), "{err:?}");
        assert!(check_window(&closed, now).is_err() && check_allowed(&closed, Action::Reply).is_ok());
        // The thread's rules come last: a like already given, on a tweet left.
        let c = conv(Network::Twitter, Kind::Mention, now);
        let liked = [inbound("t1", now), ours(Action::Like, Some("t1"), ItemState::Sent)];
        assert!(check_allowed(&c, Action::Like).is_ok() && check_window(&c, now).is_ok());
        assert!(check_target(&c, &liked, Action::Like, now).is_err());
    }

    #[test]
    fn a_like_or_a_share_is_given_once_per_conversation() {
        let now = chrono::Utc::now();
        let c = conv(Network::Twitter, Kind::Mention, now);
        let tweet = inbound("t1", now);
        assert!(check_action(&c, std::slice::from_ref(&tweet), Action::Like, now).is_ok());
        let liked = [tweet.clone(), ours(Action::Like, Some("t1"), ItemState::Sent)];
        assert!(check_action(&c, &liked, Action::Like, now).unwrap_err().to_string().contains("already given a like"));
        assert!(check_action(&c, &liked, Action::Share, now).is_ok(), "a share is another action");
        assert!(check_once_per_conversation(&liked, Action::Reply).is_ok(), "replies are not limited");
        let replied =
            [inbound("t1", now), ours(Action::Reply, Some("t1"), ItemState::Sent), ours(Action::Reply, Some("t1"), ItemState::Sent)];
        assert!(check_action(&c, &replied, Action::Reply, now).is_ok(), "any number of replies");
        let failed = [tweet, ours(Action::Like, Some("t1"), ItemState::Failed)];
        assert!(check_once_per_conversation(&failed, Action::Like).is_ok(), "a failed like does not count");
    }
}
