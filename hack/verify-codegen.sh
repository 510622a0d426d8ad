#!/usr/bin/env bash
# Fails when generated code is out of step with the types: regenerates into a copy of the module and diffs.
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cd "$ROOT"
tar --exclude=./.git --exclude=./bin --exclude=./.dev -cf - . | tar -C "$TMP" -xf -
OUTPUT_ROOT="$TMP" UPDATE_API_KNOWN_VIOLATIONS=true "$ROOT/hack/update-codegen.sh" >/dev/null

status=0
for path in pkg/apis pkg/generated hack/api-violations.list; do
  if ! diff -Naupr "$ROOT/$path" "$TMP/$path"; then status=1; fi
done
if [ $status -ne 0 ]; then
  echo "generated code is out of date: run hack/update-codegen.sh" >&2
  exit 1
fi
echo "generated code is up to date"
