-- wrk workload for contrib/bench/rpc-bench.sh: Maillon getblockcount.
-- The request and the error accounting are in jsonrpc.lua.
RPC_METHOD = "getblockcount"
RPC_PARAMS_JSON = "[]"
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "jsonrpc.lua")
