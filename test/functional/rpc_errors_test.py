#!/usr/bin/env python3
"""RPC refuses what it should, with the right status or error code and a useful message."""
import base64
import json

from framework import assert_equal, assert_raises_rpc_error, main, wait_until


def run(t):
    node = t.add_node()

    # Authentication: none, wrong password, wrong user -> 401; the cookie -> 200.
    body = b'{"jsonrpc":"2.0","id":1,"method":"getblockcount"}'
    # A failed login is logged with the client's address.
    with node.assert_debug_log(["incorrect or missing RPC credentials from 127.0.0.1"]):
        status, headers, _ = node.raw_http(body, auth=False)
    assert_equal(status, 401)
    assert "basic" in headers.get("WWW-Authenticate", "").lower(), headers
    bad = "Basic " + base64.b64encode(b"__cookie__:Zebra-guess-7731").decode()
    assert_equal(node.raw_http(body, headers={"Authorization": bad})[0], 401)
    # At most a line a second: later ones count the failures in between, and
    # never show what a client sent.
    wait_until(lambda: node.raw_http(body, headers={"Authorization": bad})[0] == 401 and
               "more failed logins since the last such line" in node.debug_log(),
               what="a failed-login line with a count")
    assert "Zebra-guess-7731" not in node.debug_log() and bad not in node.debug_log()
    user, password = node.read_cookie().split(":", 1)
    bad_user = "Basic " + base64.b64encode(f"someone:{password}".encode()).decode()
    assert_equal(node.raw_http(body, headers={"Authorization": bad_user})[0], 401)
    status, _, reply = node.raw_http(body)
    assert_equal(status, 200)
    assert_equal(json.loads(reply)["result"], 0)
    rc, _, err = node.cli("-rpcuser=__cookie__", "-rpcpassword=nope", "getblockcount")
    assert rc != 0 and "401" in err, err

    # Only POST.
    assert_equal(node.raw_http(b"", method="GET")[0], 405)

    # Malformed raw transactions get -22 with what is wrong, and where.
    assert_raises_rpc_error(-3, "hex digits", node.rpc, "sendrawtransaction", "zz")
    assert_raises_rpc_error(-22, "tx.version: unknown transaction version 0", node.rpc, "sendrawtransaction", "00")
    assert_raises_rpc_error(-22, "tx.type: unknown transaction type 10 (known: 1 = transfer, 2 = register_device, 3 = buy_credits, 4 = retire_device, 5 = heartbeat, 6 = bandwidth_receipt, 7 = storage_deal, 8 = storage_proof, 9 = claim_rewards) (at byte 1)",
                            node.rpc, "sendrawtransaction", "010a")
    assert_raises_rpc_error(-22, "tx.chain_id: truncated", node.rpc, "sendrawtransaction", "010103")
    # A real transaction with a flipped signature bit, and with a trailing byte.
    rc, dev, _ = node.cli(f"-keyfile={node.dev_key_path}", "address")
    rc, raw, err = node.cli(f"-keyfile={node.dev_key_path}", "signtransfer", dev.strip(), "1", "0",
                            input="maillon-dev\n")
    assert rc == 0, err
    raw = raw.strip()
    assert_raises_rpc_error(-25, "self-transfer", node.rpc, "sendrawtransaction", raw)
    rc, alice, _ = node.cli(f"-keyfile={t.tmpdir}/a.key", "keygen", input="a\n")
    rc, raw, err = node.cli(f"-keyfile={node.dev_key_path}", "signtransfer", alice.strip(), "1", "0",
                            input="maillon-dev\n")
    raw = raw.strip()
    assert_raises_rpc_error(-22, "trailing bytes", node.rpc, "sendrawtransaction", raw + "00")
    flipped = raw[:-2] + format(int(raw[-2:], 16) ^ 1, "02x")
    assert_raises_rpc_error(-25, "bad-signature", node.rpc, "sendrawtransaction", flipped)
    # The same bytes on another chain id are refused as such.
    other_chain = raw[:4] + "02000000" + raw[12:]
    assert_raises_rpc_error(-25, "wrong-chain", node.rpc, "sendrawtransaction", other_chain)
    assert_equal(node.rpc("getmempoolinfo")["size"], 0)

    # Dispatcher errors.
    assert_raises_rpc_error(-32601, 'Method not found: "nosuchmethod" ("help" lists', node.rpc, "nosuchmethod")
    assert_raises_rpc_error(-32602, "", node.rpc, "getblockhash")
    assert_raises_rpc_error(-32602, "", node.rpc, "getblockhash", "one")
    assert_raises_rpc_error(-5, "invalid address", node.rpc, "getbalance", "tmln1notmine")
    status, _, reply = node.raw_http(b'{"jsonrpc":"2.0","id":1,"method":')
    assert_equal(json.loads(reply)["error"]["code"], -32700)

    # Text echoed from the caller is cut and escaped, however long or binary it is.
    huge = "f" * 100_000
    for method, params in [(huge, []), ("help", [huge]), ("getblock", [huge]), ("gettransaction", [huge]),
                           ("getbalance", [huge]), ("getblock", {huge: 1}), ("getblock", ["\x01\x1b[2J" * 50])]:
        status, _, reply = node.raw_http(json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                     "params": params}).encode())
        message = json.loads(reply)["error"]["message"]
        assert len(reply) < 600 and "\x1b" not in message, (method, reply[:600])
        assert "(100000 characters)" in message or "\\x1b" in message, (method, message)
    # A number too big for a double is valid JSON: -32602 naming the parameter, the id kept.
    for number in ["1e400", "9" * 5000]:
        status, _, reply = node.raw_http(
            ('{"jsonrpc":"2.0","id":5,"method":"getblockhash","params":[%s]}' % number).encode())
        reply = json.loads(reply)
        assert_equal((reply["id"], reply["error"]["code"]), (5, -32602))
        assert '"height"' in reply["error"]["message"], reply

    # Still answering after all of that.
    assert_equal(node.rpc("getblockcount"), 0)
    rc, out, err = node.cli("nosuchmethod")
    assert rc != 0 and "-32601" in err, (out, err)


if __name__ == "__main__":
    main(run)
