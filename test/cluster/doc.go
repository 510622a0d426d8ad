// Package cluster runs a local Kubernetes control plane for tests and for `make run`: etcd,
// kube-apiserver (with API aggregation and a front-proxy CA) and kube-controller-manager, built from the
// Go module proxy by hack/cluster/build.sh and cached outside the repository. Every server listens on
// 127.0.0.1 and every file (certificates, kubeconfigs, data, logs) lives in one directory.
//
// On top of the cluster, Fleet installs the manifests of artifacts/ and runs fleet-apiserver as a local
// process in delegated mode, registered through the APIService: kube-apiserver authenticates the user,
// authorizes with RBAC and proxies with front-proxy headers; fleet-apiserver authenticates the proxy with
// the request-header CA it reads from kube-system/extension-apiserver-authentication and authorizes again
// with SubjectAccessReview. fleet-apiserver runs with the token of its ServiceAccount, so the RBAC of
// artifacts/ is what it gets, nothing more. See docs/local-cluster.md.
//
// Processes are started in their own process group and with a parent-death signal: Stop ends exactly
// the processes Start started, and they die with the process that started them if it is killed.
package cluster
