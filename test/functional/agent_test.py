#!/usr/bin/env python3
"""maillon-agent: registers its device (-register, the dev key as owner), sends one heartbeat per
interval that the chain counts once, survives a node crash, never signs a second heartbeat for an
interval after being killed, logs what the device earned when an epoch ends, and earns nothing
once stopped. Without -register it waits for the owner to register the device."""
import json
import os
import signal
import subprocess

from framework import (DEV_KEY_PASSPHRASE, assert_equal, assert_greater_than_or_equal, forget,
                       free_port, log, main, spawn, timeout_factor, wait_until)

BLOCKS_PER_INTERVAL = 10  # dev network: params.heartbeat_interval_blocks
BLOCKS_PER_EPOCH = 60     # dev network: params.epoch_blocks


class Agent:
    """One maillon-agent process with its own data directory, talking to `node`."""

    def __init__(self, t, node, name, key_path, passphrase_path):
        self.bindir = t.bindir
        self.node = node
        self.name = name
        self.datadir = os.path.join(t.tmpdir, name)
        os.makedirs(self.datadir, exist_ok=True)
        self.key_path = key_path
        self.passphrase_path = passphrase_path
        self.process = None

    @property
    def log_path(self):
        return os.path.join(self.datadir, "dev", "debug.log")

    @property
    def state_path(self):
        return os.path.join(self.datadir, "dev", "heartbeat.json")

    def start(self, *extra):
        argv = [os.path.join(self.bindir, "maillon-agent"), f"-datadir={self.datadir}", "-dev",
                f"-rpcport={self.node.rpcport}", f"-rpccookiefile={self.node.cookie_path}",
                f"-devicekeyfile={self.key_path}",
                f"-devicepassphrasefile={self.passphrase_path}", "-printtoconsole=0",
                "-pollinterval=100"] + list(extra)
        if not any(a.startswith("-serviceport=") for a in extra):
            argv.append("-serviceport=0")  # the network's default port may be another's
        log(f"{self.name}: starting {' '.join(argv[1:])}")
        with open(os.path.join(self.datadir, "stderr.txt"), "ab") as err:
            self.process = spawn(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)

    def stop(self):
        """SIGTERM; it must exit with code 0."""
        log(f"{self.name}: sending SIGTERM")
        self.process.send_signal(signal.SIGTERM)
        rc = self.process.wait(timeout=30 * timeout_factor())
        forget(self.process)
        assert_equal(rc, 0, msg=f"{self.name} exit code\n{self.diagnostics()}")

    def kill(self):
        log(f"{self.name}: killing")
        self.process.kill()
        self.process.wait()
        forget(self.process)

    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text, since=0, what=None):
        wait_until(lambda: text in self.log_text()[since:], timeout=30,
                   what=what or f"{text!r} in {self.log_path}")

    def state(self):
        try:
            with open(self.state_path, encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def diagnostics(self):
        return f"--- {self.log_path}:\n" + "\n".join(self.log_text().splitlines()[-30:])


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return path


def run(t):
    # Fixed ports: the agent must find the node again on the same port after a restart.
    node = t.add_node(rpcport=free_port(), p2pport=free_port())
    device_pass = write(os.path.join(t.tmpdir, "device.pass"), "device passphrase 7f3a")
    owner_pass = write(os.path.join(t.tmpdir, "owner.pass"), DEV_KEY_PASSPHRASE)
    key = os.path.join(t.tmpdir, "device.key")
    device = node.cli_ok(f"-keyfile={key}", f"-passphrasefile={device_pass}", "keygen")
    agent = Agent(t, node, "agent", key, device_pass)
    try:
        check_help(t)
        check_waits_unregistered(t, node, device_pass)
        check_agent(node, agent, device, owner_pass)
    except BaseException:
        print(agent.diagnostics(), flush=True)
        raise
    secrets = ("device passphrase 7f3a", DEV_KEY_PASSPHRASE)
    assert not any(s in agent.log_text() for s in secrets), "a passphrase is in the log"


def check_help(t):
    out = subprocess.run([os.path.join(t.bindir, "maillon-agent"), "-help"], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    for option in ("datadir", "conf", "dev", "testnet", "rpcconnect", "rpcport", "rpccookiefile",
                   "rpcuser", "rpcpassword", "rpcclienttimeout", "devicekeyfile",
                   "devicepassphrasefile", "register", "ownerkeyfile", "ownerpassphrasefile",
                   "kinds", "pollinterval", "serviceport", "servicebind", "maxstorage", "minprice",
                   "maxdealepochs", "printtoconsole", "debuglog"):
        assert f"  -{option} " in out, f"-{option} missing from -help:\n{out}"
    flat = " ".join(out.split())  # Boost wraps the descriptions
    for default in ("~/.maillon-agent", "maillon-agent.con", "device.key", "(default 30)",
                    "(default uptime)", "(default debug.log)", ".cookie", "(default 0)",
                    "dev 27332)", "(default 127.0.0.1)", "(default 1024)", "(default 365)"):
        assert default in flat, f"{default!r} missing from -help:\n{out}"


def check_waits_unregistered(t, node, passphrase_path):
    """Without -register, an unknown device is waited for, and the agent stops cleanly."""
    key = os.path.join(t.tmpdir, "other.key")
    other = node.cli_ok(f"-keyfile={key}", f"-passphrasefile={passphrase_path}", "keygen")
    waiting = Agent(t, node, "waiting", key, passphrase_path)
    waiting.start()
    waiting.wait_for_log(f"device {other} is not registered; waiting for its owner")
    waiting.stop()


def check_agent(node, agent, device, owner_pass):
    agent.start("-register", f"-ownerkeyfile={node.dev_key_path}",
                f"-ownerpassphrasefile={owner_pass}", "-kinds=uptime")
    agent.wait_for_log("registering device " + device)
    wait_until(lambda: node.rpc("getrawmempool"), what="the registration in the mempool")
    node.rpc("generateblock")
    wait_until(lambda: registered(node, device), what="getdevice to find the device")
    assert_equal(node.rpc("getdevice", device)["kinds"], 1)

    def heartbeat_pending(k):
        """Moves the tip into interval k and waits for the agent's heartbeat for it."""
        while node.rpc("getblockcount") < k * BLOCKS_PER_INTERVAL:
            node.rpc("generateblock")

        def pending():
            state = agent.state()
            if not state or state["interval"] != k:
                return None
            txid = node.rpc("decoderawtransaction", state["tx"])["txid"]
            return txid if txid in node.rpc("getrawmempool") else None
        return wait_until(pending, what=f"the heartbeat for interval {k} in the mempool")

    def heartbeat(k):
        txid = heartbeat_pending(k)
        assert txid in node.rpc("generateblock")["txs"]

    for k in range(3):
        heartbeat(k)
    assert_greater_than_or_equal(uptime(node, device, 0), 2)
    check_counted_once(node, device)

    # A node crash: the agent waits, saying so once, and carries on when the node is back.
    since = len(agent.log_text())
    node.kill()
    agent.wait_for_log("node unreachable", since)
    node.start()
    agent.wait_for_log("node reachable again", since)
    outage = agent.log_text()[since:]
    assert_equal(outage.count("node unreachable"), 1, msg=outage)
    for k in (3, 4):
        heartbeat(k)

    # SIGKILL after its heartbeat for interval 5 is sent, before a block includes it: the
    # agent restarted sends the recorded bytes again instead of signing a second heartbeat.
    txid = heartbeat_pending(5)
    agent.kill()
    recorded = agent.state()
    assert txid in node.rpc("generateblock")["txs"]
    since = len(agent.log_text())
    agent.start()
    agent.wait_for_log("last signed the heartbeat for interval 5", since)
    agent.wait_for_log("heartbeat for interval 5 (block 50) is known to the node already "
                       f"(already-in-chain): {txid}", since)
    assert_equal(agent.state(), recorded)

    # Block 60 starts epoch 1: the agent logs what the device earned in epoch 0.
    since = len(agent.log_text())
    heartbeat(6)
    earned = uptime(node, device, 0)
    assert_greater_than_or_equal(earned, 5)
    agent.wait_for_log(f"epoch 0 ended; the device earned uptime_intervals={earned},", since)
    assert_equal(node.rpc("getdevicerejections", device)["rejections"], [])
    check_counted_once(node, device)

    # Stopped, the agent sends nothing: three more intervals pass uncounted.
    agent.stop()
    before = [uptime(node, device, e) for e in (0, 1)]
    target = node.rpc("getblockcount") + 3 * BLOCKS_PER_INTERVAL + 1
    while node.rpc("getblockcount") < target:
        node.rpc("generateblock")
    assert_equal([uptime(node, device, e) for e in (0, 1)], before)
    assert_equal(node.rpc("getrawmempool"), [])
    check_counted_once(node, device)


def registered(node, device):
    try:
        return node.rpc("getdevice", device)
    except Exception:  # -8 until a block includes the registration
        return None


def uptime(node, device, epoch):
    return node.rpc("getdevicecontributions", device, epoch)["uptime_intervals"]


def check_counted_once(node, device):
    """Every heartbeat of the device in the chain is for an interval of its own, and the chain
    counted each of them: uptime over all epochs equals the number of distinct intervals."""
    tip = node.rpc("getblockcount")
    intervals = []
    for height in range(1, tip + 1):
        for tx in node.rpc("getblock", height, 2)["txs"]:
            if tx["type"] == "heartbeat" and tx["signers"][0]["address"] == device:
                intervals.append(tx["payload"]["ref_height"] // BLOCKS_PER_INTERVAL)
    assert_equal(len(intervals), len(set(intervals)), msg=f"intervals {intervals}")
    counted = sum(uptime(node, device, e) for e in range(tip // BLOCKS_PER_EPOCH + 1))
    assert_equal(counted, len(intervals), msg=f"uptime vs intervals {intervals}")
    log(f"heartbeats counted once each, for intervals {intervals}")


if __name__ == "__main__":
    main(run)
