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
