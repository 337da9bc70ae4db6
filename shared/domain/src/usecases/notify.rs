//! The notifier: a happening turned into in-app notifications and emails.

use super::deps::{Deps, Viewer};
use crate::access;
use crate::error::{DomainError, DomainResult};
use crate::ids::*;
use crate::model::*;
use crate::notify::{self, Happening, NotifyEvent};
use crate::ports::*;

/// Turns one happening into in-app notifications and emails. Idempotent per event.
#[tracing::instrument(skip_all, fields(account_id = %event.account_id, conversation_id = %event.conversation_id))]
pub async fn notify(deps: &Deps, event: &NotifyEvent) -> DomainResult<usize> {
    let Some(conv) = deps.conversations.get_conversation(&event.account_id, &event.conversation_id).await? else {
        return Ok(0);
    };
    let users = deps.directory.list_users(&event.account_id).await?;
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
    for intent in &intents {
        let Some(user) = users.iter().find(|u| u.id == intent.user_id) else { continue };
        let id = notify::notification_id(&event.event_id, &user.id);
        let text = notify::describe(intent.kind, &event.happening, &actor_name, &conv);
        // Email first: a crash between the two repeats an email (the mailer drops repeats by
        // id where it can) rather than losing one. Users who turned emails off get none.
        if user.email_notifications {
            let body = match &event.happening {
                Happening::WebhookDisabled { subscription_id, .. } => format!(
                    "{text}.\n\nIts undelivered events are kept as dead deliveries. Once the receiver works again, turn the \
                     subscription back on (PATCH /api/webhook-subscriptions/{subscription_id} with {{\"enabled\": true}}) and \
                     replay them (POST /api/webhook-subscriptions/{subscription_id}/deliveries/<id>/replay).\n\nLast failed \
                     delivery: conversation {}\n",
                    conv.id
                ),
                _ => format!("{text}.\n\n\"{}\"\n\nConversation {}\n", conv.excerpt, conv.id),
            };
            deps.mailer.send(&Email { id: id.to_string(), to: user.email.to_string(), subject: text.clone(), text: body }).await?;
        }
        deps.notifications
            .put_notification(&Notification {
                id,
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
    }
    Ok(intents.len())
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn list_notifications(deps: &Deps, viewer: &Viewer, limit: usize) -> DomainResult<Vec<Notification>> {
    Ok(deps.notifications.list_notifications(&viewer.user.id, limit.clamp(1, 200)).await?)
}

#[tracing::instrument(skip_all, fields(account_id = %viewer.account(), user_id = %viewer.user.id))]
pub async fn read_notification(deps: &Deps, viewer: &Viewer, id: &NotificationId) -> DomainResult<()> {
    if deps.notifications.mark_read(&viewer.user.id, id).await? { Ok(()) } else { Err(DomainError::NotFound("notification")) }
}
