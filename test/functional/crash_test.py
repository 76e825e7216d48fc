#!/usr/bin/env python3
"""kill -9 while maillond commits blocks full of transfers: after every restart no committed block
is lost, every block links to its parent and is final by the certificate the next one carries, and
the state root of every block and every balance equal an independent replay of the stored blocks
from genesis (maillon_ref, written from doc/protocol.md)."""
import random

import maillon_ref as ref
from framework import assert_equal, assert_greater_than, log, main

SENDERS = 24
NONCES_PER_ROUND = 30  # per sender and round: 720 signed transfers a round
CHUNK = 48             # transfers per batch RPC
ROUNDS = 4
COIN = 100_000_000


def sender_key(i):
    return ref.PrivateKey(ref.tagged_hash("MaillonCrashTestKey", i.to_bytes(4, "little")))


def replay_and_check(node, keys):
    """Fetches every stored block, checks the chain links and certificates, replays it in
    Python and compares every state root; then compares every balance and nonce, and checks
    the proofs of a few accounts at the tip. Returns the tip height."""
    tip = node.rpc("getblockcount")
    records = ref.genesis_records(ref.DEV)
    genesis_set = ref.genesis_validator_set(ref.DEV)
    parent = ref.decode_header(bytes.fromhex(node.rpc("getblock", 0, 0))[:ref.HEADER_SIZE])
    assert_equal(ref.state_root(records), parent.state_root)
    transfers = 0
    for height in range(1, tip + 1):
        block = ref.decode_block(bytes.fromhex(node.rpc("getblock", height, 0)))
        # The certificate of the parent, in this block, is a quorum of valid precommits
        # (genesis needs none).
        if height > 1:
            ref.verify_commit(block.last_commit, genesis_set, ref.DEV["chain_id"], height - 1,
                              parent.hash())
        ref.apply_block(records, block, ref.DEV, parent=parent)
        assert_equal(ref.state_root(records), block.header.state_root,
                     msg=f"state root of block {height}")
        transfers += len(block.txs)
        parent = block.header
    assert ref.supply_invariant_holds(records)
    log(f"replayed {tip} blocks, {transfers} transfers")
    for key in [ref.dev_key()] + keys:
        pub = key.pubkey()
        replayed = ref.get_account(records, pub)
        account = node.rpc("getaccount", ref.encode_address("dmln", pub))
        assert_equal((account["balance"], account["nonce"]),
                     (replayed["balance"], replayed["nonce"]))
    for key in [ref.dev_key(), keys[0], keys[-1]]:
        address = ref.encode_address("dmln", key.pubkey())
        proven = ref.verify_account_proof(ref.DEV, key.pubkey(), node.rpc("getproof", address))
        assert_equal(proven["balance"], ref.get_account(records, key.pubkey())["balance"])
    return tip, transfers


def run(t):
    node = t.add_node(extra_args=["-blockinterval=0"])
    rng = random.Random(0x6d61696c)
    dev = ref.dev_key()
    keys = [sender_key(i) for i in range(SENDERS)]
    everyone = [k.pubkey() for k in keys] + [dev.pubkey()]

    # Fund the senders in one block.
    funding = [ref.transfer(3, dev.pubkey(), k.pubkey(), 1000 * COIN, 1000, n).sign(0, dev)
               for n, k in enumerate(keys)]
    for reply in node.rpc_batch([("sendrawtransaction", [tx.serialize().hex()]) for tx in funding]):
        assert "result" in reply, reply
    node.rpc("generateblock")

    committed = node.rpc("getblockcount")
    total_transfers = 0
    for round_ in range(ROUNDS):
        # Sign a round of transfers for each sender from its current nonce (the mempool did
        # not survive the last kill) ...
        nonces = [node.rpc("getaccount", ref.encode_address("dmln", k.pubkey()))["nonce"]
                  for k in keys]
        txs = []
        for n in range(NONCES_PER_ROUND):
            for i, k in enumerate(keys):
                to = rng.choice([p for p in everyone if p != k.pubkey()])
                txs.append(ref.transfer(3, k.pubkey(), to, rng.randrange(1, 10 * COIN),
                                        1000 + rng.randrange(2000), nonces[i] + n).sign(0, k))
        # ... then feed them to a node that produces a block every millisecond, so that it is
        # nearly always assembling or committing a block of them, and kill it part-way.
        node.restart(extra_args=["-blockinterval=1"])
        start = node.rpc("getblockcount")
        kill_after = rng.randrange(len(txs) // (3 * CHUNK), len(txs) // CHUNK)
        for c in range(0, kill_after * CHUNK, CHUNK):
            chunk = txs[c:c + CHUNK]
            replies = node.rpc_batch([("sendrawtransaction", [tx.serialize().hex()])
                                      for tx in chunk])
            assert all("result" in r for r in replies), [r for r in replies if "error" in r][:3]
        before = node.rpc("getblockcount")
        pending = node.rpc("getmempoolinfo")["size"]
        node.kill()
        log(f"round {round_}: killed at height >= {before} ({before - start} blocks this round, "
            f"{pending} transfers pending)")

        # Restart without production: nothing acknowledged is lost, and everything stored
        # is consistent with a replay.
        node.start(extra_args=["-blockinterval=0"])
        tip, transfers = replay_and_check(node, keys)
        assert tip >= before, (tip, before)
        assert tip > committed, "the round committed no block"
        committed = tip
        total_transfers = transfers
        # The restarted chain keeps going on top of what it found.
        made = node.rpc("generateblock")
        assert_equal(made["height"], tip + 1)
    assert_greater_than(total_transfers, ROUNDS * CHUNK)
    node.stop()


if __name__ == "__main__":
    main(run)
