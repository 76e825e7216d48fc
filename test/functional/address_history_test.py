#!/usr/bin/env python3
"""getaddresshistory: every transaction touching an address, newest first, with height,
direction, amount and fee, plus the fees it earned as proposer; paged by a cursor; the same
after -reindex rebuilt the index."""
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, main

COIN = 100_000_000
FEE = 1000  # the CLI's default fee: the dev network's minimum


def run(t):
    node = t.add_node()
    dev = node.dev_address()
    bob_key = os.path.join(t.tmpdir, "bob.key")
    bob = node.new_key(bob_key, "bob")
    device_key = os.path.join(t.tmpdir, "device.key")
    device = node.new_key(device_key, "d")

    def cli(*args, passphrases):
        rc, out, err = node.cli(*args, input="".join(p + "\n" for p in passphrases))
        assert rc == 0, err
        return out.strip()

    for amount in ("10", "20", "30"):
        cli(f"-keyfile={node.dev_key_path}", "transfer", bob, amount, passphrases=[DEV_KEY_PASSPHRASE])
        node.rpc("generateblock")
    cli(f"-keyfile={bob_key}", "transfer", dev, "0.5", passphrases=["bob"])
    cli(f"-keyfile={bob_key}", f"-devicekeyfile={device_key}", "registerdevice", "uptime",
        passphrases=["bob", "d"])
    node.rpc("generateblock")

    def history(address, **named):
        return node.rpc("getaddresshistory", address=address, **named)

    h = history(bob.upper())
    assert_equal(h["address"], bob)
    assert_equal(h["height"], 4)
    assert_equal(h["next"], None)
    got = [(e["height"], e["type"], e["direction"], e["amount"], e["fee"]) for e in h["entries"]]
    bond = 10 * COIN
    assert_equal(got, [
        (4, "register_device", "sent", bond, FEE),
        (4, "transfer", "sent", COIN // 2, FEE),
        (3, "transfer", "received", 30 * COIN, 0),
        (2, "transfer", "received", 20 * COIN, 0),
        (1, "transfer", "received", 10 * COIN, 0),
    ])
    assert_equal([e["index"] for e in h["entries"]][:2], [1, 0])
    tx = node.rpc("gettransaction", h["entries"][2]["txid"])
    assert_equal((tx["height"], tx["payload"]["amount"]), (3, 30 * COIN))

    # The device co-signed; its balance did not move.
    d = history(device)["entries"]
    assert_equal([(e["direction"], e["amount"], e["fee"]) for e in d], [("signed", 0, 0)])

    # The dev validator proposed every block: it earned the fees of each.
    entries = history(dev)["entries"]
    fees = [(e["height"], e["amount"]) for e in entries if e["direction"] == "proposer-fees"]
    assert_equal(fees, [(4, 2 * FEE), (3, FEE), (2, FEE), (1, FEE)])
    received = [e for e in entries if e["direction"] == "received"]
    assert_equal([(e["height"], e["amount"]) for e in received], [(4, COIN // 2)])
    # In a block, the fees come after its transactions, so newest first they come first.
    assert_equal(entries[0]["direction"], "proposer-fees")
    assert_equal(entries[0]["txid"], node.rpc("getblockhash", 4))

    # Pages of two follow each other without gaps or repeats.
    pages, before = [], None
    while True:
        page = history(bob, count=2, **({"before": before} if before else {}))
        pages += page["entries"]
        before = page["next"]
        if before is None:
            break
    assert_equal(pages, h["entries"])
    for bad in ("x", "1:", "1:99999999999"):
        try:
            history(bob, before=bad)
            raise AssertionError(f"cursor {bad!r} was accepted")
        except Exception as e:  # RpcError
            assert "HEIGHT:INDEX" in str(e), e

    # -reindex rebuilds the index from the blocks.
    node.restart(extra_args=["-reindex"])
    assert_equal(history(bob), h)

    # maillon-cli retiredevice: the owner alone signs; the device stops earning at once.
    cli(f"-keyfile={bob_key}", "retiredevice", device, passphrases=["bob"])
    retired_at = node.rpc("generateblock")["height"]
    got = node.rpc("getdevice", device)
    assert_equal((got["retired_height"], got["bond_unlocks_at"]), (retired_at, retired_at + 10))
    assert_equal(history(bob)["entries"][0]["type"], "retire_device")
    node.stop()


if __name__ == "__main__":
    main(run)
