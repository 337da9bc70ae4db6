//! Every webhook fixture of the spec, fed through the real path (signed request, queue, ingest
//! worker, store), and what it leaves in the inbox.

use crate::support::*;
use inbox_tests::*;
use serde_json::Value;

/// (network, kind, status, sponsored, items, excerpt start) of every conversation, any status.
async fn summary(t: &TestApp) -> Vec<(String, String, String, bool, usize, String)> {
    let mut out = Vec::new();
    for c in everything(t, ALICE).await {
        let d = t.detail(ALICE, &id(&c)).await;
        let s = |v: &Value| v.as_str().unwrap_or("").to_string();
        let excerpt: String = s(&c["excerpt"]).chars().take(24).collect();
        out.push((
            s(&c["network"]),
            s(&c["kind"]),
            s(&c["status"]),
            c["sponsored"].as_bool().unwrap(),
            d["items"].as_array().unwrap().len(),
            excerpt,
        ));
    }
    out.sort();
    out
}

async fn after(route: &str, fixture_name: &str) -> Vec<(String, String, String, bool, usize, String)> {
    let t = TestApp::spawn().await;
    let body = fixture(fixture_name);
    let status = if route == "meta" { t.meta_webhook(&body).await } else { t.x_webhook(&body).await };
    assert_eq!(status, 200, "{fixture_name}");
    t.settle().await;
    let s = summary(&t).await;
    t.stop().await;
    s
}

fn row(
    network: &str,
    kind: &str,
    status: &str,
    sponsored: bool,
    items: usize,
    excerpt: &str,
) -> (String, String, String, bool, usize, String) {
    (network.into(), kind.into(), status.into(), sponsored, items, excerpt.into())
}

#[tokio::test]
async fn every_meta_webhook_fixture_leaves_the_right_conversations() {
    let cases: Vec<(&str, Vec<_>)> = vec![
        ("meta_feed_comment_add.json", vec![row("facebook", "comment", "open", false, 1, "Hi, is this still availa")]),
        ("meta_feed_comment_reply_add.json", vec![row("facebook", "comment", "open", false, 1, "@Jane Customer I asked t")]),
        // An edit or a removal of a comment never seen: remembered, nothing shown.
        ("meta_feed_comment_edited.json", vec![]),
        ("meta_feed_comment_remove.json", vec![]),
        ("meta_feed_comment_on_ad.json", vec![row("facebook", "comment", "open", true, 1, "")]),
        ("meta_mention_post.json", vec![row("facebook", "tag", "open", false, 1, "")]),
        ("meta_mention_comment.json", vec![row("facebook", "tag", "open", false, 1, "")]),
        ("meta_messages.json", vec![row("facebook", "dm", "open", false, 3, "[image] https://scontent")]),
        // Our own messages with no conversation: nothing.
        ("meta_message_echoes.json", vec![]),
        // The bot holds the thread: recorded, not opened.
        ("meta_standby.json", vec![row("facebook", "dm", "closed", false, 2, "Still waiting...")]),
        ("meta_handover_pass.json", vec![]),
        ("meta_handover_take.json", vec![]),
        ("meta_handover_request.json", vec![]),
        ("meta_handover_app_roles.json", vec![]),
        ("meta_policy_enforcement.json", vec![]),
        ("ig_comment.json", vec![row("instagram", "comment", "open", false, 1, "")]),
        ("ig_comment_flat_instagram_login.json", vec![row("instagram", "comment", "open", false, 1, "")]),
        ("ig_comment_on_ad.json", vec![row("instagram", "comment", "open", true, 1, "")]),
        ("ig_comment_reply.json", vec![row("instagram", "comment", "open", false, 1, "")]),
        ("ig_mention_comment.json", vec![row("instagram", "mention", "open", false, 1, "")]),
        ("ig_mention_media.json", vec![row("instagram", "mention", "open", false, 1, "")]),
        ("ig_messages.json", vec![row("instagram", "dm", "open", false, 1, "")]),
    ];
    let mut failures = Vec::new();
    for (name, expected) in cases {
        let got = after("meta", name).await;
        // Compare excerpts only where the expectation gives one.
        let got_cmp: Vec<_> = got
            .iter()
            .zip(expected.iter().chain(std::iter::repeat(&row("", "", "", false, 0, ""))))
            .map(|(g, e)| if e.5.is_empty() { (g.0.clone(), g.1.clone(), g.2.clone(), g.3, g.4, String::new()) } else { g.clone() })
            .collect();
        if got_cmp != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_x_webhook_fixture_leaves_the_right_conversations() {
    let cases: Vec<(&str, Vec<_>)> = vec![
        ("x_tweet_create_mention.json", vec![row("twitter", "mention", "open", false, 1, "@MyBrand my package neve")]),
        ("x_tweet_create_reply.json", vec![row("twitter", "reply", "open", false, 1, "@MyBrand is this availab")]),
        ("x_dm_event.json", vec![row("twitter", "dm", "open", false, 1, "Hi, can you check order ")]),
        // Likes are never conversations.
        ("x_favorite_event.json", vec![]),
    ];
    for (name, expected) in cases {
        assert_eq!(after("x", name).await, expected, "{name}");
    }
}
