#!/usr/bin/env bash
# Builds Maillon and runs a one-validator dev chain in the foreground
# (Ctrl-C stops it cleanly). Data lives in ./devnet-data unless DATADIR is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
./contrib/build.sh
DATADIR=${DATADIR:-$PWD/devnet-data}
mkdir -p "$DATADIR"
CLI="build/maillon-cli -datadir=$DATADIR -dev"
cat <<TXT

Dev chain data: $DATADIR/dev   (funded key: dev.key, passphrase 'maillon-dev')
Try, in another terminal:
  $CLI getblockchaininfo
  $CLI -keyfile=$DATADIR/dev/dev.key address
  $CLI -keyfile=/tmp/alice.key keygen
  echo maillon-dev | $CLI -keyfile=$DATADIR/dev/dev.key transfer \$($CLI -keyfile=/tmp/alice.key address) 12.5 -wait
  $CLI getbalance \$($CLI -keyfile=/tmp/alice.key address)

TXT
exec build/maillond -datadir="$DATADIR" -dev "$@"
