#!/usr/bin/env python3
"""The mempool survives a clean restart: saved to mempool.dat at shutdown, loaded at start with
every transaction validated again; the log says how many were kept and dropped. A damaged file
is set aside with a warning; -persistmempool=0 neither loads nor saves."""
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, main


def run(t):
    node = t.add_node()
    bob = node.new_key(os.path.join(t.tmpdir, "bob.key"), "bob")
    mempool_dat = os.path.join(node.netdir, "mempool.dat")

    def sign(nonce):
        rc, out, err = node.cli(f"-keyfile={node.dev_key_path}", "signtransfer", bob, "1",
                                str(nonce), input=DEV_KEY_PASSPHRASE + "\n")
        assert rc == 0, err
        return out.strip()

    raw = [sign(n) for n in range(3)]
    ids = [node.rpc("sendrawtransaction", h) for h in raw]
    assert_equal(node.rpc("getmempoolinfo")["size"], 3)

    with node.assert_debug_log([f"saved 3 transactions to {mempool_dat}"]):
        node.stop()
    with node.assert_debug_log([f"loaded 3 transactions from {mempool_dat}, dropped 0"]):
        node.start()
    assert_equal(sorted(node.rpc("getrawmempool")), sorted(ids))

    # The first one is mined while the node runs without the file; at the next load it is
    # dropped (its nonce is used) and the other two are kept.
    node.restart(extra_args=["-persistmempool=0"])
    assert_equal(node.rpc("getmempoolinfo")["size"], 0)
    node.rpc("sendrawtransaction", raw[0])
    node.rpc("generateblock")
    node.stop()
    with node.assert_debug_log([f"loaded 2 transactions from {mempool_dat}, dropped 1"]):
        node.start(extra_args=[])
    assert_equal(sorted(node.rpc("getrawmempool")), sorted(ids[1:]))
    node.rpc("generateblock")
    assert_equal(node.rpc("getaccount", bob)["balance"], 3 * 100_000_000)

    # A damaged file: set aside, named in a warning, and the node starts with an empty pool.
    node.stop()
    with open(mempool_dat, "r+b") as f:
        f.seek(20)
        f.write(b"\x00\xff")
    with node.assert_debug_log(["warning: mempool file", "checksum mismatch"]):
        node.start()
    assert_equal(node.rpc("getmempoolinfo")["size"], 0)
    assert os.path.exists(mempool_dat + ".bad")
    node.stop()


if __name__ == "__main__":
    main(run)
