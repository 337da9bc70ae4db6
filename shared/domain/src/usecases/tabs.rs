//! Tabs: each user's saved feed filters.

use super::deps::{Deps, Viewer};
use super::engine::MAX_ATTEMPTS;
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::ports::*;
use crate::tabs::{self, Filters, Tab};

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_tabs(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<Tab>> {
    Ok(tab_set(deps, viewer).await?.tabs)
}

async fn tab_set(deps: &Deps, viewer: &Viewer) -> DomainResult<TabSet> {
    Ok(deps.tabs.tabs_or_init(&viewer.user.id, &tabs::default_tabs(&viewer.user.id)).await?)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn get_tab(deps: &Deps, viewer: &Viewer, id: &TabId) -> DomainResult<Tab> {
    list_tabs(deps, viewer).await?.into_iter().find(|t| &t.id == id).ok_or(DomainError::NotFound("tab"))
}

/// Checks a tab's filters against what the caller can name.
fn validate_filters(viewer: &Viewer, filters: &Filters) -> DomainResult<()> {
    if let Some(p) = filters.profiles.iter().find(|p| !viewer.profiles.contains(*p)) {
        return Err(DomainError::Rule(format!("unknown profile {p}")));
    }
    Ok(())
}

/// Changes the caller's tabs as one: `change` gets the set as stored and answers the tabs it
/// should hold (positions included) and what to give back, or refuses. Written only if the set
/// is still the one read, else recomputed on the new one: a limit or a position decided from a
/// reading holds however many requests race.
async fn change_tabs<T>(deps: &Deps, viewer: &Viewer, mut change: impl FnMut(Vec<Tab>) -> DomainResult<(Vec<Tab>, T)>) -> DomainResult<T> {
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let set = tab_set(deps, viewer).await?;
        let (after, answer) = change(set.tabs.clone())?;
        let put: Vec<Tab> = after.iter().filter(|t| !set.tabs.contains(t)).cloned().collect();
        let delete: Vec<TabId> = set.tabs.iter().filter(|b| !after.iter().any(|t| t.id == b.id)).map(|t| t.id.clone()).collect();
        if put.is_empty() && delete.is_empty() {
            return Ok(answer);
        }
        match deps.tabs.write_tabs(&viewer.user.id, set.version, &put, &delete).await {
            Ok(()) => return Ok(answer),
            Err(PortError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn create_tab(
    deps: &Deps,
    viewer: &Viewer,
    name: &str,
    filters: Filters,
    query: &str,
    position: Option<u32>,
) -> DomainResult<Tab> {
    let name = tabs::validate_name(name).map_err(DomainError::Invalid)?;
    let query = tabs::validate_query(query).map_err(DomainError::Invalid)?;
    validate_filters(viewer, &filters)?;
    let id = TabId::generate();
    change_tabs(deps, viewer, |mut all| {
        if all.len() >= tabs::MAX_TABS {
            return Err(DomainError::Rule(format!("a user has at most {} tabs", tabs::MAX_TABS)));
        }
        let tab = Tab {
            id: id.clone(),
            user_id: viewer.user.id.clone(),
            name: name.clone(),
            position: all.len() as u32,
            filters: filters.clone(),
            query: query.clone(),
        };
        all.push(tab);
        if let Some(p) = position {
            tabs::reorder(&mut all, &id, p);
        }
        let made = all.iter().find(|t| t.id == id).cloned().ok_or(DomainError::NotFound("tab"))?;
        Ok((all, made))
    })
    .await
}

#[derive(Debug, Clone, Default)]
pub struct TabPatch {
    pub name: Option<String>,
    pub position: Option<u32>,
    pub filters: Option<Filters>,
    pub query: Option<String>,
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn update_tab(deps: &Deps, viewer: &Viewer, id: &TabId, patch: TabPatch) -> DomainResult<Tab> {
    let name = patch.name.as_deref().map(tabs::validate_name).transpose().map_err(DomainError::Invalid)?;
    let query = patch.query.as_deref().map(tabs::validate_query).transpose().map_err(DomainError::Invalid)?;
    if let Some(f) = &patch.filters {
        validate_filters(viewer, f)?;
    }
    change_tabs(deps, viewer, |mut all| {
        let tab = all.iter_mut().find(|t| &t.id == id).ok_or(DomainError::NotFound("tab"))?;
        if let Some(n) = &name {
            tab.name = n.clone();
        }
        if let Some(f) = &patch.filters {
            tab.filters = f.clone();
        }
        if let Some(q) = &query {
            tab.query = q.clone();
        }
        if let Some(p) = patch.position {
            tabs::reorder(&mut all, id, p);
        }
        let edited = all.iter().find(|t| &t.id == id).cloned().ok_or(DomainError::NotFound("tab"))?;
        Ok((all, edited))
    })
    .await
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, id = %id))]
pub async fn delete_tab(deps: &Deps, viewer: &Viewer, id: &TabId) -> DomainResult<()> {
    change_tabs(deps, viewer, |mut all| {
        if !all.iter().any(|t| &t.id == id) {
            return Err(DomainError::NotFound("tab"));
        }
        all.retain(|t| &t.id != id);
        for (i, t) in all.iter_mut().enumerate() {
            t.position = i as u32;
        }
        Ok((all, ()))
    })
    .await
}
