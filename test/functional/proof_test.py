#!/usr/bin/env python3
"""getproof gives proofs that maillon-cli verifyproof checks against the commit certificate of their block, at any height;
without a height, the block must be recent."""
import datetime
import http.server
import json
import os
import subprocess
import threading

from framework import DEV_KEY_PASSPHRASE, assert_equal, assert_raises_rpc_error, free_port, main


class TipOnlyProofs(http.server.BaseHTTPRequestHandler):
    """A lying node: answers getproof at any height with the (valid, signed) tip's proof."""
    node = None
    height = None  # with a height, a node that answers with that (old) block's proof instead

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        result = self.node.rpc("getproof", req["params"][0], *([] if self.height is None
                                                               else [self.height]))
        body = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def run(t):
    node = t.add_node()
    dev = node.dev_address()
    carol = node.new_key(os.path.join(t.tmpdir, "carol.key"), "c")

    def verify(*args):
        rc, out, err = node.cli("verifyproof", *args)
        assert rc == 0, err
        return json.loads(out)

    # Absent before the transfer, present after; the old proof stays checkable. (The tip is the
    # dev genesis, made long ago: without a height, its proof would be too old.)
    before = verify(carol, "0")
    assert_equal((before["verified"], before["present"], before["balance"]), (True, False, 0))
    rc, _, err = node.cli(f"-keyfile={node.dev_key_path}", "transfer", carol, "7", input=DEV_KEY_PASSPHRASE + "\n")
    assert rc == 0, err
    node.rpc("generateblock")
    after = verify(carol)
    assert_equal((after["present"], after["balance"], after["height"]), (True, 700_000_000, 1))
    assert_equal(after["balance_mln"], "7")
    # The block's time and age are shown: the block was made moments ago.
    block = node.rpc("getblock", 1)
    made = datetime.datetime.fromtimestamp(block["time_ms"] // 1000, datetime.timezone.utc)
    assert_equal((after["time_ms"], after["time"]),
                 (block["time_ms"], made.strftime("%Y-%m-%dT%H:%M:%S.") + f"{block['time_ms'] % 1000:03d}Z"))
    assert 0 <= after["age_s"] < 60, after
    assert_equal(verify(carol, "0")["present"], False)
    assert_equal(verify(dev, "0")["balance"], 1_000_000 * 100_000_000)

    proof = node.rpc("getproof", carol)
    assert_equal(proof["account"], {"balance": 700_000_000, "nonce": 0, "credits": 0})
    assert_equal(proof["state_root"], node.rpc("getblock", 1)["state_root"])
    assert_equal(node.rpc("getproof", address=carol, height=0)["account"], None)
    assert_raises_rpc_error(-8, "no block at height", node.rpc, "getproof", carol, 99)
    assert_raises_rpc_error(-5, "invalid address", node.rpc, "getproof", "dmln1nope")
    rc, _, err = node.cli("verifyproof", "dmln1invalid")
    assert rc != 0 and "invalid address" in err, err

    # The whole proven account is printed, and the height (any, without one requested).
    assert_equal({k: after[k] for k in ("balance", "nonce", "credits")},
                 proof["account"])
    assert_equal(verify(dev, "0")["height"], 0)
    rc, _, err = node.cli("verifyproof", carol, "x")
    assert rc == 1 and "height 'x' is not a non-negative integer" in err, err

    # A proof for another height than the requested one is rejected.
    TipOnlyProofs.node = node
    server = http.server.HTTPServer(("127.0.0.1", free_port()), TipOnlyProofs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        liar = [node.cli_path, f"-datadir={node.datadir}", "-dev", "-rpcuser=u", "-rpcpassword=p",
                f"-rpcport={server.server_address[1]}", "verifyproof", carol]
        proc = subprocess.run(liar + ["0"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc
        assert "the node returned a proof for height 1, not the requested 0" in proc.stderr, proc
        proc = subprocess.run(liar, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert_equal(json.loads(proc.stdout)["height"], 1)
        # Asked for the current state, it serves the genesis block's proof (valid, signed, and
        # months old): too old for -maxage, unless a larger one is passed.
        TipOnlyProofs.height = 0
        proc = subprocess.run(liar, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1, proc
        assert ("error: the proof is of block 0, made 2026-01-01T00:00:00.000Z, " in proc.stderr
                and "more than -maxage=300 s" in proc.stderr), proc.stderr
        proc = subprocess.run(liar + ["-maxage=1000000000"], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert_equal((out["height"], out["time"]), (0, "2026-01-01T00:00:00.000Z"))
        assert out["age_s"] > 300, out
        proc = subprocess.run(liar + ["-maxage=-1"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 1 and "-maxage must be" in proc.stderr, proc.stderr
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(run)
