#!/usr/bin/env bash
# Fails when a module includes a header of a module it may not depend on
# (docs/design.md's module table), or a third-party header outside the module that
# owns it (RocksDB only in storage/src, gumbo only in crawler/src,
# libmaxminddb only in query/src, no Beast or Asio in any public header). Usage: module_deps_test.sh SOURCE_DIR
set -uo pipefail
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2

declare -A allowed=(
  [core]="core"
  [storage]="core storage"
  [crawler]="core storage crawler"
  [indexer]="core storage indexer"
  [query]="core storage query"
)
failures=0
checked=0
for module in "${!allowed[@]}"; do
  [[ -d $module ]] || continue
  while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    while IFS= read -r inc; do
      dep=${inc#*inlinks/}
      dep=${dep%%/*}
      if [[ " ${allowed[$module]} " != *" $dep "* ]]; then
        echo "FORBIDDEN: $file includes inlinks/$dep/ ($module may use: ${allowed[$module]})"
        failures=$((failures + 1))
      fi
    done < <(grep -oE '#include[[:space:]]+[<"]inlinks/[a-z_]+/' "$file" | sed 's/.*[<"]//')
  done < <(find "$module" \( -name '*.h' -o -name '*.cc' \) -print0)
done

# Third-party headers belong to one module's private sources.
check_private() {  # pattern owner_dir description
  local hits
  hits=$(grep -rlE "#include[[:space:]]+<$1" --include='*.h' --include='*.cc' \
         core storage crawler indexer query 2>/dev/null | grep -v "^$2/" || true)
  if [[ -n $hits ]]; then
    echo "FORBIDDEN: $3 included outside $2/: $hits"
    failures=$((failures + 1))
  fi
}
check_private 'rocksdb/' storage/src "RocksDB"
check_private 'gumbo' crawler/src "gumbo"
check_private 'maxminddb' query/src "libmaxminddb"
hits=$(grep -rlE '#include[[:space:]]+<boost/(beast|asio)' */include 2>/dev/null || true)
if [[ -n $hits ]]; then
  echo "FORBIDDEN: Beast/Asio in a public header: $hits"
  failures=$((failures + 1))
fi

echo "module_deps: checked $checked files, $failures violations"
exit $((failures > 0))
