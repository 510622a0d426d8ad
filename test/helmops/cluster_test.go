package helmops

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clientset "github.com/fleetapi/fleet/pkg/generated/clientset/versioned"
	"github.com/fleetapi/fleet/test/cluster"
	"github.com/fleetapi/fleet/test/framework"
)

// helmSecretName needs Secrets, which standalone mode does not have: those tests run behind a real
// kube-apiserver. The cluster and its fleet-apiserver (delegated mode, controllers on) start the
// first time a test asks for them; TestMain stops them.
var shared = &cluster.Shared{
	Name:      "helmops",
	Binary:    func() (string, error) { return framework.Binary("fleet-apiserver") },
	FleetArgs: []string{"--controllers=true"},
}

// newClusterEnv returns an environment behind the shared kube-apiserver, in a fresh namespace: the
// fleet.cattle.io client goes through the aggregator, e.kube reaches the core API (Secrets).
func newClusterEnv(t *testing.T) *env {
	t.Helper()
	ns, cfg, kube := shared.TestNamespace(t)
	cs, err := clientset.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, cs: cs, ns: ns, kube: kube, logs: func() string { return shared.FleetLogTail(40) }}
}

// createSecret creates a Secret in the environment's namespace (behind kube-apiserver only).
func (e *env) createSecret(name string, typ corev1.SecretType, data map[string][]byte) {
	e.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.ns}, Type: typ, Data: data}
	if _, err := e.kube.CoreV1().Secrets(e.ns).Create(e.ctx(), s, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create secret %s: %v", name, err)
	}
}
