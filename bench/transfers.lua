-- wrk script: POST /v1/transfers between random pairs of the accounts in $ACCOUNTS (all owned by
-- the user whose token is $TOKEN), each request with its own Idempotency-Key.
local accounts = {}
for id in string.gmatch(os.getenv("ACCOUNTS"), "[^,]+") do accounts[#accounts + 1] = id end
local token = os.getenv("TOKEN")
local run = os.getenv("RUN") or "run"
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  counter = 0
  math.randomseed(tid * 7919 + os.time())
end

function request()
  counter = counter + 1
  local from = math.random(#accounts)
  local to = math.random(#accounts - 1)
  if to >= from then to = to + 1 end
  local body = string.format('{"fromAccountId":"%s","toAccountId":"%s","amount":%d,"currency":"EUR"}',
    accounts[from], accounts[to], math.random(1, 100))
  return wrk.format("POST", "/v1/transfers", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d, p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
