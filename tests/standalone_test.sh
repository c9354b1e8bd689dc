#!/usr/bin/env bash
# Fails when the repository leans on something outside it (issue 21): a
# tracked file pointing at the workspace folder beside the clone (which a clone does not
# have), or third-party test data read from outside the source tree.
# Usage: standalone_test.sh SOURCE_DIR TESTDATA_DIR
set -uo pipefail
root=$(cd "${1:?source dir}" && pwd -P)
data=${2:?test data dir}
status=0
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  refs=$(git -C "$root" grep -n -I -e '\.\./shared' -- . ':!tests/standalone_test.sh')
else
  refs=$(grep -rn -I --exclude-dir='build*' --exclude=standalone_test.sh -e '\.\./shared' "$root")
fi
if [[ -n "$refs" ]]; then
  echo "files pointing outside the repository (the shared workspace folder):"
  echo "$refs"
  status=1
fi
data_real=$(cd "$data" 2>/dev/null && pwd -P) || { echo "test data dir $data missing"; exit 1; }
case "$data_real/" in
  "$root"/*) ;;
  *) echo "INLINKS_TESTDATA_DIR=$data is outside the source tree $root"; status=1 ;;
esac
[[ -f "$data_real/README.md" ]] || { echo "$data_real has no README.md (origins, licences)"; status=1; }
[[ $status -eq 0 ]] && echo "the repository stands alone"
exit $status
