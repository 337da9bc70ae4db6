#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: formatting, lints, the Rust
# test suites (unit, property, HTTP-level, adapter contracts, SIGKILL), and schemathesis
# against a running local server. Installs what it needs (a Python virtualenv under target/)
# and stops every server it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# Where cargo puts binaries (CARGO_TARGET_DIR when set).
bin_dir="${CARGO_TARGET_DIR:-$root/target}/debug"
mkdir -p "$root/target"
export CARGO_TERM_COLOR=never

step() { printf '\n== %s\n' "$*"; }

step "format (cargo fmt --check)"
cargo fmt --all -- --check

step "lint (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build"
cargo build --workspace --all-targets --quiet

step "rust tests"
log="$root/target/rust-tests.log"
set +e
cargo test --workspace 2>&1 | tee "$log"
rust_status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
if [ "$rust_status" -ne 0 ]; then
  echo "rust tests failed"
  echo "tests: $passed passed, $failed failed"
  exit "$rust_status"
fi

step "web inbox: Vitest, then end-to-end in headless Chromium"
web_log="$root/target/web-tests.log"
set +e
bash scripts/e2e.sh "$bin_dir/inbox" 2>&1 | tee "$web_log"
web_status=${PIPESTATUS[0]}
set -e
passed=$((passed + $(grep -Eo '^(vitest|e2e): [0-9]+ passed' "$web_log" | awk '{s+=$2} END {print s+0}')))
failed=$((failed + $(grep -Eo '^(vitest|e2e): [0-9]+ passed, [0-9]+ failed' "$web_log" | awk '{s+=$4} END {print s+0}')))
if [ "$web_status" -ne 0 ]; then
  echo "web inbox tests failed"
  echo "tests: $passed passed, $failed failed"
  exit "$web_status"
fi

step "schemathesis against the local server"
venv="$root/target/test-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
bash scripts/schemathesis.sh "$venv" "$bin_dir/inbox"

echo
echo "tests: $passed passed, $failed failed"
