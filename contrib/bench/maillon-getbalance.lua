-- wrk workload for contrib/bench/rpc-bench.sh: Maillon getbalance of $RPC_ADDRESS (the funded dev address).
-- The request and the error accounting are in jsonrpc.lua.
RPC_METHOD = "getbalance"
RPC_PARAMS_JSON = string.format('["%s"]', assert(os.getenv("RPC_ADDRESS"), "set RPC_ADDRESS"))
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "jsonrpc.lua")
