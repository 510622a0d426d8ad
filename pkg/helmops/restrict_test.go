package helmops

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/controller"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
)

// TestPoliciesGateHelmOps: a Policy of the namespace defaults the service account and the Helm
// secret of a HelmOp (they reach the Bundle), and refuses a repository it does not allow: the HelmOp
// is Accepted=False/Restricted, the repository is not contacted and no Bundle is written.
func TestPoliciesGateHelmOps(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	secrets := secretMap{"ns/charts": {Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{"username": []byte("u"), "password": []byte(password)}}}
	withPolicies := func(f *fixture, ps ...*v1alpha1.Policy) {
		idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, p := range ps {
			p.Namespace = "ns"
			if err := idx.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		f.r.policies = listers.NewPolicyLister(idx)
	}

	t.Run("defaults reach the Bundle", func(t *testing.T) {
		f := newFixture(t, secrets, newHelmOp("op", repo.URL, ""))
		withPolicies(f, &v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Name: "p"}, AllowedServiceAccounts: []string{"deployer"},
			HelmOp: &v1alpha1.HelmOpPolicySpec{DefaultServiceAccount: "deployer", DefaultHelmSecretName: "charts", AllowedHelmRepoPatterns: []string{`http://127\.0\.0\.1:\d+`}}})
		if _, err := f.reconcile("op"); err != nil {
			t.Fatal(err)
		}
		b, err := f.client.FleetV1alpha1().Bundles("ns").Get(context.Background(), "op", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if b.Spec.ServiceAccount != "deployer" || b.Spec.HelmOpOptions == nil || b.Spec.HelmOpOptions.SecretName != "charts" {
			t.Fatalf("bundle serviceAccount %q, helmOpOptions %+v; want the Policy's defaults", b.Spec.ServiceAccount, b.Spec.HelmOpOptions)
		}
		// (That the stored spec keeps its empty fields is for the real server's status strategy to
		// ensure; test/helmops checks it. The fake clientset stores what UpdateStatus is given.)
	})

	t.Run("a repository the Policy does not allow", func(t *testing.T) {
		before := repo.IndexRequests()
		reads := &countingSecrets{SecretGetter: secrets}
		f := newFixture(t, reads, newHelmOp("op", repo.URL, "charts"))
		withPolicies(f, &v1alpha1.Policy{ObjectMeta: metav1.ObjectMeta{Name: "only-example"},
			HelmOp: &v1alpha1.HelmOpPolicySpec{AllowedHelmRepoPatterns: []string{`https://charts\.example\.com/.*`}}})
		res, err := f.reconcile("op")
		if rq := controller.RequeueFor(res, err); rq.After != 0 || rq.RateLimited {
			t.Fatalf("requeue %+v; a refused HelmOp waits for a change of itself or of a Policy", rq)
		}
		if err == nil || !strings.Contains(err.Error(), "matches no allowed Helm repo pattern") || !strings.Contains(err.Error(), "Policy only-example") {
			t.Fatalf("reconcile = %v", err)
		}
		op := f.helmOp("op")
		if c := cond(op, v1alpha1.ConditionAccepted); c.Status != corev1.ConditionFalse || c.Reason != ReasonRestricted {
			t.Fatalf("Accepted = %+v", c)
		}
		if c := cond(op, v1alpha1.ConditionReady); c.Status != corev1.ConditionFalse || c.Reason != ReasonRestricted {
			t.Fatalf("Ready = %+v", c)
		}
		if n := repo.IndexRequests() - before; n != 0 || reads.n != 0 {
			t.Fatalf("the repository was read %d times, the Secret %d times; want neither", n, reads.n)
		}
		if list, _ := f.client.FleetV1alpha1().Bundles("ns").List(context.Background(), metav1.ListOptions{}); len(list.Items) != 0 {
			t.Fatalf("%d bundles written", len(list.Items))
		}
	})
}

// countingSecrets counts the Secret reads.
type countingSecrets struct {
	controller.SecretGetter
	n int
}

func (c *countingSecrets) GetSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	c.n++
	return c.SecretGetter.GetSecret(ctx, namespace, name)
}
