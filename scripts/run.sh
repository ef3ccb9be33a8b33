#!/usr/bin/env bash
# Installs what intake needs, builds it, and runs the service on its embedded
# defaults: SQLite ledger and inbox folders under ./intake-data, review UI on
# 127.0.0.1. Extra arguments go to `intake run` (e.g. --once).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target intake -j"$(nproc)"
export OMP_THREAD_LIMIT=1
exec build/intake run "$@"
