#!/usr/bin/env bash
# What a search costs on DynamoDB as an account grows (docs/aws.md, "Search"): starts
# moto_server, runs the search bench with the given arguments (default: --conversations 2000),
# prints its report and stops moto.
#   bash scripts/search-bench.sh --conversations 2000 --json target/search.json
set -euo pipefail
[ $# -gt 0 ] || set -- --conversations 2000
exec bash "$(dirname "$0")/moto-bench.sh" search "$@"
