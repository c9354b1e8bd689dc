#!/usr/bin/env bash
# The HTTP API under load (issue 4): `inlinksd serve` over the api_bench
# database (>= 5M links in big.example), driven by wrk on loopback.
#
#   build-release/bench/api_bench            # builds $INLINKS_BENCH_DB once (minutes), in-process numbers
#   bench/e2e/api_wrk.sh                     # this script: req/s and p50/p99 per request shape
#
# Environment: INLINKS_BENCH_DB (default /tmp/inlinks_api_bench_db),
# INLINKSD (default build-release/tools/inlinksd), INLINKSD_ARGS (more daemon
# flags, e.g. "--log-level warning" to drop the access log), PORT (default 18431),
# WRK_THREADS (2), WRK_CONNECTIONS (64), WRK_DURATION (10s), WRK_LATENCY_DURATION
# (5s, the one-connection pass).
#
# Every request shape is checked with curl before and after its wrk run (the
# domain dialect answers errors with HTTP 200, so wrk's status count alone
# would not notice a "cost error"). The SQLite peer has no HTTP front: compare
# with the in-process figures of api_bench (BENCHMARKS.md).
set -euo pipefail

DB=${INLINKS_BENCH_DB:-/tmp/inlinks_api_bench_db}
INLINKSD=${INLINKSD:-build-release/tools/inlinksd}
read -r -a INLINKSD_ARGS <<<"${INLINKSD_ARGS:-}"  # e.g. "--log-level warning"
PORT=${PORT:-18431}
THREADS=${WRK_THREADS:-2}
CONNECTIONS=${WRK_CONNECTIONS:-64}
DURATION=${WRK_DURATION:-10s}
BASE="http://127.0.0.1:${PORT}"

die() { echo "api_wrk: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk not found: apt-get install wrk"
command -v curl >/dev/null || die "curl not found: apt-get install curl"
[[ -x "$INLINKSD" ]] || die "$INLINKSD not built (cmake --build build-release --target inlinksd)"
[[ -f "$DB/API_BENCH_COMPLETE" ]] || die "$DB is not a complete api_bench database: run api_bench first"

LOG=$(mktemp /tmp/api_wrk_inlinksd.XXXXXX.log)
"$INLINKSD" serve --db "$DB" --listen "127.0.0.1:${PORT}" "${INLINKSD_ARGS[@]}" 2>>"$LOG" &
DAEMON=$!
cleanup() {
  if kill -0 "$DAEMON" 2>/dev/null; then
    kill -TERM "$DAEMON" 2>/dev/null || true
    wait "$DAEMON" 2>/dev/null || true
  fi
  rm -f "$LOG"
}
trap cleanup EXIT

KEY=""
for _ in $(seq 1 300); do
  KEYFILE=$(sed -n 's/.*serving the API on .*(API key in \([^)]*\)).*/\1/p' "$LOG" | head -n1)
  [[ -n "$KEYFILE" ]] && KEY=$(head -n1 "$KEYFILE")
  [[ -n "$KEY" ]] && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$LOG" >&2; die "inlinksd exited"; }
  sleep 0.1
done
[[ -n "$KEY" ]] || { cat "$LOG" >&2; die "inlinksd did not start"; }
# The access log (one line per request) would grow by ~100 bytes per request: drop it.
: >"$LOG"

# URL dialect: the key string is ID.SECRET; exchange it for a bearer token.
KEY_ID=${KEY%%.*}
KEY_SECRET=${KEY#*.}
TOKEN=$(curl -sf -u "${KEY_ID}:${KEY_SECRET}" -d grant_type=client_credentials "$BASE/v3/token" |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[[ -n "$TOKEN" ]] || die "no token from POST /v3/token"

# name | path | header ("" for none) | text the body must contain
CASES=(
  "domain json, first page, 10 rows|/api/links/getBacklinks/${KEY}/big.example/json/10/0||\"apiErrorCode\":0"
  "domain json, first page, 100 rows|/api/links/getBacklinks/${KEY}/big.example/json/100/0||\"apiErrorCode\":0"
  "domain xml, first page, 10 rows|/api/links/getBacklinks/${KEY}/big.example/xml/10/0||<apiErrorCode>0</apiErrorCode>"
  "domain xml, first page, 100 rows|/api/links/getBacklinks/${KEY}/big.example/xml/100/0||<apiErrorCode>0</apiErrorCode>"
  "domain json, small scope, 10 rows|/api/links/getBacklinks/${KEY}/small.example/json/10/0||\"apiErrorCode\":0"
  "domain json, deep page (offset 1,000,000), 10 rows|/api/links/getBacklinks/${KEY}/big.example/json/10/100000||\"apiErrorCode\":0"
  "domain json, deep page (offset 4,000,000), 10 rows|/api/links/getBacklinks/${KEY}/big.example/json/10/400000||\"apiErrorCode\":0"
  "URL dialect (v3, bearer token), 10 rows|/v3/ResearchLinksGetListBacklinks.json?url=big.example&limit=10&offset=0|Authorization: Bearer ${TOKEN}|\"count\":"
  "URL dialect (v3, bearer token), 100 rows|/v3/ResearchLinksGetListBacklinks.json?url=big.example&limit=100&offset=0|Authorization: Bearer ${TOKEN}|\"count\":"
  "native /v1/backlinks, 10 rows|/v1/backlinks?target=big.example&limit=10&key=${KEY}||\"total\":"
  "native /v1/backlinks, 100 rows|/v1/backlinks?target=big.example&limit=100&key=${KEY}||\"total\":"
)

check() {  # path header expected -> the body's size; dies when the answer is wrong
  local path=$1 header=$2 expected=$3 body
  if [[ -n "$header" ]]; then
    body=$(curl -sf -H "$header" "$BASE$path") || die "GET $path failed"
  else
    body=$(curl -sf "$BASE$path") || die "GET $path failed"
  fi
  [[ "$body" == *"$expected"* ]] || die "GET $path: unexpected answer: ${body:0:300}"
  echo "${#body}"
}

# wrk's summary -> "req/s p50 p99 errors"
summarize() {
  awk '
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    /Socket errors:/ { gsub(",", ""); errors += $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %d\n", rps, p50, p99, errors }'
}

echo "api_wrk: inlinksd $(readlink -f "$INLINKSD") on $BASE, database $DB"
echo "api_wrk: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# One table per load: the issue's (-t2 -c64: throughput; p50/p99 include the
# queueing of 64 connections on the server's threads), then one connection
# at a time (-t1 -c1: the latency of one request with the server otherwise idle).
table() {  # threads connections duration
  local threads=$1 connections=$2 duration=$3 c name path header expected bytes rps p50 p99 errors
  echo
  echo "wrk -t${threads} -c${connections} -d${duration} --latency"
  echo
  printf '| %-52s | %8s | %10s | %8s | %8s | %6s |\n' "request" "bytes" "req/s" "p50" "p99" "errors"
  printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "----------" "------------" \
    "----------" "----------" "--------"
  for c in "${CASES[@]}"; do
    IFS='|' read -r name path header expected <<<"$c"
    bytes=$(check "$path" "$header" "$expected")
    args=(-t"$threads" -c"$connections" -d"$duration" --latency)
    [[ -n "$header" ]] && args+=(-H "$header")
    read -r rps p50 p99 errors < <(wrk "${args[@]}" "$BASE$path" | summarize)
    check "$path" "$header" "$expected" >/dev/null
    : >"$LOG"
    printf '| %-52s | %8s | %10s | %8s | %8s | %6s |\n' "$name" "$bytes" "$rps" "$p50" "$p99" "$errors"
  done
}

table "$THREADS" "$CONNECTIONS" "$DURATION"
table 1 1 "${WRK_LATENCY_DURATION:-5s}"
