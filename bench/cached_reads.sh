#!/usr/bin/env bash
# Throughput of an authenticated, cached GET /v1/accounts/{id} against /health/live on the same
# AOT binary (embedded SQLite), with the memory cache alone and with a local redis-server as L2 and
# backplane. 64 connections from wrk on the same machine. Also checks what the cache says
# (Cache-Status) and, with Redis, that the entry reached Redis through the source-generated
# serializer of the native binary.
# Loopback only; each run is bounded in time and stops the processes it started.
# Usage: bench/cached_reads.sh [binary] [seconds]   (default: artifacts/publish/strongroom, 10 s)
set -euo pipefail
binary=$(realpath "${1:-artifacts/publish/strongroom}")
seconds=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }

run() {
  local label=$1 redis=$2 folder port pid base token admin id redis_pid="" redis_port=""
  folder=$(mktemp -d); port=$((20000 + RANDOM % 20000)); base="http://127.0.0.1:$port"
  if [ "$redis" = yes ]; then
    command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install redis-server)" >&2; exit 1; }
    redis_port=$((40000 + RANDOM % 20000))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$folder/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 500); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.02; done
  fi
  (cd "$folder" && if [ -n "$redis_port" ]; then export Redis__Configuration="127.0.0.1:$redis_port" Cluster__Enabled=false; fi \
     && Bootstrap__AdminEmail=admin@bench.test Bootstrap__AdminPassword=bench-admin-pass Logging__LogLevel__Default=Warning \
     exec "$binary" --urls "$base" >"$folder/log" 2>&1) &
  pid=$!
  for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/health/live" && break; sleep 0.05; done
  curl -sf -o /dev/null "$base/health/live" || { echo "the service did not start:" >&2; cat "$folder/log" >&2; kill "$pid" ${redis_pid:+"$redis_pid"} 2>/dev/null; exit 1; }

  curl -sf -XPOST "$base/v1/auth/register" -H 'content-type: application/json' \
    -d '{"email":"reader@bench.test","password":"bench-password","fullName":"Bench"}' >/dev/null
  token=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=reader@bench.test&password=bench-password' | json '["access_token"]')
  admin=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=admin@bench.test&password=bench-admin-pass' | json '["access_token"]')
  id=$(curl -sf -XPOST "$base/v1/accounts" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"currency":"EUR","name":"Main"}' | json '["id"]')
  curl -sf -XPOST "$base/v1/deposits" -H "authorization: Bearer $admin" -H "Idempotency-Key: fund" -H 'content-type: application/json' \
    -d "{\"accountId\":\"$id\",\"amount\":100000,\"currency\":\"EUR\"}" >/dev/null

  echo "== $label"
  for i in 1 2; do
    curl -sf -D - -o /dev/null "$base/v1/accounts/$id" -H "authorization: Bearer $token" | tr -d '\r' | grep -i '^cache-status' | sed "s/^/read $i: /"
  done
  if [ -n "$redis_port" ]; then
    echo "entries in Redis for the account: $(redis-cli -p "$redis_port" --scan --pattern "*$id*" | wc -l)"
  fi
  echo "-- GET /v1/accounts/{id} (cached, authenticated)"
  wrk -t2 -c64 -d"${seconds}s" -H "Authorization: Bearer $token" "$base/v1/accounts/$id" | grep -E "Requests/sec|requests in|Latency|Non-2xx"
  echo "-- GET /health/live"
  wrk -t2 -c64 -d"${seconds}s" "$base/health/live" | grep -E "Requests/sec|requests in|Latency|Non-2xx"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ -n "$redis_pid" ]; then kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$folder"
}

[ "${ONLY_REDIS:-}" = 1 ] || run "memory cache only" no
run "memory cache + Redis L2 and backplane" yes
