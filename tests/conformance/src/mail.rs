//! The mailer's conformance suite: what was sent is read back from where each backend puts it
//! (the `.eml` outbox; moto's record of SES).

use async_trait::async_trait;
use inbox_aws::SesMailer;
use inbox_domain::ports::{Email, Mailer};
use inbox_sqlite::OutboxMailer;
use std::sync::Arc;

/// One sent email as the suite sees it: read back from the whole message both mailers send
/// (the `.eml` file; the raw content moto recorded of SES).
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub to: Vec<String>,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    pub html: String,
    /// Every header of the message, as (name, value).
    pub headers: Vec<(String, String)>,
}

impl Sent {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads a message as `inbox_domain::mail::mime` writes it: headers, then a
/// `multipart/alternative` of base64 text and HTML parts (decoded here).
pub fn parse_message(raw: &str) -> Sent {
    use base64::Engine;
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let headers: Vec<(String, String)> =
        head.lines().filter_map(|l| l.split_once(": ")).map(|(n, v)| (n.to_string(), v.trim_end().to_string())).collect();
    let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut sent = Sent { to: vec![get("To")], subject: get("Subject"), headers: headers.clone(), ..Default::default() };
    let boundary = get("Content-Type").split("boundary=\"").nth(1).and_then(|b| b.split('"').next()).map(str::to_string);
    let Some(boundary) = boundary else {
        sent.body = body.to_string();
        return sent;
    };
    for part in body.split(&format!("--{boundary}")) {
        let Some((part_head, data)) = part.trim_start_matches('\n').split_once("\n\n") else { continue };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data.lines().collect::<String>().trim())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if part_head.contains("text/plain") {
            sent.body = decoded;
        } else if part_head.contains("text/html") {
            sent.html = decoded;
        }
    }
    sent
}

#[async_trait]
pub trait MailHarness: Send + Sync {
    fn mailer(&self) -> Arc<dyn Mailer>;
    async fn sent(&self) -> Vec<Sent>;
}

fn email(id: &str, subject: &str, text: &str) -> Email {
    let html = format!("<p>{}</p>", text.replace('<', "&lt;"));
    Email { id: id.into(), to: "bob@example.com".into(), subject: subject.into(), text: text.into(), html, unsubscribe_url: None }
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

/// Both parts and the one-click unsubscribe headers reach the recipient as written.
pub async fn an_email_has_text_and_html_parts_and_a_one_click_unsubscribe(h: &impl MailHarness) {
    let mut e = email("ntf_4", "Ann assigned you the Facebook comment from Sam", "Ann assigned you the Facebook comment from Sam.");
    e.html = "<p>Ann assigned you the Facebook comment from Sam &lt;script&gt;.</p>".into();
    e.unsubscribe_url = Some("https://inbox.example.com/api/unsubscribe?t=acc_1.usr_1.mac".into());
    h.mailer().send(&e).await.unwrap();
    let sent = h.sent().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let s = &sent[0];
    assert_eq!(s.header("List-Unsubscribe"), Some("<https://inbox.example.com/api/unsubscribe?t=acc_1.usr_1.mac>"), "{s:?}");
    assert_eq!(s.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"), "{s:?}");
    assert!(s.body.starts_with("Ann assigned you"), "{s:?}");
    assert!(s.html.contains("&lt;script&gt;") && !s.html.contains("<script>"), "{s:?}");
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
            out.push(parse_message(&std::fs::read_to_string(&path).unwrap()));
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
        crate::moto::emails_from(&self.from)
            .await
            .into_iter()
            // moto adds the addresses it parses from the message to the destinations SES was
            // given (SES itself sends to those only): the message's own To is what is read.
            .map(|e| parse_message(&e.raw))
            .collect()
    }
}
