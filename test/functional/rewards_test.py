#!/usr/bin/env python3
"""Rewards end to end (doc/protocol.md §11) on one dev node with four maillon-agents, each the
one device of its own owner, over five epochs:

  steady        heartbeats every interval, all along;
  intermittent  stopped in epoch 2, back in epoch 3;
  stopped       gone from epoch 2 on: its last epoch is collected with claim_rewards;
  self-dealing  heartbeats, and in epoch 1 serves bandwidth to a consumer key its owner funded:
                the bandwidth reward is capped by the credits burned, so it never profits.

Every owner's balance, and the validator's, is checked against an independent computation
written here from §11 (emission, pools, pro-rata shares, the owner and credit caps, the
validator's certificates), from the units the node reports per device and epoch; so are
getrewardbreakdown's figures, getsupplyinfo's per-epoch split and the agents' reward lines."""
import os

from agent_test import Agent, registered, write
from framework import DEV_KEY_PASSPHRASE, assert_equal, free_port, log, main, wait_until

COIN = 100_000_000
EPOCH = 60
INTERVAL = 10
FEE = 1000
POOL_BPS = (2_000, 3_000, 3_000, 2_000)  # validators, bandwidth, storage, uptime
OWNER_CAP_BPS = 5_000                    # dev
UNIT_OF_POOL = {1: "bandwidth_bytes", 2: "storage_byte_epochs", 3: "uptime_intervals"}
POOL_NAMES = ("validators", "bandwidth", "storage", "uptime")
LAST_EPOCH = 4  # epochs 0..4 close; the test ends in epoch 5


def emission(epoch):
    return (1_000 * COIN) >> (epoch // 100)  # issued stays far below max_supply here


def pools(epoch):
    return [emission(epoch) * bps // 10_000 for bps in POOL_BPS]


def owner_reward(epoch, units, totals, credits):
    """{pool index: paid} for an owner's units (one device per owner here), §11.2."""
    out = {}
    for k, name in UNIT_OF_POOL.items():
        u = units[name]
        if not u:
            continue
        pool = pools(epoch)[k]
        paid = min(pool * u // totals[name], pool * OWNER_CAP_BPS // 10_000)
        if k in (1, 2):
            paid = min(paid, credits)  # credits_per_unit = 1 on dev
        out[k] = paid
    return out


def validator_reward(epoch):
    """§11.3: the dev validator holds all the power and signs every certificate; block 1
    carries genesis's, which has none."""
    return pools(epoch)[0]


class Owner:
    def __init__(self, t, node, name, kinds):
        self.name = name
        self.kinds = kinds
        self.pass_path = write(os.path.join(t.tmpdir, f"{name}.pass"), f"{name} passphrase")
        self.key = os.path.join(t.tmpdir, f"{name}-owner.key")
        self.device_key = os.path.join(t.tmpdir, f"{name}-device.key")
        self.address = node.cli_ok(f"-keyfile={self.key}", f"-passphrasefile={self.pass_path}",
                                   "keygen")
        self.device = node.cli_ok(f"-keyfile={self.device_key}",
                                  f"-passphrasefile={self.pass_path}", "keygen")
        self.port = free_port()
        self.agent = Agent(t, node, name, self.device_key, self.pass_path)
        self.args = ("-register", f"-ownerkeyfile={self.key}",
                     f"-ownerpassphrasefile={self.pass_path}", f"-kinds={kinds}",
                     f"-serviceport={self.port}")
        self.running = False

    def start(self):
        self.agent.start(*self.args)
        self.running = True

    def stop(self):
        self.agent.stop()
        self.running = False


def run(t):
    node = t.add_node()
    owners = {name: Owner(t, node, name, kinds) for name, kinds in (
        ("steady", "uptime"), ("intermittent", "uptime"), ("stopped", "uptime"),
        ("selfdealing", "uptime,bandwidth"))}
    try:
        scenario(t, node, owners)
    except BaseException:
        for o in owners.values():
            print(o.agent.diagnostics(), flush=True)
        raise
    for o in owners.values():
        if o.running:
            o.stop()


def dev_cli(node, *args):
    return node.cli_ok(f"-keyfile={node.dev_key_path}", *args, input=DEV_KEY_PASSPHRASE + "\n")


def scenario(t, node, owners):
    # Setup, all in epoch 0: owners funded, agents registering their devices; the consumer
    # key of the self-dealing owner funded and given credits.
    for o in owners.values():
        dev_cli(node, "transfer", o.address, "20")
    consumer_key = os.path.join(t.tmpdir, "consumer.key")
    consumer = node.new_key(consumer_key, "k")
    dev_cli(node, "transfer", consumer, "1")
    node.rpc("generateblock")
    node.cli_ok(f"-keyfile={consumer_key}", "buycredits", "0.00001", input="k\n")  # 1,000 credits
    for o in owners.values():
        o.start()
    for o in owners.values():
        o.agent.wait_for_log("registering device")
    wait_until(lambda: node.rpc("getmempoolinfo")["size"] >= len(owners) + 1,
               what="the registrations and the buy_credits in the mempool")
    node.rpc("generateblock")
    for o in owners.values():
        wait_until(lambda o=o: registered(node, o.device), what=f"{o.name} registered")
    # The balances every later change is measured from: from here on no owner sends a
    # transaction but the stopped one's claim, and the validator only receives.
    snapshot = {o.name: node.rpc("getbalance", o.address)["balance"] for o in owners.values()}
    dev = node.dev_address()
    dev_snapshot = node.rpc("getbalance", dev)["balance"]
    assert node.rpc("getblockcount") < 20

    def run_interval(start_height):
        """Blocks start_height .. start_height + 9: each running agent's heartbeat for the
        interval in the block after its first."""
        while node.rpc("getblockcount") < start_height:
            node.rpc("generateblock")
        interval = start_height // INTERVAL
        for o in owners.values():
            if o.running:
                o.agent.wait_for_log(f"heartbeat for interval {interval} (block {start_height}) "
                                     "accepted")
        while node.rpc("getblockcount") < start_height + INTERVAL - 1:
            node.rpc("generateblock")

    selfdeal = owners["selfdealing"]
    for start in range(20, (LAST_EPOCH + 1) * EPOCH, INTERVAL):
        epoch = start // EPOCH
        if start == 2 * EPOCH:
            owners["intermittent"].stop()
            owners["stopped"].stop()
        if start == 3 * EPOCH:
            owners["intermittent"].start()
        if start == EPOCH + 20:
            # Self-dealing: the owner's own consumer key pays its device.
            out = node.cli_ok(f"-keyfile={consumer_key}", f"-agent=127.0.0.1:{selfdeal.port}",
                              "bandwidth", "300000", input="k\n")
            log(f"self-dealing session: {out}")
            selfdeal.agent.wait_for_log("300000 bytes, 293 credits: receipt accepted")
        run_interval(start)
    # Into epoch 5: epoch 4 closes; the stopped owner claims what its last epoch (1) earned.
    while node.rpc("getblockcount") < (LAST_EPOCH + 1) * EPOCH:
        node.rpc("generateblock")
    stopped = owners["stopped"]
    node.cli_ok(f"-keyfile={stopped.key}", f"-passphrasefile={stopped.pass_path}",
                "claimrewards")
    node.rpc("generateblock")

    # The independent computation, from the units the node reports.
    expected = {o.name: 0 for o in owners.values()}
    settled = {o.name: 0 for o in owners.values()}
    last_with_units = {}
    for epoch in range(LAST_EPOCH + 1):
        per_owner = {}
        for o in owners.values():
            got = node.rpc("getdevicecontributions", o.device, epoch)
            per_owner[o.name] = owner_reward(epoch, got, got["epoch_totals"],
                                             got["credits_burned"])
            if any(got[u] for u in UNIT_OF_POOL.values()):
                last_with_units[o.name] = epoch
            b = node.rpc("getrewardbreakdown", epoch, o.device)
            assert_equal(b["total"], sum(per_owner[o.name].values()),
                         msg=f"{o.name} epoch {epoch}")
            assert_equal({POOL_NAMES.index(p["pool"]): p["paid"] for p in b["pools"]},
                         per_owner[o.name], msg=f"{o.name} epoch {epoch} pools")
        for name, paid in per_owner.items():
            expected[name] += sum(paid.values())
        supply = node.rpc("getsupplyinfo", epoch)["epoch"]
        assert_equal(supply["emission"], emission(epoch))
        assert_equal(supply["minted"] + supply["not_minted"] + supply["owed"], emission(epoch))
        v = node.rpc("getrewardbreakdown", epoch, dev)["validator"]
        assert_equal(v["paid"], validator_reward(epoch))
        assert_equal(v["certificates"], 58 if epoch == 0 else EPOCH)
    # An owner is paid an epoch once its devices attest in a later one (epoch 5 counts: a
    # heartbeat of block 300 may be in block 301), or it claims it.
    for o in owners.values():
        if node.rpc("getdevicecontributions", o.device, LAST_EPOCH + 1)["uptime_intervals"]:
            last_with_units[o.name] = LAST_EPOCH + 1
    for o in owners.values():
        for epoch in range(LAST_EPOCH + 1):
            got = node.rpc("getdevicecontributions", o.device, epoch)
            paid = sum(owner_reward(epoch, got, got["epoch_totals"],
                                    got["credits_burned"]).values())
            is_settled = epoch < last_with_units[o.name] or o.name == "stopped"
            assert_equal(node.rpc("getrewardbreakdown", epoch, o.device)["settled"],
                         is_settled or paid == 0, msg=f"{o.name} epoch {epoch} settled")
            if is_settled:
                settled[o.name] += paid
    fees = {"stopped": FEE}
    for o in owners.values():
        assert_equal(node.rpc("getbalance", o.address)["balance"],
                     snapshot[o.name] + settled[o.name] - fees.get(o.name, 0), msg=o.name)
    assert_equal(node.rpc("getbalance", dev)["balance"],
                 dev_snapshot + sum(validator_reward(e) for e in range(LAST_EPOCH + 1)) + FEE)
    # Who earned what, in words: the stopped device earns nothing after epoch 1, the
    # intermittent one nothing in epoch 2, the self-dealer no more than it burned.
    assert_equal(last_with_units["stopped"], 1)
    assert_equal(node.rpc("getdevicecontributions", owners["intermittent"].device, 2)
                 ["uptime_intervals"], 0)
    b = node.rpc("getrewardbreakdown", 1, selfdeal.device)
    bandwidth = [p for p in b["pools"] if p["pool"] == "bandwidth"][0]
    assert_equal((bandwidth["credits"], bandwidth["paid"], bandwidth["capped_by"]),
                 (293, 293, "credit_cap"))
    # The steady agent's log explains its reward of each closed epoch.
    steady = owners["steady"]
    steady.agent.wait_for_log("epoch 3 reward: owner reward ")
    assert "uptime: " in steady.agent.log_text() and "owner cap " in steady.agent.log_text()
    total = node.rpc("getsupplyinfo")["total"]
    assert_equal(total["circulating"],
                 total["genesis"] + total["minted"] - total["burned"] - total["locked"])
    log(f"paid to owners: {settled}; supply: {total}")


if __name__ == "__main__":
    main(run)
