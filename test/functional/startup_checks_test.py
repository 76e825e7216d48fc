#!/usr/bin/env python3
"""Options are checked and the RPC port bound before anything is written: a bad option or a
port in use is refused, with a message naming it, and leaves no data directory, database or
dev key behind."""
import os
import socket

from framework import main


def run(t):
    node = t.add_node(start=False)

    def assert_refused(extra_args, *words):
        err = node.start_expecting_error(extra_args)
        for w in words:
            assert w in err, (w, err)
        assert not os.path.exists(node.netdir), os.listdir(node.netdir)

    assert_refused(["-rpcport=70000"], "-rpcport must be 1..65535")
    assert_refused(["-blockinterval=-1"], "-blockinterval must be 0..3600000")
    assert_refused(["-rpcallowip=300.1.2.3"], "300.1.2.3")
    assert_refused(["-rpcauth=nocolon"], "-rpcauth")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert_refused([f"-rpcport={port}", "-rpcbind=127.0.0.1"], str(port), "in use")

    # With good options the same directory starts.
    node.start(extra_args=[])
    assert os.path.exists(node.dev_key_path)
    node.stop()


if __name__ == "__main__":
    main(run)
