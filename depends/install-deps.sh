#!/usr/bin/env bash
# Installs the Debian packages Maillon builds with. A no-op when they are all
# present; otherwise runs apt-get (as root, or through sudo).
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config python3
    libboost-program-options-dev libboost-filesystem-dev libboost-test-dev
    libsecp256k1-dev libleveldb-dev libsnappy-dev libssl-dev rapidjson-dev libevent-dev libbenchmark-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
