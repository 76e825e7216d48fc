#!/usr/bin/env python3
"""maillon-agent's device services, end to end on one dev node, with maillon-cli as the client:
(b) `bandwidth`: one receipt of the running total settles the session, and the consumer pays
ceil(bytes / 1024) credits for exactly the bytes it received; (a) a file prepared, stored with
`storefile` (upload, a deal the agent co-signs), read back with `fetchfile` byte-identical, then
proven by the agent once in each epoch of the deal, across a restart of the agent that never signs
a second proof for an epoch, and deleted when the deal ends; (c) clients that send garbage, an oversized length, an unknown type,
a PUT_CHUNKS with a wrong root or no receipts are refused or stopped, and the agent serves on;
and a second agent on a taken service port stops at start."""
import json
import os
import socket
import struct

from agent_test import BLOCKS_PER_EPOCH, Agent, registered, write
from framework import (DEV_KEY_PASSPHRASE, assert_equal, assert_greater_than_or_equal, forget,
                       free_port, log, main, timeout_factor, wait_until)

PRICE = 2           # credits per byte and epoch
EPOCHS = 2
MAX_UNRECEIPTED = 256 * 1024  # agent/bandwidth_session.h


def run(t):
    node = t.add_node()
    device_pass = write(os.path.join(t.tmpdir, "device.pass"), "device passphrase")
    owner_pass = write(os.path.join(t.tmpdir, "owner.pass"), DEV_KEY_PASSPHRASE)
    device_key = os.path.join(t.tmpdir, "device.key")
    device = node.cli_ok(f"-keyfile={device_key}", f"-passphrasefile={device_pass}", "keygen")
    port = free_port()
    agent = Agent(t, node, "agent", device_key, device_pass)
    start_args = ("-register", f"-ownerkeyfile={node.dev_key_path}",
                  f"-ownerpassphrasefile={owner_pass}", "-kinds=uptime,bandwidth,storage",
                  f"-serviceport={port}", f"-minprice={PRICE}")
    client = Client(t, node, port)
    try:
        agent.start(*start_args)
        agent.wait_for_log(f"device services on 127.0.0.1:{port}")
        wait_until(lambda: node.rpc("getrawmempool"), what="the registration in the mempool")
        node.rpc("generateblock")
        wait_until(lambda: registered(node, device), what="getdevice to find the device")
        assert_equal(node.rpc("getdevice", device)["kinds"], 7)
        check_port_taken(t, node, port, device_pass)
        client.fund()
        check_bandwidth(node, agent, client, device)
        check_storage(t, node, agent, client, device, start_args)
        check_bad_clients(agent, client, port)
    except BaseException:
        print(agent.diagnostics(), flush=True)
        raise
    agent.stop()


class Client:
    """The consumer and storage client: its key, and maillon-cli aimed at the agent."""

    def __init__(self, t, node, port):
        self.node = node
        self.port = port
        self.key = os.path.join(t.tmpdir, "client.key")
        self.address = node.new_key(self.key, "c")

    def fund(self):
        self.node.cli_ok(f"-keyfile={self.node.dev_key_path}", "transfer", self.address, "20",
                         input=DEV_KEY_PASSPHRASE + "\n")
        self.node.rpc("generateblock")
        self.cli("buycredits", "1")  # 10^8 credits on dev
        self.node.rpc("generateblock")
        assert_equal(self.credits(), 100_000_000)

    def cli(self, *args):
        return self.node.cli_ok(f"-keyfile={self.key}", f"-agent=127.0.0.1:{self.port}", *args,
                                input="c\n")

    def credits(self):
        return self.node.rpc("getcredits", self.address)["credits"]


def check_port_taken(t, node, port, passphrase):
    """A second agent on the first one's service port stops at start, saying why."""
    key = os.path.join(t.tmpdir, "second.key")
    node.cli_ok(f"-keyfile={key}", f"-passphrasefile={passphrase}", "keygen")
    second = Agent(t, node, "second", key, passphrase)
    second.start(f"-serviceport={port}")
    rc = second.process.wait(timeout=30 * timeout_factor())
    forget(second.process)
    assert rc != 0, "a second agent on a taken port kept running"
    with open(os.path.join(second.datadir, "stderr.txt"), encoding="utf-8") as f:
        err = f.read()
    assert f"127.0.0.1:{port}: port already in use (choose another -serviceport)" in err, err


def contributions(node, device, epoch):
    return node.rpc("getdevicecontributions", device, epoch)


def check_bandwidth(node, agent, client, device):
    """(b) 300000 bytes: DATA in 16 KiB frames, a receipt for each, one settlement."""
    epoch = node.rpc("getblockchaininfo")["epoch"]
    before = client.credits()
    out = json.loads(client.cli("bandwidth", "300000"))
    log(f"bandwidth session: {out}")
    assert_equal((out["bytes"], out["receipted"], out["end"], out["device"]),
                 (300_000, 300_000, "complete", device))
    agent.wait_for_log(f"bandwidth session {out['session']} of consumer {client.address}: "
                       "300000 bytes, 293 credits: receipt accepted")
    node.rpc("generateblock")
    agent.wait_for_log(f"bandwidth session {out['session']} of consumer {client.address}: "
                       "300000 bytes, 293 credits: settled in a block")
    got = contributions(node, device, epoch)
    assert_equal((got["bandwidth_bytes"], got["credits_burned"]), (out["bytes"], 293))
    assert_equal(client.credits(), before - 293)  # ceil(300000 / 1024)


def check_storage(t, node, agent, client, device, start_args):
    """(a) preparefile, storefile, fetchfile, openfile; then a proof in each epoch of the deal."""
    plain, data_key, stored, fetched, back = (
        os.path.join(t.tmpdir, name)
        for name in ("photo.bin", "data.key", "photo.stored", "photo.fetched", "photo.back"))
    original = os.urandom(5000)
    with open(plain, "wb") as f:
        f.write(original)
    prepared = json.loads(node.cli_ok(f"-datakeyfile={data_key}", "-chunksize=256",
                                      "preparefile", plain, stored))
    root, size = prepared["data_root"], prepared["size"]
    deal_id = client.cli("-chunksize=256", "storefile", stored, root, str(EPOCHS), str(PRICE))
    agent.wait_for_log(f"signed deal {deal_id}")
    node.rpc("generateblock")
    deal = node.rpc("getdeal", deal_id)
    assert_equal((deal["device"], deal["data_root"], deal["size"], deal["chunk_size"]),
                 (device, root, size, 256))
    assert_equal((deal["escrow"], deal["proven_epochs"]), (size * PRICE * EPOCHS, 0))

    assert_equal(json.loads(client.cli("fetchfile", root, fetched))["size"], size)
    with open(stored, "rb") as f, open(fetched, "rb") as g:
        assert_equal(f.read(), g.read())
    node.cli_ok(f"-datakeyfile={data_key}", "openfile", fetched, back)
    with open(back, "rb") as f:
        assert_equal(f.read(), original)

    for k, epoch in enumerate(range(deal["start_epoch"], deal["end_epoch"] + 1)):
        # The tip at the challenge block: the next block is the first of the window.
        while node.rpc("getblockcount") < epoch * BLOCKS_PER_EPOCH:
            node.rpc("generateblock")
        proof = f"storage proof of deal {deal_id} for epoch {epoch}"
        agent.wait_for_log(proof + " accepted")
        if k == 0:
            # Killed with its proof in the mempool: restarted, it sends the recorded bytes
            # again rather than sign a second proof for the epoch.
            agent.kill()
            since = len(agent.log_text())
            agent.start(*start_args)
            agent.wait_for_log(proof + " is known to the node already (already-in-mempool)",
                               since)
        node.rpc("generateblock")
        got = contributions(node, device, epoch)
        assert_equal((got["storage_byte_epochs"], got["credits_burned"]), (size, size * PRICE))
        deal = node.rpc("getdeal", deal_id)
        assert_equal((deal["proven_epochs"], deal["last_proven_epoch"]), (k + 1, epoch))
        assert_equal(deal["escrow"], size * PRICE * (EPOCHS - k - 1))
    assert_equal(node.rpc("getdevicerejections", device)["rejections"], [])
    # Past its last epoch, the agent forgets the deal.
    while node.rpc("getblockcount") < (deal["end_epoch"] + 1) * BLOCKS_PER_EPOCH:
        node.rpc("generateblock")
    agent.wait_for_log(f"deal {deal_id} ended with epoch {deal['end_epoch']}, 2 epochs proven")
    # ... and deletes its data, which no other deal holds.
    agent.wait_for_log(f"deleted the {size} stored bytes with root {root}: no deal holds them")
    assert not os.path.exists(os.path.join(agent.datadir, "dev", "storage", root))
    rc, _, err = node.cli(f"-agent=127.0.0.1:{client.port}", "fetchfile", root, fetched + "2")
    assert rc != 0 and "unknown-root" in err, err


# --- (c) raw clients --------------------------------------------------------------------

def frame(msg_type, body):
    return struct.pack("<IB", len(body), msg_type) + body


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7f) | 0x80])
        n >>= 7
    return out + bytes([n])


def read_varint(data, at=0):
    """(value, offset after it)."""
    value, shift = 0, 0
    while True:
        b = data[at]
        value |= (b & 0x7f) << shift
        at += 1
        if not b & 0x80:
            return value, at
        shift += 7


def read_bytes(data, at=0):
    """A length-prefixed byte string: (bytes, offset after it)."""
    n, at = read_varint(data, at)
    return data[at:at + n], at + n


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10 * timeout_factor())
    return s


def read_exactly(s, n):
    data = b""
    while len(data) < n:
        part = s.recv(n - len(data))
        if not part:
            return None
        data += part
    return data


def read_frame(s):
    """(type, body), or None at the end of the connection."""
    head = read_exactly(s, 5)
    if head is None:
        return None
    length, msg_type = struct.unpack("<IB", head)
    return msg_type, read_exactly(s, length)


def read_error(s):
    """An ERROR frame's (code, message)."""
    msg_type, body = read_frame(s)
    assert_equal(msg_type, 0xff)
    code, at = read_bytes(body)
    message, _ = read_bytes(body, at)
    return code.decode(), message.decode()


def assert_closed(s):
    assert_equal(read_frame(s), None)


def check_info(port):
    with connect(port) as s:
        s.sendall(frame(0x01, b""))
        msg_type, body = read_frame(s)
        assert_equal(msg_type, 0x81)
        version, chain_id = struct.unpack("<II", body[:8])
        assert_equal((version, chain_id), (1, 3))


def check_bad_clients(agent, client, port):
    """(c) each bad client is refused, with an ERROR that says why; the agent serves on."""
    since = len(agent.log_text())
    bad = [
        (b"GET / HTTP/1.1\r\n\r\n", "unknown-message-type"),          # garbage
        (struct.pack("<IB", 0x7fffffff, 0x02), "frame-too-large"),    # an oversized length
        (struct.pack("<IB", 1, 0x01) + b"x", "frame-too-large"),      # INFO has no body
        (frame(0x81, b"\0" * 60), "unexpected-message-type"),         # an agent's message
        (frame(0x04, b"\0" * 43), "decode-error"),                    # truncated GET_CHUNKS
        (frame(0x06, varint(3) + b"abc"), "no-session"),              # a receipt, no session
    ]
    for data, code in bad:
        with connect(port) as s:
            s.sendall(data)
            assert_equal(read_error(s)[0], code)
            assert_closed(s)
    # A well-formed PUT_CHUNKS whose chunks lead to another root: refused, nothing kept,
    # and the connection serves on.
    with connect(port) as s:
        chunk = os.urandom(10)
        body = (b"\x11" * 32 + struct.pack("<QIQ", 10, 10, 0) + varint(1) + varint(10) + chunk)
        s.sendall(frame(0x02, body))
        code, message = read_error(s)
        assert_equal(code, "root-mismatch")
        assert "nothing is kept" in message, message
        s.sendall(frame(0x01, b""))
        assert_equal(read_frame(s)[0], 0x81)
    # A consumer that never sends a receipt gets at most MAX_UNRECEIPTED bytes, then END.
    with connect(port) as s:
        session, consumer = os.urandom(32), bytes.fromhex(client_key_hex(client))
        s.sendall(frame(0x05, session + consumer + struct.pack("<Q", 10_000_000)))
        received = 0
        while True:
            msg_type, body = read_frame(s)
            if msg_type != 0x85:
                break
            received += len(read_bytes(body)[0])
        assert_equal(msg_type, 0x86)
        sent, receipted = struct.unpack("<QQ", body[:16])
        assert_equal((received, sent, receipted, read_bytes(body, 16)[0].decode()),
                     (MAX_UNRECEIPTED, MAX_UNRECEIPTED, 0, "receipts-stopped"))
        assert_closed(s)
    text = agent.log_text()[since:]
    assert_greater_than_or_equal(text.count("disconnected service client"), 1)
    assert "ended (receipts-stopped): 262144 bytes sent, 0 receipted; nothing to settle" in text
    check_info(port)
    assert agent.process.poll() is None, "the agent exited"


def client_key_hex(client):
    """The client's x-only key, as validateaddress shows it."""
    return client.node.rpc("validateaddress", client.address)["pubkey"]


if __name__ == "__main__":
    main(run)
