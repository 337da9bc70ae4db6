//! Connecting channels through each network's sign-in (admins only): start a flow, finish it
//! when the network sends the admin back, and connect the presences they pick. The rules of
//! the flow (its state, PKCE, expiry) are in [`crate::connect`].

use super::channel::{schedule_renewal, seal_tokens};
use super::deps::{Deps, Viewer, require_admin};
use crate::connect::*;
use crate::error::{DomainError, DomainResult, PortError};
use crate::ids::*;
use crate::model::*;
use crate::ports::*;
use std::collections::BTreeSet;

/// Said for every state that cannot be finished, whatever the reason (unknown, another
/// admin's, spent, expired): a prober learns nothing of which.
const STATE_REFUSED: &str = "this sign-in is unknown, finished or expired; start again from Settings → Channels";

/// A sign-in the admin may start.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInOption {
    pub network: Network,
    pub label: &'static str,
    /// Whether this deployment is registered with the network.
    pub configured: bool,
    /// What to set to connect through it, when it is not.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hint: Option<String>,
}

/// The sign-ins this deployment offers.
pub fn sign_in_options(deps: &Deps, viewer: &Viewer) -> DomainResult<Vec<SignInOption>> {
    require_admin(viewer, "channels")?;
    Ok(SIGN_IN_NETWORKS
        .iter()
        .map(|n| {
            let hint = deps.signin.configured(*n).err();
            SignInOption { network: *n, label: sign_in_label(*n), configured: hint.is_none(), hint }
        })
        .collect())
}

/// A started sign-in: where to send the admin.
#[derive(Clone)]
pub struct Started {
    pub flow_id: FlowId,
    pub authorize_url: String,
    pub expires_at: Timestamp,
}

/// Starts a sign-in through `network`, to connect new channels or (`reconnect`) to give one
/// channel a new token. The network sends the admin back to `<page_url>/connect/callback`:
/// the deployment's public address, or (when it has none) the page the admin started from;
/// either way only an address registered with the network's app is accepted by the network.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, network = %network))]
pub async fn start_connect(
    deps: &Deps,
    viewer: &Viewer,
    network: Network,
    reconnect: Option<ProfileId>,
    page_url: Option<&str>,
) -> DomainResult<Started> {
    require_admin(viewer, "channels")?;
    if network == Network::Instagram {
        return Err(DomainError::Invalid(
            "Instagram business accounts are connected through Facebook: sign in with Facebook and pick the account with its Page".into(),
        ));
    }
    if let Some(pid) = &reconnect {
        let p = deps.directory.get_profile(viewer.account(), pid).await?.ok_or(DomainError::NotFound("profile"))?;
        if sign_in_network(p.network) != network {
            return Err(DomainError::Invalid(format!(
                "this profile is on {}: reconnect it through {}",
                p.network,
                sign_in_label(p.network)
            )));
        }
    }
    deps.signin.configured(network).map_err(DomainError::Rule)?;
    let id = FlowId::generate();
    let (secret, verifier) = (random_secret(), random_secret());
    let now = deps.clock.now();
    let base = match (deps.settings.public_url.get(), page_url) {
        (Some(configured), _) => configured.trim_end_matches('/').to_string(),
        (None, Some(page)) => page.trim_end_matches('/').to_string(),
        (None, None) => {
            return Err(DomainError::Rule(
                "this deployment does not know its web address: set INBOX_PUBLIC_URL (the PublicUrl parameter on AWS)".into(),
            ));
        }
    };
    let redirect_uri = format!("{base}/connect/callback");
    let authorize_url =
        deps.signin.authorize_url(network, &state_of(&id, &secret), &pkce_challenge(&verifier), &redirect_uri).map_err(refusal(network))?;
    let flow = ConnectFlow {
        id: id.clone(),
        account_id: viewer.account().clone(),
        user_id: viewer.user.id.clone(),
        network,
        reconnect,
        state_digest: digest(&secret),
        verifier: deps.cipher.seal(&verifier_context(&id), &SecretString::new(verifier)).await?,
        redirect_uri,
        created_at: now,
        expires_at: now + chrono::Duration::seconds(FLOW_TTL_SECS),
        version: 0,
        stage: FlowStage::Started,
    };
    deps.flows.put_flow(&flow).await?;
    Ok(Started { flow_id: id, authorize_url, expires_at: flow.expires_at })
}

/// What the network sent the admin back with.
#[derive(Clone, Default)]
pub struct Callback {
    pub state: String,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

// The consent address carries the state's secret, a callback the code: neither is printed.
impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").field("flow_id", &self.flow_id).field("expires_at", &self.expires_at).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback").field("error", &self.error).finish_non_exhaustive()
    }
}

/// A presence the admin may pick, as the API shows it (its tokens stay with the flow).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateView {
    pub network: Network,
    pub external_id: String,
    pub name: String,
    pub handle: String,
    pub kind: PresenceKind,
    /// The profile of this account that is this presence already, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub connected_profile_id: Option<ProfileId>,
    pub available: bool,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub why_not: Option<String>,
}

/// A finished sign-in: the reconnected profile, or the presences to pick from.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub flow_id: FlowId,
    pub network: Network,
    pub reconnected: Option<Profile>,
    pub candidates: Vec<CandidateView>,
}

/// Finishes the sign-in `callback.state` names, for the admin who started it: spends the state
/// (once, even against a racing callback), exchanges the code, and lists what the token may
/// connect; a reconnection gives its profile the new token at once.
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn finish_sign_in(deps: &Deps, viewer: &Viewer, callback: Callback) -> DomainResult<SignedIn> {
    require_admin(viewer, "channels")?;
    let refused = || DomainError::Rule(STATE_REFUSED.into());
    let (id, secret) = parse_state(&callback.state).ok_or_else(refused)?;
    let flow = deps.flows.get_flow(&id).await?.ok_or_else(refused)?;
    let now = deps.clock.now();
    if !secret_matches(&flow, secret)
        || flow.account_id != *viewer.account()
        || flow.user_id != viewer.user.id
        || flow.stage != FlowStage::Started
        || now > flow.expires_at
    {
        return Err(refused());
    }
    let spent = ConnectFlow { version: flow.version + 1, stage: FlowStage::Exchanging, ..flow.clone() };
    if !deps.flows.replace_flow(&spent, flow.version).await? {
        return Err(refused());
    }
    match signed_in(deps, viewer, &spent, &callback).await {
        Ok(done) => Ok(done),
        Err(e) => {
            // The flow ends with its failure: the admin starts again.
            let ended = ConnectFlow { version: spent.version + 1, stage: FlowStage::Done, ..spent.clone() };
            if let Err(store) = deps.flows.replace_flow(&ended, spent.version).await {
                tracing::warn!(error = %store, "a failed sign-in could not be marked finished; it expires by itself");
            }
            Err(e)
        }
    }
}

async fn signed_in(deps: &Deps, viewer: &Viewer, flow: &ConnectFlow, callback: &Callback) -> DomainResult<SignedIn> {
    let network = flow.network;
    let label = sign_in_label(network);
    if let Some(error) = callback.error.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let said = callback.error_description.as_deref().map(str::trim).filter(|d| !d.is_empty()).unwrap_or(error);
        return Err(DomainError::Rule(format!(
            "the {label} sign-in was not completed ({}); nothing was connected",
            crate::shorten(said, 200)
        )));
    }
    let code =
        callback.code.as_deref().map(str::trim).filter(|c| !c.is_empty() && c.len() <= 2048).ok_or_else(|| {
            DomainError::Invalid(format!("the {label} sign-in came back without a code (or with one over 2048 characters)"))
        })?;
    let verifier = deps.cipher.open(&verifier_context(&flow.id), &flow.verifier).await?;
    let grant = deps.signin.exchange(network, code, verifier.expose(), &flow.redirect_uri).await.map_err(refusal(network))?;
    let presences = deps.signin.presences(network, &grant).await.map_err(refusal(network))?;
    if let Some(pid) = &flow.reconnect {
        let profile = reconnect(deps, viewer, pid, presences).await?;
        let done = ConnectFlow { version: flow.version + 1, stage: FlowStage::Done, ..flow.clone() };
        deps.flows.replace_flow(&done, flow.version).await?;
        return Ok(SignedIn { flow_id: flow.id.clone(), network, reconnected: Some(profile), candidates: vec![] });
    }
    let mut candidates = Vec::new();
    let mut views = Vec::new();
    for p in presences {
        let credentials = seal_tokens(deps, p.network, &p.external_id, &p.tokens).await?;
        let (connected_profile_id, why_not) = match deps.directory.find_profile(p.network, &p.external_id).await? {
            Some(c) if c.account_id == *viewer.account() => {
                (Some(c.id), Some("Reconnect it from Channels to give it a new token.".to_string()))
            }
            Some(_) => (None, Some("connected to another inbox account".to_string())),
            None => (None, p.why_not.clone()),
        };
        views.push(CandidateView {
            network: p.network,
            external_id: p.external_id.clone(),
            name: p.name.clone(),
            handle: p.handle.clone(),
            kind: p.kind,
            connected_profile_id,
            available: why_not.is_none(),
            why_not: why_not.clone(),
        });
        candidates.push(Candidate {
            network: p.network,
            external_id: p.external_id,
            name: p.name,
            handle: p.handle,
            kind: p.kind,
            credentials,
            why_not,
        });
    }
    let now = deps.clock.now();
    let authorized = ConnectFlow {
        version: flow.version + 1,
        stage: FlowStage::Authorized { candidates },
        expires_at: now + chrono::Duration::seconds(PICK_TTL_SECS),
        ..flow.clone()
    };
    if !deps.flows.replace_flow(&authorized, flow.version).await? {
        return Err(DomainError::Rule(STATE_REFUSED.into()));
    }
    Ok(SignedIn { flow_id: flow.id.clone(), network, reconnected: None, candidates: views })
}

/// Gives profile `pid` the token of the presence among `presences` that is it.
async fn reconnect(deps: &Deps, viewer: &Viewer, pid: &ProfileId, presences: Vec<SignedInPresence>) -> DomainResult<Profile> {
    let before = deps.directory.get_profile(viewer.account(), pid).await?.ok_or(DomainError::NotFound("profile"))?;
    let Some(p) = presences
        .into_iter()
        .find(|p| p.network == before.network && crate::connect::same_presence(before.network, &p.external_id, &before.external_id))
    else {
        return Err(DomainError::Rule(format!(
            "the account you signed in with does not manage {} ({} {}); sign in with one that does",
            before.name, before.network, before.external_id
        )));
    };
    let mut profile = before.clone();
    profile.credentials = seal_tokens(deps, profile.network, &profile.external_id, &p.tokens).await?;
    if !deps.directory.update_profile(&before, &profile).await? {
        return Err(DomainError::Rule("the profile was disconnected or changed meanwhile; look at it again".into()));
    }
    deps.health.set_token_state(&profile.id, TokenState::Valid, None).await?;
    schedule_renewal(deps, &profile).await?;
    Ok(profile)
}

/// What connecting one picked presence did about its webhooks.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionOutcome {
    pub profile_id: ProfileId,
    /// Whether the app is subscribed to its webhooks (none: its network has no per-channel
    /// subscription; it is polled or subscribed at the app level).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub subscribed: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub error: Option<String>,
}

/// Connects the presences the admin picked from a finished sign-in (once: the flow ends).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id, flow_id = %flow_id))]
pub async fn connect_presences(
    deps: &Deps,
    viewer: &Viewer,
    flow_id: &FlowId,
    picks: &[(Network, String)],
) -> DomainResult<(Vec<Profile>, Vec<SubscriptionOutcome>)> {
    require_admin(viewer, "channels")?;
    if picks.is_empty() || picks.len() > 100 {
        return Err(DomainError::Invalid("pick 1 to 100 presences to connect".into()));
    }
    if picks.iter().collect::<BTreeSet<_>>().len() != picks.len() {
        return Err(DomainError::Invalid("a presence is picked twice".into()));
    }
    let flow = match deps.flows.get_flow(flow_id).await? {
        Some(f) if f.account_id == *viewer.account() && f.user_id == viewer.user.id => f,
        _ => return Err(DomainError::NotFound("sign-in")),
    };
    let FlowStage::Authorized { candidates } = &flow.stage else {
        return Err(DomainError::Rule(STATE_REFUSED.into()));
    };
    if deps.clock.now() > flow.expires_at {
        return Err(DomainError::Rule(STATE_REFUSED.into()));
    }
    let mut chosen = Vec::new();
    for (network, ext) in picks {
        let c = candidates
            .iter()
            .find(|c| c.network == *network && c.external_id == *ext)
            .ok_or_else(|| DomainError::Rule(format!("{network} {ext} is not among the presences this sign-in may connect")))?;
        if let Some(why) = &c.why_not {
            return Err(DomainError::Rule(format!("{} cannot be connected: {why}", c.name)));
        }
        chosen.push(c.clone());
    }
    let done = ConnectFlow { version: flow.version + 1, stage: FlowStage::Done, ..flow.clone() };
    if !deps.flows.replace_flow(&done, flow.version).await? {
        return Err(DomainError::Rule(STATE_REFUSED.into()));
    }
    let (mut profiles, mut outcomes) = (Vec::new(), Vec::new());
    for c in chosen {
        let profile = Profile {
            id: ProfileId::generate(),
            account_id: viewer.account().clone(),
            network: c.network,
            external_id: c.external_id,
            name: c.name,
            handle: c.handle,
            credentials: c.credentials,
            bot_app_id: None,
            created_at: deps.clock.now(),
        };
        match deps.directory.put_profile(&profile).await {
            Ok(()) => {}
            // Connected meanwhile (by another sign-in): that one stands.
            Err(PortError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
        super::polling::schedule_polls(deps, &profile).await?;
        schedule_renewal(deps, &profile).await?;
        outcomes.push(subscribe(deps, &profile).await?);
        profiles.push(profile);
    }
    Ok((profiles, outcomes))
}

/// Subscribes the app to a new channel's webhooks, and records the outcome in its health.
async fn subscribe(deps: &Deps, profile: &Profile) -> DomainResult<SubscriptionOutcome> {
    let Some(sealed) = &profile.credentials.access_token else {
        return Ok(SubscriptionOutcome { profile_id: profile.id.clone(), subscribed: None, error: None });
    };
    let token = deps.cipher.open(&presence_context(profile.network, &profile.external_id), sealed).await?;
    let (subscribed, error) = match deps.signin.subscribe(profile.network, &profile.external_id, &token).await {
        Ok(s) => (s, None),
        Err(e) => (Some(false), Some(format!("{} did not subscribe the inbox to its webhooks: {e}", profile.network))),
    };
    if let Some(s) = subscribed {
        deps.health.set_webhook_state(&profile.id, s, deps.clock.now()).await?;
    }
    Ok(SubscriptionOutcome { profile_id: profile.id.clone(), subscribed, error })
}

/// A sign-in error as the API says it.
fn refusal(network: Network) -> impl Fn(SignInError) -> DomainError {
    move |e| {
        let label = sign_in_label(network);
        match e {
            SignInError::Refused(why) => {
                DomainError::Rule(format!("{label} refused the sign-in ({}); start again", crate::shorten(&why, 300)))
            }
            SignInError::Transient(why) => {
                DomainError::Upstream(format!("could not reach {label} ({}); try again", crate::shorten(&why, 300)))
            }
            SignInError::NotConfigured(why) => DomainError::Rule(why),
        }
    }
}
