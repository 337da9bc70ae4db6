# Sourced by scripts/test.sh and scripts/moto-bench.sh: `start_moto VENV LOG` starts
# moto_server (scripts/moto_server.py: each DynamoDB request made atomic as DynamoDB's are, and
# DynamoDB's per-key limits for the requests that ask for them) on a free loopback port, waits
# until it answers, stops it when the calling script exits, and exports MOTO_ENDPOINT with the
# static test credentials (and no instance metadata lookups: the SDK would stall on them).
start_moto() {
  local venv=$1 log=$2 port
  port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$venv/bin/python" "$(dirname "${BASH_SOURCE[0]}")/moto_server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  moto_pid=$!
  trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" || { echo "moto_server did not start (see $log)"; exit 1; }
  export MOTO_ENDPOINT="http://127.0.0.1:$port" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
}
