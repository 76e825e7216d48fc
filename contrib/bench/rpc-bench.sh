#!/usr/bin/env bash
# RPC throughput benchmark: Maillon's getblockcount / getbalance against
# ganache's eth_blockNumber / eth_getBalance, in one run, with wrk driving
# keep-alive HTTP over loopback. See doc/benchmarks.md.
#
# Usage: contrib/bench/rpc-bench.sh BUILD_DIR
#   BUILD_DIR holds maillond and maillon-cli (this script builds nothing), e.g.
#     cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release
#     cmake --build build-rel -j2 --target maillond maillon-cli
#     contrib/bench/rpc-bench.sh build-rel
#
# Servers: maillond -dev -blockinterval=0 (temporary data directory), ganache
# started as the requirement says (--server.host 127.0.0.1 and a port), and a
# second ganache with --logging.quiet as well: by default ganache prints every
# method name it serves, which roughly halves its throughput, and the quiet
# one is what reproduces the reference figures (~44k / ~9.5k req/s). Ratios
# are reported against both. The servers of a workload take turns, round by
# round, so that a drift in the machine's speed hits both sides of a ratio.
#
# Environment (all optional):
#   ROUNDS=5             interleaved rounds: each measures every server once
#   DURATION=4s          one measured wrk run (per server, per round)
#   WARMUP=3s            unmeasured wrk run per server before the rounds
#   THREADS=2 CONNS=16   wrk -t / -c
#   GANACHE_VERSION=7.9.2
#   BENCH_CACHE=~/.cache/maillon-bench   where ganache is installed (npm) if missing
#   GANACHE_QUIET=0      skip the second (--logging.quiet) ganache
#   MAILLOND_EXTRA_ARGS= extra maillond options (e.g. -rpcthreads=2)
#   KEEP_SERVERS=1       after the tables, keep the servers running until
#                        Ctrl-C (for profiling; PIDs and URLs are printed)
#   CHECK_TARGETS=1      exit 2 when any reported ratio is below its target
#
# Needs: wrk (installed with apt-get when missing), node + npm, curl, python3.
# Exit status: 0 measured (targets reported, not enforced unless CHECK_TARGETS=1);
# 1 setup failure, or any request failed (HTTP non-2xx, socket error or
# timeout, JSON-RPC error in a 200 reply: see jsonrpc.lua).
set -euo pipefail

TARGET_BLOCKCOUNT=1.5  # getblockcount req/s / eth_blockNumber req/s
TARGET_BALANCE=2.0     # getbalance req/s / eth_getBalance req/s

die() { echo "rpc-bench: error: $*" >&2; exit 1; }
log() { echo "rpc-bench: $*" >&2; }

[ $# -eq 1 ] || { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 1; }
BUILD_DIR=$(cd "$1" && pwd) || die "no build directory $1"
MAILLOND=$BUILD_DIR/maillond
CLI=$BUILD_DIR/maillon-cli
if [ ! -x "$MAILLOND" ] || [ ! -x "$CLI" ]; then
    die "$BUILD_DIR has no maillond / maillon-cli; build them first (see the usage above)"
fi

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4s}
WARMUP=${WARMUP:-3s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
GANACHE_VERSION=${GANACHE_VERSION:-7.9.2}
GANACHE_QUIET=${GANACHE_QUIET:-1}
BENCH_CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maillon-bench}

for tool in curl python3 node npm; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
    log "wrk missing, installing it with apt-get"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get install -y wrk >&2 || die "cannot install wrk (apt-get install -y wrk)"
fi

# --- ganache (npm, cached outside the repository) ------------------------------
GANACHE_DIR=$BENCH_CACHE/ganache-$GANACHE_VERSION
GANACHE=$GANACHE_DIR/node_modules/.bin/ganache
if [ ! -x "$GANACHE" ]; then
    log "installing ganache@$GANACHE_VERSION into $GANACHE_DIR"
    mkdir -p "$GANACHE_DIR"
    npm install --prefix "$GANACHE_DIR" --no-audit --no-fund --loglevel=error \
        "ganache@$GANACHE_VERSION" >&2 || die "npm install ganache@$GANACHE_VERSION failed"
fi
GANACHE_REPORTED=$("$GANACHE" --version 2>/dev/null | head -1)
case $GANACHE_REPORTED in
*"v$GANACHE_VERSION "*) ;;
*) die "unexpected ganache version: $GANACHE_REPORTED" ;;
esac

# --- servers --------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/maillon-rpc-bench.XXXXXX")
declare -A PID PORT URL AUTH ADDRESS  # per server: maillon, ganache, quiet
SERVERS=(maillon ganache)
[ "$GANACHE_QUIET" = 1 ] && SERVERS+=(quiet)

# shellcheck disable=SC2317  # reached through the EXIT trap
stop_pid() {  # pid name: SIGTERM, wait up to 10 s, then SIGKILL
    local pid=$1 name=$2
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    log "$name (pid $pid) did not stop after SIGTERM, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
    local rc=$? s
    trap - EXIT INT TERM
    for s in "${!PID[@]}"; do stop_pid "${PID[$s]}" "$s"; done
    if [ "$rc" -ne 0 ] && [ -d "$WORK" ]; then
        for f in "$WORK"/data/dev/debug.log "$WORK"/maillond.out "$WORK"/*.log; do
            [ -s "$f" ] && { echo "--- last lines of $f" >&2; tail -n 15 "$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {  # a loopback TCP port that is free now and not taken by another server here
    local p
    while :; do
        p=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
        case " ${PORT[*]:-} " in *" $p "*) continue ;; esac
        echo "$p"
        return
    done
}

rpc() {  # url auth_header body -> reply body; fails on HTTP error
    local url=$1 auth=$2 body=$3
    local args=(-sS --fail -m 5 -X POST -H 'Content-Type: application/json' --data "$body")
    [ -n "$auth" ] && args+=(-H "Authorization: $auth")
    curl "${args[@]}" "$url"
}

wait_rpc() {  # server body
    for _ in $(seq 300); do
        rpc "${URL[$1]}" "${AUTH[$1]}" "$2" >/dev/null 2>&1 && return 0
        kill -0 "${PID[$1]}" 2>/dev/null || die "$1 exited during start-up"
        sleep 0.1
    done
    die "$1 did not answer on ${URL[$1]} within 30 s"
}

PORT[maillon]=$(free_port)
URL[maillon]=http://127.0.0.1:${PORT[maillon]}/
mkdir -p "$WORK/data"
# shellcheck disable=SC2086  # MAILLOND_EXTRA_ARGS is a list of options
"$MAILLOND" -datadir="$WORK/data" -dev -blockinterval=0 -rpcbind=127.0.0.1 \
    -rpcport="${PORT[maillon]}" -printtoconsole=0 ${MAILLOND_EXTRA_ARGS:-} \
    >"$WORK/maillond.out" 2>&1 &
PID[maillon]=$!

for s in "${SERVERS[@]:1}"; do
    PORT[$s]=$(free_port)
    URL[$s]=http://127.0.0.1:${PORT[$s]}/
    AUTH[$s]=""
    extra=()
    [ "$s" = quiet ] && extra=(--logging.quiet)
    "$GANACHE" --server.host 127.0.0.1 --server.port "${PORT[$s]}" "${extra[@]}" \
        >"$WORK/$s.log" 2>&1 &
    PID[$s]=$!
done

COOKIE=$WORK/data/dev/.cookie
for _ in $(seq 300); do
    [ -s "$COOKIE" ] && break
    kill -0 "${PID[maillon]}" 2>/dev/null || die "maillond exited during start-up"
    sleep 0.1
done
[ -s "$COOKIE" ] || die "maillond wrote no cookie at $COOKIE within 30 s"
AUTH[maillon]="Basic $(tr -d '\r\n' <"$COOKIE" | base64 -w0)"

wait_rpc maillon '{"jsonrpc":"2.0","id":0,"method":"getblockcount","params":[]}'
ADDRESS[maillon]=$("$CLI" -datadir="$WORK/data" -dev -keyfile="$WORK/data/dev/dev.key" address) ||
    die "maillon-cli address failed"
for s in "${SERVERS[@]:1}"; do
    wait_rpc "$s" '{"jsonrpc":"2.0","id":0,"method":"eth_blockNumber","params":[]}'
    ADDRESS[$s]=$(rpc "${URL[$s]}" "" '{"jsonrpc":"2.0","id":0,"method":"eth_accounts","params":[]}' |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["result"][0])') ||
        die "$s: eth_accounts failed"
done

# One call of each workload before any load: shows what the benchmark asks for.
check_call() {  # server body -> prints the reply
    local out
    out=$(rpc "${URL[$1]}" "${AUTH[$1]}" "$2") || die "$1: request failed: $2"
    case $out in
    *'"error":{'* | *'"error": {'* | *'"error":"'*) die "$1: JSON-RPC error: $out" ;;
    *'"result"'*) ;;
    *) die "$1: no result in reply: $out" ;;
    esac
    log "$1: $2 -> $out"
    echo "$out"
}
check_call maillon '{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[]}' >/dev/null
out=$(check_call maillon \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getbalance\",\"params\":[\"${ADDRESS[maillon]}\"]}")
case $out in *'"result":0}'*) die "dev address ${ADDRESS[maillon]} has no balance" ;; esac
for s in "${SERVERS[@]:1}"; do
    check_call "$s" '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' >/dev/null
    out=$(check_call "$s" \
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"${ADDRESS[$s]}\",\"latest\"]}")
    case $out in *'"result":"0x0"'*) die "$s: account ${ADDRESS[$s]} has no balance" ;; esac
done

# --- wrk ------------------------------------------------------------------------
to_ms() {  # wrk duration (12.3us / 1.2ms / 1.1s / 2m) -> milliseconds, "?" if unparsable
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        else if (u != "ms") { print "?"; exit }
        printf "%.2f", n }'
}

# CPU accounting for a measured run: busy time of all CPUs (/proc/stat), of the
# server under test, of the other (idle) servers, and of wrk (this shell's
# reaped children, via `times`). The rest of the busy time was used by other
# processes on the machine: it shows whether the run was disturbed.
HZ=$(getconf CLK_TCK)
proc_cpu() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }  # clock ticks
cpu_snapshot() {  # server -> "busy steal server_ticks other_servers_ticks wrk_seconds wall"
    local busy steal srv=0 oth=0 s ch
    read -r busy steal < <(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat)
    for s in "${SERVERS[@]}"; do
        if [ "$s" = "$1" ]; then srv=$(proc_cpu "${PID[$s]}"); else oth=$((oth + $(proc_cpu "${PID[$s]}"))); fi
    done
    times >"$WORK/times"  # children's CPU; only right when not called in a subshell
    ch=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
                        print t }' "$WORK/times")
    echo "$busy $steal $srv $oth $ch $(date +%s.%N)"
}

declare -A RPS P99 REQS SRV_US SRV_CPU WRK_CPU OTHER_CPU STEAL_CPU LABEL ROUND_RPS
# One wrk run of a workload; its req/s, p99 and CPU use are appended to the
# key's lists (space-separated) when the phase is "measure".
run_wrk() {  # key label script server phase duration
    local key=$1 label=$2 script=$BENCH_DIR/$3 srv=$4 phase=$5 dur=$6
    local out before after non2xx sockerr jerr jresp rps p99 reqs
    LABEL[$key]=$label
    log "$label: $phase, wrk -t$THREADS -c$CONNS -d$dur --latency"
    cpu_snapshot "$srv" >"$WORK/cpu.before"  # (a redirection, not a subshell)
    out=$(RPC_AUTH=${AUTH[$srv]} RPC_ADDRESS=${ADDRESS[$srv]} \
        wrk -t"$THREADS" -c"$CONNS" -d"$dur" --latency -s "$script" "${URL[$srv]}" 2>&1) ||
        { echo "$out" >&2; die "$label: wrk failed"; }
    cpu_snapshot "$srv" >"$WORK/cpu.after"
    [ "$phase" = warmup ] || { echo "=== $label ($phase)"; echo "$out"; }
    non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' <<<"$out")
    sockerr=$(sed -n 's/^ *Socket errors: *\(.*\)/\1/p' <<<"$out")
    jerr=$(sed -n 's/^jsonrpc_errors \([0-9]*\)$/\1/p' <<<"$out")
    jresp=$(sed -n 's/^jsonrpc_responses \([0-9]*\)$/\1/p' <<<"$out")
    if [ -n "$non2xx" ] || [ -n "$sockerr" ] || [ "${jerr:-x}" != 0 ] || [ "${jresp:-0}" -eq 0 ]; then
        [ "$phase" = warmup ] && echo "$out" >&2
        die "$label ($phase): failed requests: non-2xx=${non2xx:-0}," \
            "socket errors=[${sockerr:-none}], JSON-RPC errors=${jerr:-?} of ${jresp:-0} responses"
    fi
    [ "$phase" = warmup ] && return 0
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
    if [ -z "$rps" ] || [ "$p99" = "?" ] || [ -z "$reqs" ]; then
        die "$label: cannot parse wrk output"
    fi
    ROUND_RPS[$key]+="$rps "
    P99[$key]+="$p99 "
    REQS[$key]=$((${REQS[$key]:-0} + reqs))
    # CPU seconds and wall seconds, summed over the measured rounds.
    before=$(cat "$WORK/cpu.before") after=$(cat "$WORK/cpu.after")
    CPU_SUM[$key]=$(awk -v hz="$HZ" -v b="$before" -v a="$after" -v acc="${CPU_SUM[$key]:-0 0 0 0 0}" 'BEGIN {
        split(b, x, " "); split(a, y, " "); split(acc, s, " ")
        wall = y[6] - x[6]
        busy = (y[1] - x[1]) / hz; steal = (y[2] - x[2]) / hz
        srv = (y[3] - x[3]) / hz; oth = (y[4] - x[4]) / hz; wrk = y[5] - x[5]
        rest = busy - srv - oth - wrk; if (rest < 0) rest = 0
        printf "%f %f %f %f %f\n", s[1] + wall, s[2] + srv, s[3] + wrk, s[4] + rest, s[5] + steal }')
}
declare -A CPU_SUM

median() {  # numbers... -> their median (mean of the middle two for an even count)
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "load before: $LOAD_BEFORE"
KEYS=()
script_for() {  # server-workload key -> wrk script
    case $1 in
    maillon-count) echo maillon-getblockcount.lua ;;
    maillon-bal) echo maillon-getbalance.lua ;;
    *-count) echo ganache-eth_blockNumber.lua ;;
    *-bal) echo ganache-eth_getBalance.lua ;;
    esac
}
label_for() {  # server-workload key -> table label
    case $1 in
    maillon-count) echo "maillon getblockcount" ;;
    maillon-bal) echo "maillon getbalance" ;;
    ganache-count) echo "ganache eth_blockNumber" ;;
    ganache-bal) echo "ganache eth_getBalance" ;;
    quiet-count) echo "ganache -q eth_blockNumber" ;;
    quiet-bal) echo "ganache -q eth_getBalance" ;;
    esac
}
# The machine's speed drifts by tens of percent over a minute (shared host), so
# the servers of a workload take turns: ROUNDS rounds, each measuring every
# server once, the order rotated each round. A server's figure is the median
# of its rounds, and a ratio is taken within each round (same minute for both
# sides); the reported ratio is the median of those per-round ratios.
for w in count bal; do
    for s in "${SERVERS[@]}"; do
        KEYS+=("$s-$w")
        run_wrk "$s-$w" "$(label_for "$s-$w")" "$(script_for "$s-$w")" "$s" warmup "$WARMUP"
    done
    for round in $(seq "$ROUNDS"); do
        n=${#SERVERS[@]}
        for i in $(seq 0 $((n - 1))); do
            s=${SERVERS[$(((i + round - 1) % n))]}
            run_wrk "$s-$w" "$(label_for "$s-$w")" "$(script_for "$s-$w")" "$s" "round $round" "$DURATION"
        done
    done
done
for k in "${KEYS[@]}"; do
    # shellcheck disable=SC2086  # lists of numbers
    RPS[$k]=$(median ${ROUND_RPS[$k]})
    # shellcheck disable=SC2086
    P99[$k]=$(median ${P99[$k]})
    read -r SRV_CPU[$k] WRK_CPU[$k] OTHER_CPU[$k] STEAL_CPU[$k] SRV_US[$k] < <(
        awk -v acc="${CPU_SUM[$k]}" -v reqs="${REQS[$k]}" 'BEGIN { split(acc, s, " ")
            printf "%.2f %.2f %.2f %.2f %.1f\n", s[2] / s[1], s[3] / s[1], s[4] / s[1], s[5] / s[1],
                   s[2] * 1e6 / reqs }')
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -----------------------------------------------------------------------
meets() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "NO") }'; }
round_ratios() {  # numerator_key denominator_key -> one ratio per round
    paste -d' ' <(tr ' ' '\n' <<<"${ROUND_RPS[$1]}" | sed '/^$/d') \
        <(tr ' ' '\n' <<<"${ROUND_RPS[$2]}" | sed '/^$/d') | awk '{ printf "%.2f ", $1 / $2 }'
}

echo
echo "RPC benchmark: wrk -t$THREADS -c$CONNS --latency, $ROUNDS interleaved rounds of $DURATION per server" \
    "(warm-up $WARMUP), keep-alive, loopback"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1);" \
    "loadavg before: $LOAD_BEFORE, after: $LOAD_AFTER"
echo "maillond: $MAILLOND -dev -blockinterval=0${MAILLOND_EXTRA_ARGS:+ $MAILLOND_EXTRA_ARGS}"
echo "ganache: $GANACHE_REPORTED, node $(node --version); \"ganache -q\" = same with --logging.quiet"
echo
printf '| %-26s | %7s | %8s | %8s | %10s | %10s | %7s | %9s | %-36s |\n' workload "req/s" "p99 (ms)" requests \
    "server CPU" "µs CPU/req" "wrk CPU" "other CPU" "req/s per round"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "--------:" "---------:" "---------:" \
    "-----------:" "-----------:" "--------:" "----------:" "--------------------------------------"
STEALS=""
for k in "${KEYS[@]}"; do
    printf '| %-26s | %7.0f | %8s | %8s | %10s | %10s | %7s | %9s | %-36s |\n' "${LABEL[$k]}" "${RPS[$k]}" \
        "${P99[$k]}" "${REQS[$k]}" "${SRV_CPU[$k]}" "${SRV_US[$k]}" "${WRK_CPU[$k]}" "${OTHER_CPU[$k]}" \
        "$(awk '{ for (i = 1; i <= NF; i++) printf "%s%.0f", (i > 1 ? " " : ""), $i }' <<<"${ROUND_RPS[$k]}")"
    STEALS+=" ${STEAL_CPU[$k]}"
done
echo "req/s and p99: medians over the rounds. CPU columns: CPUs used on average during the measured"
echo "rounds (of $(nproc)); \"other CPU\" = all other processes on the machine; \"µs CPU/req\" = the"
echo "server's CPU time per answered request; steal:$STEALS"
echo
printf '| %-52s | %5s | %6s | %4s | %-30s |\n' ratio value target met "per round"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------------------------" "------:" "-------:" "------" \
    "--------------------------------"
FAILED=0
report_ratio() {  # label numerator_key denominator_key target
    local rs r m
    rs=$(round_ratios "$2" "$3")
    # shellcheck disable=SC2086  # a list of numbers
    r=$(median $rs)
    m=$(meets "$r" "$4")
    [ "$m" = yes ] || FAILED=1
    printf '| %-52s | %5s | %6s | %4s | %-30s |\n' "$1" "$r" "$4" "$m" "$rs"
}
report_ratio "getblockcount / eth_blockNumber" maillon-count ganache-count "$TARGET_BLOCKCOUNT"
report_ratio "getbalance / eth_getBalance" maillon-bal ganache-bal "$TARGET_BALANCE"
if [ "$GANACHE_QUIET" = 1 ]; then
    report_ratio "getblockcount / eth_blockNumber (ganache -q)" maillon-count quiet-count "$TARGET_BLOCKCOUNT"
    report_ratio "getbalance / eth_getBalance (ganache -q)" maillon-bal quiet-bal "$TARGET_BALANCE"
fi
echo "ratio value: median of the per-round ratios (each round measures both sides within a minute)."

if [ "${KEEP_SERVERS:-0}" = 1 ]; then
    echo
    echo "Servers kept running until Ctrl-C:"
    for s in "${SERVERS[@]}"; do echo "  $s: pid ${PID[$s]} ${URL[$s]} address ${ADDRESS[$s]}"; done
    echo "  maillon Authorization: ${AUTH[maillon]}"
    while kill -0 "${PID[maillon]}" 2>/dev/null; do sleep 1; done
fi

if [ "${CHECK_TARGETS:-0}" = 1 ] && [ $FAILED = 1 ]; then exit 2; fi
exit 0
