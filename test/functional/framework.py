"""Functional test framework for Maillon (Python standard library only).

A functional test starts real `maillond` processes on loopback ports, drives
them over JSON-RPC and `maillon-cli`, and checks what they do. A test file is
`test/functional/<name>_test.py`; CMake registers every such file as a ctest
test and runs it as

    python3 test/functional/<name>_test.py --bindir <cmake build dir>

The smallest test:

    from framework import main, assert_equal

    def run(t):
        node = t.add_node()            # started, RPC ready
        node.rpc("generateblock")
        assert_equal(node.rpc("getblockcount"), 1)

    if __name__ == "__main__":
        main(run)

See README.md in this folder for the full guide.
"""

import argparse
import atexit
import base64
import contextlib
import ctypes
import http.client
import itertools
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

__all__ = [
    "RpcError", "HttpError", "NodeStartError", "Node", "TestFramework", "main", "wait_until",
    "free_port", "assert_equal", "assert_not_equal", "assert_greater_than",
    "assert_greater_than_or_equal", "assert_raises_rpc_error", "assert_raises", "log",
    "timeout_factor", "vectors_dir", "DEV_KEY_PASSPHRASE", "spawn", "forget",
]

# Scales every timeout (start, stop, wait_until, RPC); raise it on slow or
# heavily loaded machines: MAILLON_TIMEOUT_FACTOR=4 or --timeout-factor=4.
_timeout_factor = float(os.environ.get("MAILLON_TIMEOUT_FACTOR", "1") or "1")

DEV_KEY_PASSPHRASE = "maillon-dev"

# Where each network keeps its files inside -datadir, and the flag selecting it.
_CHAINS = {
    "dev": ("-dev", "dev"),
    "test": ("-testnet", "testnet"),
    "main": (None, ""),
}


def timeout_factor():
    return _timeout_factor


# The project root: test/functional/../..
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def vectors_dir():
    """The folder of the project's public conformance vectors (BIP340, BIP173, BIP350, ...):
    ../shared/vectors relative to the project root, or MAILLON_VECTORS_DIR when set and not
    empty. Raises AssertionError naming the folder when it is missing, so that a test reading
    vectors fails saying why (the message of test/util/setup.cpp's VectorPath)."""
    named = os.environ.get("MAILLON_VECTORS_DIR")
    d = os.path.normpath(os.path.abspath(
        named if named else os.path.join(_PROJECT_ROOT, "..", "shared", "vectors")))
    if not os.path.isdir(d):
        where = ("named by MAILLON_VECTORS_DIR" if named else
                 f"expected at ../shared/vectors relative to the project root {_PROJECT_ROOT}")
        raise AssertionError(f"missing folder {d}: the project's public conformance vectors "
                             f"({where}); put them there, or set MAILLON_VECTORS_DIR to their "
                             f"folder")
    return d


def log(msg):
    """Prints a timestamped progress line (ctest keeps it in the test output)."""
    stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
    print(f"{stamp} {msg}", flush=True)


# --------------------------------------------------------------------------
# Errors and assertions


class RpcError(Exception):
    """A JSON-RPC error response: the node answered, and the answer is an error."""

    def __init__(self, code, message, data=None):
        super().__init__(f"RPC error {code}: {message}")
        self.code = code
        self.message = message
        self.data = data


class HttpError(Exception):
    """The HTTP exchange failed without a JSON-RPC error object (e.g. 401)."""

    def __init__(self, status, body):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        super().__init__(f"HTTP {status}: {text[:300]}")
        self.status = status
        self.body = body


class NodeStartError(AssertionError):
    pass


class _Interrupted(BaseException):
    """Raised in the main thread when the test process receives a signal."""


def assert_equal(a, b, *more, msg=None):
    values = (a, b) + more
    if any(v != a for v in values[1:]):
        raise AssertionError(
            (msg + ": " if msg else "") + " != ".join(repr(v) for v in values))


def assert_not_equal(a, b, msg=None):
    if a == b:
        raise AssertionError((msg + ": " if msg else "") + f"{a!r} == {b!r}")


def assert_greater_than(a, b):
    if not a > b:
        raise AssertionError(f"{a!r} <= {b!r}")


def assert_greater_than_or_equal(a, b):
    if not a >= b:
        raise AssertionError(f"{a!r} < {b!r}")


def assert_raises(exc_type, fn, *args, **kwargs):
    """Calls fn and returns the exception it raised, which must be an exc_type."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise {exc_type.__name__}")


def assert_raises_rpc_error(code, message, fn, *args, **kwargs):
    """fn(*args, **kwargs) must raise RpcError with this code (None: any) and a
    message containing `message` (None: any). Returns the error."""
    try:
        fn(*args, **kwargs)
    except RpcError as e:
        if code is not None and e.code != code:
            raise AssertionError(f"expected RPC error code {code}, got {e.code}: {e.message}")
        if message is not None and message not in e.message:
            raise AssertionError(f"expected {message!r} in RPC error message, got {e.message!r}")
        return e
    raise AssertionError("no RPC error was raised")


def wait_until(predicate, timeout=30, what="condition", interval=0.05):
    """Polls predicate() until it returns a truthy value, which is returned.

    Use this instead of fixed sleeps. The timeout is scaled by the timeout
    factor; exceptions from the predicate propagate."""
    deadline = time.monotonic() + timeout * _timeout_factor
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {timeout * _timeout_factor:g}s waiting for {what}")
        time.sleep(interval)


# --------------------------------------------------------------------------
# Ports and processes

_allocated_ports = set()
_ports_lock = threading.Lock()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago and has not been
    handed out before by this process. Another process may still take it
    before the node binds; Node.start() retries with fresh ports then."""
    with _ports_lock:
        for _ in range(200):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _allocated_ports:
                _allocated_ports.add(port)
                return port
    raise RuntimeError("could not find a free port on 127.0.0.1")


_live_processes = set()
_live_lock = threading.Lock()


def _kill_live_processes():
    with _live_lock:
        procs = list(_live_processes)
        _live_processes.clear()
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(OSError):
                p.kill()
            with contextlib.suppress(Exception):
                p.wait(timeout=10)


atexit.register(_kill_live_processes)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies, even by
    SIGKILL (e.g. a ctest timeout), so no node outlives its test."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _limit_file_size(limit):
    """preexec_fn part: files the child writes may not grow past `limit` bytes; a write past it
    fails with EFBIG (SIGXFSZ, whose default would kill the child, is ignored, and an ignored
    signal stays ignored across exec)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _spawn(argv, file_size_limit=None, fd_limit=None, **kwargs):
    # PR_SET_PDEATHSIG fires when the spawning *thread* ends, so it is only
    # safe for processes started from the main thread.
    steps = []
    if sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread():
        steps.append(_die_with_parent)
    if file_size_limit is not None:
        steps.append(lambda: _limit_file_size(file_size_limit))
    if fd_limit is not None:
        steps.append(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, fd_limit))

    def preexec():
        for step in steps:
            step()

    proc = subprocess.Popen(argv, preexec_fn=preexec if steps else None, **kwargs)
    with _live_lock:
        _live_processes.add(proc)
    return proc


def _forget(proc):
    with _live_lock:
        _live_processes.discard(proc)


def spawn(argv, **popen_kwargs):
    """Starts a helper program (e.g. maillon-agent) that, like a node, cannot outlive the
    test: it is killed when the test ends and (Linux) when the test process dies. Returns the
    subprocess.Popen; call forget(proc) once it has exited."""
    return _spawn(argv, **popen_kwargs)


def forget(proc):
    """The process has exited: the harness need not kill it any more."""
    _forget(proc)


def _tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return f"({path}: not found)"
    got = data.splitlines()[-lines:]
    return "\n".join(got) if got else f"({path}: empty)"


def _option_name(arg):
    """'-rpcport=1' -> 'rpcport'; '--dev' -> 'dev'; 'getinfo' -> None."""
    if not arg.startswith("-"):
        return None
    return arg.lstrip("-").split("=", 1)[0]


# --------------------------------------------------------------------------
# Node


class Node:
    """One maillond process with its own data directory and ports.

    Attributes: index, datadir, netdir (datadir/dev in dev mode), rpcport,
    p2pport, process (subprocess.Popen or None), rpc_timeout (seconds).
    Paths: cookie_path, debug_log_path, dev_key_path."""

    def __init__(self, index, bindir, datadir, extra_args=None, chain="dev", rpcport=None,
                 p2pport=None):
        if chain not in _CHAINS:
            raise ValueError(f"unknown chain {chain!r}; one of {sorted(_CHAINS)}")
        self.index = index
        self.bindir = bindir
        self.datadir = datadir
        self.chain = chain
        self.chain_flag, subdir = _CHAINS[chain]
        self.netdir = os.path.join(datadir, subdir) if subdir else datadir
        self._fixed_ports = rpcport is not None or p2pport is not None
        self.rpcport = rpcport or free_port()
        self.p2pport = p2pport or free_port()
        self.extra_args = list(extra_args or [])
        self.process = None
        self.started_once = False
        self.rpc_timeout = 60
        # When set, no file the node writes may grow past this many bytes (a full disk, as far
        # as the node can tell); takes effect at the next start.
        self.file_size_limit = None
        # When set, the node's RLIMIT_NOFILE as (soft, hard); takes effect at the next start.
        self.fd_limit = None
        self._ids = itertools.count(1)
        self._stdout = None
        self._stderr = None
        os.makedirs(datadir, exist_ok=True)

    def __repr__(self):
        return f"node{self.index}"

    # --- paths

    @property
    def daemon_path(self):
        return os.path.join(self.bindir, "maillond")

    @property
    def cli_path(self):
        return os.path.join(self.bindir, "maillon-cli")

    @property
    def cookie_path(self):
        return os.path.join(self.netdir, ".cookie")

    @property
    def debug_log_path(self):
        return os.path.join(self.netdir, "debug.log")

    @property
    def dev_key_path(self):
        return os.path.join(self.netdir, "dev.key")

    @property
    def stdout_path(self):
        return os.path.join(self.datadir, "stdout.txt")

    @property
    def stderr_path(self):
        return os.path.join(self.datadir, "stderr.txt")

    # --- arguments

    def base_args(self):
        """The options the framework always passes, before extra_args."""
        args = [f"-datadir={self.datadir}"]
        if self.chain_flag:
            args.append(self.chain_flag)
        # -rpccheckresults: every RPC result in every test is checked against
        # the method's documented shape (a mismatch is a -32603 error).
        args += [f"-rpcport={self.rpcport}", f"-port={self.p2pport}", "-printtoconsole=0",
                 "-blockinterval=0", "-rpccheckresults"]
        return args

    def _argv(self, extra_args):
        # An extra argument replaces the default option of the same name, so
        # that e.g. extra_args=["-blockinterval=200"] works without passing
        # the option twice.
        overridden = {_option_name(a) for a in extra_args} - {None}
        base = [a for a in self.base_args() if _option_name(a) not in overridden]
        return [self.daemon_path] + base + list(extra_args)

    # --- lifecycle

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, extra_args=None, wait=True, timeout=60):
        """Launches maillond (extra_args default to those of the last start)
        and, if wait, returns once the cookie exists and getblockcount
        answers. Raises NodeStartError with the ends of debug.log and stderr
        if the process exits first or the timeout passes. When the node
        cannot bind its ports (another process took them), retries with
        fresh ones unless the ports were given explicitly."""
        if self.is_running():
            raise AssertionError(f"{self} is already running")
        if extra_args is not None:
            self.extra_args = list(extra_args)
        if not os.access(self.daemon_path, os.X_OK):
            raise NodeStartError(f"{self.daemon_path} not found or not executable; build it "
                                 "first (cmake --build <bindir>) and pass --bindir")
        attempts = 1 if self._fixed_ports else 3
        for attempt in range(1, attempts + 1):
            self._launch()
            if not wait:
                return
            try:
                self.wait_for_rpc(timeout)
                return
            except NodeStartError as e:
                if attempt < attempts and self._port_collision():
                    log(f"{self}: port collision, retrying with fresh ports")
                    self.rpcport, self.p2pport = free_port(), free_port()
                    continue
                raise e

    def start_expecting_error(self, extra_args=None, timeout=60):
        """Starts the node, requires it to exit with code 1 during start-up
        and returns what it wrote to stderr."""
        self.start(extra_args, wait=False)
        rc = self.wait_for_exit(timeout)
        if rc != 1:
            if rc is None:
                self.kill()
            raise AssertionError(f"{self} was expected to fail to start with code 1, got "
                                 f"{rc}\n" + self.diagnostics())
        return _read_from(self.stderr_path, self._stderr_offset)

    def _launch(self):
        argv = self._argv(self.extra_args)
        log(f"{self}: starting {' '.join(argv[1:])}")
        self._close_output_files()
        self._stdout = open(self.stdout_path, "ab")
        self._stderr = open(self.stderr_path, "ab")
        self._stderr_offset = self._stderr.tell()
        self._log_offset = _file_size(self.debug_log_path)
        self.process = _spawn(argv, file_size_limit=self.file_size_limit, fd_limit=self.fd_limit,
                              stdin=subprocess.DEVNULL,
                              stdout=self._stdout, stderr=self._stderr, cwd=self.datadir)
        self.started_once = True

    def _port_collision(self):
        text = _read_from(self.stderr_path, self._stderr_offset) + _read_from(
            self.debug_log_path, self._log_offset)
        text = text.lower()
        return "address already in use" in text or "cannot bind" in text

    def wait_for_rpc(self, timeout=60):
        """Waits until the node answers getblockcount with the current cookie."""
        deadline = time.monotonic() + timeout * _timeout_factor
        last_error = "cookie file not written yet"
        while True:
            if self.process.poll() is not None:
                rc = self.process.returncode
                self._reap()
                raise NodeStartError(f"{self} exited with code {rc} during start-up\n" +
                                     self.diagnostics())
            if os.path.exists(self.cookie_path):
                try:
                    self.rpc("getblockcount")
                    log(f"{self}: RPC ready on port {self.rpcport}")
                    return
                except (OSError, http.client.HTTPException, HttpError, RpcError,
                        ValueError) as e:
                    # Not listening yet, stale cookie from a previous run (401),
                    # warming up, or a half-written cookie.
                    last_error = f"{type(e).__name__}: {e}"
            if time.monotonic() > deadline:
                self.kill()
                raise NodeStartError(
                    f"{self} did not answer RPC within {timeout * _timeout_factor:g}s "
                    f"(last error: {last_error})\n" + self.diagnostics())
            time.sleep(0.05)

    def stop(self, timeout=60):
        """Stops the node with the `stop` RPC and waits for it to exit; kills
        it after the timeout. Raises unless it exited with code 0."""
        if self.process is None:
            return
        if self.process.poll() is None:
            log(f"{self}: stopping")
            try:
                self.rpc("stop")
            except (OSError, http.client.HTTPException):
                pass  # it may close the connection as it goes down
        self._expect_clean_exit(timeout, "the stop RPC")

    def stop_with_signal(self, sig=signal.SIGTERM, timeout=60):
        """Sends sig (SIGTERM, SIGINT) and requires a clean exit (code 0)."""
        if not self.is_running():
            raise AssertionError(f"{self} is not running")
        log(f"{self}: sending {signal.Signals(sig).name}")
        self.process.send_signal(sig)
        self._expect_clean_exit(timeout, signal.Signals(sig).name)

    def _expect_clean_exit(self, timeout, cause):
        rc = self.wait_for_exit(timeout)
        if rc is None:
            self.kill()
            raise AssertionError(f"{self} did not exit within {timeout * _timeout_factor:g}s "
                                 f"after {cause}; killed it\n" + self.diagnostics())
        if rc != 0:
            raise AssertionError(f"{self} exited with code {rc} after {cause}\n" +
                                 self.diagnostics())
        log(f"{self}: stopped")

    def wait_for_exit(self, timeout=60):
        """Waits for the process to exit; returns its exit code, or None if it
        is still running after the timeout."""
        if self.process is None:
            return None
        try:
            rc = self.process.wait(timeout=timeout * _timeout_factor)
        except subprocess.TimeoutExpired:
            return None
        self._reap()
        return rc

    def kill(self):
        """SIGKILL, as a crash would. No clean-shutdown check."""
        if self.process is None:
            return
        if self.process.poll() is None:
            log(f"{self}: killing")
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()
        self._reap()

    def restart(self, extra_args=None, timeout=60):
        """stop() then start(); extra_args default to those of the last start."""
        self.stop()
        self.start(extra_args, timeout=timeout)

    def _reap(self):
        if self.process is not None:
            _forget(self.process)
        self._close_output_files()

    def _close_output_files(self):
        for f in (self._stdout, self._stderr):
            if f is not None:
                f.close()
        self._stdout = self._stderr = None

    # --- RPC

    def read_cookie(self):
        with open(self.cookie_path, "r", encoding="utf-8") as f:
            cookie = f.read().strip()
        if ":" not in cookie:
            raise ValueError(f"malformed cookie file {self.cookie_path!r}")
        return cookie

    def auth_header(self):
        token = base64.b64encode(self.read_cookie().encode()).decode()
        return f"Basic {token}"

    def rpc(self, method, /, *args, **named):
        """Calls a JSON-RPC 2.0 method with positional or named parameters
        (not both) and returns its result; raises RpcError for an error
        response and HttpError for an HTTP failure without one."""
        if args and named:
            raise TypeError("JSON-RPC takes positional or named parameters, not both")
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                   "params": dict(named) if named else list(args)}
        status, _, body = self.raw_http(json.dumps(request).encode())
        try:
            reply = json.loads(body)
        except ValueError:
            raise HttpError(status, body) from None
        if not isinstance(reply, dict):
            raise HttpError(status, body)
        error = reply.get("error")
        if error is not None:
            if isinstance(error, dict):
                raise RpcError(error.get("code"), error.get("message", ""), error.get("data"))
            raise RpcError(None, str(error))
        if status != 200 or "result" not in reply:
            raise HttpError(status, body)
        return reply["result"]

    def rpc_batch(self, calls):
        """Sends one batch; calls are (method, params) pairs. Returns the raw
        list of response objects (each with "result" or "error")."""
        batch = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p}
                 for m, p in calls]
        status, _, body = self.raw_http(json.dumps(batch).encode())
        try:
            reply = json.loads(body)
        except ValueError:
            raise HttpError(status, body) from None
        if not isinstance(reply, list):
            raise HttpError(status, body)
        return reply

    def raw_http(self, body, headers=None, method="POST", path="/", auth=True, timeout=None):
        """One raw HTTP request to the RPC port. Adds cookie Basic auth unless
        auth is False or headers already hold an Authorization. Returns
        (status, headers, body bytes); headers is case-insensitive."""
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        if auth and not any(k.lower() == "authorization" for k in hdrs):
            hdrs["Authorization"] = self.auth_header()
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.rpcport, timeout=(timeout or self.rpc_timeout) * _timeout_factor)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.headers, data
        finally:
            conn.close()

    # --- CLI

    def cli_args(self):
        args = [f"-datadir={self.datadir}"]
        if self.chain_flag:
            args.append(self.chain_flag)
        return args + [f"-rpcport={self.rpcport}"]

    def cli(self, *args, input=None, timeout=60):
        """Runs maillon-cli against this node; returns (returncode, stdout,
        stderr) as text. input, if given, is sent to its stdin."""
        argv = [self.cli_path] + self.cli_args() + [str(a) for a in args]
        proc = _spawn(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(input=input, timeout=timeout * _timeout_factor)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"maillon-cli {' '.join(map(str, args))} timed out")
        finally:
            _forget(proc)
        return proc.returncode, out, err

    def cli_ok(self, *args, input=None, timeout=60):
        """Like cli(), but asserts success and returns stdout stripped."""
        rc, out, err = self.cli(*args, input=input, timeout=timeout)
        assert rc == 0, f"maillon-cli {' '.join(map(str, args))} failed ({rc}): {err}"
        return out.strip()

    def dev_address(self):
        """The address of the funded dev key."""
        return self.cli_ok(f"-keyfile={self.dev_key_path}", "address")

    def new_key(self, path, passphrase):
        """Creates an encrypted key file with maillon-cli keygen; returns its address."""
        return self.cli_ok(f"-keyfile={path}", "keygen", input=passphrase + "\n")

    # --- logs

    def diagnostics(self, lines=30):
        return (f"--- last lines of {self.debug_log_path}:\n{_tail(self.debug_log_path, lines)}\n"
                f"--- last lines of {self.stderr_path}:\n{_tail(self.stderr_path, lines)}")

    def debug_log(self):
        try:
            with open(self.debug_log_path, "r", encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    @contextlib.contextmanager
    def assert_debug_log(self, expected, unexpected=(), timeout=5):
        """Checks that, during the with-block (or within `timeout` seconds
        after it), each string in expected appears in debug.log, and that no
        string in unexpected does."""
        start = _file_size(self.debug_log_path)
        yield

        def new_text():
            return _read_from(self.debug_log_path, start)

        wait_until(lambda: all(s in new_text() for s in expected), timeout=timeout,
                   what=f"{expected} in {self.debug_log_path}")
        text = new_text()
        for s in unexpected:
            if s in text:
                raise AssertionError(f"unexpected {s!r} in {self.debug_log_path}")


def _file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _read_from(path, offset):
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


# --------------------------------------------------------------------------
# Test harness


class TestFramework:
    """Handed to the test function: owns the temporary directory and nodes.

    t.bindir, t.tmpdir, t.nodes; t.add_node(...), t.log(...)."""

    def __init__(self, bindir, tmpdir):
        self.bindir = bindir
        self.tmpdir = tmpdir
        self.nodes = []

    def log(self, msg):
        log(msg)

    def add_node(self, extra_args=None, start=True, chain="dev", **node_kwargs):
        """Creates node<i> in tmpdir/node<i> and, unless start=False, starts
        it and waits for RPC."""
        index = len(self.nodes)
        node = Node(index, self.bindir, os.path.join(self.tmpdir, f"node{index}"),
                    extra_args=extra_args, chain=chain, **node_kwargs)
        self.nodes.append(node)
        if start:
            node.start()
        return node

    def add_nodes(self, count, extra_args=None, start=True, **node_kwargs):
        return [self.add_node(extra_args, start, **node_kwargs) for _ in range(count)]

    def stop_all(self):
        """Stops every running node, each required to exit cleanly."""
        errors = []
        for node in self.nodes:
            if node.is_running():
                try:
                    node.stop()
                except AssertionError as e:
                    errors.append(str(e))
        if errors:
            raise AssertionError("\n".join(errors))

    def kill_all(self):
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.kill()


def _install_signal_handlers():
    def handler(signum, frame):
        raise _Interrupted(f"interrupted by {signal.Signals(signum).name}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, handler)


def main(test_fn, argv=None):
    """Runs test_fn(t) with a TestFramework t and exits: 0 and
    "1 passed, 0 failed" on success (temporary directory removed), 1 and
    "0 passed, 1 failed" with the traceback on failure (directory kept)."""
    global _timeout_factor
    parser = argparse.ArgumentParser(description=(test_fn.__doc__ or "").strip() or None)
    parser.add_argument("--bindir", default=os.environ.get("MAILLON_BINDIR"),
                        help="CMake build directory holding maillond and maillon-cli "
                             "(default: $MAILLON_BINDIR)")
    parser.add_argument("--tmpdir", default=None,
                        help="parent of the test's temporary directory (default: system temp)")
    parser.add_argument("--nocleanup", action="store_true",
                        help="keep the temporary directory even on success")
    parser.add_argument("--timeout-factor", type=float, default=None,
                        help="multiply every timeout (default: $MAILLON_TIMEOUT_FACTOR or 1)")
    args = parser.parse_args(argv)
    if not args.bindir:
        parser.error("--bindir is required (or set MAILLON_BINDIR)")
    if args.timeout_factor is not None:
        _timeout_factor = args.timeout_factor

    name = os.path.splitext(os.path.basename(sys.argv[0] or "test"))[0]
    bindir = os.path.abspath(args.bindir)
    tmpdir = tempfile.mkdtemp(prefix=f"maillon_{name}_", dir=args.tmpdir)
    t = TestFramework(bindir, tmpdir)
    _install_signal_handlers()
    log(f"{name}: bindir {bindir}, tmpdir {tmpdir}")

    failure = None
    try:
        test_fn(t)
        t.stop_all()  # nodes left running must still shut down cleanly
    except BaseException as e:  # noqa: B902 — includes signals and SystemExit
        failure = e
        failure_tb = traceback.format_exc()
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, signal.SIG_IGN)
        with contextlib.suppress(BaseException):
            t.kill_all()
            _kill_live_processes()

    if failure is None:
        if args.nocleanup:
            log(f"keeping {tmpdir} (--nocleanup)")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
        print(f"{name}: 1 passed, 0 failed", flush=True)
        sys.exit(0)

    print(failure_tb, file=sys.stderr, flush=True)
    for node in (n for n in t.nodes if n.started_once):
        print(f"=== {node} ({node.datadir})\n{node.diagnostics()}", file=sys.stderr, flush=True)
    print(f"test directory kept for inspection: {tmpdir}", file=sys.stderr, flush=True)
    print(f"{name}: 0 passed, 1 failed", flush=True)
    sys.exit(1)
