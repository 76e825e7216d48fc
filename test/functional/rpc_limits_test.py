#!/usr/bin/env python3
"""RPC exposure and limits: rpcauth users, rpcallowip, body and batch limits, named parameters,
event-loop and worker threads."""
import base64
import concurrent.futures
import http.client
import json
import os
import subprocess
import sys

from framework import assert_equal, main, wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def run(t):
    line = subprocess.run([sys.executable, os.path.join(ROOT, "contrib", "rpcauth.py"), "alice", "s3cret"],
                          check=True, capture_output=True, text=True).stdout
    rpcauth = next(l for l in line.splitlines() if l.startswith("rpcauth="))
    node = t.add_node(extra_args=[f"-{rpcauth}", "-rpcmaxbody=2048", "-rpcmaxbatch=3"])
    call = b'{"jsonrpc":"2.0","id":7,"method":"getblockcount"}'

    # rpcauth user: right password in, wrong password and unknown user out; cookie still works.
    status, _, body = node.raw_http(call, headers=basic("alice", "s3cret"))
    assert_equal((status, json.loads(body)["result"]), (200, 0))
    assert_equal(node.raw_http(call, headers=basic("alice", "s3cret!"))[0], 401)
    assert_equal(node.raw_http(call, headers=basic("bob", "s3cret"))[0], 401)
    rc, out, err = node.cli("-rpcuser=alice", "-rpcpassword=s3cret", "getblockcount")
    assert_equal((rc, out.strip()), (0, "0"))
    assert_equal(node.rpc("getblockcount"), 0)
    # maillon-cli takes the same credentials from a config file.
    conf = os.path.join(t.tmpdir, "cli.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write("rpcuser=alice\nrpcpassword=s3cret\n")
    rc, out, err = node.cli(f"-conf={conf}", "getblockcount")
    assert_equal((rc, out.strip()), (0, "0"))
    with open(conf, "w", encoding="utf-8") as f:
        f.write("rpcuser=alice\nrpcpassword=wrong\n")
    rc, out, err = node.cli(f"-conf={conf}", "getblockcount")
    assert rc != 0 and "401" in err, err

    # Body limit: 413 past -rpcmaxbody, and the server keeps answering.
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "help", "params": ["x" * 4000]}).encode()
    assert_equal(node.raw_http(big)[0], 413)
    assert_equal(node.rpc("getblockcount"), 0)

    # Batch limit: up to -rpcmaxbatch entries each answered; one more is a single -32600.
    batch = [{"jsonrpc": "2.0", "id": i, "method": "getblockcount"} for i in range(3)]
    status, _, body = node.raw_http(json.dumps(batch).encode())
    assert_equal(sorted(r["id"] for r in json.loads(body)), [0, 1, 2])
    batch.append({"jsonrpc": "2.0", "id": 3, "method": "getblockcount"})
    status, _, body = node.raw_http(json.dumps(batch).encode())
    reply = json.loads(body)
    assert_equal(reply["error"]["code"], -32600)
    assert "3" in reply["error"]["message"], reply

    # Named parameters through RPC and the CLI.
    assert_equal(node.rpc("getblockhash", height=0), node.rpc("getblockhash", 0))
    rc, out, err = node.cli("-named", "getblock", "block=0", "verbosity=1")
    assert rc == 0, err
    assert_equal(json.loads(out)["height"], 0)
    rc, _, err = node.cli("-named", "getblock", "0")
    assert rc != 0 and "name=value" in err, err

    # A lone notification: 204 and no body.
    status, _, body = node.raw_http(b'{"jsonrpc":"2.0","method":"getblockcount"}')
    assert_equal((status, body), (204, b""))

    # Several event loops and one worker: quick calls (answered by the loops) and worker calls
    # (getblock) from many keep-alive connections at once all get their own answers.
    node.restart(extra_args=["-rpciothreads=3", "-rpcthreads=1"])
    genesis = node.rpc("getblockhash", 0)

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
        try:
            for i in range(40):
                quick = i % 2 == 0
                req = {"jsonrpc": "2.0", "id": f"{n}-{i}",
                       "method": "getblockcount" if quick else "getblock", "params": [] if quick else [0]}
                conn.request("POST", "/", json.dumps(req), {"Authorization": node.auth_header()})
                resp = conn.getresponse()
                reply = json.loads(resp.read())
                assert_equal(resp.status, 200)
                assert_equal(reply["id"], f"{n}-{i}")
                assert_equal(reply["result"] if quick else reply["result"]["hash"], 0 if quick else genesis)
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        for f in [pool.submit(client, n) for n in range(12)]:
            f.result()
    node.stop()
    node.start(extra_args=["-rpciothreads=0"], wait=False)
    assert_equal(node.wait_for_exit(timeout=30), 1)
    with open(node.stderr_path, encoding="utf-8") as f:
        assert "-rpciothreads must be 1..64" in f.read()

    # rpcallowip without loopback: loopback clients are turned away with 403.
    # (The node never answers RPC here, so the framework cannot wait for it.)
    node.start(extra_args=["-rpcallowip=10.1.2.0/24"], wait=False)

    def refused():
        try:
            return node.raw_http(call)[0] == 403
        except OSError:
            return False  # not listening yet
    wait_until(refused, timeout=30, what="403 from a loopback client outside -rpcallowip")
    node.stop_with_signal()
    # A malformed entry is a start-up error that names it.
    node.start(extra_args=["-rpcallowip=300.1.2.3"], wait=False)
    assert_equal(node.wait_for_exit(timeout=30), 1)
    with open(node.stderr_path, encoding="utf-8") as f:
        assert "300.1.2.3" in f.read()


if __name__ == "__main__":
    main(run)
