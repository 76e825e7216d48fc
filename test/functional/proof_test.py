#!/usr/bin/env python3
"""getproof gives proofs that maillon-cli verifyproof checks against signed headers, at any height."""
import json
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, assert_raises_rpc_error, main


def run(t):
    node = t.add_node()
    dev = node.dev_address()
    carol = node.new_key(os.path.join(t.tmpdir, "carol.key"), "c")

    def verify(*args):
        rc, out, err = node.cli("verifyproof", *args)
        assert rc == 0, err
        return json.loads(out)

    # Absent before the transfer, present after; the old proof stays checkable.
    before = verify(carol)
    assert_equal((before["verified"], before["present"], before["balance"]), (True, False, 0))
    rc, _, err = node.cli(f"-keyfile={node.dev_key_path}", "transfer", carol, "7", input=DEV_KEY_PASSPHRASE + "\n")
    assert rc == 0, err
    node.rpc("generateblock")
    after = verify(carol)
    assert_equal((after["present"], after["balance"], after["height"]), (True, 700_000_000, 1))
    assert_equal(verify(carol, "0")["present"], False)
    assert_equal(verify(dev, "0")["balance"], 1_000_000 * 100_000_000)

    proof = node.rpc("getproof", carol)
    assert_equal(proof["account"], {"balance": 700_000_000, "nonce": 0, "bonded": 0, "credits": 0})
    assert_equal(proof["state_root"], node.rpc("getblock", 1)["state_root"])
    assert_equal(node.rpc("getproof", address=carol, height=0)["account"], None)
    assert_raises_rpc_error(-8, "no block at height", node.rpc, "getproof", carol, 99)
    assert_raises_rpc_error(-5, "invalid address", node.rpc, "getproof", "dmln1nope")
    rc, _, err = node.cli("verifyproof", "dmln1invalid")
    assert rc != 0 and "invalid address" in err, err


if __name__ == "__main__":
    main(run)
