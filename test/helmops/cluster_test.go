package helmops

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/cluster"
	"github.com/fleetapi/fleet/test/framework"
)

// helmSecretName needs Secrets, which standalone mode does not have: those tests run behind a real
// kube-apiserver. The cluster and its fleet-apiserver (delegated mode, controllers on) start the
// first time a test asks for them and are shared by the package; TestMain stops them. (Copied from
// test/gitops/cluster_test.go: test packages do not import each other.)
var shared struct {
	once  sync.Once
	err   error
	dir   string
	kube  *cluster.Cluster
	fleet *cluster.Fleet
}

// startCluster starts the shared cluster and fleet-apiserver once.
func startCluster() error {
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "fleet-helmops-cluster-")
		if shared.err != nil {
			return
		}
		// The Kubernetes binaries are built the first time (~12 min), then reused from the cache.
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
		defer cancel()
		shared.kube, shared.err = cluster.Start(ctx, cluster.Options{Dir: shared.dir, Progress: os.Stderr})
		if shared.err != nil {
			return
		}
		var bin string
		if bin, shared.err = framework.Binary("fleet-apiserver"); shared.err != nil {
			return
		}
		shared.fleet, shared.err = shared.kube.InstallFleet(ctx, cluster.FleetOptions{Binary: bin, Args: []string{"--controllers=true"}})
	})
	return shared.err
}

// stopCluster stops the shared cluster if it was started.
func stopCluster() {
	if shared.kube != nil {
		_ = shared.kube.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
}

// newClusterEnv returns an environment behind the shared kube-apiserver, in a fresh namespace: the
// fleet.cattle.io client goes through the aggregator, e.kube reaches the core API (Secrets).
func newClusterEnv(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a local kube-apiserver; skipped in -short mode")
	}
	if err := startCluster(); err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	cfg, err := shared.kube.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := strings.ToLower(fmt.Sprintf("t-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano()%100000))
	if len(ns) > 63 {
		ns = strings.TrimLeft(ns[len(ns)-63:], "-")
	}
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	t.Cleanup(func() { _ = kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	return &env{t: t, cs: cs, ns: ns, kube: kube, logs: func() string {
		return cluster.LogTail(shared.kube, "fleet-apiserver", 40)
	}}
}

// createSecret creates a Secret in the environment's namespace (behind kube-apiserver only).
func (e *env) createSecret(name string, typ corev1.SecretType, data map[string][]byte) {
	e.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Type: typ, Data: data}
	if _, err := e.kube.CoreV1().Secrets(e.ns).Create(e.ctx(), s, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create secret %s: %v", name, err)
	}
}
