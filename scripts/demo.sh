#!/usr/bin/env bash
# The main job, on a machine without internet access: start the synthetic web
# (bench/web, many virtual hosts on one loopback port), crawl it with
# `inlinksd crawl` into an embedded RocksDB, serve the HTTP API with
# `inlinksd serve`, and show three example calls (domain dialect, URL dialect
# with a token, native) with their real output and the API key it created.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build
work=build/demo
rm -rf "$work"
mkdir -p "$work"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Waits until FILE has a line matching PATTERN; prints that line.
wait_for() {
  local file=$1 pattern=$2
  for _ in $(seq 1 200); do
    if grep -q "$pattern" "$file" 2>/dev/null; then grep -m1 "$pattern" "$file"; return 0; fi
    sleep 0.05
  done
  echo "demo: timed out waiting for '$pattern' in $file" >&2
  cat "$file" >&2
  return 1
}

web_flags=(--seed 1 --hosts 40 --domains 12 --pages-per-host 60 --no-hostile)
echo "== the synthetic web: ${web_flags[*]} =="
"$bin/bench/web/inlinks-web" --listen 127.0.0.1:0 "${web_flags[@]}" \
  --seeds-out "$work/seeds.txt" >"$work/web.out" 2>&1 &
pids+=($!)
web=$(wait_for "$work/web.out" listening | awk '{print $2}')
wait_for "$work/seeds.txt" http >/dev/null
echo "serving $(wc -l <"$work/seeds.txt") hosts on $web; seeds in $work/seeds.txt"

echo
echo "== inlinksd crawl (every host name resolves to 127.0.0.1, which the SSRF guard allows) =="
"$bin/tools/inlinksd" crawl --db "$work/data" --seeds "$work/seeds.txt" --once \
  --delay-ms 0 --per-ip 0 --resolve '*:127.0.0.1' --allow-net 127.0.0.0/8 --progress no \
  --log-level warning

echo
echo "== inlinks rank: page strength (sr), and the result order strongest source first =="
"$bin/tools/inlinks" rank --db "$work/data"

echo
echo "== inlinks check: every counter, pagination bucket and strength-order entry against the records =="
"$bin/tools/inlinks" check --db "$work/data"

echo
echo "== inlinksd serve =="
"$bin/tools/inlinksd" serve --db "$work/data" --listen 127.0.0.1:0 >"$work/api.out" 2>&1 &
pids+=($!)
line=$(wait_for "$work/api.out" "API key")
echo "$line"
api=$(sed -E 's#.*http://([^/]+)/.*#\1#' <<<"$line")
key=$(head -n1 "$(sed -E 's#.*API key in ([^)]+)\).*#\1#' <<<"$line")")
key_id=${key%%.*}
key_secret=${key#*.}

target=d0.test
show() {  # title, then the command, then its output (JSON pretty-printed)
  echo
  echo "-- $1"
  echo "\$ $2"
  local out
  out=$(eval "$2")
  # (Through a file: json.tool exits 32 when `head` closes the pipe early.)
  if [[ $out == \{* ]]; then
    python3 -m json.tool --no-ensure-ascii <<<"$out" >"$work/pretty.json"
    head -40 "$work/pretty.json"
  else head -c 1500 <<<"$out"; echo; fi
}

echo
echo "== three example calls (key $key) =="
show "domain dialect (XOVI-compatible getBacklinks): 3 backlinks of $target" \
  "curl -s 'http://$api/api/links/getBacklinks/$key/$target/json/3/0'"
token=$(curl -s -u "$key_id:$key_secret" -d grant_type=client_credentials "http://$api/v3/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
show "URL dialect (Searchmetrics-compatible): a token, then 10 backlinks of www.$target" \
  "curl -s 'http://$api/v3/ResearchLinksGetListBacklinks.json?url=www.$target&limit=10&access_token=$token'"
show "native dialect: every stored field, the exact total and a cursor" \
  "curl -s 'http://$api/v1/backlinks?target=$target&limit=2&key=$key'"
show "the same scope from the command line (no server needed)" \
  "$bin/tools/inlinks backlinks $target --db $work/data --limit 5"

echo
echo "== stopping (SIGTERM: in-flight requests finish, exit 0) =="
kill -TERM "${pids[1]}"
wait "${pids[1]}"
echo "inlinksd serve exited $?"
echo
echo "The real-world form: inlinksd crawl --seeds seeds.txt --db data --serve 127.0.0.1:8080"
