#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: formatting, lints, the module
# structure (scripts/module_cycles.py prints each crate's import graph, fails on a cycle), the Rust
# test suites (unit, property, HTTP-level, adapter contracts, SIGKILL, the conformance suites
# on SQLite and on the AWS adapters against moto, the Lambda end-to-end on moto), cfn-lint on
# template.yaml, and schemathesis against a running local server. Installs what it needs (a
# Python virtualenv under target/) and stops every server it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# Where cargo puts binaries (CARGO_TARGET_DIR when set).
bin_dir="${CARGO_TARGET_DIR:-$root/target}/debug"
mkdir -p "$root/target"
export CARGO_TERM_COLOR=never
# A one-off build keeps no incremental caches (they double the size of target/).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n== %s\n' "$*"; }

# A cold build and its tests take about 5 GiB; say how much there is, so that a run that ends
# in "No space left on device" says why at its top.
step "disk ($(df -h "$root/target" | awk 'NR == 2 {print $4}') free where target/ is)"

step "format (cargo fmt --check)"
cargo fmt --all -- --check

step "structure (each crate's module import graph has no cycle; no domain file over 600 lines)"
python3 "$root/scripts/module_cycles.py"
long=$(find "$root/shared/domain/src" -name '*.rs' -exec wc -l {} + | awk '$2 != "total" && $1 > 600')
[ -z "$long" ] || { echo "domain files over 600 lines (split them by topic):"; echo "$long"; exit 1; }

step "lint (cargo clippy -D warnings)"
# --all-features: the Lambda binaries and the AWS adapters too (feature `lambda`).
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings

step "build"
cargo build --workspace --all-targets --all-features --quiet

step "test virtualenv (the standardwebhooks reference library verifies our webhook deliveries)"
venv="$root/target/test-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import standardwebhooks' 2>/dev/null || "$venv/bin/python" -m pip install --quiet "standardwebhooks>=1.0,<2"
export INBOX_TEST_VENV="$venv"

step "AWS template (cfn-lint, sam validate) and moto (the AWS adapters' tests run against it)"
"$venv/bin/python" -c 'import moto, flask_cors' 2>/dev/null && [ -x "$venv/bin/cfn-lint" ] \
  || "$venv/bin/python" -m pip install --quiet "moto[server]>=5.1,<6" "cfn-lint>=1,<2"
"$venv/bin/cfn-lint" template.yaml
echo "cfn-lint: template.yaml is clean"
# What cfn-lint does not check: a dead-letter queue and an alarm for every queue, visibility
# timeouts of at least 6 × the consumer's timeout, partial batch failures on every SQS event.
"$venv/bin/python" infra/check_template.py template.yaml
# SAM's own translation catches what cfn-lint does not (event types, authorizers); in a
# virtualenv of its own, as its pinned dependencies differ from moto's. (`sam validate --lint`
# would run cfn-lint a second time.)
sam_venv="$root/target/sam-venv"
[ -x "$sam_venv/bin/python" ] || python3 -m venv "$sam_venv"
[ -x "$sam_venv/bin/sam" ] || "$sam_venv/bin/python" -m pip install --quiet "aws-sam-cli>=1.140,<2"
SAM_CLI_TELEMETRY=0 AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  "$sam_venv/bin/sam" validate --region us-east-1
. "$root/scripts/moto.sh"
start_moto "$venv" "$root/target/moto.log"
echo "moto on $MOTO_ENDPOINT"

step "rust tests"
log="$root/target/rust-tests.log"
set +e
cargo test --workspace --all-features 2>&1 | tee "$log"
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
bash scripts/schemathesis.sh "$venv" "$bin_dir/inbox"

echo
echo "tests: $passed passed, $failed failed"
