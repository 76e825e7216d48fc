-- Shared wrk logic for the RPC benchmark (contrib/bench/rpc-bench.sh).
--
-- A workload script sets RPC_METHOD / RPC_PARAMS_JSON (a JSON array, as text)
-- and then runs this file with dofile(). Every request is the same POST of one
-- JSON-RPC 2.0 object, sent on keep-alive connections, with
--   Content-Type: application/json
--   Authorization: <$RPC_AUTH>      (only when the environment variable is set)
--
-- The response() callback counts, per wrk thread, replies that are not a
-- JSON-RPC success: HTTP status other than 200, a body with a non-null "error"
-- member (e.g. "error":{...}), or a body without a "result" member. done()
-- sums the threads and prints two machine-readable lines after wrk's report:
--   jsonrpc_responses <n>
--   jsonrpc_errors <n>
--   jsonrpc_first_error <status> <body>     (only when there was an error)
-- rpc-bench.sh fails when jsonrpc_errors is not 0.

local body = string.format('{"jsonrpc":"2.0","id":1,"method":"%s","params":%s}',
                           RPC_METHOD, RPC_PARAMS_JSON or "[]")

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("RPC_AUTH")
if auth ~= nil and auth ~= "" then
   wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   responses = 0
   errors = 0
   first_error = ""
end

function response(status, headers, resp_body)
   responses = responses + 1
   local bad = status ~= 200
   if not bad then
      -- A non-null "error" member ("error":{...}, "error":"...", ...) is an
      -- error; "error":null (JSON-RPC 1.0 success envelope) is not.
      local c = resp_body:match('"error"%s*:%s*(.)')
      if c ~= nil and c ~= "n" then bad = true end
      if not resp_body:find('"result"%s*:') then bad = true end
   end
   if bad then
      errors = errors + 1
      if first_error == "" then
         first_error = tostring(status) .. " " .. string.sub(resp_body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local r, e, first = 0, 0, ""
   for _, t in ipairs(threads) do
      r = r + (t:get("responses") or 0)
      e = e + (t:get("errors") or 0)
      local f = t:get("first_error")
      if first == "" and f ~= nil and f ~= "" then first = f end
   end
   io.write(string.format("jsonrpc_request %s\n", body))
   io.write(string.format("jsonrpc_responses %d\n", r))
   io.write(string.format("jsonrpc_errors %d\n", e))
   if first ~= "" then
      io.write("jsonrpc_first_error " .. first:gsub("\n", " ") .. "\n")
   end
end
