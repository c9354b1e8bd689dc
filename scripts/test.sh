#!/usr/bin/env bash
# The test command (`make test`; .ci/run calls it): installs what is missing,
# builds and runs the whole suite twice: a RelWithDebInfo build, then an
# ASan+UBSan build. The output ends with ctest's summary of the second run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

echo "== release build =="
cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== ASan+UBSan build =="
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DINLINKS_SANITIZE=address,undefined -DINLINKS_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd build-asan && ctest --output-on-failure -j "$jobs"
