package render_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/bundlereader"
	"github.com/fleetapi/fleet/pkg/render"
	"github.com/fleetapi/fleet/pkg/target"
)

// fleetBundle reads the multi-cluster Helm fixture (3 customizations by env label).
func fleetBundle(tb testing.TB) *v1alpha1.Bundle {
	tb.Helper()
	dir, err := filepath.Abs("../../test/fixtures/repo/multi-cluster/helm")
	if err != nil {
		tb.Fatal(err)
	}
	res, err := bundlereader.Read(context.Background(), bundlereader.Options{Name: "bench", Paths: []string{dir}, BaseDir: dir, Namespace: "fleet-default"})
	if err != nil {
		tb.Fatal(err)
	}
	return res[0].Bundle
}

func clusters(n int) []*v1alpha1.Cluster {
	envs := []string{"dev", "test", "prod"}
	out := make([]*v1alpha1.Cluster, n)
	for i := range out {
		out[i] = &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("c%05d", i), Namespace: "fleet-default",
			Labels: map[string]string{"env": envs[i%3]}}}
	}
	return out
}

// renderFleet targets and renders the bundle for every cluster through one cache.
func renderFleet(tb testing.TB, b *v1alpha1.Bundle, cs []*v1alpha1.Cluster) *render.Cache {
	tb.Helper()
	cb, err := target.NewBundle(b)
	if err != nil {
		tb.Fatal(err)
	}
	cache := render.NewCache(render.Config{})
	for _, c := range cs {
		t, err := cb.Match(c, nil)
		if err != nil || t == nil {
			tb.Fatalf("cluster %s: target %v, err %v", c.Name, t, err)
		}
		objs, err := cache.Render(context.Background(), t.DeploymentID, render.Input{Name: b.Name, Resources: b.Spec.Resources, Options: t.Options})
		if err != nil || len(objs) == 0 {
			tb.Fatalf("cluster %s: %d objects, err %v", c.Name, len(objs), err)
		}
	}
	return cache
}

func TestRenderOncePerClass(t *testing.T) {
	cache := renderFleet(t, fleetBundle(t), clusters(3000))
	if got := cache.Renders(); got != 3 {
		t.Errorf("rendered %d times for 3 customization classes", got)
	}
}

// BenchmarkRenderFleet renders one bundle for 10,000 clusters in 3 customization classes.
func BenchmarkRenderFleet(b *testing.B) {
	bundle := fleetBundle(b)
	cs := clusters(10_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cache := renderFleet(b, bundle, cs)
		b.ReportMetric(float64(cache.Renders()), "renders/op")
	}
}

// BenchmarkRenderOne renders the bundle once, without the cache, for comparison.
func BenchmarkRenderOne(b *testing.B) {
	bundle := fleetBundle(b)
	cb, err := target.NewBundle(bundle)
	if err != nil {
		b.Fatal(err)
	}
	t, err := cb.Match(clusters(1)[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := render.Render(context.Background(), render.Input{Name: bundle.Name, Resources: bundle.Spec.Resources, Options: t.Options}, render.Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
