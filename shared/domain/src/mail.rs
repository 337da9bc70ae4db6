//! Emails people can act on: what a notification email says, in a plain-text and an HTML part
//! (the customer's words escaped), with a link to open what it is about in the web inbox, a link
//! to the reader's notification settings, and a one-click `List-Unsubscribe` (RFC 8058); and the
//! RFC 5322 message both mailers send (the local `.eml` outbox and SES), so it is written once.

use crate::ids::*;
use crate::model::*;
use crate::ports::Email;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What one email says.
#[derive(Debug, Clone, Default)]
pub struct Letter {
    pub subject: String,
    /// The first paragraph (the notification's sentence).
    pub lead: String,
    /// The customer's words, quoted (escaped in HTML like everything else).
    pub quote: Option<String>,
    /// More to say, one paragraph each.
    pub details: Vec<String>,
    /// The button: its words and the address it opens.
    pub action: Option<(String, String)>,
    /// The reader's notification settings.
    pub settings_url: String,
}

/// How a conversation's network and kind are named: "Facebook comment", "Messenger message",
/// "X mention", "Instagram DM".
pub fn kind_label(network: Network, kind: Kind) -> String {
    let what = match (network, kind) {
        (Network::Facebook, Kind::Dm) => return "Messenger message".into(),
        (Network::Twitter, Kind::Mention) => "mention",
        (_, Kind::Mention) => "mention",
        (_, Kind::Reply) => "reply",
        (_, Kind::Comment) => "comment",
        (_, Kind::Tag) => "tag",
        (_, Kind::Dm) => "DM",
    };
    format!("{} {what}", network.label())
}

/// The web inbox's address of a conversation.
pub fn conversation_url(public_url: &str, conversation: &ConversationId) -> String {
    format!("{public_url}/conversations/{}", crate::percent_encode(conversation.as_str()))
}

/// The web inbox's notification settings.
pub fn settings_url(public_url: &str) -> String {
    format!("{public_url}/settings/notifications")
}

impl Letter {
    /// The plain-text part.
    pub fn text(&self) -> String {
        let mut out = format!("{}.\n\n", self.lead.trim_end_matches('.'));
        if let Some(q) = &self.quote {
            out.push_str(&format!("\"{}\"\n\n", q.trim()));
        }
        for d in &self.details {
            out.push_str(d);
            out.push_str("\n\n");
        }
        if let Some((label, url)) = &self.action {
            out.push_str(&format!("{label}: {url}\n\n"));
        }
        out.push_str(&format!(
            "--\nYou get this email because email notifications are on for you in the social inbox. Turn them off: {}\n",
            self.settings_url
        ));
        out
    }

    /// The HTML part: the same words, escaped, at a readable width.
    pub fn html(&self) -> String {
        let mut body = format!("<p style=\"margin:0 0 16px\">{}.</p>", escape(self.lead.trim_end_matches('.')));
        if let Some(q) = &self.quote {
            body.push_str(&format!(
                "<blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:3px solid #d0d7de;color:#57606a\">{}</blockquote>",
                escape(q.trim()).replace('\n', "<br>")
            ));
        }
        for d in &self.details {
            body.push_str(&format!("<p style=\"margin:0 0 16px\">{}</p>", escape(d).replace('\n', "<br>")));
        }
        if let Some((label, url)) = &self.action {
            body.push_str(&format!(
                "<p style=\"margin:0 0 16px\"><a href=\"{}\" style=\"display:inline-block;padding:8px 16px;background:#0969da;color:#ffffff;\
                 border-radius:6px;text-decoration:none\">{}</a></p>",
                escape(url),
                escape(label)
            ));
        }
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
             <body style=\"margin:0;background:#f6f8fa\"><div style=\"max-width:560px;margin:0 auto;padding:24px;background:#ffffff;\
             font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328\">{body}\
             <p style=\"margin:24px 0 0;font-size:12px;color:#6e7781\">You get this email because email notifications are on for you in the social inbox. \
             <a href=\"{settings}\" style=\"color:#6e7781\">Turn them off</a>; in-app notifications stay.</p></div></body></html>",
            title = escape(&self.subject),
            settings = escape(&self.settings_url),
        )
    }

    /// The email to `to`, with `id` its idempotency key.
    pub fn email(&self, id: &str, to: &EmailAddress, unsubscribe_url: Option<String>) -> Email {
        Email { id: id.into(), to: to.to_string(), subject: self.subject.clone(), text: self.text(), html: self.html(), unsubscribe_url }
    }
}

/// `text` for HTML (element content and quoted attribute values).
pub fn escape(text: &str) -> String {
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

/// A header value on one line.
pub fn one_line(v: &str) -> String {
    v.chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect()
}

/// A header value as RFC 2047 asks when it is not plain ASCII.
fn header_text(v: &str) -> String {
    let v = one_line(v);
    if v.is_ascii() { v } else { format!("=?UTF-8?B?{}?=", STANDARD.encode(v.as_bytes())) }
}

fn base64_lines(data: &str) -> String {
    let encoded = STANDARD.encode(data.as_bytes());
    encoded.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect::<Vec<_>>().join("\r\n")
}

/// The whole message (RFC 5322, MIME `multipart/alternative`: text, then HTML, each UTF-8 in
/// base64), with `List-Unsubscribe` and `List-Unsubscribe-Post` when the email has a link.
/// `Err` (in words) when the recipient is not one plain address: nothing is sent.
pub fn mime(from: &str, email: &Email, date: Timestamp) -> Result<String, String> {
    EmailAddress::parse(&email.to).map_err(|e| format!("not sent: the recipient is not one address ({e})"))?;
    let safe_id: String = email.id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).collect();
    let boundary = format!("=_inbox_{safe_id}");
    let mut head = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{safe_id}@inbox.local>\r\nMIME-Version: 1.0\r\n",
        one_line(from),
        one_line(&email.to),
        header_text(&email.subject),
        date.to_rfc2822(),
    );
    if let Some(url) = &email.unsubscribe_url {
        head.push_str(&format!("List-Unsubscribe: <{}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", one_line(url)));
    }
    head.push_str(&format!("Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"));
    let part = |kind: &str, data: &str| {
        format!(
            "--{boundary}\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64_lines(data)
        )
    };
    Ok(format!("{head}{}{}--{boundary}--\r\n", part("plain", &email.text), part("html", &email.html)))
}

type HmacSha256 = Hmac<Sha256>;

fn unsubscribe_mac(key: &SecretString, account: &AccountId, user: &UserId) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key");
    mac.update(b"social-inbox unsubscribe\0");
    mac.update(account.as_str().as_bytes());
    mac.update(b"\0");
    mac.update(user.as_str().as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The one-click unsubscribe address of `user`: it names them and carries a MAC that only this
/// deployment can make; it turns their notification emails off and does nothing else.
pub fn unsubscribe_url(public_url: &str, key: &SecretString, account: &AccountId, user: &UserId) -> String {
    // Each part base64url (ids may hold a `.`; base64url never does).
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(account.as_str()),
        URL_SAFE_NO_PAD.encode(user.as_str()),
        URL_SAFE_NO_PAD.encode(unsubscribe_mac(key, account, user))
    );
    format!("{public_url}/api/unsubscribe?t={}", crate::percent_encode(&token))
}

/// The account and user an unsubscribe token names, if this deployment made it.
pub fn verify_unsubscribe(key: &SecretString, token: &str) -> Option<(AccountId, UserId)> {
    let mut parts = token.split('.');
    let (account, user, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let text = |part: &str| URL_SAFE_NO_PAD.decode(part).ok().and_then(|b| String::from_utf8(b).ok());
    let (account, user) = (AccountId::parse(&text(account)?)?, UserId::parse(&text(user)?)?);
    let given = URL_SAFE_NO_PAD.decode(mac).ok()?;
    let mut check = HmacSha256::new_from_slice(key.expose().as_bytes()).ok()?;
    check.update(b"social-inbox unsubscribe\0");
    check.update(account.as_str().as_bytes());
    check.update(b"\0");
    check.update(user.as_str().as_bytes());
    check.verify_slice(&given).ok()?;
    Some((account, user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            subject: "Bob assigned you the Facebook comment from Ann <script>".into(),
            lead: "Bob assigned you the Facebook comment from Ann <script>".into(),
            quote: Some("<img src=x onerror=alert(1)> & \"hi\"".into()),
            details: vec![],
            action: Some(("Open the conversation".into(), "http://127.0.0.1:8080/conversations/cnv_1".into())),
            settings_url: "http://127.0.0.1:8080/settings/notifications".into(),
        }
    }

    #[test]
    fn the_html_part_escapes_the_customers_words_and_links_to_the_inbox() {
        let html = letter().html();
        assert!(!html.contains("<img") && !html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;hi&quot;"), "{html}");
        assert!(html.contains("href=\"http://127.0.0.1:8080/conversations/cnv_1\""), "{html}");
        assert!(html.contains("href=\"http://127.0.0.1:8080/settings/notifications\""), "{html}");
        let text = letter().text();
        assert!(text.contains("Open the conversation: http://127.0.0.1:8080/conversations/cnv_1"), "{text}");
        assert!(text.contains("\"<img src=x onerror=alert(1)> & \"hi\"\""), "plain text stays as written: {text}");
    }

    #[test]
    fn the_message_has_both_parts_and_a_one_click_unsubscribe_and_no_injected_header() {
        let mut e = letter().email("ntf_1", &"bob@demo.example".into(), Some("http://x/api/unsubscribe?t=a.b.c".into()));
        e.subject = "Café\r\nBcc: evil@example.com".into();
        let m = mime("Inbox <inbox@localhost>", &e, chrono::Utc::now()).unwrap();
        let mut bcc = e.clone();
        bcc.to = "bob@demo.example\r\nBcc: evil@example.com".into();
        assert!(mime("inbox@localhost", &bcc, chrono::Utc::now()).is_err(), "one recipient, or nothing");
        let (head, body) = m.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("List-Unsubscribe: <http://x/api/unsubscribe?t=a.b.c>"), "{head}");
        assert!(head.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{head}");
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert!(head.contains("Subject: =?UTF-8?B?"), "{head}");
        assert!(body.contains("Content-Type: text/plain; charset=utf-8") && body.contains("Content-Type: text/html; charset=utf-8"));
        assert!(m.ends_with("--\r\n"));
    }

    #[test]
    fn an_unsubscribe_token_names_one_user_and_cannot_be_made_or_moved() {
        let key = SecretString::new("k1");
        let url = unsubscribe_url("http://x", &key, &"acc_a".into(), &"usr_b".into());
        // Ids and base64url are unreserved characters: the token is in the address as it is.
        let token = url.split("t=").nth(1).unwrap().to_string();
        assert_eq!(verify_unsubscribe(&key, &token), Some(("acc_a".into(), "usr_b".into())));
        assert_eq!(verify_unsubscribe(&SecretString::new("k2"), &token), None, "another deployment's key");
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let moved = token.replacen(&b64("usr_b"), &b64("usr_c"), 1);
        assert_ne!(moved, token);
        assert_eq!(verify_unsubscribe(&key, &moved), None, "another user");
        // Ids with a dot (they may have one) round-trip.
        let dotted = unsubscribe_url("http://x", &key, &"acc.a".into(), &"usr.b".into());
        let t = dotted.split("t=").nth(1).unwrap();
        assert_eq!(verify_unsubscribe(&key, t), Some(("acc.a".into(), "usr.b".into())));
        for junk in ["", "a.b", "a.b.c.d", "acc_a.usr_b.!!", "acc a.usr_b.AAAA"] {
            assert_eq!(verify_unsubscribe(&key, junk), None, "{junk}");
        }
    }

    #[test]
    fn networks_are_named_as_people_name_them() {
        assert_eq!(kind_label(Network::Facebook, Kind::Comment), "Facebook comment");
        assert_eq!(kind_label(Network::Facebook, Kind::Dm), "Messenger message");
        assert_eq!(kind_label(Network::Twitter, Kind::Mention), "X mention");
        assert_eq!(kind_label(Network::Instagram, Kind::Dm), "Instagram DM");
    }
}
