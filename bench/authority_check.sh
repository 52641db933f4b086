#!/usr/bin/env bash
# The cost of the per-request authority check (issue 10): the same AOT binary (embedded SQLite,
# memory cache), run with the check (default) and without it (the TEMPORARY switch
# Auth:CheckCurrentAuthority=false), on an authenticated cached GET /v1/accounts/{id} and on
# POST /v1/transfers; 64 connections from wrk on the same machine, alternating on/off twice.
# Loopback only; each run is bounded in time and stops its server.
# Usage: bench/authority_check.sh [binary] [seconds]   (default: artifacts/publish/strongroom, 10 s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:-artifacts/publish/strongroom}")
seconds=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

run() {
  local check=$1 folder port pid base token admin accounts="" i id
  folder=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
  (cd "$folder" && Bootstrap__AdminEmail=admin@bench.test Bootstrap__AdminPassword=bench-admin-pass \
     Auth__CheckCurrentAuthority="$check" Logging__LogLevel__Default=Warning \
     Api__MoneyMovementRateLimit__PermitLimit=100000000 Api__MoneyMovementRateLimit__TokensPerSecond=100000000 \
     exec "$binary" --urls "$base" >"$folder/log" 2>&1) &
  pid=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/health/live" && break; sleep 0.05; done

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

  echo "== Auth:CheckCurrentAuthority=$check"
  echo "-- GET /v1/accounts/{id} (cached, authenticated)"
  wrk -t2 -c64 -d"${seconds}s" -H "Authorization: Bearer $token" "$base/v1/accounts/$id" | grep -E "Requests/sec|Latency|Non-2xx"
  echo "-- POST /v1/transfers"
  TOKEN=$token ACCOUNTS=${accounts#,} RUN="check-$check-$RANDOM" wrk -t2 -c64 -d"${seconds}s" -s "$here/transfers.lua" "$base" | grep -E "Requests/sec|requests |Latency"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$folder"
}

run true
run false
run true
run false
