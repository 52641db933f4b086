-- wrk script for bench/overload.sh: POST /v1/transfers between random pairs of the accounts in
-- $ACCOUNTS (all owned by the user whose token is $TOKEN), each with its own Idempotency-Key, and
-- the latency of ACCEPTED (201) requests only.
--
-- wrk's own latency histogram mixes every status (a fast 503 lowers it), and response() gets no
-- timing, so each request carries its send time (CLOCK_MONOTONIC, microseconds, through LuaJIT's
-- FFI) in its description; a 201 echoes the transfer, description included, and response()
-- takes the difference. Per thread, a histogram of 0.1 ms buckets; done() merges them.
--
-- $DELAY_MS, when set, paces each connection: it waits that long after each answer before its
-- next request (wrk's delay()), so N connections offer at most N / DELAY_MS requests per ms and a
-- fast refusal does not turn into a flood of retries (a closed loop with think time).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } overload_timespec;
int clock_gettime(int clock_id, overload_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("overload_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

local accounts = {}
for id in string.gmatch(os.getenv("ACCOUNTS"), "[^,]+") do accounts[#accounts + 1] = id end
local token = os.getenv("TOKEN")
local run = os.getenv("RUN") or "run"
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  counter = 0
  statuses = {}        -- status -> count
  accepted = {}        -- 0.1 ms bucket -> count, 201s only
  no_retry_after = 0   -- 503/429 answered without Retry-After
  math.randomseed(tid * 7919 + os.time())
end

function request()
  counter = counter + 1
  local from = math.random(#accounts)
  local to = math.random(#accounts - 1)
  if to >= from then to = to + 1 end
  local body = string.format('{"fromAccountId":"%s","toAccountId":"%s","amount":%d,"currency":"EUR","description":"t%d"}',
    accounts[from], accounts[to], math.random(1, 100), now_us())
  return wrk.format("POST", "/v1/transfers", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local sent = tonumber(string.match(body, '"description":"t(%d+)"'))
    if sent then
      local bucket = math.floor((now_us() - sent) / 100)
      accepted[bucket] = (accepted[bucket] or 0) + 1
    end
  elseif (status == 503 or status == 429) and not (headers["Retry-After"] or headers["retry-after"]) then
    no_retry_after = no_retry_after + 1
  end
end

if delay_ms then
  function delay()
    return delay_ms
  end
end

local function percentile(histogram, total, p)
  local keys = {}
  for bucket in pairs(histogram) do keys[#keys + 1] = bucket end
  table.sort(keys)
  local seen, want = 0, math.ceil(total * p / 100)
  for _, bucket in ipairs(keys) do
    seen = seen + histogram[bucket]
    if seen >= want then return (bucket + 1) / 10 end
  end
  return 0
end

function done(summary, latency, requests)
  local merged, counts, total_accepted, missing = {}, {}, 0, 0
  for _, thread in ipairs(threads) do
    for bucket, n in pairs(thread:get("accepted")) do
      merged[bucket] = (merged[bucket] or 0) + n
      total_accepted = total_accepted + n
    end
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
    missing = missing + thread:get("no_retry_after")
  end

  local answered, other = 0, 0
  for status, n in pairs(counts) do
    answered = answered + n
    if status ~= 201 and status ~= 503 and status ~= 429 then other = other + n end
  end
  local refused = (counts[503] or 0) + (counts[429] or 0)
  local seconds = summary.duration / 1e6
  io.write(string.format("  answered %d in %.1f s: %.0f req/s offered and answered, %.0f/s accepted (201)\n",
    answered, seconds, answered / seconds, (counts[201] or 0) / seconds))
  io.write(string.format("  201 %d, 503 %d, 429 %d, other %d, socket errors %d; refused %.1f%%; refusals without Retry-After %d\n",
    counts[201] or 0, counts[503] or 0, counts[429] or 0, other,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    answered > 0 and 100 * refused / answered or 0, missing))
  if total_accepted > 0 then
    io.write(string.format("  accepted (201) latency: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (client-side, per request)\n",
      percentile(merged, total_accepted, 50), percentile(merged, total_accepted, 99), percentile(merged, total_accepted, 99.9)))
  end
  io.write(string.format("  every answer (wrk, all statuses): p50 %.1f ms, p99 %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
