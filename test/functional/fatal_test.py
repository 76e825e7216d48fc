#!/usr/bin/env python3
"""A disk that refuses writes while blocks are being stored stops maillond with one fatal line
naming the database and what to do, and exit status 1, instead of retrying the block; started
again on a working disk, it resumes at the last whole block and keeps going."""
import os

from framework import assert_equal, assert_greater_than, main, wait_until

LIMIT = 512 * 1024  # bytes any one file may reach: a disk that fills up


def largest_file(directory):
    return max(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))


def run(t):
    node = t.add_node(extra_args=["-blockinterval=0"])
    for _ in range(3):
        node.rpc("generateblock")
    node.stop()

    # Produce a block every 2 ms on a "disk" where no file may pass LIMIT bytes: LevelDB's
    # write-ahead log reaches it first, and the write of a block fails.
    chainstate = os.path.join(node.netdir, "chainstate")
    assert largest_file(chainstate) < LIMIT // 2 and os.path.getsize(node.debug_log_path) < LIMIT // 2
    log_start = os.path.getsize(node.debug_log_path)
    node.file_size_limit = LIMIT
    node.start(extra_args=["-blockinterval=2"])
    rc = node.wait_for_exit(timeout=120)
    assert_equal(rc, 1)
    with open(node.debug_log_path, encoding="utf-8") as f:
        f.seek(log_start)
        text = f.read()
    fatal = [line for line in text.splitlines() if "fatal:" in line]
    assert_equal(len(fatal), 1, msg=text[-2000:])
    line = fatal[0]
    for words in ("chain database write failed", chainstate, "the node is stopping",
                  "check the disk"):
        assert words in line, (words, line)
    assert "shutdown requested (a fatal error)" in text, text[-2000:]
    made = [ln for ln in text.splitlines() if "new block height=" in ln]
    assert_greater_than(len(made), 10)
    last = int(made[-1].split("height=")[1].split()[0])

    # On a working disk the node starts at the last whole block and goes on from there.
    node.file_size_limit = None
    node.start(extra_args=["-blockinterval=0"])
    assert_equal(node.rpc("getblockcount"), last)
    block = node.rpc("getblock", last)
    assert_equal(block["hash"], node.rpc("getblockchaininfo")["bestblockhash"])
    assert_equal(node.rpc("generateblock")["height"], last + 1)
    wait_until(lambda: node.rpc("getblockcount") == last + 1, what="the next block")
    node.stop()


if __name__ == "__main__":
    main(run)
