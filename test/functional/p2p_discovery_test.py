#!/usr/bin/env python3
"""How nodes find and keep peers (doc/protocol.md §12, doc/operations.md "Peers"): a node started
with -addnode stays connected (it dials again after disconnectnode); a node started with
-seednode asks the seed for addresses, leaves it, and connects to a peer it learned of; a node
started with -connect connects to the peer it names."""
import os

from framework import main, wait_until


def outbound_to(node, port):
    """The handshaked outbound connection of `node` to a peer listening on `port`, if any."""
    for p in node.rpc("getpeerinfo"):
        if not p["inbound"] and p["handshaked"] and p["address"].endswith(f":{port}"):
            return p
    return None


def run(t):
    hub = t.add_node()
    member = t.add_node(extra_args=[f"-addnode=127.0.0.1:{hub.p2pport}"])
    wait_until(lambda: outbound_to(member, hub.p2pport), what="member connected to the hub")

    # -addnode is kept: dropped, it is dialed again.
    member.rpc("disconnectnode", outbound_to(member, hub.p2pport)["address"])
    wait_until(lambda: not outbound_to(member, hub.p2pport), what="the connection dropped")
    wait_until(lambda: outbound_to(member, hub.p2pport), what="member reconnected to the hub")

    # -seednode: the newcomer learns the member's address from the hub, leaves the hub, and
    # connects to the member.
    newcomer = t.add_node(extra_args=[f"-seednode=127.0.0.1:{hub.p2pport}"])
    wait_until(lambda: outbound_to(newcomer, member.p2pport),
               what="the newcomer connected to the member it learned of")
    wait_until(lambda: not outbound_to(newcomer, hub.p2pport), what="the newcomer left the seed")
    with open(os.path.join(newcomer.netdir, "debug.log"), encoding="utf-8") as f:
        assert "a seed: its addresses received" in f.read()

    # -connect: only the named peer.
    only = t.add_node(extra_args=[f"-connect=127.0.0.1:{member.p2pport}"])
    wait_until(lambda: outbound_to(only, member.p2pport), what="-connect's peer connected")


if __name__ == "__main__":
    main(run)
