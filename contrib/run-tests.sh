#!/usr/bin/env bash
# Builds and runs every test (unit and functional) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./contrib/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
