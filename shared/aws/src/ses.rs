//! Email through SES (v2): raw content (the message `inbox_domain::mail::mime` writes: a plain-text
//! and an HTML part, `List-Unsubscribe`), from one verified identity. Idempotent by email id: before sending, a record `M#<id>` is claimed in the table
//! (conditional put, kept 7 days by TTL); a second send of the same id finds it and sends
//! nothing. A claim whose sender died mid-send expires after 5 minutes, so a redelivery sends
//! it then (an email may go twice in that rare case, never zero times).

use crate::dynamo::store::{self as dynamo, DynamoDbStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use inbox_domain::error::{PortError, PortResult};
use inbox_domain::ports::{Email, Mailer};

/// Days a sent email's id is remembered.
const SENT_DAYS: i64 = 7;
/// Seconds a claim holds before another delivery may send the email.
const CLAIM_SECS: i64 = 300;

#[derive(Clone)]
pub struct SesMailer {
    ses: Client,
    from: String,
    /// Where sent ids are remembered (the store's table).
    dedup: DynamoDbStore,
}

impl SesMailer {
    /// `from`: a verified SES identity (`inbox@example.com`, or `Inbox <inbox@example.com>`).
    pub fn new(ses: Client, from: impl Into<String>, dedup: DynamoDbStore) -> Self {
        Self { ses, from: from.into(), dedup }
    }

    /// Claims the email's id. `false`: it was sent already (or is being sent).
    async fn claim(&self, id: &str) -> PortResult<bool> {
        let now = chrono::Utc::now();
        let mut r = dynamo::record(dynamo::key::mail(id));
        r.insert("st".into(), AttributeValue::S("sending".into()));
        r.insert("until".into(), AttributeValue::N((now.timestamp() + CLAIM_SECS).to_string()));
        r.insert("ttl".into(), AttributeValue::N(dynamo::ttl_after(now, SENT_DAYS).to_string()));
        let put = self
            .dedup
            .put_record()
            .set_item(Some(r))
            .condition_expression("attribute_not_exists(pk) OR (st = :sending AND #until < :now) OR #ttl <= :now")
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .send()
            .await;
        dynamo::applied(put)
    }

    async fn settle(&self, id: &str, sent: bool) -> PortResult<()> {
        let (pk, sk) = dynamo::key::mail(id);
        if sent {
            self.dedup
                .update_at(pk, sk)
                .update_expression("SET st = :sent")
                .expression_attribute_values(":sent", AttributeValue::S("sent".into()))
                .send()
                .await
                .map(|_| ())
                .map_err(dynamo::unavailable)
        } else {
            // Not sent: forget the claim so that the redelivery sends it.
            self.dedup.delete((pk, sk)).await.map(|_| ())
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> PortResult<()> {
        // The whole message, as the outbox writes it (`inbox_domain::mail::mime`): raw content
        // carries the List-Unsubscribe headers that simple content would need SES to add.
        let raw = inbox_domain::mail::mime(&self.from, email, chrono::Utc::now()).map_err(PortError::Unavailable)?;
        if !self.claim(&email.id).await? {
            return Ok(()); // sent already
        }
        let sent = self
            .ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(inbox_domain::mail::one_line(&email.to)).build())
            .content(
                EmailContent::builder()
                    .raw(RawMessage::builder().data(Blob::new(raw.into_bytes())).build().map_err(|e| PortError::failed(e.to_string(), e))?)
                    .build(),
            )
            .send()
            .await;
        match sent {
            Ok(_) => self.settle(&email.id, true).await,
            Err(e) => {
                if let Err(e) = self.settle(&email.id, false).await {
                    tracing::warn!(error = %e, "could not release an email claim; it expires in {CLAIM_SECS} s");
                }
                Err(crate::sdk::sdk_unavailable("ses", e))
            }
        }
    }
}
