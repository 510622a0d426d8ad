#!/usr/bin/env bash
# Runs the standalone fleet-apiserver for `make run`: data in $DATA_DIR, HTTPS on 127.0.0.1:$PORT.
# Prints the kubectl commands to try once the server is ready; Ctrl-C or SIGTERM stops it cleanly.
set -euo pipefail

SERVER=${1:?usage: hack/run.sh PATH_TO_FLEET_APISERVER}
DATA_DIR=${DATA_DIR:-.dev}
PORT=${PORT:-8443}
KUBECONFIG_FILE="$DATA_DIR/admin.kubeconfig"

mkdir -p "$DATA_DIR"
rm -f "$KUBECONFIG_FILE"
"$SERVER" --standalone --data-dir "$DATA_DIR" --secure-port "$PORT" &
pid=$!
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; exit 0; }
trap stop INT TERM

ready=false
for _ in $(seq 1 300); do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; exit $?
  fi
  if [ -f "$KUBECONFIG_FILE" ] && kubectl --kubeconfig "$KUBECONFIG_FILE" get --raw /readyz >/dev/null 2>&1; then
    ready=true
    break
  fi
  sleep 0.2
done
if [ "$ready" != true ]; then
  echo "fleet-apiserver did not become ready within 60s" >&2
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  exit 1
fi

cat <<MSG

fleet-apiserver is ready (data in $DATA_DIR). In another shell, try:

  export KUBECONFIG=$(cd "$DATA_DIR" && pwd)/admin.kubeconfig
  kubectl api-resources --api-group=fleet.cattle.io
  kubectl apply -n fleet-local -f docs/examples/gitrepo.yaml
  kubectl get gitrepos -n fleet-local
  kubectl get fleet -A
  kubectl explain gitrepo.spec.targets
  kubectl get gitrepos -A -w

Press Ctrl-C to stop.
MSG
wait "$pid"
