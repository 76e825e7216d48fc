#!/usr/bin/env python3
"""The device services conform to doc/protocol.md: heartbeats, bandwidth receipts, storage deals
and proofs built and signed by maillon_ref.py (an independent implementation written from the
document alone) are accepted or refused by the node with maillon_ref's reason codes; every
block the node makes is replayed by maillon_ref to the header's state root, and the node's
contribution, deal and credit records are maillon_ref's."""
import collections
import os
import re
import time

from framework import assert_equal, assert_raises, assert_raises_rpc_error, log, main, RpcError
import maillon_ref as m

DEV = m.DEV
HRP = DEV["hrp"]
BOND = DEV["device_bond"]
FEE = DEV["min_tx_fee"]
EPOCH = DEV["epoch_blocks"]
INTERVAL = DEV["heartbeat_interval_blocks"]
AT_BYTE = re.compile(r"\(at byte (\d+)\)")


def addr(pub):
    return m.encode_address(HRP, pub)


# ---------------------------------------------------------------------------
# Offline: maillon_ref on its own


def check_chunk_tree_offline():
    """§6.5: the worked example, and paths of every chunk of trees of many sizes."""
    abc = [b"a", b"b", b"c"]
    want = {
        "leaf0": "a58a03a2e7d153b81365f85bfb3711f54d7e1ff27f0725b44f841432dbf7d0c9",
        "leaf1": "cda84dca02654a3737b193b8651c328b5b126c979a94d3978d2aa2acddb07da3",
        "leaf2": "9c118b5870f0fc54f052184b7d50ac6feec5cab052157f87928c24d4e0d56e9d",
        "node": "942a919f7a4c564e91ec8910a0f588a70c5e9efec67598350d48c36d2a92bee2",
        "root": "77eef7d51a6ed47c0a2cc4a1144ed6968cf3cb292e299781175ccc6bf6a3339e",
    }
    leaves = [m.chunk_leaf(i, c) for i, c in enumerate(abc)]
    assert_equal([x.hex() for x in leaves], [want["leaf0"], want["leaf1"], want["leaf2"]])
    assert_equal(m.chunk_node(leaves[0], leaves[1]).hex(), want["node"])
    root = m.chunk_root(abc)
    assert_equal(root.hex(), want["root"])
    assert_equal([x.hex() for x in m.chunk_path(abc, 2)], [want["node"]])
    assert_equal([x.hex() for x in m.chunk_path(abc, 0)], [want["leaf1"], want["leaf2"]])
    # One chunk: the root is its leaf, the path is empty.
    assert_equal(m.chunk_root([b"x"]), m.chunk_leaf(0, b"x"))
    assert_equal(m.chunk_path([b"x"], 0), [])
    # RFC 6962's shape: the left subtree holds the largest power of two below n.
    for n in list(range(1, 40)) + [63, 64, 65, 100]:
        chunks = [bytes([i % 256, i // 256]) for i in range(n)]
        r = m.chunk_root(chunks)
        if n > 1:
            k = 1 << ((n - 1).bit_length() - 1)
            assert_equal(r, m.chunk_node(m.chunk_root(chunks[:k]), rfc6962(chunks[k:], k)))
        for i in range(n):
            path = m.chunk_path(chunks, i)
            assert len(path) <= m.MAX_CHUNK_PATH
            assert m.verify_chunk(r, i, n, chunks[i], path), (n, i)
            # Another chunk, index or count; a path cut short or too long: refused.
            assert not m.verify_chunk(r, i, n, chunks[i] + b"!", path)
            if n > 1:
                assert not m.verify_chunk(r, (i + 1) % n, n, chunks[i], path)
                assert not m.verify_chunk(r, i, n, chunks[i], path[:-1])
            assert not m.verify_chunk(r, i, n, chunks[i], path + [bytes(32)])
        assert not m.verify_chunk(r, n, n, chunks[-1], [])
    assert not m.verify_chunk(root, 0, 3, b"", m.chunk_path(abc, 0))
    assert not m.verify_chunk(root, 0, m.MAX_CHUNKS + 1, b"a", m.chunk_path(abc, 0))
    # The split: the last chunk shorter; count = ceil(size / chunk_size).
    data = bytes(range(256)) * 4 + b"tail"
    chunks = m.split_chunks(data, 100)
    assert_equal((len(chunks), len(chunks[-1]), b"".join(chunks)), (11, 28, data))
    assert_equal(m.chunk_count(len(data), 100), 11)
    assert_equal(m.chunk_count(1000, 100), 10)
    # The challenge is LE64 of the tag's first 8 bytes, mod count.
    t = m.tagged_hash("MaillonStorageChallenge", b"\x01" * 32 + b"\x02" * 32)
    assert_equal(m.challenged_chunk(b"\x01" * 32, b"\x02" * 32, 1000),
                 int.from_bytes(t[:8], "little") % 1000)
    # Ceil credits.
    assert_equal([m.bandwidth_credits(b) for b in (1, 1023, 1024, 1025, 3000, 2048)],
                 [1, 1, 1, 2, 3, 2])
    log("chunk tree: §6.5's worked example reproduced, every path of 1..100 chunks verifies")


def rfc6962(chunks, offset):
    """RFC 6962's Merkle tree hash over chunks[offset:] leaves numbered from offset."""
    n = len(chunks)
    if n == 1:
        return m.chunk_leaf(offset, chunks[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return m.chunk_node(rfc6962(chunks[:k], offset), rfc6962(chunks[k:], offset + k))


def check_records_offline():
    """§6.1/6.2: tags 7-11, their sizes, and round trips."""
    d, c = b"\x11" * 32, b"\x22" * 32
    assert_equal(m.activity_key(d), m.state_key(7, d))
    assert_equal(m.contribution_key(d, 5), m.state_key(8, d + (5).to_bytes(8, "little")))
    assert_equal(m.epoch_totals_key(5), m.state_key(9, (5).to_bytes(8, "little")))
    assert_equal(m.session_key(c, d, c), m.state_key(10, c + d + c))
    assert_equal(m.deal_key(d), m.state_key(11, d))
    assert_equal(len(m.encode_activity(1, 2)), 17)
    assert_equal(m.decode_activity(m.encode_activity(1, 2)),
                 {"last_interval": 1, "last_height": 2})
    units = {"uptime_intervals": 1, "bandwidth_bytes": 2, "storage_byte_epochs": 3,
             "credits_burned": 4}
    assert_equal(len(m.encode_contribution(units)), 33)
    assert_equal(m.decode_contribution(m.encode_contribution(units)), units)
    assert_equal(m.decode_contribution(None), m.ZERO_UNITS)
    assert_equal(len(m.encode_session(d, 9)), 41)
    deal = {"client": c, "device": d, "data_root": b"\x33" * 32, "size": 5, "chunk_size": 2,
            "start_epoch": 1, "duration_epochs": 2, "price": 3, "proven_epochs": 0,
            "last_proven": 0, "escrow": 30}
    assert_equal(len(m.encode_deal(deal)), 149)
    assert_equal(m.decode_deal(m.encode_deal(deal)), deal)
    assert_raises(ValueError, m.decode_deal, m.encode_deal(deal) + b"\x00")
    assert_raises(ValueError, m.decode_deal, b"\x02" + m.encode_deal(deal)[1:])


def check_lanes_offline():
    """§5.5 step 2: the two lanes of a block, checked other transactions first."""
    d = m.PrivateKey(b"\x31" * 32).pubkey()
    hb = m.heartbeat(3, d, 1, bytes(32))
    tr = m.transfer(3, d, d, 1, FEE, 0)
    # The smallest attestation is a heartbeat (160 bytes): 1 MiB holds 6,553 of them, so
    # the count limit (8,000) fires only because it is checked before the bytes.
    assert_equal(hb.size(), 160)
    fits = m.MAX_ATTESTATION_BYTES // hb.size()
    assert_equal(m.check_block_lanes([hb] * fits + [tr] * 10_000), None)
    assert_equal(m.check_block_lanes([hb] * (fits + 1)), "attestations-too-big")
    assert_equal(m.check_block_lanes([hb] * 8001), "too-many-attestations")
    assert_equal(m.check_block_lanes([tr] * 10_001), "too-many-txs")
    assert_equal(m.check_block_lanes([tr] * 10_001 + [hb] * 8001), "too-many-txs")
    big = m.storage_proof(3, d, bytes(32), 1, bytes(2048), [bytes(32)] * 20)
    n = m.MAX_ATTESTATION_BYTES // big.size()
    assert_equal(m.check_block_lanes([big] * n), None)
    assert_equal(m.check_block_lanes([big] * (n + 1)), "attestations-too-big")
    big_tx = m.Tx(1, m.TX_TRANSFER, 3, FEE, 0, [d], bytes(4096), [bytes(64)],
                  {"to": d, "amount": 1})
    n = m.MAX_LANE_BYTES // big_tx.size()
    assert_equal(m.check_block_lanes([big_tx] * n), None)
    assert_equal(m.check_block_lanes([big_tx] * (n + 1)), "txs-too-big")


# ---------------------------------------------------------------------------
# Against the node


def raw_tx(tx_type, signers, payload, fee=0, nonce=0):
    """A transaction with an arbitrary payload (for malformed encodings)."""
    return m.Tx(1, tx_type, 3, fee, nonce, list(signers), payload, [bytes(64)] * len(signers))


def check_decode_errors(node, dev):
    """Malformed payloads of types 5-8: the node and maillon_ref refuse them naming the same
    field at the same offset (§1)."""
    d = dev.pubkey()
    c = m.PrivateKey(b"\x41" * 32).pubkey()
    hb = m.heartbeat(3, d, 7, b"\x01" * 32).payload
    rc = m.bandwidth_receipt(3, d, c, b"\x02" * 32, 10, 7).payload
    deal = m.storage_deal(3, c, d, b"\x03" * 32, 100, 10, 1, 1, FEE, 0).payload
    proof = m.storage_proof(3, d, b"\x04" * 32, 1, b"abc", [b"\x05" * 32] * 2).payload
    cases = [
        ("heartbeat ref_hash truncated", raw_tx(5, [d], hb[:-1])),
        ("heartbeat ref_height truncated", raw_tx(5, [d], hb[:5])),
        ("heartbeat byte left over", raw_tx(5, [d], hb + b"\x00")),
        ("heartbeat with two signers", raw_tx(5, [d, c], hb)),
        ("receipt bytes truncated", raw_tx(6, [d, c], rc[:36])),
        ("receipt ref_height truncated", raw_tx(6, [d, c], rc[:-1])),
        ("receipt with one signer", raw_tx(6, [d], rc)),
        ("deal price truncated", raw_tx(7, [c, d], deal[:-3], FEE)),
        ("deal chunk_size truncated", raw_tx(7, [c, d], deal[:42], FEE)),
        ("deal byte left over", raw_tx(7, [c, d], deal + b"\x00", FEE)),
        ("proof chunk empty", raw_tx(8, [d], proof[:40] + b"\x00" + b"\x00")),
        ("proof chunk of 2049 bytes",
         raw_tx(8, [d], proof[:40] + m.enc_bytes(bytes(2049)) + b"\x00")),
        ("proof chunk length non-minimal", raw_tx(8, [d], proof[:40] + b"\x83\x00" + proof[41:])),
        ("proof chunk truncated", raw_tx(8, [d], proof[:40] + b"\x05abc")),
        ("proof path count 21",
         raw_tx(8, [d], proof[:44] + m.enc_varint(21) + bytes(32) * 21)),
        ("proof path entry truncated", raw_tx(8, [d], proof[:-1])),
        ("proof path count missing", raw_tx(8, [d], proof[:44])),
        ("proof byte left over", raw_tx(8, [d], proof + b"\x00")),
    ]
    for label, tx in cases:
        raw = tx.serialize()
        e = assert_raises(ValueError, m.decode_transaction, raw)
        ours = str(e)
        reply = node.rpc("submitattestation", raw.hex())[0]
        assert_equal((reply["accepted"], reply["txid"], reply["reason"], reply["code"]),
                     (False, None, "decode-error", -22), msg=label)
        theirs = reply["message"][len("decode-error: "):]
        assert_equal((theirs.split(":")[0], AT_BYTE.search(theirs).group(1)),
                     (ours.split(":")[0], AT_BYTE.search(ours).group(1)),
                     msg=f"{label}: node {theirs!r}, maillon_ref {ours!r}")
        # sendrawtransaction decodes the same way.
        assert_raises_rpc_error(-22, theirs, node.rpc, "sendrawtransaction", raw.hex())
    log(f"decode errors: {len(cases)} malformed payloads of types 5-8 refused by both, "
        "naming the same field at the same offset")


def check_stateless_rules(node, dev, client):
    """§4.3 step 2 for types 5-8: fee and nonce of attestations, the deal's payload rules."""
    d, c = dev.pubkey(), client.pubkey()
    h0 = bytes.fromhex(node.rpc("getblockhash", 0))
    root = b"\x07" * 32

    def deal(size=1000, chunk_size=100, duration=2, price=1, fee=FEE, chain=3):
        return m.storage_deal(chain, c, d, root, size, chunk_size, duration, price, fee, 0)

    attestations = [
        m.heartbeat(3, d, 0, h0, fee=1),
        m.heartbeat(3, d, 0, h0, nonce=1),
        m.heartbeat(3, d, 0, h0, fee=FEE, nonce=1),  # the fee is checked first
        m.heartbeat(2, d, 0, h0, fee=1),  # the chain before the fee
        m.bandwidth_receipt(3, d, c, b"\x01" * 32, 0, 0),
        m.bandwidth_receipt(3, d, c, b"\x01" * 32, 10, 0, fee=FEE),
        m.bandwidth_receipt(3, d, d, b"\x01" * 32, 10, 0),
        m.bandwidth_receipt(3, d, d, b"\x01" * 32, 0, 0),  # duplicates before the payload
        m.storage_proof(3, d, b"\x01" * 32, 1, b"x", [], nonce=5),
    ]
    others = [
        deal(fee=0),  # a deal is no attestation: it pays at least the minimum fee
        deal(fee=FEE - 1),
        deal(size=0),
        deal(chunk_size=0),
        deal(chunk_size=2049),
        deal(size=(1 << 20) + 1, chunk_size=1),
        deal(size=(1 << 20) * 2048 + 1, chunk_size=2048),
        deal(duration=0),
        deal(duration=DEV["max_deal_epochs"] + 1),
        deal(price=0),
        deal(size=1 << 31, chunk_size=2048, price=1 << 33),  # size x price passes 2^64 - 1
        deal(size=1 << 31, chunk_size=2048, price=1 << 29, duration=16),  # x duration does
        deal(size=0, chunk_size=0),  # size before chunk_size
        deal(chunk_size=0, duration=0),
        deal(chain=2),
        m.storage_deal(3, c, c, root, 1000, 100, 2, 1, FEE, 0),
    ]
    passing = [deal(size=1 << 20, chunk_size=1), deal(size=(1 << 20) * 2048, chunk_size=2048),
               deal(duration=DEV["max_deal_epochs"]),
               deal(size=1 << 31, chunk_size=2048, price=(1 << 33) - 1, duration=1)]
    for tx in passing:
        assert_equal(m.check_stateless(tx, DEV), None)
    for tx in attestations + others:
        tx.signatures = [bytes(64)] * len(tx.signers)
        expect = m.check_stateless(tx, DEV)
        assert expect is not None, m.tx_to_json(tx, HRP)
        if tx.is_attestation:
            reply = node.rpc("submitattestation", tx.serialize().hex())[0]
            got = (reply["code"], reply["reason"])
        else:
            try:
                node.rpc("sendrawtransaction", tx.serialize().hex())
                raise AssertionError(f"accepted: {m.tx_to_json(tx, HRP)}")
            except RpcError as e:
                got = (e.code, e.message.split(":")[0])
        assert_equal(got, (m.RPC_CODES[expect], expect), msg=m.tx_to_json(tx, HRP)["payload"])
    log(f"stateless rules of types 5-8: {len(attestations) + len(others)} transactions "
        "refused with maillon_ref's reason")


class Chain:
    """The node, and maillon_ref's replay of its chain, compared after every block."""

    def __init__(self, node):
        self.node = node
        self.ref = m.Replay(DEV)
        self.devices = []   # compared with getdevicecontributions
        self.deals = []     # compared with getdeal
        self.accounts = []  # compared with getcredits
        self.pending = []   # accepted by the mempool, not in a block yet
        self.seen = collections.Counter()  # (type name, reason or "accepted")
        self.included = set()  # the types of the transactions in its blocks

    @property
    def tip(self):
        return self.ref.height

    def hash(self, height):
        return self.ref.hashes[height]

    def mine(self, expect=None):
        """generateblock; the block must hold exactly `expect` (transactions, any order)."""
        made = self.node.rpc("generateblock")
        assert_equal(made["height"], self.tip + 1)
        raw = bytes.fromhex(self.node.rpc("getblock", made["height"], 0))
        block = self.ref.apply(raw)  # the state root is the header's, or BlockError
        assert_equal(block.header.hash().hex(), made["hash"])
        if expect is not None:
            assert_equal(sorted(made["txs"]), sorted(t.txid().hex() for t in expect),
                         msg=f"block {made['height']}")
        self.pending = [t for t in self.pending if t.txid().hex() not in made["txs"]]
        assert_equal(self.pending, [], msg="the block took every pending transaction")
        self.included.update(tx.type for tx in block.txs)
        assert m.supply_invariant_holds(self.ref.records), f"supply at {self.tip}"
        assert self.ref.credits_conserved(), f"credits conserved at {self.tip}"
        self.compare()
        return block

    def mine_to(self, height, each=None):
        """Empty blocks until the tip is `height`; each(chain) runs before every block."""
        while self.tip < height:
            extra = each(self) if each else []
            self.mine(extra)

    def compare(self):
        recs = self.ref.records
        tip_epoch = self.tip // EPOCH
        for dev in self.devices:
            activity = recs.get(m.activity_key(dev))
            last = m.decode_activity(activity)["last_height"] if activity else None
            for epoch in range(tip_epoch + 1):
                got = self.node.rpc("getdevicecontributions", addr(dev), epoch)
                want = {"device": addr(dev), "epoch": epoch,
                        **m.contributions(recs, dev, epoch),
                        "epoch_totals": m.epoch_totals(recs, epoch),
                        "last_heartbeat_height": last, "height": self.tip}
                assert_equal(got, want, msg=f"getdevicecontributions epoch {epoch}")
            got = self.node.rpc("getdevicecontributions", addr(dev))
            assert_equal(got["epoch"], tip_epoch)
        for deal_id in self.deals:
            d = m.decode_deal(recs[m.deal_key(deal_id)])
            want = {"deal": deal_id.hex(), "client": addr(d["client"]),
                    "device": addr(d["device"]), "data_root": d["data_root"].hex(),
                    "size": d["size"], "chunk_size": d["chunk_size"],
                    "chunks": m.chunk_count(d["size"], d["chunk_size"]),
                    "start_epoch": d["start_epoch"],
                    "end_epoch": d["start_epoch"] + d["duration_epochs"] - 1,
                    "price": d["price"], "proven_epochs": d["proven_epochs"],
                    "last_proven_epoch": d["last_proven"] if d["proven_epochs"] else None,
                    "escrow": d["escrow"], "height": self.tip}
            assert_equal(self.node.rpc("getdeal", deal_id.hex()), want, msg="getdeal")
        for pub in self.accounts:
            got = self.node.rpc("getcredits", addr(pub))
            assert_equal((got["credits"], got["height"]),
                         (m.get_account(recs, pub)["credits"], self.tip), msg="getcredits")
            acct = self.node.rpc("getaccount", addr(pub))
            assert_equal({k: acct[k] for k in ("balance", "nonce", "credits")},
                         m.get_account(recs, pub))

    def decodes(self, tx):
        assert_equal(self.node.rpc("decoderawtransaction", tx.serialize().hex()),
                     m.tx_to_json(tx, HRP))

    def attest(self, tx, want="check"):
        """submitattestation: the node's verdict is maillon_ref's (Replay.check, given what
        is pending); `want` overrides it where the reference cannot know. Returns tx."""
        self.decodes(tx)
        if want == "check":
            want = self.ref.check(tx, self.pending)
        reply = self.node.rpc("submitattestation", tx.serialize().hex())
        assert_equal(len(reply), 1)
        r = reply[0]
        assert_equal(r["txid"], tx.txid().hex())
        got = None if r["accepted"] else r["reason"]
        assert_equal(got, want, msg=f"{m.tx_to_json(tx, HRP)['type']}: {r.get('message')}")
        self.seen[(m.TX_TYPES[tx.type][0], got or "accepted")] += 1
        if got:
            assert_equal(r["code"], m.RPC_CODES[got])
            assert r["message"].startswith(got + ": "), r["message"]
        else:
            assert "reason" not in r and "code" not in r, r
            self.pending.append(tx)
        return tx

    def send(self, tx):
        """sendrawtransaction, with the same comparison as attest()."""
        self.decodes(tx)
        want = self.ref.check(tx, self.pending)
        try:
            assert_equal(self.node.rpc("sendrawtransaction", tx.serialize().hex()),
                         tx.txid().hex())
            got = None
            self.pending.append(tx)
        except RpcError as e:
            got = e.message.split(":")[0]
            assert_equal(e.code, m.RPC_CODES.get(got), msg=e.message)
        assert_equal(got, want, msg=m.tx_to_json(tx, HRP)["type"])
        self.seen[(m.TX_TYPES[tx.type][0], got or "accepted")] += 1
        return tx


def run(t):
    t0 = time.monotonic()
    check_chunk_tree_offline()
    check_records_offline()
    check_lanes_offline()

    node = t.add_node()
    chain = Chain(node)
    dk = m.dev_key()
    dp = dk.pubkey()
    device = m.PrivateKey.generate()     # kinds 7, the dev key's
    uptime_only = m.PrivateKey.generate()  # kinds 1, the dev key's
    stranger = m.PrivateKey.generate()   # never registered
    consumer = m.PrivateKey.generate()
    client = m.PrivateKey.generate()
    D, U, C, L = device.pubkey(), uptime_only.pubkey(), consumer.pubkey(), client.pubkey()
    chain.devices = [D, U]
    chain.accounts = [C, L, dp]

    check_decode_errors(node, device)
    check_stateless_rules(node, device, client)

    # --- block 1: two devices registered by the dev key, the consumer and client funded
    chain.attest(m.heartbeat(3, D, 0, chain.hash(0)).sign(0, device))  # not registered yet
    dev_nonce = 0

    def dev_tx(make):
        nonlocal dev_nonce
        tx = make(dev_nonce).sign(0, dk)
        dev_nonce += 1
        return tx

    block1 = [
        dev_tx(lambda n: m.register_device(3, dp, D, 7, BOND, FEE, n)).sign(1, device),
        dev_tx(lambda n: m.register_device(3, dp, U, 1, BOND, FEE, n)).sign(1, uptime_only),
        dev_tx(lambda n: m.transfer(3, dp, C, 10 * m.COIN, FEE, n)),
        dev_tx(lambda n: m.transfer(3, dp, L, 10 * m.COIN, FEE, n)),
    ]
    for tx in block1:
        chain.send(tx)
    chain.mine(block1)

    # --- block 2: credits bought; a heartbeat, and a second one of the same interval
    pending = [chain.send(m.buy_credits(3, C, 5000, FEE, 0).sign(0, consumer)),
               chain.send(m.buy_credits(3, L, 30_000, FEE, 0).sign(0, client))]
    hb1 = chain.attest(m.heartbeat(3, D, 1, chain.hash(1)).sign(0, device))
    # Same interval (0), pending: one per replay key (device, interval) in the mempool.
    chain.attest(m.heartbeat(3, D, 0, chain.hash(0)).sign(0, device))  # already-in-mempool
    chain.attest(hb1)  # the same transaction again: already-in-mempool
    chain.attest(m.heartbeat(3, stranger.pubkey(), 1, chain.hash(1)).sign(0, stranger))
    chain.mine(pending + [hb1])
    assert_equal(m.decode_activity(chain.ref.records[m.activity_key(D)]),
                 {"last_interval": 0, "last_height": 2})

    # --- at tip 2: heartbeat refusals, bandwidth receipts, a storage deal
    tip = chain.tip
    chain.attest(m.heartbeat(3, D, tip, chain.hash(tip)).sign(0, device))  # interval 0 counted
    chain.attest(m.heartbeat(3, D, tip, chain.hash(tip - 1)).sign(0, device))  # wrong hash
    chain.attest(m.heartbeat(3, D, tip + 1, chain.hash(tip)).sign(0, device))  # future block
    hb_u = chain.attest(m.heartbeat(3, U, tip, chain.hash(tip)).sign(0, uptime_only))
    chain.attest(m.heartbeat(3, U, tip, chain.hash(tip)))  # unsigned: bad-signature first

    session = os.urandom(32)

    def receipt(dev_key, consumer_key, nbytes, ref, sess=None):
        tx = m.bandwidth_receipt(3, dev_key.pubkey(), consumer_key.pubkey(), sess or session,
                                 nbytes, ref)
        return tx.sign(1, consumer_key).sign(0, dev_key)

    r1 = chain.attest(receipt(device, consumer, 3000, tip))  # ceil(3000 / 1024) = 3 credits
    chain.attest(receipt(device, consumer, 3500, tip))  # (consumer, session): already-in-mempool
    chain.attest(receipt(device, dk, 3000, tip, os.urandom(32)))                # self-dealing
    chain.attest(receipt(device, consumer, 5001 * 1024, tip, os.urandom(32)))   # credits
    chain.attest(receipt(uptime_only, consumer, 10, tip, os.urandom(32)))       # kind
    chain.attest(receipt(stranger, consumer, 10, tip, os.urandom(32)))          # unregistered
    chain.attest(receipt(device, consumer, 10, tip + 1, os.urandom(32)))        # future ref
    half = m.bandwidth_receipt(3, D, C, os.urandom(32), 10, tip).sign(1, consumer)
    chain.attest(half)  # the device's signature missing: bad-signature
    # The exact cost passes: 5000 credits for 5000 KiB (nothing else pending on them).
    assert_equal(chain.ref.check(receipt(device, consumer, 5000 * 1024, tip, os.urandom(32)),
                                 chain.pending), None)

    data = os.urandom(5000)
    chunk_size = 512
    chunks = m.split_chunks(data, chunk_size)
    root = m.chunk_root(chunks)
    duration = 3

    def deal_tx(client_key, dev_key, nonce, price=1, dur=duration):
        tx = m.storage_deal(3, client_key.pubkey(), dev_key.pubkey(), root, len(data),
                            chunk_size, dur, price, FEE, nonce)
        return tx.sign(0, client_key).sign(1, dev_key)

    deal = deal_tx(client, device, 1)
    chain.attest(deal, want="not-an-attestation")
    chain.send(deal_tx(client, device, 1, price=3))            # 45,000 > 30,000 credits
    chain.send(deal_tx(client, uptime_only, 1))                # kind not offered
    chain.send(deal_tx(client, stranger, 1))                   # not registered
    chain.send(deal_tx(dk, device, dev_nonce))                 # the owner: self-dealing
    chain.send(deal_tx(client, device, 2))                     # nonce-gap
    chain.send(deal)
    deal_id = deal.txid()
    escrow = len(data) * 1 * duration
    chain.mine([hb_u, r1, deal])
    chain.deals = [deal_id]
    d = m.decode_deal(chain.ref.records[m.deal_key(deal_id)])
    assert_equal((d["start_epoch"], d["escrow"], d["proven_epochs"]), (1, escrow, 0))
    assert_equal(m.get_account(chain.ref.records, C)["credits"], 5000 - 3)
    assert_equal(m.get_account(chain.ref.records, L)["credits"], 30_000 - escrow)
    chain.attest(receipt(device, consumer, 3000, chain.tip))  # session-already-settled
    log("block 3: heartbeats, a bandwidth receipt and a storage deal applied like maillon_ref's")

    # --- heartbeats in several intervals, on the way to epoch 1
    age = DEV["heartbeat_max_age_blocks"]

    def heartbeats(c):
        """Before a block: each device's heartbeat when its interval is a new one (D names
        the tip, U the oldest block it may); every 7 blocks a stale one, refused."""
        tip = c.tip
        out = []
        for key, ref in ((device, tip), (uptime_only, max(tip + 1 - age, 0))):
            act = c.ref.records.get(m.activity_key(key.pubkey()))
            if c.ref.records.get(m.retirement_key(key.pubkey())) is not None:
                continue
            if act is None or ref // INTERVAL > m.decode_activity(act)["last_interval"]:
                out.append(c.attest(m.heartbeat(3, key.pubkey(), ref, c.hash(ref))
                                    .sign(0, key)))
        if tip >= age + 1 and tip % 7 == 0:
            old = tip - age  # the next block is age + 1 above it
            c.attest(m.heartbeat(3, U, old, c.hash(old)).sign(0, uptime_only))
        return out

    def proof_for(epoch, index=None, dev_key=device, the_deal=deal_id, chunk=None):
        if index is None:
            index = m.challenged_chunk(the_deal, chain.hash(epoch * EPOCH), len(chunks))
        return m.storage_proof(3, dev_key.pubkey(), the_deal, epoch,
                               chunks[index] if chunk is None else chunk,
                               m.chunk_path(chunks, index)).sign(0, dev_key)

    chain.attest(proof_for(1, index=0))  # epoch 1 has not begun: proof-too-early
    chain.attest(proof_for(0, index=0))  # before the deal's first epoch: deal-not-active
    chain.mine_to(EPOCH - 1, heartbeats)
    # The next block is epoch 1's first: its hash is the challenge, so still too early.
    chain.attest(proof_for(1, index=0))
    chain.mine(heartbeats(chain))
    epoch0 = m.contributions(chain.ref.records, D, 0)
    assert_equal(epoch0["uptime_intervals"], 6)  # intervals 0..5
    assert_equal((epoch0["bandwidth_bytes"], epoch0["credits_burned"]), (3000, 3))
    log(f"epoch 0: {epoch0}")

    # --- epoch 1 (blocks 60..119): the challenged chunk proven in block 61
    index = m.challenged_chunk(deal_id, chain.hash(EPOCH), len(chunks))
    other = (index + 1) % len(chunks)
    chain.attest(proof_for(1, index=other))                        # bad-proof: another chunk
    chain.attest(proof_for(1, index=index, chunk=chunks[other]))   # bad-proof: the wrong bytes
    flipped = bytearray(chunks[index])
    flipped[0] ^= 1
    chain.attest(proof_for(1, chunk=bytes(flipped)))               # bad-proof: a byte changed
    chain.attest(proof_for(1, dev_key=uptime_only))                # not-deal-device
    chain.attest(proof_for(1, the_deal=os.urandom(32), index=0))   # unknown-deal
    chain.attest(proof_for(2, index=0))                            # proof-too-early
    chain.attest(proof_for(duration + 1, index=0))                 # deal-not-active
    good = chain.attest(proof_for(1))
    chain.attest(proof_for(1))                                     # already-in-mempool
    # The replay key is checked before the state rules: already-in-mempool, not bad-proof.
    replays = chain.seen[("storage_proof", "already-in-mempool")]
    chain.attest(proof_for(1, index=other))
    assert_equal(chain.seen[("storage_proof", "already-in-mempool")], replays + 1)
    chain.mine([good] + heartbeats(chain))
    chain.attest(proof_for(1))                                     # proof-already-counted
    d = m.decode_deal(chain.ref.records[m.deal_key(deal_id)])
    assert_equal((d["proven_epochs"], d["last_proven"], d["escrow"]),
                 (1, 1, escrow - len(data)))
    # The bandwidth window: a receipt naming block h - 60 is in, h - 61 is out.
    window = DEV["receipt_window_blocks"]
    h = chain.tip + 1
    chain.attest(receipt(device, consumer, 100, h - window - 1, os.urandom(32)))  # too old
    edge = chain.attest(receipt(device, consumer, 1024, h - window, os.urandom(32)))
    chain.mine([edge] + heartbeats(chain))
    # The proof window: h - s <= 20; later is late even for a proven epoch.
    chain.mine_to(EPOCH + DEV["storage_proof_window_blocks"] - 1, heartbeats)
    chain.attest(proof_for(1))                                     # proof-already-counted
    chain.mine(heartbeats(chain))
    chain.attest(proof_for(1))                                     # late-proof
    log("epoch 1: the challenged chunk proven; every proof refusal matches maillon_ref")

    # --- epoch 2 (120..179): proven in the window's last block; epoch 3 (180..239) missed
    chain.mine_to(2 * EPOCH + DEV["storage_proof_window_blocks"] - 1, heartbeats)
    last_chance = chain.attest(proof_for(2))
    chain.mine([last_chance] + heartbeats(chain))
    chain.mine_to(3 * EPOCH + DEV["storage_proof_window_blocks"], heartbeats)
    chain.attest(proof_for(3))                                     # late-proof
    d = m.decode_deal(chain.ref.records[m.deal_key(deal_id)])
    assert_equal((d["proven_epochs"], d["last_proven"], d["escrow"]), (2, 2, len(data)))
    for e in (1, 2):
        assert_equal(m.contributions(chain.ref.records, D, e)["storage_byte_epochs"],
                     len(data))
    log("epochs 2 and 3: a proof at the window's edge counted, a late one refused")

    # --- the device retired: it earns nothing from that block on (no heartbeat of its own
    # pending: a block applies its transactions in an order of the node's choosing)
    chain.mine(heartbeats(chain))
    assert_equal(heartbeats(chain), [])
    retire = m.retire_device(3, dp, D, FEE, dev_nonce).sign(0, dk)
    dev_nonce += 1
    chain.send(retire)
    chain.mine([retire])
    tip = chain.tip
    got = node.rpc("getdevice", addr(D))
    assert_equal(got["retired_height"], tip)
    chain.attest(m.heartbeat(3, D, tip, chain.hash(tip)).sign(0, device))   # device-retired
    chain.attest(receipt(device, consumer, 10, tip, os.urandom(32)))        # device-retired
    chain.attest(proof_for(3))                                              # device-retired
    chain.send(deal_tx(client, device, 2))                                  # device-retired
    assert_equal(chain.ref.check(m.heartbeat(3, D, tip, chain.hash(tip)).sign(0, device)),
                 "device-retired")
    chain.mine(heartbeats(chain))

    # --- claim_rewards: into the next epoch with no attestation, the owner collects what its
    # devices earned in the epoch that closed, once (§11.4); the validator was paid at the close
    chain.mine_to((chain.tip // EPOCH + 1) * EPOCH)
    claim = chain.send(m.claim_rewards(3, dp, FEE, dev_nonce).sign(0, dk))
    chain.mine([claim])
    dev_nonce += 1
    chain.send(m.claim_rewards(3, dp, FEE, dev_nonce).sign(0, dk))  # nothing-to-claim
    closed = chain.tip // EPOCH - 1
    got = node.rpc("getsupplyinfo", closed)
    er = m.epoch_rewards(chain.ref.records, closed)
    assert_equal((got["epoch"]["emission"], got["epoch"]["minted"], got["epoch"]["not_minted"]),
                 (er["emission"], sum(er["paid"]), er["not_minted"]))
    assert_equal(chain.included, set(m.TX_TYPES))  # every type went through a block

    # Every outcome this scenario is about was met, each decided alike by node and reference.
    required = {
        "heartbeat": {"accepted", "device-not-registered", "already-in-mempool",
                      "heartbeat-already-counted", "ref-block-unknown", "ref-block-too-old",
                      "bad-signature", "device-retired"},
        "bandwidth_receipt": {"accepted", "already-in-mempool", "session-already-settled",
                              "self-dealing", "insufficient-credits", "device-kind-not-offered",
                              "device-not-registered", "ref-block-unknown", "receipt-too-old",
                              "bad-signature", "device-retired"},
        "storage_deal": {"accepted", "not-an-attestation", "insufficient-credits",
                         "device-kind-not-offered", "device-not-registered", "self-dealing",
                         "nonce-gap", "device-retired"},
        "storage_proof": {"accepted", "proof-too-early", "deal-not-active", "bad-proof",
                          "not-deal-device", "unknown-deal", "already-in-mempool",
                          "proof-already-counted", "late-proof", "device-retired"},
        "claim_rewards": {"accepted", "nothing-to-claim"},
    }
    for name, reasons in required.items():
        missing = reasons - {r for (n, r) in chain.seen if n == name}
        assert not missing, f"{name}: never saw {sorted(missing)}"
    log(f"{sum(chain.seen.values())} submissions, outcomes: "
        + ", ".join(f"{n} {r} x{c}" for (n, r), c in sorted(chain.seen.items())))

    # The whole chain once more, from genesis, in a fresh replay: same state.
    again = m.Replay(DEV)
    for height in range(1, chain.tip + 1):
        again.apply(bytes.fromhex(node.rpc("getblock", height, 0)))
    assert_equal(m.state_root(again.records), m.state_root(chain.ref.records))
    totals = [m.epoch_totals(chain.ref.records, e) for e in range(chain.tip // EPOCH + 1)]
    log(f"replayed blocks 1..{chain.tip}; epoch totals {totals}")
    log(f"device conformance: done in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main(run)
