//! Kill the runner with SIGKILL while webhooks are being accepted and ingested, start it again
//! on the same data dir, and find every accepted event stored exactly once.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const X_USER: &str = "2244994945";

fn start(data: &std::path::Path, demo: bool) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inbox"));
    cmd.args(["--data-dir", data.to_str().unwrap(), "serve", "--addr", "127.0.0.1:0"])
        .env("INBOX_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if demo {
        cmd.arg("--demo");
    }
    let mut child = cmd.spawn().expect("runner starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first.split("http://").nth(1).and_then(|s| s.split_whitespace().next()).expect("listening address").to_string();
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

fn secret(data: &std::path::Path) -> String {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(data.join("secrets.json")).unwrap()).unwrap();
    v["x_consumer_secret"].as_str().unwrap().to_string()
}

fn dm(i: usize) -> Vec<u8> {
    let sender = format!("77{i:08}");
    serde_json::to_vec(&serde_json::json!({
        "for_user_id": X_USER,
        "direct_message_events": [{"type": "message_create", "id": format!("88{i:08}"), "created_timestamp": "1767229300000",
            "message_create": {"target": {"recipient_id": X_USER}, "sender_id": sender, "message_data": {"text": format!("crash test message {i}")}}}],
        "users": {sender.clone(): {"id": sender, "name": format!("Sender {i}"), "screen_name": format!("sender{i}")}}
    }))
    .unwrap()
}

async fn all_dm_authors(client: &reqwest::Client, addr: &str, token: &str) -> Vec<String> {
    let mut authors = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("http://{addr}/api/conversations?status=any&network=twitter&kind=dm&limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        for c in page["conversations"].as_array().unwrap() {
            authors.push(c["author"]["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return authors,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_ingestion_loses_no_accepted_event_and_doubles_none() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = start(&data, true);
    let secret = secret(&data);
    let client = reqwest::Client::new();

    // Fire webhooks from 16 concurrent senders; kill the runner while they are in flight.
    let total = 3000;
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, addr, secret, accepted) = (client.clone(), addr.clone(), secret.clone(), accepted.clone());
        tasks.push(tokio::spawn(async move {
            for i in (worker..total).step_by(16) {
                let body = dm(i);
                let sig = inbox_platforms::signature::sign_x(secret.as_bytes(), &body);
                let res = client
                    .post(format!("http://{addr}/webhooks/x"))
                    .header("x-twitter-webhooks-signature", sig)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => accepted.lock().unwrap().push(format!("77{i:08}")),
                    _ => return, // the runner is gone
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while accepted.lock().unwrap().len() < 600 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for t in tasks {
        let _ = t.await;
    }
    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() >= 600, "only {} accepted before the kill", accepted.len());
    assert!(accepted.len() < total, "the kill came too late to test anything");

    // Restart on the same data; the queue still holds what was accepted but not ingested.
    let (mut child, addr) = start(&data, false);
    let token = {
        let out = Command::new(env!("CARGO_BIN_EXE_inbox"))
            .args(["--data-dir", data.to_str().unwrap(), "mint-token", "--user", "alice@demo.example"])
            .env("INBOX_LOG", "warn")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let authors = loop {
        let authors = all_dm_authors(&client, &addr, &token).await;
        let ours = authors.iter().filter(|a| a.starts_with("77")).count();
        if ours >= accepted.len() || Instant::now() > deadline {
            // One more look after a pause, so late duplicates would show.
            tokio::time::sleep(Duration::from_millis(500)).await;
            break all_dm_authors(&client, &addr, &token).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().unwrap();
    child.wait().unwrap();

    let mut ours: Vec<&String> = authors.iter().filter(|a| a.starts_with("77")).collect();
    let n = ours.len();
    ours.sort();
    ours.dedup();
    assert_eq!(ours.len(), n, "an event was stored twice");
    let missing: Vec<_> = accepted.iter().filter(|a| !ours.contains(a)).collect();
    assert!(missing.is_empty(), "{} accepted events lost, e.g. {:?}", missing.len(), missing.iter().take(3).collect::<Vec<_>>());
}
