-- wrk script of the edugraph benchmarks (scripts/bench.sh).
--
-- Without BENCH_PATHS every request goes to the URL on wrk's command line. With
-- BENCH_PATHS naming a file of request paths (one per line, already percent-encoded),
-- each thread walks that list from its own starting point, so the load spreads over many
-- rows instead of hitting one cached row. Headers (the bearer token) come from -H.
--
-- At the end one machine-readable line is printed:
--   RESULT requests=N rps=R p50_us=.. p90_us=.. p99_us=.. max_us=.. non2xx=N socket_errors=N

local paths = nil
local next_index = 0
local thread_count = 0

function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = os.getenv("BENCH_PATHS")
  if file and file ~= "" then
    paths = {}
    for line in io.lines(file) do
      if line ~= "" then
        paths[#paths + 1] = line
      end
    end
    -- Threads start far apart in the list so they do not ask for the same rows together.
    next_index = math.floor(#paths * (thread_number or 0) / 2)
  end
end

function request()
  if paths == nil then
    return wrk.format()
  end
  next_index = next_index % #paths + 1
  return wrk.format("GET", paths[next_index])
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
