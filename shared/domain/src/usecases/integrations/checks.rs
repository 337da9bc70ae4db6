//! What every integration use case checks first: that the caller is an admin, and that a
//! target URL is of the right form and one the inbox may reach; and the sealing of the secrets
//! integrations keep (webhook signing secrets, Salesforce credentials), as network tokens are.

use super::super::deps::{Deps, Viewer};
use crate::error::{DomainError, DomainResult};
use crate::model::SecretString;
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

/// `secret` sealed for `context`, in the place it is kept (a signing secret, a Salesforce
/// credential): what the store keeps is no usable secret.
pub(super) async fn seal(deps: &Deps, context: &str, secret: &SecretString) -> DomainResult<SecretString> {
    Ok(SecretString::new(deps.integration_cipher.seal(context, secret).await?.as_str()))
}

/// A secret [`seal`] sealed (or one an older release kept in the clear), opened.
pub(super) async fn open(deps: &Deps, context: &str, kept: &SecretString) -> DomainResult<SecretString> {
    Ok(deps.integration_cipher.open_kept(context, kept.expose()).await?)
}
