#!/usr/bin/env bash
# Throughput of POST /v1/transfers on the embedded default (SQLite), group commit against one
# commit per request (Ledger:MaxBatchSize=1): same binary, same machine, 64 connections.
# The per-user money-movement rate limit is lifted: one bench user sends everything.
# Loopback only; each run is bounded in time and stops its server.
# Usage: bench/transfers.sh [binary] [seconds]   (default: artifacts/publish/strongroom, 15 s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:-artifacts/publish/strongroom}")
seconds=${2:-15}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

run() {
  local batch=$1 folder port pid base token admin accounts="" i id
  folder=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
  (cd "$folder" && Bootstrap__AdminEmail=admin@bench.test Bootstrap__AdminPassword=bench-admin-pass \
     Ledger__MaxBatchSize="$batch" Logging__LogLevel__Default=Warning \
     Api__MoneyMovementRateLimit__PermitLimit=100000000 Api__MoneyMovementRateLimit__TokensPerSecond=100000000 \
     exec "$binary" --urls "$base" >"$folder/log" 2>&1) &
  pid=$!
  until curl -sf -o /dev/null "$base/health/live"; do sleep 0.05; done

  curl -sf -XPOST "$base/v1/auth/register" -H 'content-type: application/json' \
    -d '{"email":"payer@bench.test","password":"bench-password","fullName":"Bench"}' >/dev/null
  token=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=payer@bench.test&password=bench-password' | json '["access_token"]')
  admin=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=admin@bench.test&password=bench-admin-pass' | json '["access_token"]')
  for i in $(seq 1 20); do
    id=$(curl -sf -XPOST "$base/v1/accounts" -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -d "{\"currency\":\"EUR\",\"name\":\"pot $i\"}" | json '["id"]')
    curl -sf -XPOST "$base/v1/deposits" -H "authorization: Bearer $admin" -H "Idempotency-Key: fund-$i" -H 'content-type: application/json' \
      -d "{\"accountId\":\"$id\",\"amount\":1000000000000,\"currency\":\"EUR\"}" >/dev/null
    accounts="$accounts,$id"
  done

  echo "== Ledger:MaxBatchSize=$batch"
  TOKEN=$token ACCOUNTS=${accounts#,} RUN="b$batch" wrk -t2 -c64 -d"${seconds}s" -s "$here/transfers.lua" "$base" | grep -E "Requests/sec|requests |Latency"
  curl -sf "$base/v1/admin/ledger/verify" -H "authorization: Bearer $admin" | json '["ok"]' | sed 's/^/ledger verify ok: /'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$folder"
}

run 512
run 1
