//! Who may see and act on what. Users see only their profiles' conversations; nothing ever
//! crosses accounts.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
