-- wrk script of bench/run for everything that moves money: POST /v1/transfers or
-- POST /v1/transfers/batch, each request with its own Idempotency-Key, all as the user whose
-- token is $TOKEN. Environment:
--   ACCOUNTS  comma-separated account ids the user owns
--   HOT       when set, every transfer is from this account to one of ACCOUNTS (the hot account);
--             otherwise between a random pair of ACCOUNTS
--   BATCH     when set, POST /v1/transfers/batch with this many transfers per request
--   DELAY_MS  when set, each connection waits this long after every answer before its next request
--             (wrk's delay()): N connections offer at most N / DELAY_MS requests per ms, and a fast
--             refusal does not come straight back (a closed loop with think time)
--   ASYNC     when set, every request carries Prefer: respond-async (202 Accepted once durably
--             recorded, applied later by the ledger writer); 202s are counted as accepted
--   RUN       prefix of the Idempotency-Keys, unique per wrk run
--   RESULT    file that done() writes its figures to, one "key value" per line
--
-- wrk's own latency histogram mixes every status (a fast 503 lowers it) and response() gets no
-- timing, so each request carries its send time (CLOCK_MONOTONIC, microseconds, through LuaJIT's
-- FFI) in its description; a 201 echoes it and response() takes the difference. Per thread, a
-- histogram of 0.1 ms buckets; done() merges them.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

local accounts = {}
for id in string.gmatch(os.getenv("ACCOUNTS"), "[^,]+") do accounts[#accounts + 1] = id end
local token = os.getenv("TOKEN")
local hot = os.getenv("HOT")
if hot == "" then hot = nil end
local batch = tonumber(os.getenv("BATCH") or "")
local run = os.getenv("RUN") or "run"
local result = os.getenv("RESULT")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
local async = (os.getenv("ASYNC") or "") ~= ""
local path = batch and "/v1/transfers/batch" or "/v1/transfers"
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

local function transfer(sent)
  local from, to
  if hot then
    from, to = hot, accounts[math.random(#accounts)]
  else
    local a = math.random(#accounts)
    local b = math.random(#accounts - 1)
    if b >= a then b = b + 1 end
    from, to = accounts[a], accounts[b]
  end
  return string.format('{"fromAccountId":"%s","toAccountId":"%s","amount":%d,"currency":"EUR","description":"t%d"}',
    from, to, math.random(1, 100), sent)
end

function request()
  counter = counter + 1
  local sent = now_us()
  local body
  if batch then
    local parts = {}
    for i = 1, batch do parts[i] = transfer(sent) end
    body = '{"transfers":[' .. table.concat(parts, ",") .. ']}'
  else
    body = transfer(sent)
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }
  if async then headers["Prefer"] = "respond-async" end
  return wrk.format("POST", path, headers, body)
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
    if status ~= 201 and status ~= 202 and status ~= 503 and status ~= 429 then other = other + n end
  end
  local seconds = summary.duration / 1e6
  local lines = {
    string.format("seconds %.3f", seconds),
    string.format("answered %d", answered),
    string.format("s201 %d", counts[201] or 0),
    string.format("s202 %d", counts[202] or 0),
    string.format("s503 %d", counts[503] or 0),
    string.format("s429 %d", counts[429] or 0),
    string.format("other %d", other),
    string.format("socket_errors %d", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout),
    string.format("no_retry_after %d", missing),
    string.format("per_request %d", batch or 1),
    string.format("all_p50_ms %.2f", latency:percentile(50) / 1000),
    string.format("all_p99_ms %.2f", latency:percentile(99) / 1000),
  }
  if total_accepted > 0 then
    lines[#lines + 1] = string.format("p50_ms %.1f", percentile(merged, total_accepted, 50))
    lines[#lines + 1] = string.format("p99_ms %.1f", percentile(merged, total_accepted, 99))
    lines[#lines + 1] = string.format("p999_ms %.1f", percentile(merged, total_accepted, 99.9))
  end
  for status, n in pairs(counts) do
    if status ~= 201 and status ~= 202 and status ~= 503 and status ~= 429 then lines[#lines + 1] = string.format("status_%d %d", status, n) end
  end
  local text = table.concat(lines, "\n") .. "\n"
  if result then
    local file = assert(io.open(result, "w"))
    file:write(text)
    file:close()
  else
    io.write(text)
  end
end
