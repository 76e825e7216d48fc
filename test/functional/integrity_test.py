#!/usr/bin/env python3
"""A damaged chain database is never replaced, never served and never silently shortened: each
kind of damage gets one clear message naming the directory or file and -reindex, which repairs
the database and rebuilds the state by executing the stored blocks again. SIGHUP reopens
debug.log."""
import glob
import os
import shutil
import signal

from framework import (DEV_KEY_PASSPHRASE, RpcError, assert_equal, assert_greater_than, main,
                       wait_until)

BLOCKS = 200  # enough table blocks that start-up does not read (and cache) them all


def run(t):
    node = t.add_node()
    chainstate = os.path.join(node.netdir, "chainstate")
    bob = node.new_key(os.path.join(t.tmpdir, "bob.key"), "bob")
    rc, _, err = node.cli(f"-keyfile={node.dev_key_path}", "transfer", bob, "3",
                          input=DEV_KEY_PASSPHRASE + "\n")
    assert rc == 0, err
    for _ in range(BLOCKS):
        node.rpc("generateblock")

    def snapshot():
        info = node.rpc("getblockchaininfo")
        return info["blocks"], info["bestblockhash"], info["state_root"], node.rpc("getaccount", bob)

    before = snapshot()
    assert_equal(before[0], BLOCKS)
    # Restarting once moves LevelDB's log into a table file.
    node.restart()
    node.stop()
    assert glob.glob(os.path.join(chainstate, "*.ldb"))
    pristine = os.path.join(t.tmpdir, "pristine")
    shutil.copytree(node.datadir, pristine)

    def reset():
        shutil.rmtree(node.datadir)
        shutil.copytree(pristine, node.datadir)

    def tables():
        return {f: os.path.getsize(f) for f in glob.glob(os.path.join(chainstate, "*.ldb"))}

    def assert_clear(err, *words):
        for w in words + ("-reindex", "backup"):
            assert w in err, (w, err)
        assert "another maillond" not in err, err

    def reindex_and_check(expected):
        with node.assert_debug_log(["[reindex] repairing", "[reindex] done"]):
            node.start(extra_args=["-reindex"])
        assert_equal(snapshot(), expected)
        node.restart(extra_args=[])
        assert_equal(snapshot(), expected)
        node.stop()

    # A missing CURRENT file: refused, and the tables are left as they were.
    t.log("missing CURRENT")
    kept = tables()
    os.remove(os.path.join(chainstate, "CURRENT"))
    assert_clear(node.start_expecting_error(), chainstate, "not a whole database")
    assert_equal(tables(), kept)
    reindex_and_check(before)

    # A table file missing or truncated at start-up.
    t.log("missing table file")
    reset()
    for f in tables():
        os.remove(f)
    assert_clear(node.start_expecting_error(), chainstate, "missing")
    t.log("truncated table file")
    reset()
    for f in tables():
        os.truncate(f, 100)
    assert_clear(node.start_expecting_error(), ".ldb", "truncated")

    # The log file cut short after more blocks: the node says blocks were lost, and -reindex
    # goes on from the blocks that remain.
    t.log("truncated log file")
    reset()
    node.start()
    for _ in range(5):
        node.rpc("generateblock")
    node.stop()
    (log_file,) = glob.glob(os.path.join(chainstate, "*.log"))
    os.truncate(log_file, os.path.getsize(log_file) // 3)
    assert_clear(node.start_expecting_error(), "lost its last blocks",
                 f"at height {BLOCKS + 5}")
    with node.assert_debug_log(["[reindex] done", "warning: the chain now ends at height",
                                f"had committed up to height {BLOCKS + 5}"]):
        node.start(extra_args=["-reindex"])
    height = node.rpc("getblockcount")
    assert BLOCKS <= height < BLOCKS + 5, height
    node.rpc("generateblock")
    node.stop()

    # A second maillond on the same data directory is told that one is running.
    t.log("database in use")
    reset()
    node.start(extra_args=[])
    other = t.add_node(start=False)
    other.datadir, other.netdir = node.datadir, node.netdir
    err = other.start_expecting_error()
    assert "another maillond" in err, err
    node.stop()

    # Damage found while running: the RPC call gets -20 naming the file and -reindex, and the
    # node stops with one fatal line instead of serving a chain it cannot read.
    t.log("corruption while running")
    reset()
    node.start()
    for f in tables():
        with open(f, "r+b") as fh:
            size = os.path.getsize(f)
            for offset in range(64, size - 2048, 256):
                fh.seek(offset)
                fh.write(b"\xff\x00\xff\x00")
    error = None
    for h in range(1, BLOCKS + 1):
        try:
            node.rpc("getblock", h)
        except RpcError as e:
            error = e
            break
    assert error is not None, "no read met the damaged table"
    assert_equal(error.code, -20)
    assert ".ldb" in error.message and "-reindex" in error.message, error.message
    assert_equal(node.wait_for_exit(timeout=60), 1)
    fatal = [ln for ln in node.debug_log().splitlines() if "fatal:" in ln]
    assert_equal(len(fatal), 1)
    assert ".ldb" in fatal[0] and "-reindex" in fatal[0], fatal[0]
    with node.assert_debug_log(["[reindex] done"]):
        node.start(extra_args=["-reindex"])
    assert_greater_than(node.rpc("generateblock")["height"], 0)
    node.stop()

    # SIGHUP: debug.log is reopened (after a rotation moved it away), the node goes on.
    t.log("SIGHUP")
    reset()
    node.start(extra_args=[])
    rotated = node.debug_log_path + ".1"
    os.rename(node.debug_log_path, rotated)
    node.process.send_signal(signal.SIGHUP)
    wait_until(lambda: "reopened the log file (SIGHUP)" in node.debug_log(), what="a new debug.log")
    node.rpc("generateblock")
    wait_until(lambda: "new block height=" in node.debug_log(), what="logging to the new file")
    node.stop()
    assert "shutdown complete" in node.debug_log()
    assert not os.path.exists(node.cookie_path)


if __name__ == "__main__":
    main(run)
