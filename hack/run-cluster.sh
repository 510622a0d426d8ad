#!/usr/bin/env bash
# The full local environment (the future `make run`): a local kube-apiserver, etcd and
# kube-controller-manager with fleet-apiserver registered through its APIService, all on 127.0.0.1.
# The first run builds the Kubernetes binaries (~15 min, cached in ${XDG_CACHE_HOME:-~/.cache}/fleet-kube);
# later runs start in seconds. The admin kubeconfig goes to $DATA_DIR/admin.kubeconfig.
# Ctrl-C or SIGTERM stops everything this started.
#
# The cluster (DATA_DIR/cluster) and fleet-apiserver's database (DATA_DIR/fleet) are kept between runs;
# FRESH=1 starts from scratch; KWOK=1 adds kube-scheduler, kwok and a fake node for workloads.
#
#   hack/run-cluster.sh PATH_TO_FLEET_APISERVER     (env: DATA_DIR=.dev, KUBE_PORT=6443, FRESH=, KWOK=)
set -euo pipefail

SERVER=${1:?usage: hack/run-cluster.sh PATH_TO_FLEET_APISERVER}
DATA_DIR=${DATA_DIR:-.dev}
KUBE_PORT=${KUBE_PORT:-6443}
mkdir -p "$DATA_DIR"
SERVER=$(realpath "$SERVER")
DATA_DIR=$(realpath "$DATA_DIR")
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -o "$DATA_DIR/fleet-local" ./hack/cluster
args=(-dir "$DATA_DIR" -port "$KUBE_PORT" -fleet-apiserver "$SERVER")
[[ -z ${FRESH:-} ]] || args+=(-fresh)
[[ -z ${KWOK:-} ]] || args+=(-kwok)
exec "$DATA_DIR/fleet-local" "${args[@]}"
