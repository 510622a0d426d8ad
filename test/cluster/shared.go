package cluster

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
	"k8s.io/client-go/rest"
)

// Shared is a local cluster with fleet-apiserver installed (delegated mode), shared by the tests of
// a package that need what standalone mode lacks (Secrets, Events): it starts the first time a test
// asks for it, and the package's TestMain calls Stop.
type Shared struct {
	// Name prefixes the temporary directory of the cluster.
	Name string
	// Binary returns the fleet-apiserver executable.
	Binary func() (string, error)
	// FleetArgs are further fleet-apiserver flags.
	FleetArgs []string

	once  sync.Once
	err   error
	dir   string
	Kube  *Cluster
	Fleet *Fleet
}

// Start starts the cluster and fleet-apiserver once; later calls return the first outcome.
func (s *Shared) Start() error {
	s.once.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", "fleet-"+s.Name+"-cluster-"); s.err != nil {
			return
		}
		// The Kubernetes binaries are built the first time (~12 min), then reused from the cache.
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
		defer cancel()
		if s.Kube, s.err = Start(ctx, Options{Dir: s.dir, Progress: os.Stderr}); s.err != nil {
			return
		}
		var bin string
		if bin, s.err = s.Binary(); s.err != nil {
			return
		}
		s.Fleet, s.err = s.Kube.InstallFleet(ctx, FleetOptions{Binary: bin, Args: s.FleetArgs})
	})
	return s.err
}

// Stop stops the cluster if it was started and removes its directory.
func (s *Shared) Stop() {
	if s.Kube != nil {
		_ = s.Kube.Stop()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// TestNamespace starts the cluster if needed (skipping in -short mode), creates a namespace for t,
// deleted at cleanup, and returns it with the admin configuration and a core client.
func (s *Shared) TestNamespace(t *testing.T) (string, *rest.Config, kubernetes.Interface) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a local kube-apiserver; skipped in -short mode")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	cfg, err := s.Kube.RESTConfig()
	if err != nil {
		t.Fatal(err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := strings.ToLower(fmt.Sprintf("t-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano()%100000))
	if len(ns) > 63 {
		ns = strings.TrimLeft(ns[len(ns)-63:], "-")
	}
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	t.Cleanup(func() { _ = kube.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	return ns, cfg, kube
}

// FleetLogTail returns the last n lines of fleet-apiserver's log.
func (s *Shared) FleetLogTail(n int) string { return LogTail(s.Kube, "fleet-apiserver", n) }
