#!/usr/bin/env python3
"""What wallets need from RPC: validateaddress, getblockheader, getrawmempool, the minimum fee,
a transaction's finality and its replacement, addresses normalised to lower case, and balances
that say at which height they were read."""
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, assert_raises_rpc_error, main


def run(t):
    node = t.add_node()
    bob = node.new_key(os.path.join(t.tmpdir, "bob.key"), "bob")
    upper = bob.upper()

    # validateaddress: valid (in either case), of another network, and garbage.
    for text in (bob, upper):
        v = node.rpc("validateaddress", text)
        assert_equal(v["isvalid"], True)
        assert_equal(v["address"], bob)
        assert_equal(len(v["pubkey"]), 64)
    other = node.rpc("validateaddress", "mln1" + bob[5:])
    assert_equal(other["isvalid"], False)
    assert other["error"], other
    assert_equal(node.rpc("validateaddress", "x" * 300)["isvalid"], False)

    # Balances and accounts: normalised address and the height read at.
    dev = node.dev_address()
    bal = node.rpc("getbalance", dev.upper())
    assert_equal(bal["address"], dev)
    assert_equal(bal["height"], 0)
    assert_equal(node.rpc("getaccount", upper)["address"], bob)
    assert_equal(node.rpc("getproof", upper)["address"], bob)
    assert_equal(node.rpc("getaddresshistory", upper)["address"], bob)

    info = node.rpc("getmempoolinfo")
    assert_equal(info["min_fee"], 1000)

    def sign(nonce, fee):
        rc, out, err = node.cli(f"-keyfile={node.dev_key_path}", "signtransfer", bob, "1",
                                str(nonce), fee, input=DEV_KEY_PASSPHRASE + "\n")
        assert rc == 0, err
        return out.strip()

    first = node.rpc("sendrawtransaction", sign(0, "0.00001"))
    tx = node.rpc("gettransaction", first)
    assert_equal((tx["status"], tx["final"]), ("pending", False))
    assert_equal(node.rpc("getrawmempool"), [first])

    # Replaced by the same nonce with a higher fee: gettransaction names the replacement.
    second = node.rpc("sendrawtransaction", sign(0, "0.00002"))
    assert_equal(node.rpc("getrawmempool"), [second])
    replaced = node.rpc("gettransaction", first)
    assert_equal(replaced, {"txid": first, "status": "replaced", "final": False,
                            "replaced_by": second})

    block = node.rpc("generateblock")
    tx = node.rpc("gettransaction", second)
    assert_equal((tx["status"], tx["final"], tx["height"]), ("confirmed", True, 1))
    assert_equal(node.rpc("getrawmempool"), [])
    bal = node.rpc("getbalance", bob)
    assert_equal((bal["balance"], bal["height"]), (100_000_000, 1))

    # getblockheader: the header of getblock, by height or hash, without transactions.
    full = node.rpc("getblock", 1)
    header = node.rpc("getblockheader", block["hash"])
    assert_equal(header, node.rpc("getblockheader", 1))
    for key, value in header.items():
        if key != "confirmations":
            assert_equal(value, full[key])
    assert "txs" not in header
    assert_equal(header["confirmations"], 1)
    node.rpc("generateblock")
    assert_equal(node.rpc("getblockheader", 1)["confirmations"], 2)
    assert_raises_rpc_error(-8, "no block", node.rpc, "getblockheader", "00" * 32)
    assert_raises_rpc_error(-8, "no block at height 99", node.rpc, "getblockheader", 99)

    # buycredits: burns MLN for credits at the network's rate (1 per base unit on dev); the
    # burn shows in the supply's accounting through the balance it left.
    before = node.rpc("getaccount", dev)
    txid = node.cli_ok(f"-keyfile={node.dev_key_path}", "buycredits", "2",
                       input=DEV_KEY_PASSPHRASE + "\n").strip()
    assert_equal(node.rpc("gettransaction", txid)["type"], "buy_credits")
    node.rpc("generateblock")
    after = node.rpc("getaccount", dev)
    assert_equal(after["credits"], before["credits"] + 2 * 100_000_000)
    assert_equal(node.rpc("getcredits", dev.upper()),
                 {"address": dev, "credits": after["credits"], "height": after["height"]})
    # The dev key proposes, so it gets its own fee back: only the burn leaves.
    assert_equal(after["balance"], before["balance"] - 2 * 100_000_000)
    node.stop()


if __name__ == "__main__":
    main(run)
