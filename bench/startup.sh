#!/usr/bin/env bash
# Start-up time to the first 200 and idle memory of the published binary, on the embedded default
# (empty folder, no configuration). Loopback only; each run stops its process.
# Usage: bench/startup.sh [binary] [runs]     (default: artifacts/publish/strongroom, 5 runs)
set -euo pipefail
binary=$(realpath "${1:-artifacts/publish/strongroom}")
runs=${2:-5}
port=$((20000 + RANDOM % 20000))

# Starts the binary in $folder, waits for the first 200, prints the time and idle RSS, stops it.
measure() {
  local folder=$1 label=$2 start pid deadline first200 rss
  start=$(date +%s%N)
  (cd "$folder" && exec "$binary" --urls "http://127.0.0.1:$port" >/dev/null 2>&1) &
  pid=$!
  deadline=$(( $(date +%s) + 30 ))
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health/live"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no answer within 30 s" >&2; kill "$pid"; exit 1; }
    sleep 0.005
  done
  first200=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 2   # let start-up work settle before reading idle memory
  rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  echo "run $run, $label: first 200 after ${first200} ms, idle RSS ${rss} MiB"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

for run in $(seq 1 "$runs"); do
  folder=$(mktemp -d)
  measure "$folder" "empty folder (creates database and key, applies migrations)"
  measure "$folder" "restart on that database"
  rm -rf "$folder"
done
echo "binary: $(du -h "$binary" | cut -f1)"
