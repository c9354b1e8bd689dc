#!/usr/bin/env bash
# The main job, until the crawler daemon lands: extract the links of the demo
# site, then index it through the WARC path into an embedded RocksDB and check
# the index.
set -euo pipefail
cd "$(dirname "$0")/.."
base=https://www.demo-shop.example/
echo "== inlinks extract: demo/site as $base =="
./build/tools/inlinks extract --base-url "$base" demo/site

# Package the demo site as a WARC file, the way a crawler archives responses.
warc=build/demo/site.warc
mkdir -p build/demo
: > "$warc"
while IFS= read -r file; do
  rel=${file#demo/site/}
  body_len=$(wc -c < "$file")
  http_head=$'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: '"$body_len"$'\r\n\r\n'
  block_len=$(( ${#http_head} + body_len ))
  {
    printf 'WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s%s\r\n' "$base" "$rel"
    printf 'WARC-Date: 2026-11-25T12:00:00Z\r\nWARC-IP-Address: 127.0.0.1\r\n'
    printf 'Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n' "$block_len"
    printf '%s' "$http_head"
    cat "$file"
    printf '\r\n\r\n'
  } >> "$warc"
done < <(find demo/site -name '*.html' | sort)

echo "== inlinks import --db build/demo/db $warc =="
rm -rf build/demo/db
./build/tools/inlinks import --db build/demo/db "$warc"
echo "== inlinks check --db build/demo/db =="
./build/tools/inlinks check --db build/demo/db

docs=/usr/share/doc/libboost1.81-doc
if [[ -d $docs ]]; then
  echo "== inlinks extract --summary over the Boost documentation ($docs) =="
  ./build/tools/inlinks extract --summary --base-url https://www.boost.org/doc/libs/1_81_0/ "$docs"
fi
