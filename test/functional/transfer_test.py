#!/usr/bin/env python3
"""Transfers move funds: balances, nonces and fees add up, through the CLI and raw RPC."""
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, assert_raises_rpc_error, main

MIN_FEE = 1000
COIN = 100_000_000
BOND = 10 * COIN  # the dev network's device bond


def run(t):
    node = t.add_node()

    cli_ok = node.cli_ok

    dev_key = node.dev_key_path
    dev = cli_ok(f"-keyfile={dev_key}", "address")
    alice_key = os.path.join(t.tmpdir, "alice.key")
    alice = cli_ok(f"-keyfile={alice_key}", "keygen", input="alice secret\n")
    assert alice.startswith("dmln1"), alice
    assert_equal(cli_ok(f"-keyfile={alice_key}", "address"), alice)
    assert_equal(os.stat(alice_key).st_mode & 0o777, 0o600)

    supply = node.rpc("getbalance", dev)["balance"]
    assert_equal(node.rpc("getbalance", alice)["balance"], 0)

    # CLI transfer, waiting for inclusion (the test makes the block).
    txid = cli_ok(f"-keyfile={dev_key}", "transfer", alice, "12.5", input=DEV_KEY_PASSPHRASE + "\n")
    pending = node.rpc("gettransaction", txid)
    assert_equal(pending["status"], "pending")
    assert_equal(node.rpc("getmempoolinfo")["size"], 1)
    assert_equal(node.rpc("getaccount", dev)["next_nonce"], 1)
    block = node.rpc("generateblock")
    assert_equal(block["txs"], [txid])
    confirmed = node.rpc("gettransaction", txid)
    assert_equal(confirmed["status"], "confirmed")
    assert_equal(confirmed["height"], block["height"])
    assert_equal(confirmed["payload"], {"to": alice, "amount": 1_250_000_000})
    assert_equal([(s["role"], s["address"]) for s in confirmed["signers"]], [("sender", dev)])
    assert_equal(node.rpc("getmempoolinfo")["size"], 0)
    full = node.rpc("getblock", block["height"], 2)
    assert_equal([tx["txid"] for tx in full["txs"]], [txid])
    assert_equal((full["txs"][0]["signers"][0]["address"], full["txs"][0]["payload"]["to"]), (dev, alice))

    # The dev key is both sender and proposer: it pays the amount and gets its fee back.
    assert_equal(node.rpc("getbalance", alice)["balance"], 1_250_000_000)
    assert_equal(node.rpc("getbalance", dev)["balance"], supply - 1_250_000_000)
    assert_equal(node.rpc("getaccount", dev)["nonce"], 1)

    # Alice sends back with a signed-offline transaction: the proposer (dev) earns her fee.
    raw = cli_ok(f"-keyfile={alice_key}", "signtransfer", dev, "2", "0", "0.0001", input="alice secret\n")
    txid2 = node.rpc("sendrawtransaction", raw)
    assert_raises_rpc_error(-27, "already-in-mempool", node.rpc, "sendrawtransaction", raw)
    node.rpc("generateblock")
    fee = 10_000
    alice_acct = node.rpc("getaccount", alice)
    assert_equal(alice_acct["balance"], 1_250_000_000 - 2 * COIN - fee)
    assert_equal(alice_acct["nonce"], 1)
    assert_equal(node.rpc("getbalance", dev)["balance"], supply - 1_250_000_000 + 2 * COIN + fee)
    assert_equal(node.rpc("getbalance", alice)["balance"] + node.rpc("getbalance", dev)["balance"], supply)
    assert_equal(node.rpc("gettransaction", txid2)["fee"], fee)

    # Replays and stale nonces are refused with the reason.
    assert_raises_rpc_error(-27, "already-in-chain", node.rpc, "sendrawtransaction", raw)
    stale = cli_ok(f"-keyfile={alice_key}", "signtransfer", dev, "1", "0", input="alice secret\n")
    assert_raises_rpc_error(-25, "nonce-too-low", node.rpc, "sendrawtransaction", stale)
    gap = cli_ok(f"-keyfile={alice_key}", "signtransfer", dev, "1", "5", input="alice secret\n")
    assert_raises_rpc_error(-26, "nonce-gap", node.rpc, "sendrawtransaction", gap)
    rich = cli_ok(f"-keyfile={alice_key}", "signtransfer", dev, "100", "1", input="alice secret\n")
    assert_raises_rpc_error(-6, "insufficient-funds", node.rpc, "sendrawtransaction", rich)

    # CLI errors: wrong passphrase, bad address, and a clear non-zero exit.
    rc, _, err = node.cli(f"-keyfile={alice_key}", "signtransfer", dev, "1", "1", input="wrong\n")
    assert rc != 0 and "wrong passphrase" in err, err
    rc, _, err = node.cli(f"-keyfile={alice_key}", "signtransfer", "tmln1xyz", "1", "1", input="alice secret\n")
    assert rc != 0 and "invalid address" in err, err

    # A device registration: signed by the owner (alice) and the device; the
    # owner pays the fee and the bond, which is locked in the device's record.
    device_key = os.path.join(t.tmpdir, "device.key")
    device = cli_ok(f"-keyfile={device_key}", "keygen", input="device secret\n")
    before = node.rpc("getaccount", alice)
    regid = cli_ok(f"-keyfile={alice_key}", f"-devicekeyfile={device_key}", "registerdevice",
                   "uptime,storage", input="alice secret\ndevice secret\n")
    pending = node.rpc("gettransaction", regid)
    assert_equal(pending["type"], "register_device")
    assert_equal([(s["role"], s["address"]) for s in pending["signers"]],
                 [("owner", alice), ("device", device)])
    assert_equal(pending["payload"], {"kinds": 5, "bond": BOND})
    node.rpc("generateblock")
    assert_equal(node.rpc("getdevice", device)["owner"], alice)
    assert_equal(node.rpc("getdevice", device)["kinds"], 5)
    after = node.rpc("getaccount", alice)
    assert_equal(after["balance"], before["balance"] - BOND - MIN_FEE)
    assert_equal(after["nonce"], before["nonce"] + 1)
    # Once only, whoever asks: a second registration is refused at the door,
    # with the reason.
    dev_nonce = node.rpc("getaccount", dev)["next_nonce"]
    again = cli_ok(f"-keyfile={dev_key}", f"-devicekeyfile={device_key}", "signregisterdevice",
                   "bandwidth", str(dev_nonce), input=DEV_KEY_PASSPHRASE + "\ndevice secret\n")
    assert_raises_rpc_error(-25, "device-already-registered", node.rpc, "sendrawtransaction", again)
    assert_raises_rpc_error(-8, "is registered", node.rpc, "getdevice", alice)
    # Without the device's signature it is not a registration at all.
    rc, _, err = node.cli(f"-keyfile={alice_key}", "registerdevice", "uptime", input="alice secret\n")
    assert rc != 0 and "-devicekeyfile" in err, err
    rc, _, err = node.cli(f"-keyfile={alice_key}", f"-devicekeyfile={device_key}", "registerdevice",
                          "radio", input="alice secret\ndevice secret\n")
    assert rc != 0 and "kinds 'radio'" in err, err
    spent = BOND + MIN_FEE

    # -wait blocks until a block includes the transaction (timer on this time).
    node.restart(extra_args=["-blockinterval=100"])
    out = cli_ok(f"-keyfile={dev_key}", "transfer", alice, "1", "-wait", input=DEV_KEY_PASSPHRASE + "\n")
    assert '"status": "confirmed"' in out, out
    assert_equal(node.rpc("getbalance", alice)["balance"], 1_250_000_000 - 2 * COIN - fee + COIN - spent)


if __name__ == "__main__":
    main(run)
