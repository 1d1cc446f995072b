-- wrk script of the token-issuance benchmark (bench/token.sh): every request is
-- POST {tenant}/oauth2/v2.0/token with the client_credentials grant, the form a daemon
-- app (or MSAL's acquire_token_for_client) sends. The app comes from the environment:
-- BENCH_CLIENT_ID and BENCH_CLIENT_SECRET. The URL on wrk's command line is the token
-- endpoint.
--
-- With BENCH_MINT=dev it posts an app-token request to the development endpoint
-- POST /_edugraph/tokens instead: signing alone, no client authentication, no store
-- reads, no audit entry; the reference row that shows what signing costs.
--
-- Prints the same machine-readable line as bench/wrk.lua:
--   RESULT requests=N rps=R p50_us=.. p90_us=.. p99_us=.. max_us=.. non2xx=N socket_errors=N

local function form_encode(value)
  return (value:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

wrk.method = "POST"
if os.getenv("BENCH_MINT") == "dev" then
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"app": true, "roles": ["EduRoster.Read.All"]}'
else
  local client_id = os.getenv("BENCH_CLIENT_ID") or ""
  local client_secret = os.getenv("BENCH_CLIENT_SECRET") or ""
  if client_id == "" or client_secret == "" then
    io.stderr:write("token.lua: set BENCH_CLIENT_ID and BENCH_CLIENT_SECRET\n")
    os.exit(2)
  end
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = table.concat({
    "grant_type=client_credentials",
    "client_id=" .. form_encode(client_id),
    "client_secret=" .. form_encode(client_secret),
    "scope=" .. form_encode("https://graph.microsoft.com/.default"),
  }, "&")
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests,
    summary.requests / seconds,
    latency:percentile(50),
    latency:percentile(90),
    latency:percentile(99),
    latency.max,
    e.status,
    e.connect + e.read + e.write + e.timeout
  ))
end
