-- GET /api/me with a Bearer token (TOKEN), each connection waiting DELAY_MS between
-- requests: the soak's steady rate is about connections * 1000 / (DELAY_MS + latency).
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  delay_ms = tonumber(os.getenv("DELAY_MS"))
end

function request()
  return wrk.format("GET", "/api/me")
end

function delay()
  return delay_ms
end
