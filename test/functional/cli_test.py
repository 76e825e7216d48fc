#!/usr/bin/env python3
"""maillon-cli's command line: -- and odd words, negative numbers, repeated options, which
parameters are sent as JSON, -rpcconnect forms and connection errors, the missing-cookie
message, address per network, help, amount errors and -maxfee, which checks come before a passphrase, and keygen's confirmation."""
import os
import pty
import subprocess

from framework import DEV_KEY_PASSPHRASE, assert_equal, free_port, main


def run_cli(node, *args, input=None):
    """maillon-cli with only the given options (no -rpcport from the framework)."""
    proc = subprocess.run([node.cli_path, f"-datadir={node.datadir}", "-dev"] + list(args),
                          input=input, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def run_cli_on_terminal(node, *args, lines):
    """maillon-cli with a terminal as standard input, on which `lines` are typed."""
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [node.cli_path] + node.cli_args() + list(args), stdin=terminal,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(terminal)
        terminal = None
        os.write(controller, "".join(line + "\n" for line in lines).encode())
        out, err = proc.communicate(timeout=60)
        return proc.returncode, out, err
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)


def assert_fails(result, *expected):
    rc, out, err = result
    # 1, not a crash (an abort would be -6 / 134).
    assert rc == 1, f"exit code {rc}, stderr {err!r}"
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    return err


def run(t):
    node = t.add_node()
    port = node.rpcport

    # "--" ends the options; never an abort.
    assert_equal(node.cli_ok("--", "getblockcount"), "0")
    assert_equal(node.cli_ok("getblockcount", "--"), "0")
    assert_fails(node.cli("getblockhash", "---"), "invalid option '---'")
    assert_fails(node.cli("--", "getblockhash", "-dev"), "non-negative integer")
    for word in ("-", "-=", "--=", "-=1", "---x"):
        rc, _, err = node.cli("getblockhash", word)
        assert rc == 1, (word, rc, err)

    # No command: the usage, and a line that says what is missing.
    rc, _, err = node.cli()
    assert rc == 1 and "error: no command given; 'maillon-cli help' lists the commands" in err, err
    # help: the CLI's own commands, then the node's methods; either one described.
    text = node.cli_ok("help")
    for usage in ("-keyfile=FILE keygen", "-keyfile=FILE address", "waittx <txid>",
                  "verifyproof <address> [height]", "signtransfer <to>", "transfer <to>",
                  "-keyfile=OWNER -devicekeyfile=DEVICE registerdevice <kinds>", "getblockchaininfo",
                  "getproof"):
        assert usage in text, (usage, text)
    assert text.index("keygen") < text.index("getblockchaininfo"), text
    assert "send <amount-MLN> to the address <to>" in node.cli_ok("help", "transfer")
    assert "signregisterdevice <kinds> <nonce>" in node.cli_ok("help", "signregisterdevice")
    assert "getblock" in node.cli_ok("help", "getblock")
    assert_fails(node.cli("help", "nosuchcommand"), "help: unknown command: 'nosuchcommand'")
    # Help spells options as they are used.
    help_text = node.cli_ok("-help")
    assert "  -datadir" in help_text and "--datadir" not in help_text, help_text
    assert_fails(node.cli("-datadir=", "getblockcount"), "-datadir is empty")

    # A negative number is a parameter: the node itself says what is wrong.
    assert_fails(node.cli("getblockhash", "-1"), "must be a non-negative integer")

    # A repeated single-valued option: the last one wins.
    assert_equal(run_cli(node, "-rpcport=1", f"-rpcport={port}", "getblockcount")[:2], (0, "0\n"))
    assert_fails(run_cli(node, f"-rpcport={port}", "-rpcport=1", "getblockcount"),
                 "could not connect to the server at 127.0.0.1:1")
    assert_fails(node.cli("-dev=foo", "getblockcount"), "invalid value 'foo' for -dev",
                 "1 or 0")

    # Parameter types: a 64-digit txid stays a string, 1.5 too; integers and true are JSON.
    txid = "1" * 64
    assert_fails(node.cli("gettransaction", txid), f"no transaction {txid}")
    assert_fails(node.cli("getblockhash", "1.5"), "non-negative integer, got string")
    assert_fails(node.cli("-named", "getblockhash", "height=1.5"), "got string")
    assert_equal(node.cli_ok("-named", "getblockhash", "height=0"), node.rpc("getblockhash", 0))
    assert_fails(node.cli("getblock", "0", "true"), "got boolean")

    # -rpcconnect: host:port, [ipv6]:port and plain ipv6; an explicit -rpcport wins.
    assert_equal(run_cli(node, f"-rpcconnect=127.0.0.1:{port}", "getblockcount")[:2], (0, "0\n"))
    assert_equal(run_cli(node, f"-rpcconnect=[::1]:{port}", "getblockcount")[:2], (0, "0\n"))
    assert_equal(run_cli(node, "-rpcconnect=::1", f"-rpcport={port}", "getblockcount")[:2],
                 (0, "0\n"))
    assert_equal(run_cli(node, "-rpcconnect=127.0.0.1:1", f"-rpcport={port}",
                         "getblockcount")[:2], (0, "0\n"))
    assert_fails(run_cli(node, "-rpcconnect=127.0.0.1:x", "getblockcount"), "invalid port 'x'")
    assert_fails(node.cli("-rpcconnect=no-such-host.invalid", "getblockcount"),
                 "cannot resolve host 'no-such-host.invalid'")
    closed = free_port()
    err = assert_fails(run_cli(node, f"-rpcconnect=127.0.0.1:{closed}", "getblockcount"))
    assert_equal(err.strip(), f"error: could not connect to the server at 127.0.0.1:{closed} "
                 "(is maillond running? check -rpcconnect/-rpcport)")

    # No cookie: one sentence, said once.
    empty = os.path.join(t.tmpdir, "empty")
    os.makedirs(empty)
    proc = subprocess.run([node.cli_path, f"-datadir={empty}", "-dev", "getblockcount"],
                          capture_output=True, text=True, timeout=60)
    assert_equal(proc.returncode, 1)
    assert_equal(proc.stderr.count("is maillond running"), 1, msg=proc.stderr)
    assert_equal(proc.stderr.count(".cookie"), 1, msg=proc.stderr)
    assert "pass -rpcuser and -rpcpassword" in proc.stderr, proc.stderr
    # Half a set of credentials is refused rather than silently replaced by the cookie.
    assert_fails(node.cli("-rpcuser=bob", "getblockcount"), "-rpcuser needs -rpcpassword")
    assert_fails(node.cli("-rpcpassword=x", "getblockcount"), "-rpcpassword needs -rpcuser")

    # A key file does not know its network: address prints it for the selected one, except the
    # dev key (whose secret is public) outside the dev network.
    def address(*options):
        proc = subprocess.run([node.cli_path, f"-datadir={empty}"] + list(options) + ["address"],
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr
    dev_key = f"-keyfile={node.dev_key_path}"
    for network in ((), ("-testnet",)):
        assert_fails(address(dev_key, *network), "the dev network's key", "pass -dev")
    assert address(dev_key, "-dev")[1].startswith("dmln1")
    other_key = os.path.join(t.tmpdir, "other.key")
    node.new_key(other_key, "o")
    for network, prefix in (((), "mln1"), (("-testnet",), "tmln1"), (("-dev",), "dmln1")):
        rc, out, err = address(f"-keyfile={other_key}", *network)
        assert rc == 0 and out.startswith(prefix), (network, rc, out, err)

    # Amounts: too many decimals is said as such.
    dev = node.dev_address()
    key = f"-keyfile={node.dev_key_path}"
    err = assert_fails(node.cli(key, "signtransfer", dev, "1.123456789", "0",
                                input=DEV_KEY_PASSPHRASE + "\n"), "at most 8 decimal places")
    assert "'1.123456789'" in err, err
    assert_fails(node.cli(key, "signtransfer", dev, "1", "0", "0.000000001",
                          input=DEV_KEY_PASSPHRASE + "\n"), "fee '0.000000001'",
                 "at most 8 decimal places")
    assert_fails(node.cli(key, "signtransfer", dev, "0", "0", input=DEV_KEY_PASSPHRASE + "\n"),
                 "amount must be more than 0")

    # Fees are in MLN: one above -maxfee (default 10 minimum fees, 0.0001 MLN here) is refused,
    # before any passphrase is asked for, unless -maxfee allows it.
    err = assert_fails(node.cli(key, "transfer", dev, "1", "1000"),
                       "fee 1000 MLN (100000000000 base units) is above -maxfee, "
                       "0.0001 MLN (10000 base units)", "pass a larger -maxfee")
    assert_fails(node.cli(key, "signtransfer", dev, "1", "0", "0.00010001"), "above -maxfee")
    pay = DEV_KEY_PASSPHRASE + "\n"
    node.cli_ok(key, "signtransfer", dev, "1", "0", "0.0001", input=pay)
    node.cli_ok(key, "-maxfee=1000", "signtransfer", dev, "1", "0", "1000", input=pay)
    assert_fails(node.cli(key, "-maxfee=0.00001", "signtransfer", dev, "1", "0", "0.00002"),
                 "above -maxfee, 0.00001 MLN (1000 base units)")
    assert_fails(node.cli(key, "-maxfee=lots", "signtransfer", dev, "1", "0", "1"),
                 "-maxfee 'lots' is not an amount")
    assert "transfer <to> <amount-MLN> [fee-MLN]" in node.cli_ok("help", "transfer")
    assert_fails(node.cli(key, "transfer", dev), "usage: transfer <to> <amount-MLN> [fee-MLN]")

    # A transaction's arguments are checked before any passphrase is asked for: with nothing
    # on standard input, the argument's error comes, not "empty passphrase".
    assert_fails(node.cli(key, "transfer", "dmln1nope", "1"), "invalid address")
    assert_fails(node.cli(key, "transfer", dev, "0"), "amount must be more than 0")
    assert_fails(node.cli(key, "signtransfer", "dmln1nope", "1", "0"), "invalid address")
    assert_fails(node.cli(key, f"-devicekeyfile={node.dev_key_path}", "registerdevice", "nap"),
                 "kinds 'nap'")
    # ... and before the node is asked for the nonce.
    assert_fails(run_cli(node, "-rpcport=1", key, "transfer", "dmln1nope", "1"),
                 "invalid address")

    # keygen confirms a new passphrase: a terminal is asked twice; piped, one line is enough and
    # a second one must repeat it. An existing file is refused before any passphrase is asked.
    def new_key_file(name):
        return "-keyfile=" + os.path.join(t.tmpdir, name)
    rc, out, err = run_cli_on_terminal(node, new_key_file("tty.key"), "keygen", lines=["a", "a"])
    assert rc == 0 and out.startswith("dmln1") and "Repeat the passphrase" in err, (rc, out, err)
    assert_fails(run_cli_on_terminal(node, new_key_file("typo.key"), "keygen", lines=["a", "b"]),
                 "the passphrases differ; no key file was written")
    assert not os.path.exists(os.path.join(t.tmpdir, "typo.key"))
    assert node.cli_ok(new_key_file("once.key"), "keygen", input="a\n").startswith("dmln1")
    assert node.cli_ok(new_key_file("twice.key"), "keygen", input="a\na\n").startswith("dmln1")
    assert_fails(node.cli(new_key_file("piped-typo.key"), "keygen", input="a\nb\n"),
                 "the passphrases differ")
    assert_fails(node.cli(new_key_file("once.key"), "keygen"), "once.key", "already exists")


if __name__ == "__main__":
    main(run)
