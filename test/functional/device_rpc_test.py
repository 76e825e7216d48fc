#!/usr/bin/env python3
"""The device RPC methods and CLI commands, end to end on one dev node: heartbeats submitted
one at a time and in a batch (each entry answered, refusals counted by reason in
getdevicerejections), listdevices a page at a time, a bandwidth session settled by one receipt
the consumer signed, a storage deal over a file prepared (encrypted, chunked) by the CLI and read
back byte-identical and proven for an epoch by a proof the CLI signed offline, and attestations
kept across a restart in mempool.dat."""
import json
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, main


def run(t):
    node = t.add_node()
    dev_key = node.dev_key_path
    devices = []
    for i in range(3):
        path = os.path.join(t.tmpdir, f"device{i}.key")
        devices.append((path, node.new_key(path, "d")))
    consumer_key = os.path.join(t.tmpdir, "consumer.key")
    consumer = node.new_key(consumer_key, "c")

    def register(path, kinds):
        node.cli_ok(f"-keyfile={dev_key}", f"-devicekeyfile={path}", "registerdevice", kinds,
                    input=DEV_KEY_PASSPHRASE + "\nd\n")
        node.rpc("generateblock")

    register(devices[0][0], "uptime,bandwidth,storage")
    register(devices[1][0], "uptime")
    register(devices[2][0], "storage")
    (d0_key, d0), (d1_key, d1), (d2_key, d2) = devices

    # listdevices, one page at a time, in key order.
    everyone = sorted(d for _, d in devices)
    seen, after = [], None
    while True:
        page = node.rpc("listdevices", 2, after) if after else node.rpc("listdevices", 2)
        seen += [d["device"] for d in page["devices"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert_equal(sorted(seen), everyone)
    assert_equal(node.rpc("listdevices")["devices"][0]["owner"], node.dev_address())

    def heartbeat(path):
        info = node.rpc("getblockchaininfo")
        return node.cli_ok(f"-devicekeyfile={path}", "signheartbeat", str(info["blocks"]),
                           info["bestblockhash"], input="d\n")

    # One batch: accepted, a second heartbeat of the same interval, a device without uptime,
    # garbage. Each entry answered in order.
    hb0, hb1 = heartbeat(d0_key), heartbeat(d1_key)
    replies = node.rpc("submitattestation", [hb0, heartbeat(d0_key), heartbeat(d2_key), "zz", hb1])
    assert_equal([r["accepted"] for r in replies], [True, False, False, False, True])
    assert_equal([r.get("reason") for r in replies],
                 [None, "already-in-mempool", "device-kind-not-offered", "not-hex", None])
    assert_equal(replies[3]["txid"], None)
    assert_equal(node.rpc("getmempoolinfo")["attestations"], 2)
    node.rpc("generateblock")
    contrib = node.rpc("getdevicecontributions", d0)
    assert_equal((contrib["uptime_intervals"], contrib["epoch_totals"]["uptime_intervals"]), (1, 2))
    # The same interval again, now that it is counted: refused by the rules and remembered.
    again = node.rpc("submitattestation", heartbeat(d0_key))[0]
    assert_equal(again["reason"], "heartbeat-already-counted")
    rejections = {r["reason"]: r["count"] for r in node.rpc("getdevicerejections", d2)["rejections"]}
    assert_equal(rejections, {"device-kind-not-offered": 1})
    assert_equal(node.rpc("getdevicerejections", d0)["rejections"][0]["reason"],
                 "heartbeat-already-counted")

    # A transfer is not an attestation.
    nonce = node.rpc("getaccount", node.dev_address())["next_nonce"]
    transfer = node.cli_ok(f"-keyfile={dev_key}", "signtransfer", consumer, "5", str(nonce),
                           input=DEV_KEY_PASSPHRASE + "\n")
    assert_equal(node.rpc("submitattestation", transfer)[0]["reason"], "not-an-attestation")
    node.rpc("sendrawtransaction", transfer)
    node.rpc("generateblock")
    node.cli_ok(f"-keyfile={consumer_key}", "buycredits", "0.001", input="c\n")
    node.rpc("generateblock")
    assert_equal(node.rpc("getcredits", consumer)["credits"], 100_000)

    # A bandwidth session: the consumer signs running totals, the device co-signs the last.
    session = "5e" * 32
    height = str(node.rpc("getblockcount"))
    for total in (1000, 5000, 20_000):
        partial = node.cli_ok(f"-keyfile={consumer_key}", "signbandwidthreceipt", d0, session,
                              str(total), height, input="c\n")
    final = node.cli_ok(f"-keyfile={consumer_key}", f"-devicekeyfile={d0_key}",
                        "signbandwidthreceipt", d0, session, "20000", height, input="c\nd\n")
    assert partial != final  # the device's signature was missing
    assert_equal(node.rpc("submitattestation", final)[0]["accepted"], True)
    node.rpc("generateblock")
    contrib = node.rpc("getdevicecontributions", d0)
    assert_equal((contrib["bandwidth_bytes"], contrib["credits_burned"]), (20_000, 20))
    assert_equal(node.rpc("getcredits", consumer)["credits"], 100_000 - 20)
    assert_equal(node.rpc("submitattestation", final)[0]["reason"], "already-in-chain")

    # A file prepared for a deal: only ciphertext leaves the client; it decrypts back.
    plain = os.path.join(t.tmpdir, "photo.bin")
    with open(plain, "wb") as f:
        f.write(os.urandom(3000))
    data_key = os.path.join(t.tmpdir, "data.key")
    stored = os.path.join(t.tmpdir, "photo.stored")
    prepared = json.loads(node.cli_ok(f"-datakeyfile={data_key}", "-chunksize=256",
                                      "preparefile", plain, stored))
    assert_equal((prepared["size"], prepared["chunk_size"], prepared["chunks"]), (3028, 256, 12))
    with open(plain, "rb") as f, open(stored, "rb") as g:
        assert f.read() not in g.read()
    back = os.path.join(t.tmpdir, "photo.back")
    node.cli_ok(f"-datakeyfile={data_key}", "openfile", stored, back)
    with open(plain, "rb") as f, open(back, "rb") as g:
        assert_equal(f.read(), g.read())

    deal = node.cli_ok(f"-keyfile={consumer_key}", f"-devicekeyfile={d0_key}", "storagedeal",
                       prepared["data_root"], str(prepared["size"]), "256", "2", "3",
                       input="c\nd\n")
    node.rpc("generateblock")
    got = node.rpc("getdeal", deal)
    assert_equal((got["data_root"], got["size"], got["chunks"], got["escrow"]),
                 (prepared["data_root"], 3028, 12, 3028 * 3 * 2))
    assert_equal(got["start_epoch"], node.rpc("getblockchaininfo")["epoch"] + 1)
    assert_equal(node.rpc("getcredits", consumer)["credits"], 100_000 - 20 - 3028 * 6)

    # The device proves the deal's first epoch from its copy, signed offline by the CLI: the
    # challenge is the hash of the epoch's first block, the proof goes in its window.
    epoch = got["start_epoch"]
    while node.rpc("getblockcount") < epoch * 60:
        node.rpc("generateblock")
    challenge = node.rpc("getblockhash", epoch * 60)
    prove = ("signstorageproof", stored, prepared["data_root"], deal, str(epoch), challenge)
    rc, _, err = node.cli(f"-devicekeyfile={d0_key}", *prove, input="d\n")
    assert rc != 0 and "pass the -chunksize preparefile used" in err, err
    proof = node.cli_ok(f"-devicekeyfile={d0_key}", "-chunksize=256", *prove, input="d\n")
    assert_equal(node.rpc("submitattestation", proof)[0]["accepted"], True)
    node.rpc("generateblock")
    assert_equal(node.rpc("getdeal", deal)["proven_epochs"], 1)
    assert_equal(node.rpc("getdevicecontributions", d0, epoch)["storage_byte_epochs"], 3028)

    # A pending attestation survives a restart (mempool.dat).
    for _ in range(10):  # one heartbeat interval later
        node.rpc("generateblock")
    assert_equal(node.rpc("submitattestation", heartbeat(d1_key))[0]["accepted"], True)
    node.restart()
    assert_equal(node.rpc("getmempoolinfo")["attestations"], 1)


if __name__ == "__main__":
    main(run)
