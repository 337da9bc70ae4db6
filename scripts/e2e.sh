#!/usr/bin/env bash
# The web inbox's tests: Vitest (unit and component tests) and the end-to-end suite in headless
# Chromium against the real runner with demo data.
#
#   scripts/e2e.sh [INBOX_BIN]     (default: target/debug/inbox, built if missing)
#
# Installs Debian's chromium when /usr/bin/chromium is missing (needs root, as CI has), runs
# `npm ci`, builds web/dist, prints the gzipped JavaScript size, runs ESLint (silent when
# clean) and Vitest, then runs web/e2e/run.mjs. Screenshots of each step land in
# test-artifacts/e2e/. Exits non-zero on any failure; each test suite ends with an "N passed,
# N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
inbox=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/inbox}

if [[ ! -x "$inbox" ]]; then
    echo "e2e.sh: building the runner ($inbox is missing)"
    cargo build -p inbox-local --bin inbox --quiet
    inbox=${CARGO_TARGET_DIR:-$root/target}/debug/inbox
fi
inbox=$(realpath "$inbox")

if [[ ! -x /usr/bin/chromium ]]; then
    echo "e2e.sh: installing Chromium (Debian package)"
    if [[ $(id -u) -ne 0 ]]; then
        echo "e2e.sh: /usr/bin/chromium is missing and installing it needs root: apt-get install chromium" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# (Debian's wrapper script may print a harmless shell warning on stderr.)
echo "e2e.sh: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium (version unknown)')"

cd "$root/web"
echo "e2e.sh: npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "e2e.sh: build"
npm run build --silent
node scripts/size.mjs

status=0
echo "e2e.sh: lint"
npm run lint --silent || status=$?
echo "e2e.sh: vitest"
npm test --silent || status=$?
echo "e2e.sh: end-to-end in headless Chromium"
node e2e/run.mjs "$inbox" || status=$?
exit "$status"
