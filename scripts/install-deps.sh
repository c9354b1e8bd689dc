#!/usr/bin/env bash
# Installs every Debian 12 package inlinks needs to build, test and benchmark.
# Idempotent: installs only what is missing; runs `apt-get update` at most once.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  clang libclang-rt-14-dev
  libboost1.81-all-dev libboost-url1.81-dev libboost-json1.81-dev
  libgumbo-dev librocksdb-dev libabsl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libxml2-dev libsqlite3-dev wrk
  libpsl-dev publicsuffix libidn2-dev libssl-dev zlib1g-dev libbrotli-dev libmaxminddb-dev
  libtomlplusplus-dev
  libmaxmind-db-writer-perl  # the tests write a tiny GeoIP database with it
  python3-networkx  # the independent PageRank reference of tests/indexer/rank_test.cc
  ca-certificates
)
# Optional: a corpus of real HTML for the extractor benchmark (see BENCHMARKS.md).
if [[ "${INLINKS_WITH_BENCH_CORPUS:-0}" == 1 ]]; then PACKAGES+=(libboost1.81-doc); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
