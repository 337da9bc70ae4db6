//! What the runner logs carries no secret. A binary of its own: the subscriber that captures
//! the logs is the process's global one, so that every event of every task reaches it (a
//! thread-local one in a binary of many tests misses events whose call sites other tests'
//! threads registered first).

use inbox_domain::Network;
use inbox_tests::*;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Connecting, renewing, recovering from a 401 and failing a renewal log no code, token,
/// refresh token or app secret (everything of the inbox's crates down to debug; the rest as a
/// deployment logs it).
#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "info,inbox_domain=debug,inbox_networks=debug,inbox_local=debug,inbox_web=debug,inbox_sqlite=debug",
        ))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();
    let t = TestApp::spawn().await;
    let deps = &t.app.state.deps;
    let sim = t.app.simulator.as_ref().expect("the simulator");
    // Connect X as a reconnection of the demo's account, renew it, lose it to a 401 and renew,
    // then have its refresh token refused (warnings are logged there).
    let (status, signed) = sign_in(&t, ALICE, "twitter", Some("prf_demo_twitter"), Some(inbox_local::demo::X_USER)).await;
    assert_eq!(status, 200, "{signed}");
    let x: inbox_domain::ProfileId = "prf_demo_twitter".into();
    let due = deps.renewals.get_renewal(&x).await.unwrap().unwrap();
    deps.renewals
        .put_renewal(&inbox_domain::ports::Renewal { due_at: chrono::Utc::now() - chrono::Duration::seconds(1), ..due })
        .await
        .unwrap();
    assert_eq!(inbox_domain::usecases::renew_due(deps, 10).await.unwrap().renewed, 1);
    sim.expire_access_tokens(Network::Twitter);
    inbox_domain::usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    sim.revoke_refresh_tokens(Network::Twitter);
    sim.expire_access_tokens(Network::Twitter);
    inbox_domain::usecases::poll_due(deps, t.app.poller.as_ref(), 10).await.unwrap();
    // Facebook Login: the code, the short- and long-lived user tokens, the Pages' tokens.
    let (_, signed) = sign_in(&t, ALICE, "facebook", None, None).await;
    let flow = signed["flow_id"].as_str().unwrap();
    t.post(
        &format!("/api/connect/{flow}/profiles"),
        ALICE,
        serde_json::json!({"presences": [{"network": "facebook", "external_id": "104857600000777"}]}),
    )
    .await;
    t.settle().await;
    t.stop().await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("applied schema migration"), "the subscriber saw the runner's events: {logs}");
    for secret in ["sim-token:", "sim-refresh:", "sim-code-", "sim-user:", "sim-x-client-secret", "sim-facebook-app-secret"] {
        assert!(!logs.contains(secret), "{secret} is in the logs:\n{logs}");
    }
}
