#!/usr/bin/env bash
# Regenerates everything generated: deepcopy and defaulters beside the types, OpenAPI definitions, and the
# clientset, listers, informers and typed apply configurations under pkg/generated.
#   OUTPUT_ROOT=dir hack/update-codegen.sh   writes into a copy of the tree (used by verify-codegen.sh).
set -o errexit -o nounset -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUTPUT_ROOT:-$ROOT}
cd "$OUT"

MODULE=$(go list -m)
CODEGEN_VERSION=$(go list -m -f '{{.Version}}' k8s.io/code-generator)
CODEGEN_PKG=$(go list -m -f '{{.Dir}}' k8s.io/code-generator)
if [ -z "$CODEGEN_PKG" ]; then
  go mod download k8s.io/code-generator
  CODEGEN_PKG=$(go list -m -f '{{.Dir}}' k8s.io/code-generator)
fi
echo "code-generator ${CODEGEN_VERSION} from ${CODEGEN_PKG}"
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

BOILERPLATE="$OUT/hack/boilerplate.go.txt"

kube::codegen::gen_helpers --boilerplate "$BOILERPLATE" "$OUT/pkg/apis"

update_report=()
if [ "${UPDATE_API_KNOWN_VIOLATIONS:-true}" = "true" ]; then update_report=(--update-report); fi
kube::codegen::gen_openapi \
  --extra-pkgs k8s.io/api/core/v1 \
  --extra-pkgs k8s.io/apimachinery/pkg/util/intstr \
  --output-dir "$OUT/pkg/generated/openapi" \
  --output-pkg "${MODULE}/pkg/generated/openapi" \
  --report-filename "$OUT/hack/api-violations.list" \
  --output-model-name-file zz_generated.model_name.go \
  "${update_report[@]}" \
  --boilerplate "$BOILERPLATE" \
  "$OUT/pkg/apis"

schema=$(mktemp)
trap 'rm -f "$schema"' EXIT
go run "${MODULE}/pkg/generated/openapi/cmd/models-schema" >"$schema"

kube::codegen::gen_client \
  --with-watch \
  --with-applyconfig \
  --applyconfig-openapi-schema "$schema" \
  --output-dir "$OUT/pkg/generated" \
  --output-pkg "${MODULE}/pkg/generated" \
  --boilerplate "$BOILERPLATE" \
  "$OUT/pkg/apis"
