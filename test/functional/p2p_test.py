#!/usr/bin/env python3
"""P2P connections between real maillond processes on loopback (doc/protocol.md §12): a node
connects to another with addnode, both finish the version/verack handshake and show each other
in getpeerinfo; disconnectnode drops the connection; a transaction sent to one node reaches the
other's mempool. Peers that misbehave — a frame with a bad
checksum, a header announcing more than its type allows, a version of another genesis block, a
message before the handshake (twice: points add up per address) — are disconnected and banned
(listbanned names the offence), their next connection refused, while the honest peer stays
connected. Each misbehaving client speaks from its own loopback address (127.0.0.2, ...) so that
banning it spares the honest node."""
import hashlib
import os
import socket
import struct

from framework import DEV_KEY_PASSPHRASE, assert_equal, main, timeout_factor, wait_until

CHAIN_ID = 3  # dev


def tagged_hash(tag, data):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


def frame(msg_type, payload, chain_id=CHAIN_ID, checksum=None):
    checksum = checksum if checksum is not None else tagged_hash("MaillonP2P", payload)[:4]
    return struct.pack("<IBI", chain_id, msg_type, len(payload)) + checksum + payload


def version_payload(genesis, nonce=7):
    agent = b"p2p_test"
    return (struct.pack("<II", 1, CHAIN_ID) + genesis + struct.pack("<QQI", 0, nonce, 0) +
            bytes([len(agent)]) + agent)


def connect_from(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10 * timeout_factor())
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s):
    """True once the node has closed the connection (EOF or reset)."""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def handshaked(node, n=1):
    peers = node.rpc("getpeerinfo")
    return len(peers) == n and all(p["handshaked"] for p in peers)


def run(t):
    node0, node1 = t.add_nodes(2)
    genesis = bytes.fromhex(node0.rpc("getblockhash", 0))
    node0.rpc("generateblock")

    # addnode: both sides handshake and see each other.
    node1.rpc("addnode", f"127.0.0.1:{node0.p2pport}")
    wait_until(lambda: handshaked(node0) and handshaked(node1), what="the handshake")
    out, into = node1.rpc("getpeerinfo")[0], node0.rpc("getpeerinfo")[0]
    assert_equal((out["inbound"], into["inbound"]), (False, True))
    assert_equal(out["height"], 1)  # node0's tip when it said its version
    assert_equal(into["listen_port"], node1.p2pport)
    assert_equal((out["version"], out["score"]), (1, 0))
    assert out["user_agent"].startswith("maillond/"), out

    # disconnectnode, then connect again.
    node1.rpc("disconnectnode", out["address"])
    wait_until(lambda: not node0.rpc("getpeerinfo") and not node1.rpc("getpeerinfo"),
               what="both sides to drop the connection")
    node1.rpc("addnode", f"127.0.0.1:{node0.p2pport}")
    wait_until(lambda: handshaked(node0) and handshaked(node1), what="the second handshake")

    # Transaction gossip: a transfer sent to node1 reaches node0's mempool over P2P.
    carol = node1.new_key(os.path.join(t.tmpdir, "carol.key"), "c")
    txid = node1.cli_ok(f"-keyfile={node1.dev_key_path}", "transfer", carol, "2",
                        input=DEV_KEY_PASSPHRASE + "\n")
    wait_until(lambda: txid in node0.rpc("getrawmempool"), what="the transfer relayed to node0")
    assert_equal(node1.rpc("getrawmempool"), [txid])

    # Misbehaving clients, each from its own address.
    ping = struct.pack("<Q", 1)
    cases = [
        ("127.0.0.2", frame(1, version_payload(genesis), checksum=b"\0\0\0\0"),
         "p2p-bad-checksum"),
        ("127.0.0.3", struct.pack("<IBI", CHAIN_ID, 3, 1 << 30) + b"\0" * 4, "p2p-oversized"),
        ("127.0.0.4", frame(1, version_payload(b"\x01" * 32)), "handshake-genesis"),
        ("127.0.0.5", frame(1, version_payload(genesis), chain_id=1), "p2p-wrong-chain"),
    ]
    for source, data, reason in cases:
        s = connect_from(source, node0.p2pport)
        s.sendall(data)
        assert closed_by_peer(s), f"{reason}: the connection stayed open"
        s.close()
        wait_until(lambda: source in {b["address"] for b in node0.rpc("listbanned")},
                   what=f"{source} banned")
        ban = [b for b in node0.rpc("listbanned") if b["address"] == source][0]
        assert_equal(ban["reason"], reason)
        assert ban["until"] > ban["banned_at"], ban
        # Its next connection is closed at once, before anything is read.
        again = connect_from(source, node0.p2pport)
        again.sendall(frame(3, ping))
        assert closed_by_peer(again), f"{source}: a banned address was served"
        again.close()

    # A message before the handshake costs 50 points: disconnected, not banned; the points stay
    # with the address, so doing it again from a new connection bans it.
    for attempt in range(2):
        s = connect_from("127.0.0.6", node0.p2pport)
        s.sendall(frame(3, ping))
        assert closed_by_peer(s)
        s.close()
        banned = "127.0.0.6" in {b["address"] for b in node0.rpc("listbanned")}
        if attempt == 0:
            assert not banned, "banned for 50 points"
    wait_until(lambda: "127.0.0.6" in {b["address"] for b in node0.rpc("listbanned")},
               what="127.0.0.6 banned at 100 points")

    # After a proper handshake, a tx frame whose transaction does not decode: banned too.
    s = connect_from("127.0.0.7", node0.p2pport)
    s.sendall(frame(1, version_payload(genesis, nonce=8)) + frame(2, b""))
    wait_until(lambda: any(p["address"].startswith("127.0.0.7:") and p["handshaked"]
                           for p in node0.rpc("getpeerinfo")), what="the raw client handshaked")
    s.sendall(frame(5, bytes([3]) + b"\x01\x01\x03"))
    assert closed_by_peer(s)
    s.close()
    wait_until(lambda: "127.0.0.7" in {b["address"] for b in node0.rpc("listbanned")},
               what="127.0.0.7 banned for an undecodable transaction")

    # The honest peer kept its connection through all of it.
    assert handshaked(node0) and handshaked(node1)
    assert_equal(len(node0.rpc("listbanned")), len(cases) + 2)


if __name__ == "__main__":
    main(run)
