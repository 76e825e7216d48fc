#!/usr/bin/env python3
"""Creates an rpcauth credential line for maillon.conf.

Usage: contrib/rpcauth.py USER [PASSWORD]

Prints `rpcauth=USER:SALT$HMAC`, where SALT is 16 random bytes in hex and
HMAC = hex(HMAC-SHA256(key = SALT as text, message = PASSWORD)): the entry that
RpcAuthenticator::AddRpcAuth (rpc/auth.h) accepts, in the same format (and with
the same output layout) as Bitcoin Core's share/rpcauth/rpcauth.py, so that a
line made by either tool works with both. The node stores only the salted
HMAC, never the password.

Without PASSWORD (or with an empty one) a random password is generated and
printed after the line; PASSWORD "-" reads it from the terminal without echo.
A password given on the command line is not printed (it is then in your shell
history: prefer "-" or a generated one). `--json` prints
{"username", "password", "rpcauth"} instead, as Bitcoin Core's script does.

Python 3 standard library only.
"""
import argparse
import getpass
import hmac
import json
import re
import secrets
import sys

SALT_BYTES = 16


def password_to_hmac(salt, password):
    """hex(HMAC-SHA256(key=salt as UTF-8 text, msg=password as UTF-8))."""
    return hmac.new(salt.encode("utf-8"), password.encode("utf-8"), "sha256").hexdigest()


def rpcauth_entry(user, salt, password):
    return f"{user}:{salt}${password_to_hmac(salt, password)}"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Create an rpcauth= line (salted HMAC-SHA256 of the password) for "
        "maillon.conf.")
    parser.add_argument("username", help="the user name for HTTP Basic authentication")
    parser.add_argument("password", nargs="?",
                        help='leave out to generate a random password, "-" to type it')
    parser.add_argument("-j", "--json", action="store_true",
                        help="print a JSON object instead of plain text")
    # Hidden: a fixed salt (32 hex characters) makes the output reproducible,
    # for tests. Never use it for real credentials.
    parser.add_argument("--salt", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    user = args.username
    if not user or ":" in user or any(ord(c) < 0x20 or ord(c) == 0x7f for c in user):
        parser.error("USER must be non-empty, without ':' or control characters")
    if "#" in user:
        parser.error("USER must not contain '#': maillon.conf treats '#' as the start of a "
                     "comment, so the node would read the line cut short; choose another name")
    if user != user.strip():
        parser.error("USER must not start or end with spaces: maillon.conf trims them")

    generated = not args.password
    if generated:
        password = secrets.token_urlsafe(32)
    elif args.password == "-":
        password = getpass.getpass()
        if not password:
            parser.error("empty password")
    else:
        password = args.password

    if args.salt is not None:
        if not re.fullmatch(r"[0-9a-f]{%d}" % (2 * SALT_BYTES), args.salt):
            parser.error(f"--salt must be {2 * SALT_BYTES} lower-case hex characters")
        salt = args.salt
    else:
        salt = secrets.token_hex(SALT_BYTES)

    entry = rpcauth_entry(user, salt, password)
    if args.json:
        print(json.dumps({"username": user, "password": password, "rpcauth": entry}))
        return 0
    print("String to be appended to maillon.conf:")
    print(f"rpcauth={entry}")
    if generated:
        print(f"Your password:\n{password}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
