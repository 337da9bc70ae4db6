//! The viral spike on moto (see `scenario.rs`, and `docs/aws.md` for what it showed).
//!
//! ```text
//! bash scripts/viral.sh                         # starts moto, runs at --scale 0.05
//! cargo bench -p inbox-conformance --bench viral -- --scale 0.05 --secs 60 --json target/viral.json
//! ```
//! Needs `MOTO_ENDPOINT` (moto started by `scripts/moto_server.py`, whose DynamoDB enforces the
//! per-key limits for the requests this sends).

mod scenario;
mod sim;

fn main() {
    let mut o = scenario::Options::default();
    let mut json_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--scale" => o.scale = value().parse().expect("--scale <fraction>"),
            "--secs" => o.secs = value().parse().expect("--secs <n>"),
            "--fb-rate" => o.fb_rate = value().parse().expect("--fb-rate <per second>"),
            "--x-rate" => o.x_rate = value().parse().expect("--x-rate <per second>"),
            "--agents" => o.agents = value().parse().expect("--agents <n>"),
            "--parallel" => o.parallel = value().parse().expect("--parallel <n>"),
            "--drain-limit" => o.drain_limit = value().parse().expect("--drain-limit <secs>"),
            "--no-edge-throttle" => o.edge_throttle = false,
            "--json" => json_out = Some(value()),
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other} (see benches/viral/main.rs)"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let report = rt.block_on(scenario::run(&o));
    let text = serde_json::to_string_pretty(&report).expect("json");
    println!("{text}");
    if let Some(path) = json_out {
        std::fs::write(&path, &text).expect("write the report");
    }
}
