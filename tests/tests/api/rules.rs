use inbox_tests::*;
use serde_json::json;

#[tokio::test]
async fn facebook_comment_webhook_creates_an_open_unassigned_unseen_conversation() {
    let t = TestApp::spawn().await;
    assert_eq!(t.meta_webhook(&fixture("meta_feed_comment_add.json")).await, 200);
    t.settle().await;
    let inbox = t.feed(ALICE, "tab=tab_demo_alice_0").await;
    assert_eq!(inbox.len(), 1);
    let c = &inbox[0];
    assert_eq!(c["network"], "facebook");
    assert_eq!(c["kind"], "comment");
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee_id"], json!(null));
    assert_eq!(c["seen"], false);
    assert_eq!(c["author"]["name"], "Jane Customer");
    assert_eq!(c["available_actions"], json!(["reply", "like", "dm"]));
    t.stop().await;
}
