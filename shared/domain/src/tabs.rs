//! Per-user tabs: saved filters and a search query. Every user starts with three.

use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};

/// Status filter of a feed: `any` shows both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StatusFilter {
    #[default]
    Open,
    Closed,
    Any,
}

impl StatusFilter {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "closed" => Some(Self::Closed),
            "any" => Some(Self::Any),
            _ => None,
        }
    }
    pub fn status(self) -> Option<Status> {
        match self {
            Self::Open => Some(Status::Open),
            Self::Closed => Some(Status::Closed),
            Self::Any => None,
        }
    }
}

/// Assignee filter as the user writes it: `none`, `me`, `any` or a user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    None,
    Me,
    Any,
    User(UserId),
}

impl AssigneeFilter {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "me" => Some(Self::Me),
            "any" => Some(Self::Any),
            other => UserId::parse(other).map(Self::User),
        }
    }
    pub fn as_string(&self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Me => "me".into(),
            Self::Any => "any".into(),
            Self::User(u) => u.to_string(),
        }
    }
    /// Resolves `me` for a viewer.
    pub fn resolve(&self, viewer: &UserId) -> AssigneeSelector {
        match self {
            Self::None => AssigneeSelector::Unassigned,
            Self::Me => AssigneeSelector::User(viewer.clone()),
            Self::Any => AssigneeSelector::Anyone,
            Self::User(u) => AssigneeSelector::User(u.clone()),
        }
    }
}

/// In the OpenAPI document: the string it is serialised as.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AssigneeFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("`none`, `me`, `any` or a user id."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AssigneeFilter {}

impl Serialize for AssigneeFilter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for AssigneeFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).ok_or_else(|| serde::de::Error::custom("assignee must be none, me, any or a user id"))
    }
}

/// The assignee condition a store evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeSelector {
    Unassigned,
    Anyone,
    User(UserId),
}

/// Saved or ad-hoc feed filters. Empty lists mean "all".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Filters {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub status: StatusFilter,
    /// `none`, `me`, `any` or a user id.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub assignee: Option<AssigneeFilter>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub networks: Vec<Network>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub profiles: Vec<ProfileId>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub kinds: Vec<Kind>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sponsored: Option<bool>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub seen: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tab {
    pub id: TabId,
    #[serde(skip_serializing)]
    pub user_id: UserId,
    pub name: String,
    pub position: u32,
    pub filters: Filters,
    pub query: String,
}

pub const MAX_TAB_NAME: usize = 60;
pub const MAX_QUERY: usize = 1000;
pub const MAX_TABS: usize = 50;

/// The three tabs every user starts with.
pub fn default_tabs(user: &UserId) -> Vec<Tab> {
    let mk = |pos: u32, name: &str, assignee: AssigneeFilter| Tab {
        id: TabId::from(format!("tab_{}_{}", user.as_str().trim_start_matches("usr_"), pos)),
        user_id: user.clone(),
        name: name.to_string(),
        position: pos,
        filters: Filters { status: StatusFilter::Open, assignee: Some(assignee), ..Filters::default() },
        query: String::new(),
    };
    vec![mk(0, "Inbox", AssigneeFilter::None), mk(1, "Assigned to me", AssigneeFilter::Me), mk(2, "Assigned to any", AssigneeFilter::Any)]
}

/// Checks a tab name: trimmed, 1..=60 characters.
pub fn validate_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("a tab needs a name".into());
    }
    if n.chars().count() > MAX_TAB_NAME {
        return Err(format!("a tab name has at most {MAX_TAB_NAME} characters"));
    }
    Ok(n.to_string())
}

/// Checks a search query: its length, and that a query that is not blank has something
/// searchable in it (a tab whose search could never match anything is a mistake).
pub fn validate_query(q: &str) -> Result<String, String> {
    if q.chars().count() > MAX_QUERY {
        return Err(format!("a search query has at most {MAX_QUERY} characters"));
    }
    if crate::search::SearchQuery::parse(q).matches_nothing() {
        return Err(format!(
            "the search \"{}\" has nothing to look for: give it a word, a number or an emoji",
            q.chars().take(40).collect::<String>()
        ));
    }
    Ok(q.to_string())
}

/// Moves the tab `id` to `position` and renumbers all tabs 0..n, keeping the others' order.
pub fn reorder(tabs: &mut Vec<Tab>, id: &TabId, position: u32) {
    tabs.sort_by_key(|t| t.position);
    if let Some(i) = tabs.iter().position(|t| &t.id == id) {
        let tab = tabs.remove(i);
        let at = (position as usize).min(tabs.len());
        tabs.insert(at, tab);
    }
    for (i, t) in tabs.iter_mut().enumerate() {
        t.position = i as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_user_starts_with_inbox_assigned_to_me_and_assigned_to_any() {
        let tabs = default_tabs(&UserId::from("usr_a"));
        let names: Vec<_> = tabs.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Inbox", "Assigned to me", "Assigned to any"]);
        assert_eq!(tabs[0].filters.assignee, Some(AssigneeFilter::None));
        assert_eq!(tabs[1].filters.assignee, Some(AssigneeFilter::Me));
        assert_eq!(tabs[2].filters.assignee, Some(AssigneeFilter::Any));
        assert!(tabs.iter().all(|t| t.filters.status == StatusFilter::Open));
    }

    #[test]
    fn reorder_moves_one_tab_and_renumbers() {
        let mut tabs = default_tabs(&UserId::from("usr_a"));
        let last = tabs[2].id.clone();
        reorder(&mut tabs, &last, 0);
        assert_eq!(tabs[0].id, last);
        assert_eq!(tabs.iter().map(|t| t.position).collect::<Vec<_>>(), [0, 1, 2]);
        reorder(&mut tabs, &last, 99);
        assert_eq!(tabs[2].id, last);
    }

    #[test]
    fn assignee_filter_round_trips_and_resolves_me() {
        for s in ["none", "me", "any", "usr_x"] {
            assert_eq!(AssigneeFilter::parse(s).unwrap().as_string(), s);
        }
        let me = UserId::from("usr_me");
        assert_eq!(AssigneeFilter::Me.resolve(&me), AssigneeSelector::User(me.clone()));
        assert_eq!(AssigneeFilter::parse("bad id!"), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Urgent ").unwrap(), "Urgent");
        assert!(validate_name("   ").is_err());
        assert!(validate_name(&"x".repeat(61)).is_err());
    }
}
