#!/usr/bin/env python3
"""RPC under a low file-descriptor limit: more idle connections than the node has descriptors
neither spin it nor flood its output, and RPC works again once they close. At start the node
raises its soft limit toward the hard one."""
import os
import socket
import time

from framework import assert_equal, log, main, wait_until

FDS = 64
CONNECTIONS = 200


def cpu_seconds(pid):
    """User plus system CPU time of process `pid` (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def output_size(node):
    return os.path.getsize(node.stderr_path) + os.path.getsize(node.debug_log_path)


def run(t):
    # Caps above the descriptor limit, so that accept() itself runs out.
    node = t.add_node(start=False, extra_args=["-rpcmaxconnections=1000", "-rpcmaxconnectionsperip=1000"])
    node.fd_limit = (FDS, FDS)
    node.start()
    assert f"file descriptor limit {FDS}" in node.debug_log(), node.debug_log()

    idle = [socket.create_connection(("127.0.0.1", node.rpcport), timeout=10) for _ in range(CONNECTIONS)]
    wait_until(lambda: "cannot accept RPC connections: Too many open files" in node.debug_log(),
               what="the node to run out of descriptors")
    # Out of descriptors with connections still waiting: a node that retried accept() at once
    # would burn a core and write a line per try. Over a window, it stays nearly idle and quiet.
    size0, cpu0, t0 = output_size(node), cpu_seconds(node.process.pid), time.monotonic()
    window = wait_until(lambda: time.monotonic() - t0 >= 2 and time.monotonic() - t0, what="a 2 s window")
    cpu = cpu_seconds(node.process.pid) - cpu0
    log(f"out of descriptors: {cpu:.2f} s of CPU and {output_size(node) - size0} bytes of output in {window:.2f} s")
    assert cpu < 0.25 * window, f"{cpu:.2f} s of CPU in {window:.2f} s"
    assert output_size(node) - size0 < 1000, output_size(node) - size0
    assert node.debug_log().count("cannot accept RPC connections") <= 3, node.debug_log()

    for s in idle:
        s.close()
    assert_equal(node.rpc("getblockcount"), 0)  # waits in the backlog until descriptors free up
    assert os.path.getsize(node.stderr_path) < 1000, os.path.getsize(node.stderr_path)
    node.stop()

    # With room under the hard limit, the soft limit is raised at start.
    node.fd_limit = (FDS, 4096)
    node.start()
    assert f"file descriptor limit 4096 (raised from {FDS})" in node.debug_log(), node.debug_log()


if __name__ == "__main__":
    main(run)
