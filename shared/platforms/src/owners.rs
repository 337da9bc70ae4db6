//! Whom a token belongs to, read from each network's identity answer: the ids of the presences
//! (Facebook Page, Instagram business account, X user, LinkedIn organisations, YouTube channel)
//! that a token acts as. Connecting a profile compares its `external_id` with these, so that
//! nobody can claim a presence, and receive its events, without that presence's own token.
//!
//! Each function takes the answer's raw body and gives the ids (bare, as webhooks name them),
//! or why the answer says nothing of the token's owner.

use crate::json::{id_of, id_value, str_of};
use serde_json::Value;

fn parse(body: &[u8], network: &str) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("{network} answered the token check with something that is not JSON: {e}"))
}

/// The fields asked of `GET /me` with a Page token (Facebook and Instagram through Facebook
/// Login): the Page, and the Instagram business account linked to it.
pub const META_ME_FIELDS: &str = "id,name,instagram_business_account";

/// `GET /me?fields=id,name` with a Page token: the Page's id.
pub fn facebook_page(body: &[u8]) -> Result<Vec<String>, String> {
    let v = parse(body, "Facebook")?;
    id_of(&v, "id").map(|id| vec![id]).ok_or_else(|| "Facebook's answer names no Page for this token".into())
}

/// The Instagram account a token acts as: the business account linked to the token's Page
/// (`GET /me?fields=instagram_business_account` with a Page token), or, for an Instagram-Login
/// token, `user_id` (`GET graph.instagram.com/me?fields=user_id`; the same id as the webhooks'
/// `entry.id`, where `id` is app-scoped).
pub fn instagram_account(body: &[u8]) -> Result<Vec<String>, String> {
    let v = parse(body, "Instagram")?;
    let linked = v.get("instagram_business_account").and_then(|a| id_of(a, "id"));
    let own = id_of(&v, "user_id");
    let ids: Vec<String> = linked.into_iter().chain(own).collect();
    if ids.is_empty() {
        return Err("this token's Page has no Instagram business account linked to it".into());
    }
    Ok(ids)
}

/// `GET /2/users/me`: the signed-in user's id.
pub fn x_user(body: &[u8]) -> Result<Vec<String>, String> {
    let v = parse(body, "X")?;
    v.get("data").and_then(|d| id_of(d, "id")).map(|id| vec![id]).ok_or_else(|| "X's answer names no user for this token".into())
}

/// One page of `GET /rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED`:
/// the organisations (bare ids) the member administers, and the `start` of the next page when
/// `paging.total` says there are more.
pub fn linkedin_organizations(body: &[u8]) -> Result<(Vec<String>, Option<u64>), String> {
    let v = parse(body, "LinkedIn")?;
    let elements = v.get("elements").and_then(Value::as_array).ok_or("LinkedIn's answer has no elements")?;
    let ids = elements
        .iter()
        .filter(|e| str_of(e, "role").is_none_or(|r| r == "ADMINISTRATOR") && str_of(e, "state").is_none_or(|s| s == "APPROVED"))
        .filter_map(|e| e.get("organization").and_then(id_value))
        .map(|urn| urn.strip_prefix("urn:li:organization:").map(str::to_string).unwrap_or(urn))
        .collect();
    let paging = v.get("paging");
    let number = |k: &str| paging.and_then(|p| p.get(k)).and_then(Value::as_u64);
    let next = match (number("start"), number("count"), number("total")) {
        (Some(start), Some(count), Some(total)) if count > 0 && start + count < total => Some(start + count),
        _ => None,
    };
    Ok((ids, next))
}

/// `GET /youtube/v3/channels?part=id&mine=true`: the signed-in user's channels (none for an
/// account without one).
pub fn youtube_channels(body: &[u8]) -> Result<Vec<String>, String> {
    let v = parse(body, "YouTube")?;
    Ok(v.get("items").and_then(Value::as_array).map(|items| items.iter().filter_map(|i| id_of(i, "id")).collect()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../../tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
    }

    fn body(v: &Value) -> Vec<u8> {
        serde_json::to_vec(v).unwrap()
    }

    #[test]
    fn each_networks_identity_answer_names_its_owner() {
        let meta = fixture("oauth_meta_debug_token.json");
        assert_eq!(facebook_page(&body(&meta["cheap_check"]["response"]["body"])).unwrap(), ["104857600000001"]);
        let pages = fixture("oauth_meta_list_pages.json");
        let lookup = &pages["instagram_lookup"]["response"]["body"];
        assert_eq!(instagram_account(&body(lookup)).unwrap(), ["17841400000000001"]);
        assert!(instagram_account(&body(&pages["instagram_lookup"]["no_ig_linked_response"]["body"])).is_err());
        let ig = fixture("oauth_instagram_me.json");
        assert_eq!(instagram_account(&body(&ig["response"]["body"])).unwrap(), ["17841400000000001"], "user_id, not the app-scoped id");
        let x = fixture("oauth_x_users_me.json");
        assert_eq!(x_user(&body(&x["response"]["body"])).unwrap(), ["1500000000000000001"]);
        let li = fixture("oauth_linkedin_org_acls.json");
        assert_eq!(linkedin_organizations(&body(&li["response"]["body"])).unwrap(), (vec!["5515715".into(), "8100001".into()], None));
        let yt = fixture("oauth_google_channels_mine.json");
        assert_eq!(youtube_channels(&body(&yt["response"]["body"])).unwrap(), ["UCfakeChannelId00000001"]);
        assert!(youtube_channels(&body(&yt["no_channel_variant"]["body"])).unwrap().is_empty());
    }

    #[test]
    fn linkedin_roles_other_than_an_approved_administrator_do_not_count_and_paging_goes_on() {
        let page = serde_json::json!({"paging": {"start": 0, "count": 2, "total": 3}, "elements": [
            {"organization": "urn:li:organization:1", "role": "ADMINISTRATOR", "state": "APPROVED"},
            {"organization": "urn:li:organization:2", "role": "RECRUITING_POSTER", "state": "APPROVED"},
            {"organization": "urn:li:organization:3", "role": "ADMINISTRATOR", "state": "REQUESTED"}]});
        assert_eq!(linkedin_organizations(&body(&page)).unwrap(), (vec!["1".into()], Some(2)));
    }

    #[test]
    fn answers_that_name_nobody_are_errors_in_words() {
        for f in [facebook_page, instagram_account, x_user] {
            assert!(f(b"{}").is_err());
            assert!(f(b"not json").is_err());
        }
        assert!(linkedin_organizations(b"{}").is_err());
    }
}
