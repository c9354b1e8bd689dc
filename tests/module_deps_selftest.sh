#!/usr/bin/env bash
# Proves module_deps_test.sh can fail: copies the modules to a temporary tree,
# plants one forbidden include of each kind, and expects each to be caught.
set -uo pipefail
src=${1:?source dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect_failure() {  # description file line
  rm -rf "$tmp/tree" && mkdir -p "$tmp/tree"
  cp -r "$src"/{core,storage,crawler,indexer,query} "$tmp/tree/"
  echo "$3" >> "$tmp/tree/$2"
  if bash "$src/tests/module_deps_test.sh" "$tmp/tree" >/dev/null; then
    echo "NOT CAUGHT: $1"
    return 1
  fi
  echo "caught: $1"
}
ok=0
expect_failure "core including crawler" core/src/keys.cc '#include "inlinks/crawler/extractor.h"' || ok=1
expect_failure "crawler including query" crawler/src/extractor.cc '#include "inlinks/query/api.h"' || ok=1
expect_failure "gumbo outside crawler/src" core/src/log.cc '#include <gumbo.h>' || ok=1
expect_failure "rocksdb outside storage/src" core/include/inlinks/core/keys.h '#include <rocksdb/db.h>' || ok=1
expect_failure "maxminddb in a public header" query/include/inlinks/query/geo.h '#include <maxminddb.h>' || ok=1
expect_failure "beast in a public header" crawler/include/inlinks/crawler/extractor.h '#include <boost/beast/http.hpp>' || ok=1
bash "$src/tests/module_deps_test.sh" "$src" || ok=1
exit $ok
