#!/usr/bin/env bash
# The viral spike on moto (docs/aws.md, "A viral spike"): starts moto_server with DynamoDB's
# per-key limits (scripts/moto_server.py), runs the scenario bench with the given arguments
# (default: --scale 0.05 --secs 60), prints its report and stops moto.
#   bash scripts/viral.sh --scale 0.05 --secs 60 --json target/viral.json
#   bash scripts/viral.sh --scale 0.05 --secs 60 --no-edge-throttle
set -euo pipefail
[ $# -gt 0 ] || set -- --scale 0.05 --secs 60
exec bash "$(dirname "$0")/moto-bench.sh" viral "$@"
