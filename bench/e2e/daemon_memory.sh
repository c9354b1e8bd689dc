#!/usr/bin/env bash
# Whole-daemon memory at 10 million known URLs (issue 5's "≤ 500 MB RSS for
# the whole daemon at that size").
#
# Starts the synthetic web (10,000 live pages), writes 10,000,000 more seeds
# (DEAD_HOSTS hosts x PATHS paths on a closed loopback port, so every one is
# known to the frontier and its host is found unreachable), and runs
# `inlinksd crawl --once` over both until it exits: load the seeds, crawl the
# live web, drop the dead hosts. RSS is sampled every 0.5 s; the report gives
# the RSS once the seeds are loaded, the peak (VmHWM) and the crawl summary.
#
#   bench/e2e/daemon_memory.sh                 # uses build-release/
#   BUILD=build DEAD_HOSTS=1000 bench/e2e/daemon_memory.sh   # a small run
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-release}
DEAD_HOSTS=${DEAD_HOSTS:-100000}
PATHS=${PATHS:-100}
work=$(mktemp -d /tmp/inlinks-mem.XXXXXX)
trap 'kill $web_pid 2>/dev/null || true; rm -rf "$work"' EXIT

"$BUILD/bench/web/inlinks-web" --listen 127.0.0.1:0 --hosts 50 --domains 20 \
  --pages-per-host 200 --no-hostile --seeds-out "$work/web.txt" >"$work/web.log" 2>&1 &
web_pid=$!
for _ in $(seq 100); do [[ -s $work/web.txt ]] && break; sleep 0.1; done
awk -v hosts="$DEAD_HOSTS" -v paths="$PATHS" 'BEGIN {
  for (h = 0; h < hosts; ++h)
    for (p = 0; p < paths; ++p)
      printf "http://h%d.dead-%d.example:9/section-%d/page-%d.html\n", h, h % 997, p % 10, p
}' >"$work/dead.txt"
cat "$work/web.txt" "$work/dead.txt" >"$work/seeds.txt"
seeds=$(wc -l <"$work/seeds.txt")

start=$(date +%s.%N)
"$BUILD/tools/inlinksd" crawl --db "$work/db" --seeds "$work/seeds.txt" --once \
  --delay-ms 0 --per-ip 0 --resolve '*:127.0.0.1' --allow-net 127.0.0.0/8 \
  --progress no --recrawl-interval 0 >"$work/crawl.log" 2>&1 &
pid=$!
peak=0 loaded_rss=
while kill -0 "$pid" 2>/dev/null; do
  if status=$(cat /proc/$pid/status 2>/dev/null); then
    rss=$(awk '/^VmRSS/ {print $2}' <<<"$status")
    hwm=$(awk '/^VmHWM/ {print $2}' <<<"$status")
    [[ -n $hwm && $hwm -gt $peak ]] && peak=$hwm
    echo "$(date +%s.%N) ${rss:-0}" >>"$work/rss.txt"
    if [[ -z $loaded_rss ]] && grep -q "frontier loaded" "$work/crawl.log" 2>/dev/null; then
      loaded_rss=$rss
    fi
  fi
  sleep 0.5
done
wait "$pid" && rc=0 || rc=$?
end=$(date +%s.%N)
echo "seeds:            $seeds URLs"
echo "exit code:        $rc"
echo "wall time:        $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.0f s", b - a}')"
echo "RSS after load:   $(( ${loaded_rss:-0} / 1024 )) MB"
echo "peak RSS (VmHWM): $(( peak / 1024 )) MB"
echo "RSS over time (MB, every 10th sample of 0.5 s):"
awk -v t0="$start" 'NR % 10 == 1 {printf " %.0fs:%d", $1 - t0, $2 / 1024} END {print ""}' "$work/rss.txt"
echo "--- last lines of the daemon's log"
tail -n 5 "$work/crawl.log"
