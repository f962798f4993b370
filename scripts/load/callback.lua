-- POST /api/auth/hawcx/callback with one fresh authorization code per request, read from
-- the file named by CODES; threads take disjoint codes (thread k: k, k+T, k+2T, ...).
-- When its codes run out a thread stops.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("CODES")) do codes[#codes + 1] = line end
  step = tonumber(os.getenv("THREADS"))
  next_index = id
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local code = codes[next_index]
  next_index = next_index + step
  if code == nil then
    -- Out of codes: this thread stops (wrk's rate covers the time until the last one).
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/auth/hawcx/callback", nil, '{"code":"' .. code .. '"}')
end
