#!/usr/bin/env bash
# Installs missing dependencies and builds into ./build (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
./depends/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMAILLON_WERROR=ON > /dev/null
cmake --build build -j"$(nproc)"
