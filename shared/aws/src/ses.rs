//! Email through SES (v2): simple content, a plain-text and an HTML body, from one verified
//! identity. Idempotent by email id: before sending, a record `M#<id>` is claimed in the table
//! (conditional put, kept 7 days by TTL); a second send of the same id finds it and sends
//! nothing. A claim whose sender died mid-send expires after 5 minutes, so a redelivery sends
//! it then (an email may go twice in that rare case, never zero times).

use crate::dynamo::store::{self as dynamo, DynamoDbStore};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
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

/// Keeps a header value on one line.
fn one_line(v: &str) -> String {
    v.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The HTML body of a plain-text email: its paragraphs (blank-line separated) as paragraphs,
/// quoted ones (in double quotes) as quotes, lines kept, everything escaped; a readable width
/// and a footer that says why it came.
pub fn render_html(subject: &str, text: &str) -> String {
    let mut body = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines = para.lines().map(escape).collect::<Vec<_>>().join("<br>");
        if para.starts_with('"') && para.ends_with('"') && para.len() > 1 {
            body.push_str(&format!(
                "<blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:3px solid #d0d7de;color:#57606a\">{lines}</blockquote>"
            ));
        } else {
            body.push_str(&format!("<p style=\"margin:0 0 16px\">{lines}</p>"));
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body style=\"margin:0;background:#f6f8fa\"><div style=\"max-width:560px;margin:0 auto;padding:24px;background:#ffffff;\
         font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328\">{body}\
         <p style=\"margin:24px 0 0;font-size:12px;color:#6e7781\">You get this email because email notifications are on for you in the social inbox. \
         Turn them off in your settings there; in-app notifications stay.</p></div></body></html>",
        title = escape(subject),
    )
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> PortResult<()> {
        if !self.claim(&email.id).await? {
            return Ok(()); // sent already
        }
        let subject = one_line(&email.subject);
        let content = |data: &str| Content::builder().data(data).charset("UTF-8").build().map_err(|e| PortError::failed(e.to_string(), e));
        let message = Message::builder()
            .subject(content(&subject)?)
            .body(Body::builder().text(content(&email.text)?).html(content(&render_html(&subject, &email.text))?).build())
            .build();
        let sent = self
            .ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(one_line(&email.to)).build())
            .content(EmailContent::builder().simple(message).build())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_body_escapes_keeps_paragraphs_and_quotes() {
        let html = render_html("Bob <assigned>", "Bob assigned you a conversation.\n\n\"<script>x</script>\"\n\nConversation cnv_1\n");
        assert!(html.contains("<p style=\"margin:0 0 16px\">Bob assigned you a conversation.</p>"));
        assert!(html.contains("&quot;&lt;script&gt;x&lt;/script&gt;&quot;</blockquote>"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<title>Bob &lt;assigned&gt;</title>"));
        assert!(html.contains("Conversation cnv_1</p>"));
    }
}
