#!/usr/bin/env bash
# Installs what intake needs, builds it with its tests, and runs the whole
# suite (GoogleTest under ctest, real Tesseract, real SQLite, real files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The training script's smoke test (tests/recognizer_train_test.cc) needs python3-torch.
scripts/install-training-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build -j"$(nproc)"
export OMP_THREAD_LIMIT=1
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 900
