-- wrk script of bench/run for reads: GET the URL given to wrk, or, when $PATHS is set, a random one
-- of those comma-separated paths per request (statement pages at random places in a history).
-- $TOKEN, when set, is sent as a bearer token. done() writes its figures to $RESULT, one
-- "key value" per line. A status of 400 or above counts as a failure (wrk's errors.status).
local token = os.getenv("TOKEN")
local result = os.getenv("RESULT")
local paths = {}
for path in string.gmatch(os.getenv("PATHS") or "", "[^,]+") do paths[#paths + 1] = path end
local headers = {}
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end

local fixed

-- Requests are made from init() on: wrk.format takes the Host header from wrk.headers, which
-- wrk fills in just before init(), not when the script is loaded.
function init(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  if #paths == 0 then fixed = wrk.format("GET", nil, headers) end
end

function request()
  return fixed or wrk.format("GET", paths[math.random(#paths)], headers)
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local text = table.concat({
    string.format("seconds %.3f", seconds),
    string.format("answered %d", summary.requests),
    string.format("rps %.0f", summary.requests / seconds),
    string.format("failed %d", summary.errors.status),
    string.format("socket_errors %d", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout),
    string.format("p50_ms %.3f", latency:percentile(50) / 1000),
    string.format("p99_ms %.3f", latency:percentile(99) / 1000),
  }, "\n") .. "\n"
  local file = assert(io.open(result, "w"))
  file:write(text)
  file:close()
end
