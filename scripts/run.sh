#!/usr/bin/env bash
# Runs the inbox on this machine with demo data and the web page:
#
#   scripts/run.sh [more `inbox serve` options, e.g. --addr 127.0.0.1:9000]
#
# Builds the page (web/dist) first when it is missing or older than its sources, then starts
# `inbox serve --demo`, which serves the page at / and the API under /api.
set -euo pipefail
cd "$(dirname "$0")/.."

web=web
stale=""
if [[ ! -f "$web/dist/index.html" ]]; then
    stale="web/dist is missing"
else
    newer=$(find "$web/src" "$web/index.html" "$web/package.json" "$web/package-lock.json" "$web/vite.config.ts" \
        -newer "$web/dist/index.html" -print -quit 2>/dev/null || true)
    [[ -n "$newer" ]] && stale="$newer changed since the last build"
fi
if [[ -n "$stale" ]]; then
    command -v npm >/dev/null || { echo "run.sh: $stale, and building it needs Node.js and npm" >&2; exit 1; }
    echo "run.sh: building the web page ($stale)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi

exec cargo run -p inbox-local --bin inbox -- serve --demo "$@"
