#!/usr/bin/env python3
"""doc/rpc.md is what the node's help says: regenerate it with contrib/gen-rpc-doc.py."""
import importlib.util
import os

from framework import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(t):
    spec = importlib.util.spec_from_file_location("gen_rpc_doc", os.path.join(ROOT, "contrib", "gen-rpc-doc.py"))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    expected = gen.render(t.add_node())
    with open(os.path.join(ROOT, "doc", "rpc.md"), encoding="utf-8") as f:
        actual = f.read()
    assert actual == expected, ("doc/rpc.md is out of date: run contrib/gen-rpc-doc.py --bindir <build dir>")
    for method in ("getblockchaininfo", "sendrawtransaction", "help", "stop"):
        assert f"#### `{method}`" in actual, method


if __name__ == "__main__":
    main(run)
