#!/usr/bin/env python3
"""A restart — clean or after kill -9 — resumes with the same height, tip and balances."""
import os
import signal

from framework import DEV_KEY_PASSPHRASE, assert_equal, main, wait_until


def run(t):
    node = t.add_node()
    dev = node.dev_address()
    bob = node.new_key(os.path.join(t.tmpdir, "bob.key"), "bob")

    rc, _, err = node.cli(f"-keyfile={node.dev_key_path}", "transfer", bob, "3", input=DEV_KEY_PASSPHRASE + "\n")
    assert rc == 0, err
    for _ in range(3):
        node.rpc("generateblock")

    def snapshot():
        info = node.rpc("getblockchaininfo")
        return (info["blocks"], info["bestblockhash"], info["state_root"],
                node.rpc("getaccount", dev), node.rpc("getaccount", bob))

    before = snapshot()
    assert_equal(before[0], 3)
    assert_equal(before[4]["balance"], 300_000_000)

    # Clean stop via RPC, SIGTERM and SIGINT; the log says which one it was.
    node.restart()
    assert_equal(snapshot(), before)
    node.stop_with_signal(signal.SIGTERM)
    node.start()
    assert_equal(snapshot(), before)
    node.stop_with_signal(signal.SIGINT)
    node.start()
    assert_equal(snapshot(), before)
    log = node.debug_log()
    for who in ("the stop RPC", "SIGTERM", "SIGINT"):
        assert f"shutdown requested ({who})" in log, who

    # kill -9 while the timer produces blocks: what restarts is a whole block,
    # consistent with its state, and the chain keeps going from there.
    node.restart(extra_args=["-blockinterval=20"])
    wait_until(lambda: node.rpc("getblockcount") >= before[0] + 10, timeout=30, what="ten more blocks")
    node.kill()
    node.start(extra_args=["-blockinterval=0"])
    height = node.rpc("getblockcount")
    assert height >= before[0] + 10, height
    tip = node.rpc("getblock", height)
    assert_equal(tip["hash"], node.rpc("getblockchaininfo")["bestblockhash"])
    assert_equal(node.rpc("getaccount", bob), dict(before[4], height=height))
    made = node.rpc("generateblock")
    assert_equal(made["height"], height + 1)

    # The cookie is regenerated on every start and readable only by its owner.
    cookie1 = node.read_cookie()
    node.restart()
    assert cookie1 != node.read_cookie()
    assert_equal(os.stat(node.cookie_path).st_mode & 0o777, 0o600)
    node.stop()
    assert not os.path.exists(node.cookie_path), "cookie left behind after shutdown"
    assert "shutdown complete" in node.debug_log()


if __name__ == "__main__":
    main(run)
