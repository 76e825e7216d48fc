-- wrk workload for contrib/bench/rpc-bench.sh: ganache eth_getBalance of $RPC_ADDRESS (a funded eth_accounts entry) at "latest".
-- The request and the error accounting are in jsonrpc.lua.
RPC_METHOD = "eth_getBalance"
RPC_PARAMS_JSON = string.format('["%s","latest"]', assert(os.getenv("RPC_ADDRESS"), "set RPC_ADDRESS"))
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "jsonrpc.lua")
