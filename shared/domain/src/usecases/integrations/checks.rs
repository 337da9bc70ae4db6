//! What every integration use case checks first: that the caller is an admin, and that a
//! target URL is of the right form and one the inbox may reach.

use super::super::deps::{Deps, Viewer};
use crate::error::{DomainError, DomainResult};
use crate::webhooks::validate_url;

pub(super) fn require_admin(viewer: &Viewer) -> DomainResult<()> {
    super::super::deps::require_admin(viewer, "integrations")
}

/// A target URL of the right form that the inbox may reach (400 for the form, 422 for a
/// refused address).
pub(super) async fn checked_url(deps: &Deps, url: &str) -> DomainResult<String> {
    let u = validate_url(url).map_err(DomainError::Invalid)?;
    deps.egress.check_target(&u).await.map_err(|why| DomainError::Rule(format!("the inbox may not send requests to {u}: {why}")))?;
    Ok(u)
}
