//! The notifier: a happening turned into in-app notifications and emails.

use super::deps::{Deps, Viewer};
use crate::access;
use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::mail::{self, Letter};
use crate::model::*;
use crate::notify::{self, Happening, NotifyEvent};

/// Turns one happening into in-app notifications and emails. Idempotent per event.
#[tracing::instrument(skip_all, fields(account_id = %event.account_id, event_id = %event.event_id))]
pub async fn notify(deps: &Deps, event: &NotifyEvent) -> DomainResult<usize> {
    let users = deps.directory.list_users(&event.account_id).await?;
    let public = deps.settings.public_url().to_string();
    if let Happening::ChannelAttention { kind, text } = &event.happening {
        // A channel's sign-in is the admins' business.
        let Some(pid) = &event.profile_id else { return Ok(0) };
        if deps.directory.get_profile(&event.account_id, pid).await?.is_none() {
            return Ok(0); // disconnected meanwhile
        }
        let admins: Vec<&User> = users.iter().filter(|u| u.role == Role::Admin).collect();
        for admin in &admins {
            let id = notify::notification_id(&event.event_id, &admin.id);
            let letter = Letter {
                subject: text.clone(),
                lead: text.clone(),
                action: Some(("Open the channels".into(), format!("{public}/settings/channels"))),
                settings_url: mail::settings_url(&public),
                ..Default::default()
            };
            let n = Notification {
                id,
                account_id: event.account_id.clone(),
                user_id: admin.id.clone(),
                kind: *kind,
                conversation_id: None,
                profile_id: Some(pid.clone()),
                actor_id: None,
                created_at: event.at,
                read: false,
                text: text.clone(),
            };
            // Once: a channel's notice is told again whenever it stays broken (every poll that is
            // refused), so the email goes only with a notification that is new.
            if deps.notifications.put_notification(&n).await? {
                email(deps, admin, &n.id, &letter).await?;
            }
        }
        return Ok(admins.len());
    }
    let Some(conversation_id) = &event.conversation_id else { return Ok(0) };
    let Some(conv) = deps.conversations.get_conversation(&event.account_id, conversation_id).await? else {
        return Ok(0);
    };
    let intents = match &event.happening {
        // Integrations are the admins' business: every admin hears of a turned-off webhook.
        Happening::WebhookDisabled { .. } => users
            .iter()
            .filter(|u| u.role == Role::Admin)
            .map(|u| notify::Intent { user_id: u.id.clone(), kind: NotificationType::WebhookDisabled })
            .collect(),
        _ => notify::decide(&event.actor, &conv, &event.happening, |uid| users.iter().any(|u| &u.id == uid && access::can_see(u, &conv))),
    };
    let actor_name = match &event.actor {
        Actor::System => "The inbox".to_string(),
        Actor::User(uid) => users.iter().find(|u| &u.id == uid).map(|u| u.name.clone()).unwrap_or_else(|| "Someone".into()),
    };
    let mut letters = Vec::new();
    for intent in &intents {
        let Some(user) = users.iter().find(|u| u.id == intent.user_id) else { continue };
        let id = notify::notification_id(&event.event_id, &user.id);
        let text = notify::describe(intent.kind, &event.happening, &actor_name, &conv);
        let letter = match &event.happening {
            Happening::WebhookDisabled { .. } => Letter {
                subject: text.clone(),
                lead: text.clone(),
                details: vec![
                    "Its undelivered events are kept as dead deliveries. Once the receiver works again, turn the subscription \
                     back on and replay them from Settings → Webhooks."
                        .into(),
                ],
                action: Some(("Open the webhooks".into(), format!("{public}/settings/webhooks"))),
                settings_url: mail::settings_url(&public),
                ..Default::default()
            },
            _ => Letter {
                subject: text.clone(),
                lead: text.clone(),
                quote: Some(conv.excerpt.clone()).filter(|e| !e.trim().is_empty()),
                action: Some(("Open the conversation".into(), mail::conversation_url(&public, &conv.id))),
                settings_url: mail::settings_url(&public),
                ..Default::default()
            },
        };
        // In the app first, whatever happens to the email (SES in its sandbox, throttled, down):
        // the notification is stored once (by id), and the email, sent after, is handed back to
        // the queue if it fails and sent again then (the mailer drops repeats by id).
        deps.notifications
            .put_notification(&Notification {
                id: id.clone(),
                account_id: conv.account_id.clone(),
                user_id: user.id.clone(),
                kind: intent.kind,
                conversation_id: Some(conv.id.clone()),
                profile_id: None,
                actor_id: event.actor.user().cloned(),
                created_at: event.at,
                read: false,
                text,
            })
            .await?;
        letters.push((user, id, letter));
    }
    // Every email is tried, the first failure reported (the whole event comes again, and the
    // ones sent already are dropped as repeats).
    let mut failed = None;
    for (user, id, letter) in letters {
        if let Err(e) = email(deps, user, &id, &letter).await {
            tracing::warn!(user_id = %user.id, error = %e, "a notification email was not sent; the event is tried again");
            failed.get_or_insert(e);
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(intents.len()),
    }
}

/// Emails `letter` to `user`, unless they turned emails off; with their one-click unsubscribe
/// link when the deployment signs them.
async fn email(deps: &Deps, user: &User, id: &NotificationId, letter: &Letter) -> DomainResult<()> {
    if !user.email_notifications {
        return Ok(());
    }
    let unsubscribe = deps
        .settings
        .unsubscribe_key
        .as_ref()
        .map(|key| mail::unsubscribe_url(deps.settings.public_url(), key, &user.account_id, &user.id));
    Ok(deps.mailer.send(&letter.email(id.as_str(), &user.email, unsubscribe)).await?)
}

/// Turns off the notification emails of the user a one-click unsubscribe token names (RFC
/// 8058). `NotFound` for a token this deployment did not make, or a user who is gone.
pub async fn unsubscribe(deps: &Deps, token: &str) -> DomainResult<User> {
    let key = deps.settings.unsubscribe_key.as_ref().ok_or(DomainError::NotFound("unsubscribe link"))?;
    let (account, user) = mail::verify_unsubscribe(key, token).ok_or(DomainError::NotFound("unsubscribe link"))?;
    deps.directory.set_email_notifications(&account, &user, false).await?.ok_or(DomainError::NotFound("unsubscribe link"))
}

/// The caller's own choice of notification emails (anyone; in-app notifications stay).
#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn set_my_email_notifications(deps: &Deps, viewer: &Viewer, on: bool) -> DomainResult<User> {
    deps.directory.set_email_notifications(viewer.account(), &viewer.user.id, on).await?.ok_or(DomainError::NotFound("user"))
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_notifications(deps: &Deps, viewer: &Viewer, limit: usize) -> DomainResult<Vec<Notification>> {
    Ok(deps.notifications.list_notifications(&viewer.user.id, limit.clamp(1, 200)).await?)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn read_notification(deps: &Deps, viewer: &Viewer, id: &NotificationId) -> DomainResult<()> {
    if deps.notifications.mark_read(&viewer.user.id, id).await? { Ok(()) } else { Err(DomainError::NotFound("notification")) }
}
