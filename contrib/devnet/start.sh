#!/usr/bin/env bash
# Builds Maillon and runs a one-validator dev chain with one device agent next
# to it: maillon-agent registers its device (owner: the funded dev key; kinds
# uptime, bandwidth and storage), sends its heartbeats and serves storage and
# bandwidth on 127.0.0.1:27332 (maillon-cli storefile, fetchfile, bandwidth). Both print to this terminal; Ctrl-C stops both cleanly
# (so do SIGTERM and the node's stop RPC). Data lives in ./devnet-data unless
# DATADIR is set; extra arguments go to maillond.
set -euo pipefail
cd "$(dirname "$0")/../.."
./contrib/build.sh
DATADIR=${DATADIR:-$PWD/devnet-data}
AGENTDIR=$DATADIR/agent
mkdir -p "$DATADIR" "$AGENTDIR/dev"
CLI="build/maillon-cli -datadir=$DATADIR -dev"
# The dev passphrase, for the dev key and the device key alike: dev keys
# guard nothing of value.
PASSFILE=$AGENTDIR/dev-passphrase
echo maillon-dev > "$PASSFILE"

NODE='' AGENT=''
stop_all() { kill -TERM $AGENT $NODE 2>/dev/null || true; }
trap stop_all INT TERM

build/maillond -datadir="$DATADIR" -dev "$@" &
NODE=$!
until $CLI getblockcount > /dev/null 2>&1; do
    if ! kill -0 "$NODE" 2>/dev/null; then wait "$NODE"; exit $?; fi
    sleep 0.2
done
DEVICE_KEY=$AGENTDIR/dev/device.key
[ -e "$DEVICE_KEY" ] || $CLI -keyfile="$DEVICE_KEY" -passphrasefile="$PASSFILE" keygen > /dev/null
DEVICE=$($CLI -keyfile="$DEVICE_KEY" address)
build/maillon-agent -datadir="$AGENTDIR" -dev -rpccookiefile="$DATADIR/dev/.cookie" -devicepassphrasefile="$PASSFILE" \
    -register -ownerkeyfile="$DATADIR/dev/dev.key" -ownerpassphrasefile="$PASSFILE" \
    -kinds=uptime,bandwidth,storage &
AGENT=$!
cat <<TXT

Dev chain data: $DATADIR/dev   (funded key: dev.key, passphrase 'maillon-dev')
Device agent:   $AGENTDIR/dev  (device $DEVICE; key device.key, log debug.log,
                last heartbeat heartbeat.json, deals deals.json; services on
                127.0.0.1:27332)
Try, in another terminal:
  $CLI getblockchaininfo
  $CLI getdevicecontributions $DEVICE      # uptime_intervals: one per 10 blocks
  $CLI -keyfile=$DATADIR/dev/dev.key address
  $CLI -keyfile=/tmp/alice.key keygen
  echo maillon-dev | $CLI -keyfile=$DATADIR/dev/dev.key transfer \$($CLI -keyfile=/tmp/alice.key address) 12.5 -wait
  $CLI getbalance \$($CLI -keyfile=/tmp/alice.key address)
  $CLI -keyfile=/tmp/alice.key buycredits 1 -wait
  $CLI -keyfile=/tmp/alice.key bandwidth 1000000     # served by the agent, paid in credits
  (storefile, fetchfile: see doc/agent.md, "On the dev chain")

TXT
# Until the node exits (Ctrl-C, SIGTERM, the stop RPC, an error); a signal
# interrupts the wait, so wait again while the node shuts down. Then the
# agent stops too.
set +e
status=0
while kill -0 "$NODE" 2>/dev/null; do
    wait "$NODE"
    status=$?
done
kill -TERM "$AGENT" 2>/dev/null
wait "$AGENT"
exit "$status"
