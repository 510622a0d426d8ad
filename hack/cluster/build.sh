#!/usr/bin/env bash
# build.sh builds the pinned Kubernetes control-plane binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler), etcd and kwok from the Go module proxy into a cache outside the repository, keyed by
# version, and reuses them when present. It prints the directory that holds the binaries on stdout;
# progress goes to stderr.
#
#   hack/cluster/build.sh [component...]    # default: all of them
#
# Components: kube-apiserver kube-controller-manager kube-scheduler etcd kwok (with kwok-stages.yaml, the
# node and pod lifecycle stages kwokctl uses by default).
# Environment: FLEET_KUBE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/fleet-kube).
#
# k8s.io/kubernetes is not meant to be required as a module: its go.mod requires its 33 staging modules at
# v0.0.0 and replaces them with ./staging/src/... paths, which a dependent module ignores. The wrapper module
# generated here replaces each staging module with the published module at the matching v0.x version.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
STAGING_VERSION=v0.${KUBE_VERSION#v1.}

CACHE=${FLEET_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleet-kube}
ROOT=$CACHE/$KUBE_VERSION
BIN=$ROOT/bin
mkdir -p "$BIN" "$ROOT/src" "$ROOT/logs"

STAGING=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
	cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
	cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
	kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission
	sample-apiserver sample-cli-plugin sample-controller streaming)

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

log() { echo "fleet-kube: $*" >&2; }

# wrapper DIR MODULE@VERSION [replace...] writes a throw-away module in DIR that requires MODULE.
wrapper() {
	local dir=$1 req=$2
	shift 2
	[[ -f $dir/go.mod ]] && return 0
	mkdir -p "$dir"
	(
		cd "$dir"
		go mod init fleet-kube-build >/dev/null 2>&1
		go mod edit -require="$req"
		for r in "$@"; do go mod edit -replace="$r"; done
	)
}

kube_wrapper() {
	local reps=()
	for m in "${STAGING[@]}"; do reps+=("k8s.io/$m=k8s.io/$m@$STAGING_VERSION"); done
	wrapper "$ROOT/src/kubernetes" "k8s.io/kubernetes@$KUBE_VERSION" "${reps[@]}"
}

kube_ldflags() {
	local date=2026-01-01T00:00:00Z minor=${KUBE_VERSION#v1.}
	minor=${minor%%.*}
	local f=""
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		f+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		f+=" -X $p.gitTreeState=clean -X $p.buildDate=$date -X $p.gitCommit=release-$KUBE_VERSION"
	done
	echo "-s -w$f"
}

# gobuild NAME VERSION ESTIMATE DIR PKG LDFLAGS builds one binary with a heartbeat on stderr.
gobuild() {
	local name=$1 version=$2 estimate=$3 dir=$4 pkg=$5 ldflags=$6
	local out=$BIN/$name logf=$ROOT/logs/$name.log start=$SECONDS
	log "building $name $version (first time, $estimate)…"
	(cd "$dir" && go build -mod=mod -v -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg") >"$logf" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
		kill -0 "$pid" 2>/dev/null || break
		log "  $name: $((SECONDS - start))s, $(wc -l <"$logf") packages compiled"
	done
	if ! wait "$pid"; then
		tail -n 30 "$logf" >&2
		log "building $name failed; full log: $logf"
		return 1
	fi
	mv "$out.tmp" "$out"
	log "built $name $version in $((SECONDS - start))s"
}

# kwok_stages writes BIN/kwok-stages.yaml: the node and pod lifecycle stages kwokctl uses by default
# (node-initialize, node-heartbeat-with-lease, pod-ready, pod-complete, pod-delete), from kwok's module.
kwok_stages() {
	local src
	src=$(cd "$ROOT/src/kwok" && go list -mod=mod -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
	local out=$BIN/kwok-stages.yaml first=1
	: >"$out.tmp"
	for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
		pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
		[[ $first == 1 ]] || echo "---" >>"$out.tmp"
		first=0
		cat "$src/$f" >>"$out.tmp"
	done
	mv "$out.tmp" "$out"
}

build_one() {
	local name=$1
	if [[ $name == kwok && -x $BIN/kwok && ! -f $BIN/kwok-stages.yaml ]]; then kwok_stages; fi
	[[ -x $BIN/$name ]] && return 0
	case $name in
	kube-apiserver) kube_wrapper
		gobuild "$name" "$KUBE_VERSION" "~10 min" "$ROOT/src/kubernetes" k8s.io/kubernetes/cmd/kube-apiserver "$(kube_ldflags)" ;;
	kube-controller-manager) kube_wrapper
		gobuild "$name" "$KUBE_VERSION" "~3 min" "$ROOT/src/kubernetes" k8s.io/kubernetes/cmd/kube-controller-manager "$(kube_ldflags)" ;;
	kube-scheduler) kube_wrapper
		gobuild "$name" "$KUBE_VERSION" "~1 min" "$ROOT/src/kubernetes" k8s.io/kubernetes/cmd/kube-scheduler "$(kube_ldflags)" ;;
	etcd) wrapper "$ROOT/src/etcd" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
		gobuild "$name" "$ETCD_VERSION" "~1 min" "$ROOT/src/etcd" go.etcd.io/etcd/server/v3 "-s -w" ;;
	kwok) wrapper "$ROOT/src/kwok" "sigs.k8s.io/kwok@$KWOK_VERSION"
		gobuild "$name" "$KWOK_VERSION" "~2 min" "$ROOT/src/kwok" sigs.k8s.io/kwok/cmd/kwok \
			"-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBE_VERSION"
		kwok_stages ;;
	*) log "unknown component $name"; return 2 ;;
	esac
}

components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

missing=()
for c in "${components[@]}"; do [[ -x $BIN/$c ]] || missing+=("$c"); done
[[ " ${components[*]} " != *" kwok "* || -f $BIN/kwok-stages.yaml ]] || missing+=(kwok)
if [[ ${#missing[@]} -gt 0 ]]; then
	# One builder at a time per cache: concurrent test processes wait here instead of building twice.
	exec 9>"$ROOT/build.lock"
	if ! flock -n 9; then
		log "another process is building into $ROOT; waiting for it…"
		flock 9
	fi
	for c in "${missing[@]}"; do build_one "$c"; done
fi
echo "$BIN"
