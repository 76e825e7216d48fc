#!/usr/bin/env python3
"""One maillon.conf for maillond and maillon-cli: each accepts the other's options (rpcauth=,
rpcuser=/rpcpassword=), [dev]/[test] sections apply only on their network, and unknown names are
errors that name the option and the file."""
import base64
import json
import os
import subprocess
import sys

from framework import assert_equal, main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RPCAUTH = os.path.join(ROOT, "contrib", "rpcauth.py")


def rpcauth_line(user, password):
    out = subprocess.run([sys.executable, RPCAUTH, user, password], check=True,
                         capture_output=True, text=True).stdout
    return next(line for line in out.splitlines() if line.startswith("rpcauth="))


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def run(t):
    node = t.add_node(start=False)
    conf = os.path.join(node.datadir, "maillon.conf")

    def write_conf(text):
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)

    shared = (f"# shared by maillond and maillon-cli\n"
              f"{rpcauth_line('alice', 's3cret')}\n"
              f"rpcuser=alice\n"
              f"rpcpassword=s3cret\n"
              f"rpcclienttimeout=30\n"
              f"rpcthreads=2\n"
              f"[dev]\n"
              f"# a repeatable option's lines here replace the top's on dev\n"
              f"{rpcauth_line('alice', 's3cret')}\n"
              f"{rpcauth_line('bob', 'b0b')}\n"
              f"[test]\n"
              f"# would shut loopback out if it applied on dev\n"
              f"rpcallowip=10.0.0.0/8\n")
    write_conf(shared)
    node.start()  # maillond takes rpcuser=/rpcpassword= without complaint

    # maillon-cli takes rpcauth= without complaint, and authenticates as alice.
    assert_equal(node.cli_ok("getblockcount"), "0")
    call = b'{"jsonrpc":"2.0","id":1,"method":"getblockcount"}'
    status, _, body = node.raw_http(call, headers=basic("alice", "s3cret"))
    assert_equal((status, json.loads(body)["result"]), (200, 0))
    # The [dev] section's user exists on the dev network.
    assert_equal(node.raw_http(call, headers=basic("bob", "b0b"))[0], 200)
    assert_equal(node.cli_ok("-rpcuser=bob", "-rpcpassword=b0b", "getblockcount"), "0")
    # The password really comes from the file: a wrong one is refused.
    write_conf(shared.replace("rpcpassword=s3cret", "rpcpassword=wrong"))
    rc, _, err = node.cli("getblockcount")
    assert rc == 1 and "401" in err, err
    write_conf(shared)

    # A name neither program knows is still an error, naming it and the file.
    write_conf(shared + "nosuchoption=1\n")
    rc, _, err = node.cli("getblockcount")
    assert rc == 1 and "unknown option 'nosuchoption'" in err and conf in err, err
    node.stop()
    node.start(wait=False)
    assert_equal(node.wait_for_exit(timeout=30), 1)
    with open(node.stderr_path, encoding="utf-8") as f:
        text = f.read()
    assert "unknown option 'nosuchoption'" in text and conf in text, text

    write_conf("[regtest]\nrpcport=1\n")
    rc, _, err = node.cli("getblockcount")
    assert rc == 1 and "unknown section '[regtest]'" in err, err

    # rpcauth.py refuses user names the config file would cut at '#'.
    proc = subprocess.run([sys.executable, RPCAUTH, "a#b", "x"], capture_output=True, text=True)
    assert proc.returncode != 0 and "'#'" in proc.stderr, proc.stderr
    write_conf(shared)
    node.start()
    assert_equal(node.cli_ok("getblockcount"), "0")
    assert "only maillon-cli reads" not in node.debug_log()  # alice has her rpcauth line

    # rpcuser/rpcpassword alone (the Bitcoin habit): maillond starts, and says
    # why that user will be refused.
    node.stop()
    write_conf("rpcuser=carol\nrpcpassword=c4rol\n")
    with node.assert_debug_log(["maillon.conf sets rpcpassword, which only maillon-cli reads"]):
        node.start()
    assert_equal(node.raw_http(call, headers=basic("carol", "c4rol"))[0], 401)


if __name__ == "__main__":
    main(run)
