#!/usr/bin/env python3
"""maillon-cli against a server that answers odd JSON-RPC replies: every one is an error (exit
status 1, a message), never a crash, a hang or a reply read as something it is not."""
import http.server
import json
import os
import subprocess
import threading

from framework import assert_equal, free_port, main


class OddReplies(http.server.BaseHTTPRequestHandler):
    """Answers each method with the body set in `bodies` (str), or a result from `results`."""
    bodies = {}
    results = {}
    claimed_length = None  # a Content-Length to announce instead of the body's own

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method = req["method"]
        if method in self.bodies:
            body = self.bodies[method]
        else:
            body = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": self.results[method]})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(self.claimed_length or len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def run(t):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), OddReplies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cli = [os.path.join(t.bindir, "maillon-cli"), f"-datadir={t.tmpdir}", "-dev", "-rpcuser=u",
           "-rpcpassword=p", f"-rpcport={server.server_address[1]}", "-timeout=30"]

    def run_cli(*args, input=None):
        proc = subprocess.run(cli + list(args), input=input, capture_output=True, text=True,
                              timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    def fails(expected, *args, input=None):
        rc, out, err = run_cli(*args, input=input)
        # 1, not a crash (a signal gives a negative code) and not a success.
        assert rc == 1, f"{args}: exit code {rc}, stdout {out!r}, stderr {err!r}"
        assert expected in err, f"{args}: {expected!r} not in {err!r}"

    def replies(method, *, body=None, result=None):
        OddReplies.bodies = {} if body is None else {method: body}
        OddReplies.results = {} if body is not None else {method: result}

    try:
        # The envelope: not JSON, not an object, neither result nor error, a malformed error,
        # nesting deep enough to overflow a recursive parser's stack.
        not_reply = "with a body that is not a JSON-RPC reply"
        for body, why in (("not json", f"{not_reply} (it is not JSON)"),
                          ("[1, 2]", not_reply),
                          ('{"result": 1} trailing', "it is not JSON"),
                          ('{"jsonrpc": "2.0", "id": 1}', "reply has neither result nor error"),
                          ("[" * 1_000_000 + "]" * 1_000_000, "deeper than 512 levels"),
                          ('{"result": ' + "[" * 100_000 + "]" * 100_000 + "}",
                           "deeper than 512 levels")):
            replies("getblockcount", body=body)
            fails(why, "getblockcount")
        for error in ('"boom"', "5", '{"code": "x", "message": "m"}', '{"code": -5}',
                      '{"code": -5, "message": 7}', '{"code": 1.5, "message": "m"}'):
            replies("getblockcount", body='{"id": 1, "error": ' + error + "}")
            fails('a JSON-RPC error that is not {"code": integer, "message": string}',
                  "getblockcount")
        replies("getblockcount", body='{"id": 1, "error": {"code": -5, "message": "nope"}}')
        fails("error code: -5\nerror message:\nnope", "getblockcount")
        # "error": null with a result is a success (JSON-RPC 1.0 style).
        replies("getblockcount", body='{"id": 1, "error": null, "result": 7}')
        assert_equal(run_cli("getblockcount")[:2], (0, "7\n"))

        # A reply larger than the CLI takes is refused before it is read, not buffered.
        OddReplies.claimed_length = 4 << 30
        replies("getblockcount", result=1)
        fails("larger than", "getblockcount")
        OddReplies.claimed_length = None

        # transfer reads getaccount's next_nonce and sendrawtransaction's txid.
        key = os.path.join(t.tmpdir, "k.key")
        rc, address, err = run_cli(f"-keyfile={key}", "keygen", input="k\n")
        assert rc == 0, err
        transfer = (f"-keyfile={key}", "transfer", address.strip(), "1")
        for result in ("x", [], {}, {"next_nonce": "1"}, {"next_nonce": -1},
                       {"next_nonce": 1.5}, {"next_nonce": 2 ** 64}, {"next_nonce": None}):
            replies("getaccount", result=result)
            fails("the node's getaccount reply has no next_nonce", *transfer, input="k\n")
        for txid in (5, None, "abc", "g" * 64, "a" * 63, ["a" * 64], {"txid": "a" * 64}):
            OddReplies.bodies = {}
            OddReplies.results = {"getaccount": {"next_nonce": 0}, "sendrawtransaction": txid}
            fails("the node's sendrawtransaction reply is not a txid", *transfer, input="k\n")

        # waittx reads gettransaction's status.
        for result in ("confirmed", [], {}, {"status": 5}, {"status": None}):
            replies("gettransaction", result=result)
            fails("the node's gettransaction reply has no status", "waittx", "a" * 64)
        replies("gettransaction", result={"status": "lost"})
        fails("has status 'lost', neither pending nor confirmed", "waittx", "a" * 64)

        # verifyproof reads getproof's fields.
        for result, why in (("x", "reply is not an object"), ([], "reply is not an object"),
                            ({"header": 5}, "missing field header"),
                            ({"header": "zz"}, "header is not hex")):
            replies("getproof", result=result)
            fails(why, "verifyproof", address.strip())
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(run)
