#!/usr/bin/env python3
"""The dev chain advances: on its timer and on demand, with linked, well-formed blocks."""
from framework import assert_equal, assert_greater_than, assert_raises_rpc_error, main, wait_until


def run(t):
    node = t.add_node(extra_args=["-blockinterval=100"])
    info = node.rpc("getblockchaininfo")
    assert_equal(info["chain"], "dev")
    assert_equal(info["address_prefix"], "dmln")

    # The timer produces blocks by itself.
    wait_until(lambda: node.rpc("getblockcount") >= 5, timeout=30, what="five timer blocks")
    node.restart(extra_args=["-blockinterval=0"])

    # On demand: each generateblock adds exactly one block.
    height = node.rpc("getblockcount")
    made = node.rpc("generateblock")
    assert_equal(made["height"], height + 1)
    assert_equal(node.rpc("getblockcount"), height + 1)
    assert_equal(node.rpc("getblockhash", height + 1), made["hash"])

    # Every block links to its parent, with increasing heights and times.
    tip = node.rpc("getblockcount")
    prev = node.rpc("getblock", 0)
    assert_equal(prev["height"], 0)
    assert_equal(prev["parent"], "00" * 32)
    assert_equal(prev["proposer"], None)
    for h in range(1, tip + 1):
        block = node.rpc("getblock", node.rpc("getblockhash", h))
        assert_equal(block["height"], h)
        assert_equal(block["parent"], prev["hash"])
        assert_greater_than(block["time_ms"], prev["time_ms"])
        assert_equal(block["confirmations"], tip - h + 1)
        prev = block

    # Lookup by height and by hash agree; verbosity 0 gives the serialized block.
    assert_equal(node.rpc("getblock", 1), node.rpc("getblock", node.rpc("getblockhash", 1)))
    raw = node.rpc("getblock", 1, 0)
    assert_equal(len(raw) // 2, node.rpc("getblock", 1)["size"])

    assert_raises_rpc_error(-8, "no block at height", node.rpc, "getblockhash", tip + 1)
    assert_raises_rpc_error(-8, "no block with hash", node.rpc, "getblock", "ab" * 32)
    assert_raises_rpc_error(-3, "64 hex characters", node.rpc, "getblock", "xyz")
    assert_raises_rpc_error(-3, "a height goes as a JSON number", node.rpc, "getblock", "5")
    assert_raises_rpc_error(-11, "verbosity must be 0, 1 or 2, got 3", node.rpc, "getblock", 1, 3)
    # Any other JSON type is refused by the parameter table, naming both types.
    for bad in (1.5, True, [1], -1):
        assert_raises_rpc_error(-32602, "must be a string or non-negative integer", node.rpc, "getblock", bad)
    # verbosity's declared default (1) applies when it is left out.
    assert_equal(node.rpc("getblock", 0), node.rpc("getblock", 0, 1))


if __name__ == "__main__":
    main(run)
