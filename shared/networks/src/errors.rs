//! What a network's error answer means for us: reconnect the profile, wait and retry, or give
//! up with a reason a person can read. One classifier per network, pure, so they are tested on
//! the error fixtures.
//!
//! The words never contain credentials: the networks' own messages are passed through
//! [`scrub`] with the profile's token before they are kept.

use chrono::Duration as ChronoDuration;
use inbox_domain::Timestamp;
use inbox_domain::ports::{ActionError, PollError};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Why a call did not succeed, before it is turned into an [`ActionError`] or a [`PollError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The token expired, was revoked or lost a permission.
    NeedsReconnect(String),
    /// The network said "slow down", and maybe for how long.
    RateLimited { reason: String, retry_after_secs: Option<u64> },
    /// Worth retrying: 5xx, timeouts, connection errors.
    Transient(String),
    /// Will not succeed on retry.
    Rejected(String),
}

impl Failure {
    pub fn reason(&self) -> &str {
        match self {
            Failure::NeedsReconnect(r) | Failure::Transient(r) | Failure::Rejected(r) => r,
            Failure::RateLimited { reason, .. } => reason,
        }
    }

    /// The same failure with every occurrence of `secret` removed from its words.
    pub fn scrubbed(self, secret: Option<&str>) -> Self {
        match self {
            Failure::NeedsReconnect(r) => Failure::NeedsReconnect(scrub(&r, secret)),
            Failure::Transient(r) => Failure::Transient(scrub(&r, secret)),
            Failure::Rejected(r) => Failure::Rejected(scrub(&r, secret)),
            Failure::RateLimited { reason, retry_after_secs } => Failure::RateLimited { reason: scrub(&reason, secret), retry_after_secs },
        }
    }
}

impl From<Failure> for ActionError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NeedsReconnect(r) => ActionError::NeedsReconnect(r),
            Failure::RateLimited { reason, retry_after_secs } => ActionError::RateLimited { reason, retry_after_secs },
            Failure::Transient(r) => ActionError::Transient(r),
            Failure::Rejected(r) => ActionError::Rejected(r),
        }
    }
}

impl From<Failure> for PollError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::NeedsReconnect(r) => PollError::NeedsReconnect(r),
            Failure::RateLimited { retry_after_secs, .. } => PollError::RateLimited { retry_after_secs },
            Failure::Transient(r) | Failure::Rejected(r) => PollError::Transient(r),
        }
    }
}

/// A network's answer that was not a success.
#[derive(Debug, Clone, Copy)]
pub struct ErrorAnswer<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

const MAX_REASON_CHARS: usize = 300;

/// `text` without `secret` (replaced by `<redacted>`), on one line, at most 300 characters.
pub fn scrub(text: &str, secret: Option<&str>) -> String {
    let mut s = text.to_string();
    if let Some(secret) = secret.filter(|s| s.len() >= 4) {
        s = s.replace(secret, "<redacted>");
    }
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match s.char_indices().nth(MAX_REASON_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// Drops HTML tags from a network's message (YouTube's quota message has a link in it).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())))
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(|s| strip_tags(s).trim().to_string()).filter(|s| !s.is_empty())
}

/// The wait a `Retry-After: <seconds>` header asks for.
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// The wait until X's `x-rate-limit-reset` (epoch seconds), at least one second.
fn x_reset(headers: &HeaderMap, now: Timestamp) -> Option<u64> {
    let reset: i64 = headers.get("x-rate-limit-reset")?.to_str().ok()?.trim().parse().ok()?;
    Some((reset - now.timestamp()).max(1) as u64)
}

fn http_words(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        409 => "conflict",
        422 => "unprocessable",
        429 => "too many requests",
        _ => "error",
    }
}

/// Meta's Business Use Case header: the longest `estimated_time_to_regain_access` (minutes).
fn meta_buc_wait(headers: &HeaderMap) -> Option<u64> {
    let raw = headers.get("x-business-use-case-usage")?.to_str().ok()?;
    let v: Value = serde_json::from_str(raw).ok()?;
    let minutes = v
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|u| int(u.get("estimated_time_to_regain_access")))
        .max()?;
    (minutes > 0).then_some(minutes as u64 * 60)
}

/// Meta Graph API (Facebook Pages, Messenger, Instagram). `network` names it in the words.
pub fn meta(answer: ErrorAnswer<'_>, network: &str) -> Failure {
    let body = json(answer.body);
    let err = body.get("error");
    let code = int(err.and_then(|e| e.get("code")));
    let sub = int(err.and_then(|e| e.get("error_subcode")));
    let message = text(err.and_then(|e| e.get("message"))).unwrap_or_else(|| format!("HTTP {}", answer.status));
    let transient_flag = err.and_then(|e| e.get("is_transient")).and_then(Value::as_bool) == Some(true);
    let status = answer.status;
    match (code, sub) {
        (Some(190 | 102), _) | (_, Some(458 | 459 | 460 | 463 | 464 | 467)) => {
            Failure::NeedsReconnect(format!("the {network} token expired or was revoked: {message}"))
        }
        (_, Some(2534014)) => Failure::Rejected(format!(
            "this comment was already answered privately: {network} allows one private reply per comment ({message})"
        )),
        (Some(10), Some(2018278 | 2534022 | 2018065)) => Failure::Rejected(format!(
            "the {network} messaging window is closed: the person last wrote too long ago (24 hours for a reply, 7 days with \
             the human-agent tag); wait for them to write again ({message})"
        )),
        (Some(10), Some(2018108)) | (Some(551), _) => Failure::Rejected(format!(
            "this person isn't available on {network} right now: they blocked the Page or turned messages off ({message})"
        )),
        (Some(4 | 17 | 32 | 613), _) | (Some(80001..=80009), _) => Failure::RateLimited {
            reason: format!("{network} rate limit reached; retrying later ({message})"),
            retry_after_secs: retry_after(answer.headers).or(meta_buc_wait(answer.headers)),
        },
        (Some(10 | 200..=299), _) => {
            Failure::NeedsReconnect(format!("the {network} token lacks a permission this action needs: {message}"))
        }
        (Some(368), _) => Failure::Rejected(format!("{network} temporarily blocks this Page from doing that: {message}")),
        (Some(1 | 2), _) => Failure::Transient(format!("{network} had a temporary problem: {message}")),
        _ if transient_flag => Failure::Transient(format!("{network} had a temporary problem: {message}")),
        _ if status == 429 => Failure::RateLimited {
            reason: format!("{network} rate limit reached; retrying later"),
            retry_after_secs: retry_after(answer.headers).or(meta_buc_wait(answer.headers)),
        },
        _ if status >= 500 => Failure::Transient(format!("{network} answered HTTP {status}: {message}")),
        _ if status == 401 => Failure::NeedsReconnect(format!("the {network} token was refused: {message}")),
        _ => Failure::Rejected(format!("{network} refused the request: {message}")),
    }
}

/// X API v2. `now` turns `x-rate-limit-reset` into a wait.
pub fn x(answer: ErrorAnswer<'_>, now: Timestamp) -> Failure {
    let body = json(answer.body);
    let status = answer.status;
    let first_error = body.get("errors").and_then(Value::as_array).and_then(|e| e.first());
    let detail = text(body.get("detail"))
        .or_else(|| first_error.and_then(|e| text(e.get("detail")).or_else(|| text(e.get("message")))))
        .or_else(|| text(body.get("title")))
        .unwrap_or_else(|| format!("HTTP {status} ({})", http_words(status)));
    let kind = [body.get("type"), body.get("title"), body.get("reason"), first_error.and_then(|e| e.get("type"))]
        .into_iter()
        .filter_map(|v| v.and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let auth_problem = ["unsupported-authentication", "unsupported authentication", "client-forbidden", "client-not-enrolled", "oauth"]
        .iter()
        .any(|k| kind.contains(k))
        || detail.to_ascii_lowercase().contains("scope");
    match status {
        429 => Failure::RateLimited {
            reason: "X rate limit reached; retrying after the window resets".into(),
            retry_after_secs: retry_after(answer.headers).or_else(|| x_reset(answer.headers, now)),
        },
        401 => Failure::NeedsReconnect(format!("the X token expired or was revoked: {detail}")),
        403 if auth_problem => Failure::NeedsReconnect(format!("the X token lacks access this action needs: {detail}")),
        s if s >= 500 => Failure::Transient(format!("X answered HTTP {s}: {detail}")),
        _ => Failure::Rejected(format!("X refused the request: {detail}")),
    }
}

/// LinkedIn REST API.
pub fn linkedin(answer: ErrorAnswer<'_>) -> Failure {
    let body = json(answer.body);
    let status = answer.status;
    let message = text(body.get("message")).unwrap_or_else(|| format!("HTTP {status} ({})", http_words(status)));
    match status {
        429 => Failure::RateLimited {
            reason: "LinkedIn rate limit reached; retrying later".into(),
            retry_after_secs: retry_after(answer.headers),
        },
        401 => Failure::NeedsReconnect(format!("the LinkedIn token expired or was revoked: {message}")),
        403 => Failure::NeedsReconnect(format!(
            "LinkedIn refused access: the member may have lost the Page admin role or a permission ({message})"
        )),
        404 => Failure::Rejected(format!("the post or comment is no longer on LinkedIn ({message})")),
        s if s >= 500 => Failure::Transient(format!("LinkedIn answered HTTP {s}: {message}")),
        _ => Failure::Rejected(format!("LinkedIn refused the request: {message}")),
    }
}

/// Seconds until the next 08:00 UTC: midnight Pacific Standard Time, when YouTube quotas reset
/// (an hour late during daylight saving time, which errs on the safe side).
pub fn until_youtube_quota_reset(now: Timestamp) -> u64 {
    let today = now.date_naive().and_hms_opt(8, 0, 0).expect("valid time").and_utc();
    let next = if now < today { today } else { today + ChronoDuration::days(1) };
    (next - now).num_seconds().max(1) as u64
}

/// YouTube Data API v3. `now` turns a spent daily quota into a wait until it resets.
pub fn youtube(answer: ErrorAnswer<'_>, now: Timestamp) -> Failure {
    let body = json(answer.body);
    let status = answer.status;
    let err = body.get("error");
    let first = err.and_then(|e| e.get("errors")).and_then(Value::as_array).and_then(|a| a.first());
    let reason = first.and_then(|e| e.get("reason")).and_then(Value::as_str).unwrap_or("");
    let message = first
        .and_then(|e| text(e.get("message")))
        .filter(|m| m != "...")
        .or_else(|| text(err.and_then(|e| e.get("message"))))
        .unwrap_or_else(|| format!("HTTP {status} ({})", http_words(status)));
    match (status, reason) {
        (_, "quotaExceeded" | "dailyLimitExceeded") => Failure::RateLimited {
            reason: "the YouTube daily quota is spent; retrying after it resets".into(),
            retry_after_secs: Some(until_youtube_quota_reset(now)),
        },
        (_, "rateLimitExceeded" | "userRateLimitExceeded") | (429, _) => Failure::RateLimited {
            reason: "YouTube rate limit reached; retrying later".into(),
            retry_after_secs: retry_after(answer.headers),
        },
        (401, _) | (_, "authError" | "insufficientPermissions" | "forbidden" | "ineligibleAccount") => {
            Failure::NeedsReconnect(format!("the YouTube token expired or lacks a permission ({reason}): {message}"))
        }
        (s, _) if s >= 500 => Failure::Transient(format!("YouTube answered HTTP {s}: {message}")),
        (_, "processingFailure" | "backendError") => Failure::Transient(format!("YouTube had a temporary problem: {message}")),
        (_, "") => Failure::Rejected(format!("YouTube refused the request: {message}")),
        (_, r) => Failure::Rejected(format!("YouTube refused the request ({r}): {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use reqwest::header::HeaderValue;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../../tests/data/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).expect("fixture is JSON")
    }

    fn headers_of(case: &Value) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(map) = case.get("headers").and_then(Value::as_object) {
            for (k, v) in map {
                h.insert(
                    reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
                );
            }
        }
        h
    }

    fn classify(file: &str, case: &str, f: impl Fn(ErrorAnswer<'_>) -> Failure) -> Failure {
        let all = fixture(file);
        let case = &all[case];
        let status = case["status"].as_u64().unwrap() as u16;
        let body = serde_json::to_vec(&case["body"]).unwrap();
        let headers = headers_of(case);
        f(ErrorAnswer { status, headers: &headers, body: &body })
    }

    fn now() -> Timestamp {
        chrono::Utc.timestamp_opt(1_767_230_000, 0).unwrap()
    }

    fn is_rejected(f: &Failure, words: &str) -> bool {
        matches!(f, Failure::Rejected(r) if r.contains(words))
    }

    #[test]
    fn meta_errors_map_to_what_to_do() {
        let m = |case: &str| classify("meta_errors.json", case, |a| meta(a, "Facebook"));
        assert!(is_rejected(&m("outside_window"), "messaging window is closed"), "{:?}", m("outside_window"));
        assert!(is_rejected(&m("outside_window_ig"), "messaging window is closed"));
        assert!(is_rejected(&m("user_unavailable"), "isn't available"));
        assert_eq!(
            m("page_rate_limit_buc"),
            Failure::RateLimited { reason: m("page_rate_limit_buc").reason().to_string(), retry_after_secs: Some(12 * 60) }
        );
        assert_eq!(
            ActionError::from(m("page_rate_limit_buc")),
            ActionError::RateLimited { reason: m("page_rate_limit_buc").reason().to_string(), retry_after_secs: Some(12 * 60) }
        );
        for case in ["messenger_rate_limit_buc", "app_rate_limit", "page_user_token_limit", "custom_rate_limit"] {
            assert!(matches!(m(case), Failure::RateLimited { .. }), "{case}: {:?}", m(case));
            // The wait is kept on the way to the use case (retried after it, not before).
            assert!(matches!(ActionError::from(m(case)), ActionError::RateLimited { .. }), "{case}");
        }
        assert!(matches!(m("token_expired"), Failure::NeedsReconnect(r) if r.contains("expired")));
    }

    #[test]
    fn meta_permission_private_reply_and_server_errors() {
        let h = HeaderMap::new();
        let body = |code: i64, sub: Option<i64>| {
            serde_json::to_vec(
                &serde_json::json!({"error": {"message": "m", "type": "OAuthException", "code": code, "error_subcode": sub}}),
            )
            .unwrap()
        };
        let a = |status: u16, b: &[u8]| meta(ErrorAnswer { status, headers: &h, body: b }, "Instagram");
        assert!(matches!(a(403, &body(10, None)), Failure::NeedsReconnect(_)));
        assert!(matches!(a(400, &body(200, None)), Failure::NeedsReconnect(_)));
        assert!(matches!(a(400, &body(230, None)), Failure::NeedsReconnect(_)));
        assert!(is_rejected(&a(400, &body(10, Some(2534014))), "already answered privately"));
        assert!(is_rejected(&a(400, &body(100, Some(2534014))), "already answered privately"));
        assert!(matches!(a(400, &body(80002, None)), Failure::RateLimited { .. }));
        assert!(matches!(a(500, &body(2, None)), Failure::Transient(_)));
        assert!(matches!(a(502, b"<html>bad gateway</html>"), Failure::Transient(_)));
        assert!(is_rejected(&a(400, &body(100, Some(33))), "Instagram refused the request: m"));
    }

    #[test]
    fn x_errors_map_to_what_to_do() {
        let f = classify("x_errors.json", "rate_limited", |a| x(a, now()));
        assert_eq!(f, Failure::RateLimited { reason: f.reason().into(), retry_after_secs: Some(100) });
        assert!(matches!(PollError::from(f), PollError::RateLimited { retry_after_secs: Some(100) }));
        let f = classify("x_errors.json", "reply_not_allowed", |a| x(a, now()));
        assert!(is_rejected(&f, "deleted or not visible"), "{f:?}");
        let h = HeaderMap::new();
        let unauthorized = br#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
        assert!(matches!(x(ErrorAnswer { status: 401, headers: &h, body: unauthorized }, now()), Failure::NeedsReconnect(_)));
        let unsupported = br#"{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}"#;
        assert!(matches!(x(ErrorAnswer { status: 403, headers: &h, body: unsupported }, now()), Failure::NeedsReconnect(_)));
        let enrolled = br#"{"client_id":"1","reason":"client-not-enrolled","title":"Client Forbidden","type":"https://api.twitter.com/2/problems/client-forbidden","detail":"not enrolled"}"#;
        assert!(matches!(x(ErrorAnswer { status: 403, headers: &h, body: enrolled }, now()), Failure::NeedsReconnect(_)));
        assert!(matches!(x(ErrorAnswer { status: 503, headers: &h, body: b"" }, now()), Failure::Transient(_)));
        let mut retry = HeaderMap::new();
        retry.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(
            x(ErrorAnswer { status: 429, headers: &retry, body: b"" }, now()).clone(),
            Failure::RateLimited { reason: "X rate limit reached; retrying after the window resets".into(), retry_after_secs: Some(30) }
        );
    }

    #[test]
    fn linkedin_errors_map_to_what_to_do() {
        let h = HeaderMap::new();
        let body = br#"{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiSocialActions"}"#;
        assert!(
            matches!(linkedin(ErrorAnswer { status: 403, headers: &h, body }), Failure::NeedsReconnect(r) if r.contains("Not enough permissions"))
        );
        assert!(matches!(linkedin(ErrorAnswer { status: 401, headers: &h, body: b"{}" }), Failure::NeedsReconnect(_)));
        let mut retry = HeaderMap::new();
        retry.insert("Retry-After", HeaderValue::from_static("60"));
        assert!(matches!(
            linkedin(ErrorAnswer { status: 429, headers: &retry, body: b"" }),
            Failure::RateLimited { retry_after_secs: Some(60), .. }
        ));
        assert!(matches!(linkedin(ErrorAnswer { status: 504, headers: &h, body: b"" }), Failure::Transient(_)));
        assert!(matches!(linkedin(ErrorAnswer { status: 404, headers: &h, body: b"" }), Failure::Rejected(_)));
        let bad = br#"{"status":422,"message":"ERROR :: /message/text :: string too long"}"#;
        assert!(is_rejected(&linkedin(ErrorAnswer { status: 422, headers: &h, body: bad }), "string too long"));
    }

    #[test]
    fn youtube_errors_map_to_what_to_do() {
        let f = classify("youtube_errors.json", "quota_exceeded", |a| youtube(a, now()));
        // 2026-01-01T01:13:20Z: the next 08:00 UTC is 6h46m40s away.
        assert_eq!(f, Failure::RateLimited { reason: f.reason().into(), retry_after_secs: Some(6 * 3600 + 46 * 60 + 40) });
        assert!(!f.reason().contains('<'));
        let f = classify("youtube_errors.json", "comments_disabled", |a| youtube(a, now()));
        assert!(is_rejected(&f, "commentsDisabled"), "{f:?}");
        let h = HeaderMap::new();
        let forbidden = br#"{"error":{"code":403,"message":"Forbidden","errors":[{"reason":"forbidden","domain":"youtube.comment","message":"Forbidden"}]}}"#;
        assert!(matches!(youtube(ErrorAnswer { status: 403, headers: &h, body: forbidden }, now()), Failure::NeedsReconnect(_)));
        let perms = br#"{"error":{"code":403,"errors":[{"reason":"insufficientPermissions","message":"Insufficient Permission"}]}}"#;
        assert!(matches!(youtube(ErrorAnswer { status: 403, headers: &h, body: perms }, now()), Failure::NeedsReconnect(_)));
        let rate = br#"{"error":{"code":403,"errors":[{"reason":"rateLimitExceeded","message":"Rate Limit Exceeded"}]}}"#;
        assert!(matches!(youtube(ErrorAnswer { status: 403, headers: &h, body: rate }, now()), Failure::RateLimited { .. }));
        assert!(matches!(youtube(ErrorAnswer { status: 401, headers: &h, body: b"" }, now()), Failure::NeedsReconnect(_)));
        assert!(matches!(youtube(ErrorAnswer { status: 500, headers: &h, body: b"" }, now()), Failure::Transient(_)));
        let long = br#"{"error":{"code":400,"errors":[{"reason":"commentTextTooLong","message":"The comment is too long"}]}}"#;
        assert!(is_rejected(&youtube(ErrorAnswer { status: 400, headers: &h, body: long }, now()), "commentTextTooLong"));
    }

    #[test]
    fn scrubbing_removes_the_token_and_keeps_words_short() {
        assert_eq!(scrub("bad token EAAB1234 here", Some("EAAB1234")), "bad token <redacted> here");
        assert_eq!(scrub("a\n  b", None), "a b");
        assert_eq!(scrub(&"x".repeat(500), None).chars().count(), 301);
        let f = Failure::Rejected("echo EAAB1234".into()).scrubbed(Some("EAAB1234"));
        assert_eq!(f, Failure::Rejected("echo <redacted>".into()));
    }

    #[test]
    fn the_youtube_quota_resets_at_the_next_pacific_midnight() {
        let at = |h, m| chrono::Utc.with_ymd_and_hms(2026, 1, 1, h, m, 0).unwrap();
        assert_eq!(until_youtube_quota_reset(at(7, 0)), 3600);
        assert_eq!(until_youtube_quota_reset(at(8, 0)), 24 * 3600);
        assert_eq!(until_youtube_quota_reset(at(9, 0)), 23 * 3600);
    }
}
