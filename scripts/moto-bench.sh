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
. "$root/scripts/moto.sh"
start_moto "$venv" "$root/target/$name-moto.log"
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
