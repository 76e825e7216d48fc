#!/usr/bin/env python3
"""Every method that `help` lists is called, in each of its result shapes, on a
node started with -rpccheckresults: a result that does not match its documented
shape comes back as -32603, so this fails when code and documentation drift
apart. A method missing from CALLS fails the test too, so a new method cannot
go unchecked."""
import os

from framework import DEV_KEY_PASSPHRASE, assert_equal, main, wait_until


def listed_methods(node):
    """Method names from `help`: one usage line per method under "== Category ==" titles."""
    names = set()
    for line in node.rpc("help").splitlines():
        if line and not line.startswith("=="):
            names.add(line.split()[0])
    return names


def run(t):
    node = t.add_node()
    dev = node.dev_address()
    carol = node.new_key(os.path.join(t.tmpdir, "carol.key"), "c")
    nonce = node.rpc("getaccount", dev)["next_nonce"]
    raw = node.cli_ok(f"-keyfile={node.dev_key_path}", "signtransfer", carol, "1", str(nonce),
                      input=DEV_KEY_PASSPHRASE + "\n")
    device_key = os.path.join(t.tmpdir, "device.key")
    device = node.new_key(device_key, "d")
    credits = node.cli_ok(f"-keyfile={node.dev_key_path}", "signbuycredits", "1", str(nonce),
                          input=DEV_KEY_PASSPHRASE + "\n")
    registration = node.cli_ok(f"-keyfile={node.dev_key_path}", f"-devicekeyfile={device_key}",
                               "signregisterdevice", "uptime,storage", str(nonce + 1),
                               input=DEV_KEY_PASSPHRASE + "\nd\n")

    carol_key = os.path.join(t.tmpdir, "carol.key")

    def heartbeat():
        info = node.rpc("getblockchaininfo")
        return node.cli_ok(f"-devicekeyfile={device_key}", "signheartbeat", str(info["blocks"]),
                           info["bestblockhash"], input="d\n")

    def deal():
        """carol (who got 1 MLN) buys credits and makes a deal with the device."""
        node.cli_ok(f"-keyfile={carol_key}", "buycredits", "0.5", input="c\n")
        node.rpc("generateblock")
        txid = node.cli_ok(f"-keyfile={carol_key}", f"-devicekeyfile={device_key}",
                           "storagedeal", "ab" * 32, "1000", "100", "2", "1", input="c\nd\n")
        node.rpc("generateblock")
        return txid

    # Placeholders computed when their call comes: they need the chain as the
    # calls before them left it.
    def close_epoch_0():
        while node.rpc("getblockcount") < 59:  # the last block of epoch 0 closes it
            node.rpc("generateblock")
        return 0

    peer_node = t.add_node()

    def peer():
        """The address of a handshaked peer (peer_node, which addnode connected)."""
        wait_until(lambda: any(p["handshaked"] for p in node.rpc("getpeerinfo")),
                   what="a handshaked peer")
        return node.rpc("getpeerinfo")[0]["address"]

    lazy = {"HB": heartbeat, "HB_BATCH": lambda: [heartbeat(), "zz"], "DEAL": deal,
            "CLOSED": close_epoch_0, "PEER_NODE": lambda: f"127.0.0.1:{peer_node.p2pport}",
            "PEER": peer}

    # (method, params) in call order; several entries for methods whose
    # result has several shapes. `stop` comes last.
    calls = [
        ("help", []), ("help", ["getblock"]),
        ("getblockchaininfo", []), ("getblockcount", []), ("getblockhash", [0]),
        ("getmempoolinfo", []), ("getrawmempool", []), ("uptime", []),
        ("validateaddress", [dev]), ("validateaddress", ["nonsense"]),
        ("getaccount", [dev]), ("getaccount", [carol]),
        ("getbalance", [dev]), ("getbalance", [carol]), ("getcredits", [dev]),
        ("getproof", [carol]), ("getproof", [dev, 0]),
        ("decoderawtransaction", [raw]), ("decoderawtransaction", [registration]),
        ("decoderawtransaction", [credits]),
        ("sendrawtransaction", [raw]),
        ("gettransaction", ["TXID"]),  # pending
        ("sendrawtransaction", [registration]),
        ("generateblock", []),
        ("getdevice", [device]),
        ("gettransaction", ["TXID"]),  # confirmed
        ("getblockheader", [1]), ("getblockheader", [0]),
        ("getblock", [1, 0]), ("getblock", [1, 1]), ("getblock", [1, 2]), ("getblock", [0, 2]),
        ("getproof", [carol, 1]),
        ("getaddresshistory", [dev]), ("getaddresshistory", [dev, 1]),
        ("submitattestation", ["HB"]), ("submitattestation", ["HB_BATCH"]),
        ("generateblock", []),
        ("getdevicecontributions", [device]), ("getdevicecontributions", [device, 0]),
        ("getdevicerejections", [device]),
        ("listdevices", []), ("listdevices", [1]),
        ("getdeal", ["DEAL"]),
        ("getsupplyinfo", []), ("getepochinfo", []),
        ("getsupplyinfo", ["CLOSED"]), ("getepochinfo", [0]),
        ("getrewardbreakdown", [0, device]), ("getrewardbreakdown", [0, dev]),
        ("getrewardbreakdown", [0, carol]),
        ("getpeerinfo", []), ("listbanned", []), ("addnode", ["PEER_NODE"]),
        ("disconnectnode", ["PEER"]),
        ("stop", []),
    ]
    missing = listed_methods(node) - {m for m, _ in calls}
    assert not missing, f"help lists methods this test does not call: {sorted(missing)}"

    txid = None
    statuses = []
    for method, params in calls:
        params = [txid if p == "TXID" else lazy[p]() if p in lazy else p for p in params]
        result = node.rpc(method, *params)  # -32603 on a shape mismatch
        if method == "sendrawtransaction" and txid is None:
            txid = result
        if method == "gettransaction":
            statuses.append(result["status"])
    assert_equal(statuses, ["pending", "confirmed"])
    node.wait_for_exit()


if __name__ == "__main__":
    main(run)
