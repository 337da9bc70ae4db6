#!/usr/bin/env bash
# Runs one of inbox-conformance's moto benches (`viral`, `search`): starts moto_server (with
# DynamoDB's per-key limits for the requests that ask for them, scripts/moto_server.py), runs
# the bench binary with the rest of the arguments, prints its report and stops moto. Called by
# scripts/viral.sh and scripts/search-bench.sh with their defaults.
#   bash scripts/moto-bench.sh viral --scale 0.05 --secs 60
set -euo pipefail
name=${1:?which bench: viral or search}
shift
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/target/test-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import moto, flask_cors' 2>/dev/null || "$venv/bin/python" -m pip install --quiet "moto[server]>=5.1,<6"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/python" "$root/scripts/moto_server.py" -H 127.0.0.1 -p "$port" >"$root/target/$name-moto.log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
  sleep 0.2
done
export MOTO_ENDPOINT="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
# The benches' own CPU is small beside moto's: a debug build of the bench binary saves the
# release build's minutes (`cargo bench` would build it in release).
bench=$(cargo build --quiet -p inbox-conformance --bench "$name" --message-format=json \
  | "$venv/bin/python" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$name")
# Run a copy: a build during the run (minutes) must not write over the running binary.
cp "$bench" "$root/target/$name-bench"
"$root/target/$name-bench" "$@"
