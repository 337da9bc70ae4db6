//! The mailer's conformance suite: what was sent is read back from where each backend puts it
//! (the `.eml` outbox; moto's record of SES).

use async_trait::async_trait;
use inbox_aws::SesMailer;
use inbox_domain::ports::{Email, Mailer};
use inbox_sqlite::OutboxMailer;
use std::sync::Arc;

/// One sent email as the suite sees it. `body` is the text body (outbox) or the HTML body
/// (what moto records of SES); the suite looks for words in it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait MailHarness: Send + Sync {
    fn mailer(&self) -> Arc<dyn Mailer>;
    async fn sent(&self) -> Vec<Sent>;
}

fn email(id: &str, subject: &str, text: &str) -> Email {
    Email { id: id.into(), to: "bob@example.com".into(), subject: subject.into(), text: text.into() }
}

pub async fn an_email_is_sent_once_per_id(h: &impl MailHarness) {
    let m = h.mailer();
    m.send(&email("ntf_1", "Ann assigned you a conversation", "Ann assigned you a conversation.\n\n\"Where is my order?\"\n"))
        .await
        .unwrap();
    m.send(&email("ntf_1", "Ann assigned you a conversation", "a second time")).await.unwrap();
    m.send(&email("ntf_2", "Carl mentioned you", "Carl mentioned you.")).await.unwrap();
    let mut sent = h.sent().await;
    sent.sort_by(|a, b| a.subject.cmp(&b.subject));
    assert_eq!(sent.len(), 2, "one email per id: {sent:?}");
    assert_eq!(sent[0].subject, "Ann assigned you a conversation");
    assert_eq!(sent[0].to, ["bob@example.com"]);
    assert!(sent[0].body.contains("Where is my order?"), "{}", sent[0].body);
    assert!(!sent[0].body.contains("a second time"));
    assert_eq!(sent[1].subject, "Carl mentioned you");
}

pub async fn subject_and_recipient_cannot_inject_headers(h: &impl MailHarness) {
    let mut e = email("ntf_3", "Hi\r\nBcc: evil@example.com", "body");
    e.to = "bob@example.com\r\nBcc: evil@example.com".into();
    let sent_ok = h.mailer().send(&e).await.is_ok();
    let sent = h.sent().await;
    if !sent_ok {
        assert!(sent.is_empty(), "refused, and nothing went out: {sent:?}");
        return;
    }
    // Sent: the injected text stayed inside the one header it came in (so it is read back
    // there, on one line), and no Bcc header was made of it.
    assert_eq!(sent.len(), 1, "{sent:?}");
    let s = &sent[0];
    assert!(s.subject.starts_with("Hi") && s.subject.contains("Bcc: evil@example.com"), "{s:?}");
    assert!(!s.subject.contains('\n') && !s.subject.contains('\r'), "{s:?}");
    assert!(s.to.iter().all(|t| !t.contains('\n') && !t.contains('\r')), "{s:?}");
    assert!(s.to.iter().all(|t| t != "evil@example.com"), "the Bcc became a recipient: {s:?}");
}

/// The local `.eml` outbox.
pub struct OutboxHarness {
    mailer: OutboxMailer,
    _dir: tempfile::TempDir,
}

impl OutboxHarness {
    pub fn new(mailer: OutboxMailer, dir: tempfile::TempDir) -> Self {
        Self { mailer, _dir: dir }
    }
}

#[async_trait]
impl MailHarness for OutboxHarness {
    fn mailer(&self) -> Arc<dyn Mailer> {
        Arc::new(self.mailer.clone())
    }
    async fn sent(&self) -> Vec<Sent> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.mailer.dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("eml") {
                continue;
            }
            let raw = std::fs::read_to_string(&path).unwrap();
            let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
            let header =
                |name: &str| head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string)).unwrap_or_default();
            out.push(Sent { to: vec![header("To")], subject: header("Subject"), body: body.replace("\r\n", "\n") });
        }
        out
    }
}

/// SES v2 on moto, from an identity verified for the test.
pub struct SesHarness {
    mailer: SesMailer,
    from: String,
}

impl SesHarness {
    pub fn new(mailer: SesMailer, from: String) -> Self {
        Self { mailer, from }
    }
}

#[async_trait]
impl MailHarness for SesHarness {
    fn mailer(&self) -> Arc<dyn Mailer> {
        Arc::new(self.mailer.clone())
    }
    async fn sent(&self) -> Vec<Sent> {
        crate::moto::emails_from(&self.from).await.into_iter().map(|e| Sent { to: e.to, subject: e.subject, body: e.body }).collect()
    }
}
