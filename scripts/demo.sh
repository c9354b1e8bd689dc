#!/usr/bin/env bash
# The main job, until the crawler daemon lands (issue: crawler daemon): run
# the link extractor over the demo site and print what it found.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== inlinks extract: demo/site as https://www.demo-shop.example/ =="
./build/tools/inlinks extract --base-url https://www.demo-shop.example/ demo/site
docs=/usr/share/doc/libboost1.81-doc/HTML
if [[ -d $docs ]]; then
  echo "== inlinks extract --summary over the Boost documentation ($docs) =="
  ./build/tools/inlinks extract --summary --base-url https://www.boost.org/doc/libs/1_81_0/ "$docs"
fi
