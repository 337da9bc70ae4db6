#!/usr/bin/env bash
# What a search costs on DynamoDB as an account grows (docs/aws.md, "Search"): starts
# moto_server, runs the search bench with the given arguments (default: --conversations 2000),
# prints its report and stops moto.
#   bash scripts/search-bench.sh --conversations 2000 --json target/search.json
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/test-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import moto, flask_cors' 2>/dev/null || "$venv/bin/python" -m pip install --quiet "moto[server]>=5.1,<6"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" "$root/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"$root/target/search-moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
  sleep 0.2
done
export MOTO_ENDPOINT="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
[ $# -gt 0 ] || set -- --conversations 2000
# The store's own CPU is small beside moto's: a debug build of the bench binary saves the
# release build's minutes (`cargo bench` would build it in release).
bench=$(cargo build --quiet -p inbox-conformance --bench search --message-format=json \
  | "$venv/bin/python" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "search" and m.get("executable"):
        print(m["executable"])')
# Run a copy: a build during the run (minutes) must not write over the running binary.
cp "$bench" "$root/target/search-bench"
"$root/target/search-bench" "$@"
