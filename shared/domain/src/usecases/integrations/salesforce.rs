//! Salesforce: the connection (admins) and Cases, by hand and by rule.

use super::super::deps::{Deps, Viewer, visible_conversation};
use super::super::engine::{MAX_ATTEMPTS, deferred_outbox, outbox, send_outbox};
use super::super::tabs::get_tab;
use super::checks::{checked_url, open, require_admin, seal};
use crate::error::{DomainError, DomainResult, PortError};
use crate::events::{DomainEvent, EventType};
use crate::ids::*;
use crate::model::*;
use crate::ports::*;
use crate::salesforce::{self, CaseRule, SalesforceConnection};

/// The account's connection, its secrets opened (they are stored sealed).
async fn load(deps: &Deps, account: &AccountId) -> DomainResult<Option<SalesforceConnection>> {
    let Some(mut c) = deps.salesforce.get_connection(account).await? else { return Ok(None) };
    let context = salesforce::secrets_context(account);
    c.client_secret = open(deps, &context, &c.client_secret).await?;
    c.refresh_token = open(deps, &context, &c.refresh_token).await?;
    c.access_token = match &c.access_token {
        Some(t) => Some(open(deps, &context, t).await?),
        None => None,
    };
    Ok(Some(c))
}

/// Stores a connection with its secrets sealed.
async fn store(deps: &Deps, c: &SalesforceConnection) -> DomainResult<()> {
    let context = salesforce::secrets_context(&c.account_id);
    let sealed = SalesforceConnection {
        client_secret: seal(deps, &context, &c.client_secret).await?,
        refresh_token: seal(deps, &context, &c.refresh_token).await?,
        access_token: match &c.access_token {
            Some(t) => Some(seal(deps, &context, t).await?),
            None => None,
        },
        ..c.clone()
    };
    Ok(deps.salesforce.put_connection(&sealed).await?)
}

/// What an admin sends to connect Salesforce. Secrets may be left out when a connection exists
/// (the stored ones are kept).
#[derive(Debug, Clone, Default)]
pub struct SalesforceInput {
    pub instance_url: String,
    pub token_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub refresh_token: Option<String>,
    pub external_id_field: Option<String>,
    /// A tab of the admin's whose search makes Cases automatically.
    pub rule_tab_id: Option<TabId>,
}

/// Connects (or reconnects) the account to Salesforce. The credentials are checked at once by
/// exchanging the refresh token.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn connect_salesforce(deps: &Deps, viewer: &Viewer, input: SalesforceInput) -> DomainResult<SalesforceConnection> {
    require_admin(viewer)?;
    let existing = load(deps, viewer.account()).await?;
    let instance_url = checked_url(deps, &input.instance_url).await?.trim_end_matches('/').to_string();
    let token_url = checked_url(deps, input.token_url.as_deref().unwrap_or(salesforce::DEFAULT_TOKEN_URL)).await?;
    let client_id = input.client_id.trim().to_string();
    if client_id.is_empty() || client_id.len() > 255 {
        return Err(DomainError::Invalid("client_id must be the connected app's consumer key".into()));
    }
    // The stored secrets are kept only for the addresses they were given for: connecting checks
    // them at once by posting them to the token URL, so keeping them for a new address would send
    // them wherever the caller points it.
    let moved = existing.as_ref().is_some_and(|c| c.instance_url != instance_url || c.token_url != token_url);
    let secret = |given: &Option<String>, kept: Option<&SecretString>, name: &str| -> DomainResult<SecretString> {
        match given.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() && s.len() <= 1000 => Ok(SecretString::new(s)),
            Some(_) => Err(DomainError::Invalid(format!("{name} must not be empty"))),
            None if moved => Err(DomainError::Rule(format!(
                "{name} is required again: instance_url or token_url changed, and the stored secrets are only sent where they were given for"
            ))),
            None => kept.cloned().ok_or_else(|| DomainError::Invalid(format!("{name} is required to connect Salesforce"))),
        }
    };
    let client_secret = secret(&input.client_secret, existing.as_ref().map(|c| &c.client_secret), "client_secret")?;
    let refresh_token = secret(&input.refresh_token, existing.as_ref().map(|c| &c.refresh_token), "refresh_token")?;
    let external_id_field = input
        .external_id_field
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(salesforce::validate_field_name)
        .transpose()
        .map_err(DomainError::Invalid)?;
    let rule = match &input.rule_tab_id {
        None => None,
        Some(tab) => {
            let t = get_tab(deps, viewer, tab).await.map_err(|e| match e {
                DomainError::NotFound(_) => DomainError::Rule(format!("you have no tab {tab} to make the rule of")),
                e => e,
            })?;
            Some(CaseRule { tab_id: t.id, name: t.name, filters: t.filters, query: t.query, owner: viewer.user.id.clone() })
        }
    };
    let now = deps.clock.now();
    let mut connection = SalesforceConnection {
        account_id: viewer.account().clone(),
        instance_url,
        token_url,
        client_id,
        client_secret,
        refresh_token,
        access_token: None,
        external_id_field,
        rule,
        connected_by: viewer.user.id.clone(),
        connected_at: existing.as_ref().map_or(now, |c| c.connected_at),
        updated_at: now,
    };
    let token = deps.salesforce_client.refresh(&connection).await.map_err(|e| match e {
        CaseError::Auth(m) | CaseError::Rejected(m) => DomainError::Rule(format!("Salesforce refused these credentials: {m}")),
        CaseError::Unavailable(m) => DomainError::Upstream(format!("could not reach Salesforce to check the connection: {m}")),
    })?;
    connection.access_token = Some(token);
    store(deps, &connection).await?;
    Ok(connection)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn salesforce_connection(deps: &Deps, viewer: &Viewer) -> DomainResult<SalesforceConnection> {
    require_admin(viewer)?;
    load(deps, viewer.account()).await?.ok_or(DomainError::NotFound("Salesforce connection"))
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn disconnect_salesforce(deps: &Deps, viewer: &Viewer) -> DomainResult<()> {
    require_admin(viewer)?;
    if deps.salesforce.delete_connection(viewer.account()).await? { Ok(()) } else { Err(DomainError::NotFound("Salesforce connection")) }
}

/// How long one request may hold the right to make a conversation's Case.
pub const CASE_CLAIM_SECS: i64 = 120;

/// Makes the Salesforce Case of a conversation the caller can see. Answers the conversation
/// and whether a Case was made now (`false`: it had one already, and that one is answered).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, conversation_id = %id))]
pub async fn create_case(deps: &Deps, viewer: &Viewer, id: &ConversationId) -> DomainResult<(Conversation, bool)> {
    let c = visible_conversation(deps, viewer, id).await?;
    case_for(deps, &viewer.actor(), c).await
}

async fn case_for(deps: &Deps, actor: &Actor, conv: Conversation) -> DomainResult<(Conversation, bool)> {
    if conv.salesforce_case.is_some() {
        return Ok((conv, false));
    }
    let Some(connection) = load(deps, &conv.account_id).await? else {
        return Err(DomainError::Rule("Salesforce is not connected for this account; an admin must connect it first".into()));
    };
    let now = deps.clock.now();
    if !deps.salesforce.claim_case(&conv.id, now, now + chrono::Duration::seconds(CASE_CLAIM_SECS)).await? {
        let c = deps.conversations.get_conversation(&conv.account_id, &conv.id).await?.ok_or(DomainError::NotFound("conversation"))?;
        if c.salesforce_case.is_some() {
            return Ok((c, false));
        }
        return Err(DomainError::InProgress(
            "a Salesforce Case is being made for this conversation right now; try again in a few seconds".into(),
        ));
    }
    let made = make_case(deps, actor, &conv, &connection).await;
    if let Err(e) = deps.salesforce.release_case(&conv.id).await {
        tracing::warn!(error = %e, conversation_id = %conv.id, "could not release the Case claim; it expires by itself");
    }
    made
}

async fn make_case(
    deps: &Deps,
    actor: &Actor,
    conv: &Conversation,
    connection: &SalesforceConnection,
) -> DomainResult<(Conversation, bool)> {
    // Another request may have finished between our first look and the claim.
    let c = deps.conversations.get_conversation(&conv.account_id, &conv.id).await?.ok_or(DomainError::NotFound("conversation"))?;
    if c.salesforce_case.is_some() {
        return Ok((c, false));
    }
    let items = deps.conversations.items(&c.id).await?;
    let profile = deps.directory.get_profile(&c.account_id, &c.profile_id).await?;
    let request = salesforce::case_request(&c, &items, profile.as_ref());
    let attempt = deps.salesforce_client.create_case(connection, &request).await;
    let refreshed = match &attempt.refreshed_token {
        Some(token) => Some(seal(deps, &salesforce::secrets_context(&c.account_id), token).await?),
        None => None,
    };
    if let Some(token) = &refreshed
        && let Err(e) = deps.salesforce.set_access_token(&c.account_id, token).await
    {
        tracing::warn!(error = %e, "could not keep the refreshed Salesforce token; the next Case refreshes again");
    }
    let case_id = attempt.result.map_err(|e| match e {
        CaseError::Auth(m) => {
            DomainError::Rule(format!("Salesforce refused the connection's credentials ({m}); an admin must connect Salesforce again"))
        }
        CaseError::Rejected(m) => DomainError::Upstream(format!("Salesforce refused the Case: {m}")),
        CaseError::Unavailable(m) => DomainError::Upstream(format!("Salesforce did not take the Case ({m}); try again shortly")),
    })?;
    let link =
        CaseLink { id: case_id.clone(), url: salesforce::case_url(&connection.instance_url, &case_id), created_at: deps.clock.now() };
    record_case(deps, actor, &c, link).await.map(|c| (c, true))
}

/// Keeps a Case on its conversation, with its history entry and `case.created` event.
async fn record_case(deps: &Deps, actor: &Actor, conv: &Conversation, link: CaseLink) -> DomainResult<Conversation> {
    let mut c = conv.clone();
    for lost in 0..MAX_ATTEMPTS {
        deps.after_lost_races(lost).await;
        let now = deps.clock.now();
        let mut next = c.clone();
        next.version = c.version + 1;
        next.salesforce_case = Some(link.clone());
        let history = vec![HistoryEntry::new(
            &c.id,
            now,
            actor.clone(),
            HistoryAction::CaseCreated,
            serde_json::json!({"case_id": link.id, "url": link.url}),
        )];
        let fanout = crate::fanout::Fanout::of_change(&next, &history, &[], &[]);
        let mut write = crate::ports::ConversationWrite {
            outbox: outbox(&[], &fanout),
            conversation: next.clone(),
            expected_version: Some(c.version),
            items: vec![],
            notes: vec![],
            history,
            keeps_summary: Some(c.status),
        };
        let later = deferred_outbox(deps, &mut write);
        match deps.conversations.write(write).await {
            Ok(()) => {
                send_outbox(deps, &next, &[], later).await?;
                return Ok(next);
            }
            Err(PortError::Conflict) => {
                c = deps.conversations.get_conversation(&c.account_id, &c.id).await?.ok_or(DomainError::NotFound("conversation"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict)
}

/// The Salesforce rule: makes the Case of the event's conversation when it matches the rule's
/// saved search and has none yet. Credentials an admin must fix are logged, not retried;
/// Salesforce being down is an error, so that the event is retried.
#[tracing::instrument(skip_all, fields(account_id = %event.account_id, conversation_id = %event.conversation_id))]
pub async fn apply_case_rule(deps: &Deps, event: &DomainEvent) -> DomainResult<Option<CaseLink>> {
    if event.kind == EventType::CaseCreated {
        return Ok(None);
    }
    let Some(connection) = load(deps, &event.account_id).await? else {
        return Ok(None);
    };
    let Some(rule) = &connection.rule else {
        return Ok(None);
    };
    let Some(conv) = deps.conversations.get_conversation(&event.account_id, &event.conversation_id).await? else {
        return Ok(None);
    };
    if conv.salesforce_case.is_some() {
        return Ok(None);
    }
    let items = deps.conversations.items(&conv.id).await?;
    if !salesforce::rule_matches(rule, &conv, &items) {
        return Ok(None);
    }
    match case_for(deps, &Actor::System, conv).await {
        Ok((c, _)) => Ok(c.salesforce_case),
        Err(DomainError::Rule(why)) => {
            tracing::warn!(conversation_id = %event.conversation_id, why, "the Salesforce rule could not make a Case");
            Ok(None)
        }
        Err(DomainError::InProgress(_)) => Ok(None),
        Err(e) => Err(e),
    }
}
