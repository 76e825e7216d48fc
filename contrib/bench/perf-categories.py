#!/usr/bin/env python3
"""Groups the samples of a `perf record -g` profile of maillond by what the RPC
server is doing, per thread role (event loop / RPC worker / other).

Usage: perf script -i perf.data -F tid,ip,sym | contrib/bench/perf-categories.py LOOP_TID

LOOP_TID is the libevent loop thread (the busiest thread under wrk load; the
workers are the four threads that run HttpServer::WorkerLoop). The profile is
best recorded with DWARF unwinding, since a Release build has no frame
pointers:  perf record -F 499 --call-graph dwarf,16384 -p PID -- sleep 6

Each sample goes to the first category, in the order below, with a marker
among the frames of its stack (leaf to root). The percentages are of all
samples of the process, so they add up to the node's whole CPU time.
"""
import collections
import re
import sys

# (category, regex on a frame's symbol); first match in this order wins.
CATEGORIES = [
    ("auth (Basic header, SHA-256)", r"RpcAuthenticator::Authenticate|DecodeBase64"),
    ("state: LevelDB / state tree", r"leveldb::|StateTree|DbNodeStore|Chain::AccountAt|Chain::GetAccount"),
    ("address decode (bech32m)", r"DecodeAddress|Bech32|bech32|::Address\b|ParseAddress"),
    ("chain lock (Chain::Tip etc.)", r"Chain::Tip"),
    ("JSON-RPC: parse, dispatch, reply", r"RpcTable::|rapidjson::|HandleOne|WriteReply"),
    ("handoff: mutex/condvar/futex/wake-up", r"pthread_cond|pthread_mutex|lll_lock|lll_unlock|__condvar|futex|event_active|HttpServer::Wake\b"),
    ("socket read/write syscalls (incl. loopback TCP)", r"__GI___readv|__GI___writev|__libc_read|__libc_write|\bdo_readv|\bdo_writev|sock_|tcp_"),
    ("epoll (wait, ctl: event (de)registration)", r"epoll"),
    ("libevent HTTP: parse, headers, buffers", r"^evhttp|^evbuffer|^bufferevent|^evmap|^evutil|^event_(add|del|pending|callback|active|assign|free|new)|^evthread|^event_.*_nolock_"),
    ("malloc/free", r"malloc|free|operator new|operator delete|cfree"),
]
COMPILED = [(name, re.compile(rx)) for name, rx in CATEGORIES]


def samples(stream):
    tid, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if tid is not None:
                yield tid, frames
            tid, frames = None, []
        elif not line.startswith((" ", "\t")):
            tid, frames = line.split()[0], []
        else:
            parts = line.strip().split(None, 1)
            sym = parts[1] if len(parts) > 1 else ""
            frames.append(re.sub(r"\+0x[0-9a-f]+$", "", sym))
    if tid is not None:
        yield tid, frames


def classify(frames):
    for name, rx in COMPILED:
        if any(rx.search(f) for f in frames):
            return name
    return "other"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    loop_tid = sys.argv[1]
    counts = collections.Counter()
    roles = collections.Counter()
    total = 0
    for tid, frames in samples(sys.stdin):
        # Under RPC load the other busy threads are the workers (the main
        # thread sleeps in sigwait, the dev block producer is idle).
        role = "loop" if tid == loop_tid else "worker"
        cat = classify(frames)
        counts[(role, cat)] += 1
        roles[role] += 1
        total += 1
    if total == 0:
        sys.exit("no samples")
    print(f"{total} samples; by thread: " +
          ", ".join(f"{r} {100.0 * n / total:.1f}%" for r, n in roles.most_common()))
    print(f"| {'category':<48} | {'loop thread':>11} | {'workers':>8} | {'all':>6} |")
    print(f"|{'-' * 50}|{'-' * 12}:|{'-' * 9}:|{'-' * 7}:|")
    names = [n for n, _ in CATEGORIES] + ["other"]
    for name in sorted(names, key=lambda n: -sum(v for (r, c), v in counts.items() if c == n)):
        loop = counts[("loop", name)]
        work = sum(v for (r, c), v in counts.items() if c == name and r != "loop")
        if loop + work == 0:
            continue
        print(f"| {name:<48} | {100.0 * loop / total:10.1f}% | {100.0 * work / total:7.1f}% | "
              f"{100.0 * (loop + work) / total:5.1f}% |")


if __name__ == "__main__":
    main()
