package helmops

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader/helmchart/chartserver"
	"github.com/fleetapi/fleet/pkg/conditions"
	"github.com/fleetapi/fleet/pkg/controller"
	"github.com/fleetapi/fleet/pkg/generated/clientset/versioned/fake"
	listers "github.com/fleetapi/fleet/pkg/generated/listers/fleet/v1alpha1"
)

// secretMap is a SecretGetter over a map, the narrow seam for what the core API would hold.
type secretMap map[string]*corev1.Secret

var _ controller.SecretGetter = secretMap(nil)

func (m secretMap) GetSecret(_ context.Context, namespace, name string) (*corev1.Secret, error) {
	if s, ok := m[namespace+"/"+name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

// fixture is a Reconciler over a fake clientset; its listers are refreshed from the clientset
// before every reconcile, so each reconcile sees the previous one's writes.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	r       *Reconciler
	ops     cache.Indexer
	bundles cache.Indexer
}

func newFixture(t *testing.T, secrets controller.SecretGetter, op *v1alpha1.HelmOp) *fixture {
	t.Helper()
	registerMetrics()
	client := fake.NewClientset(op)
	ops := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	bundles := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	// One fake clock for the reconciler and the sources: backoff delays are exact.
	sources, c := newFakeSources(DefaultMaxBackoff)
	r := &Reconciler{
		client: client, lister: listers.NewHelmOpLister(ops), sources: sources, secrets: secrets,
		recorder: controller.LogRecorder{Component: ControllerName},
		writer:   bundleWriter{client: client, lister: listers.NewBundleLister(bundles)}, clock: c,
		resolved: map[types.NamespacedName]int64{},
	}
	return &fixture{t: t, client: client, r: r, ops: ops, bundles: bundles}
}

func (f *fixture) reconcile(name string) (controller.Result, error) {
	f.t.Helper()
	f.refresh()
	return f.r.Reconcile(context.Background(), types.NamespacedName{Namespace: "ns", Name: name})
}

// refresh loads the listers from the clientset.
func (f *fixture) refresh() {
	f.t.Helper()
	ctx := context.Background()
	opList, err := f.client.FleetV1alpha1().HelmOps("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	bList, err := f.client.FleetV1alpha1().Bundles("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var items []any
	for i := range opList.Items {
		items = append(items, &opList.Items[i])
	}
	if err := f.ops.Replace(items, ""); err != nil {
		f.t.Fatal(err)
	}
	items = nil
	for i := range bList.Items {
		items = append(items, &bList.Items[i])
	}
	if err := f.bundles.Replace(items, ""); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) helmOp(name string) *v1alpha1.HelmOp {
	f.t.Helper()
	op, err := f.client.FleetV1alpha1().HelmOps("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return op
}

func newHelmOp(name, repo, secret string) *v1alpha1.HelmOp {
	return &v1alpha1.HelmOp{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: v1alpha1.HelmOpSpec{
			BundleSpec: v1alpha1.BundleSpec{BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{
				Helm: &v1alpha1.HelmOptions{Repo: repo, Chart: "app", Version: "^1"},
			}},
			HelmSecretName: secret, InsecureSkipTLSverify: true, PollingInterval: &metav1.Duration{Duration: time.Minute},
		},
	}
}

func cond(op *v1alpha1.HelmOp, typ string) v1alpha1.GenericCondition {
	if c := conditions.Find(op.Status.Conditions, typ); c != nil {
		return *c
	}
	return v1alpha1.GenericCondition{}
}

const password = "s3cret-pw"

func TestReconcileReadsCredentialsFromTheSecret(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"), chartserver.MinimalChart(t, "app", "1.2.0"))
	repo.RequireBasicAuth("fleet", password)
	basic := func(user, pw string) *corev1.Secret {
		return &corev1.Secret{Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{"username": []byte(user), "password": []byte(pw)}}
	}
	tests := []struct {
		name        string
		secrets     secretMap
		wantVersion string
		wantReason  string
		wantRequeue time.Duration // for Waiting errors: retried at the polling interval
	}{
		{name: "basic auth", secrets: secretMap{"ns/creds": basic("fleet", password)}, wantVersion: "1.2.0"},
		{name: "wrong password", secrets: secretMap{"ns/creds": basic("fleet", "wrong-pw")}, wantReason: ReasonAuthenticationFailed, wantRequeue: time.Minute},
		{name: "missing secret", secrets: secretMap{}, wantReason: ReasonCredentialsUnavailable, wantRequeue: time.Minute},
		{name: "empty secret", secrets: secretMap{"ns/creds": {Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{"token": []byte(password)}}}, wantReason: ReasonCredentialsUnavailable, wantRequeue: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.secrets, newHelmOp("op", repo.URL, "creds"))
			res, err := f.reconcile("op")
			op := f.helmOp("op")
			status, _ := json.Marshal(op.Status)
			if strings.Contains(string(status), "pw") || (err != nil && strings.Contains(err.Error(), "pw")) {
				t.Fatalf("a password leaked: status %s, err %v", status, err)
			}
			if tt.wantReason != "" {
				rq := controller.RequeueFor(res, err)
				if controller.ReasonOf(err) != tt.wantReason || rq.After != tt.wantRequeue || rq.RateLimited {
					t.Fatalf("reconcile = %v (%s), requeue %+v; want %s after %v", err, controller.ReasonOf(err), rq, tt.wantReason, tt.wantRequeue)
				}
				if c := cond(op, v1alpha1.ConditionReady); c.Status != corev1.ConditionFalse || c.Reason != tt.wantReason {
					t.Fatalf("Ready = %+v", c)
				}
				accepted := cond(op, v1alpha1.ConditionAccepted)
				if (tt.wantReason == ReasonCredentialsUnavailable) != (accepted.Status == corev1.ConditionFalse) {
					t.Fatalf("Accepted = %+v with reason %s", accepted, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.client.FleetV1alpha1().Bundles("ns").Get(context.Background(), "op", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := v1alpha1.BundleHelmOptions{SecretName: "creds", InsecureSkipTLSverify: true}
			if b.Spec.Helm.Version != tt.wantVersion || b.Spec.HelmOpOptions == nil || b.Spec.HelmOpOptions.SecretName != want.SecretName ||
				b.Spec.HelmOpOptions.InsecureSkipTLSverify != want.InsecureSkipTLSverify {
				t.Fatalf("bundle version %s, helmOpOptions %+v; want %s, %+v", b.Spec.Helm.Version, b.Spec.HelmOpOptions, tt.wantVersion, want)
			}
			if op.Status.Version != tt.wantVersion || cond(op, v1alpha1.ConditionAccepted).Status != corev1.ConditionTrue {
				t.Fatalf("status = %+v", op.Status)
			}
			if res.RequeueAfter < time.Minute || res.RequeueAfter > time.Minute+6*time.Second {
				t.Fatalf("next poll after %v, want the interval plus up to 10%% jitter", res.RequeueAfter)
			}
		})
	}
}

// TestReconcileDeletion: the finalizer deletes the HelmOp's Bundle, then lets the HelmOp go.
func TestReconcileDeletion(t *testing.T) {
	repo := chartserver.NewRepo(t, chartserver.MinimalChart(t, "app", "1.0.0"))
	f := newFixture(t, controller.NoSecrets{}, newHelmOp("op", repo.URL, ""))
	if _, err := f.reconcile("op"); err != nil {
		t.Fatal(err)
	}
	op := f.helmOp("op")
	now := metav1.Now()
	op.DeletionTimestamp = &now
	if _, err := f.client.FleetV1alpha1().HelmOps("ns").Update(context.Background(), op, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reconcile("op"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.FleetV1alpha1().Bundles("ns").Get(context.Background(), "op", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("bundle after deletion: %v", err)
	}
	if fins := f.helmOp("op").Finalizers; len(fins) != 0 {
		t.Fatalf("finalizers = %v", fins)
	}
}
