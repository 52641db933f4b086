#!/usr/bin/env bash
# Overload of POST /v1/transfers on the embedded default (SQLite): what is refused, and how fast
# what is accepted is answered, in one run of one server (issue 9). Phases, each $seconds long:
#   1. unloaded: 16 connections, closed loop: the unloaded p99 of accepted (201) transfers;
#   2. sustainable: 64 connections, closed loop: the writer's rate S, as bench/transfers.sh measures it;
#   3. 4x load: 256 connections, each waiting 256 / (4 S) s after every answer (wrk's delay()): at
#      most 4 S offered, a closed loop with think time, so a fast refusal does not come straight back;
#   4. 256 connections, plain closed loop, no think time (the setting issue 9 reported).
# Then peak RSS of the server (VmHWM), and, on a second server with the default per-user limit
# (100 at once, 50/s), one user over 16 connections: 429 with Retry-After under load.
# Latency of accepted requests is per request, measured by bench/overload.lua (wrk's histogram
# mixes every status). The money-movement limit is lifted for phases 1-4: one bench user sends all.
# Loopback only; every run is bounded in time and stops its servers.
# Usage: bench/overload.sh [binary] [seconds]   (default: artifacts/publish/strongroom, 10 s)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "${1:-artifacts/publish/strongroom}")
seconds=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
pids=()
folders=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for folder in "${folders[@]}"; do rm -rf "$folder"; done
}
trap cleanup EXIT

# start <name of the variable to receive the base URL> [environment assignments…]: a fresh server in a folder of its own.
start() {
  local into=$1 folder port pid url; shift
  folder=$(mktemp -d); port=$((20000 + RANDOM % 20000)); url="http://127.0.0.1:$port"
  (cd "$folder" && exec env Bootstrap__AdminEmail=admin@bench.test Bootstrap__AdminPassword=bench-admin-pass \
     Logging__LogLevel__Default=Warning "$@" "$binary" --urls "$url" >"$folder/log" 2>&1) &
  pid=$!
  pids+=("$pid"); folders+=("$folder")
  for _ in $(seq 1 200); do curl -sf -o /dev/null "$url/health/live" && break; sleep 0.05; done
  curl -sf -o /dev/null "$url/health/live" || { echo "server did not start:" >&2; cat "$folder/log" >&2; exit 1; }
  printf -v "$into" '%s' "$url"
  server_pid=$pid
}

# setup <base>: one payer with 20 funded accounts; sets token, admin, accounts.
setup() {
  local base=$1 i id
  curl -sf -XPOST "$base/v1/auth/register" -H 'content-type: application/json' \
    -d '{"email":"payer@bench.test","password":"bench-password","fullName":"Bench"}' >/dev/null
  token=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=payer@bench.test&password=bench-password' | json '["access_token"]')
  admin=$(curl -sf -XPOST "$base/v1/auth/token" -d 'grant_type=password&username=admin@bench.test&password=bench-admin-pass' | json '["access_token"]')
  accounts=""
  for i in $(seq 1 20); do
    id=$(curl -sf -XPOST "$base/v1/accounts" -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -d "{\"currency\":\"EUR\",\"name\":\"pot $i\"}" | json '["id"]')
    curl -sf -XPOST "$base/v1/deposits" -H "authorization: Bearer $admin" -H "Idempotency-Key: fund-$i" -H 'content-type: application/json' \
      -d "{\"accountId\":\"$id\",\"amount\":1000000000000,\"currency\":\"EUR\"}" >/dev/null
    accounts="$accounts,$id"
  done
  accounts=${accounts#,}
}

# load <base> <run> <connections> <seconds> [delay ms]: one wrk run; its summary on stdout.
load() {
  DELAY_MS=${5:-} TOKEN=$token ACCOUNTS=$accounts RUN=$2 \
    wrk -t2 -c"$3" -d"${4}s" --timeout 10s -s "$here/overload.lua" "$1" | sed -n '/^  answered/,$p'
}

memory() { grep -E '^(VmRSS|VmHWM)' "/proc/$1/status" | tr -s ' \t' ' ' | tr '\n' ' '; echo; }

echo "== one server, embedded SQLite, defaults (Ledger:MaxQueueWait automatic, Ledger:MaxWriterWait 5 s); per-user limit lifted"
start base Api__MoneyMovementRateLimit__PermitLimit=100000000 Api__MoneyMovementRateLimit__TokensPerSecond=100000000
pid=$server_pid
setup "$base"
load "$base" warm 16 3 >/dev/null

echo "-- 1. unloaded: 16 connections, closed loop, ${seconds} s"
load "$base" unloaded 16 "$seconds"
echo "-- 2. sustainable: 64 connections, closed loop, ${seconds} s"
sustainable=$(load "$base" sustainable 64 "$seconds")
echo "$sustainable"
rate=$(printf '%s\n' "$sustainable" | sed -n 's/.* \([0-9][0-9]*\)\/s accepted (201).*/\1/p')
delay=$(python3 -c "print(max(1, round(256 * 1000 / (4 * max(1, $rate)))))")
echo "-- 3. 4x load: 256 connections, each waiting $delay ms after every answer (at most $(( 256 * 1000 / delay )) req/s offered, 4 x $rate), ${seconds} s"
load "$base" paced 256 "$seconds" "$delay"
echo "-- 4. 256 connections, closed loop without think time, ${seconds} s"
load "$base" flood 256 "$seconds"
echo "-- server memory after all four: $(memory "$pid")"
curl -sf "$base/v1/admin/ledger/verify" -H "authorization: Bearer $admin" | json '["ok"]' | sed 's/^/-- ledger verify ok: /'

echo
echo "== a second server with the default per-user money-movement limit (Api:MoneyMovementRateLimit 100 at once, 50/s)"
start limited
setup "$limited"
echo "-- one user, 16 connections, closed loop, ${seconds} s (at most 100 + 50/s should be 201)"
load "$limited" limited 16 "$seconds"
echo "-- server memory: $(memory "$server_pid")"
