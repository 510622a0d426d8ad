package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/fleetapi/fleet/pkg/apis/fleet/v1alpha1"
	fleetv1 "github.com/fleetapi/fleet/pkg/generated/clientset/versioned/typed/fleet/v1alpha1"
	"github.com/fleetapi/fleet/pkg/manifest"
)

const (
	scaleClusters = 1000
	scaleWS       = "scale"
	scaleGroup    = "east"
)

var envs = []string{"dev", "test", "prod"}

// scaleBundle is one Bundle of the scale fixture: it targets every cluster (by the label they
// all share), one env, the clusters of the ClusterGroup, or every cluster with a customization
// per env (a defaultNamespace and Helm values of its own, so one deploymentID per env).
type scaleBundle struct {
	name    string
	env     string
	grouped bool
	custom  bool
}

// scaleModel is what the test made of the fixture, and so which pairs the server should serve.
type scaleModel struct {
	clusters []map[string]string // labels, by cluster index
	group    map[string]string   // the ClusterGroup's matchLabels
	bundles  []scaleBundle
}

// newScaleModel is 1,000 Clusters (env dev, test, prod in turn; region east, west in turn; all
// labelled fleet=yes) and 20 Bundles: 5 for all, 5 for dev, 4 each for test and prod, one with
// per-env customizations, one for the ClusterGroup (east and dev at first).
func newScaleModel() *scaleModel {
	m := &scaleModel{group: map[string]string{"region": "east", "env": "dev"}}
	for i := range scaleClusters {
		m.clusters = append(m.clusters, map[string]string{"fleet": "yes", "env": envs[i%3], "region": []string{"east", "west"}[i%2]})
	}
	for i := range 5 {
		m.bundles = append(m.bundles, scaleBundle{name: fmt.Sprintf("all-%d", i)}, scaleBundle{name: fmt.Sprintf("dev-%d", i), env: "dev"})
	}
	for i := range 4 {
		m.bundles = append(m.bundles, scaleBundle{name: fmt.Sprintf("test-%d", i), env: "test"}, scaleBundle{name: fmt.Sprintf("prod-%d", i), env: "prod"})
	}
	m.bundles = append(m.bundles, scaleBundle{name: "custom", custom: true}, scaleBundle{name: "grouped", grouped: true})
	return m
}

func clusterName(i int) string { return fmt.Sprintf("c%04d", i) }

// ns is the cluster namespace of cluster i: where its BundleDeployments are.
func (m *scaleModel) ns(i int) string { return manifest.ClusterNamespace(scaleWS, clusterName(i)) }

// targets tells whether bundle b targets cluster i.
func (m *scaleModel) targets(b scaleBundle, i int) bool {
	switch l := labels.Set(m.clusters[i]); {
	case b.grouped:
		return labels.SelectorFromSet(m.group).Matches(l)
	case b.env != "":
		return l["env"] == b.env
	}
	return true
}

// want returns, per Bundle, the cluster namespaces it should have a BundleDeployment in.
func (m *scaleModel) want() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, b := range m.bundles {
		out[b.name] = map[string]bool{}
		for i := range m.clusters {
			if m.targets(b, i) {
				out[b.name][m.ns(i)] = true
			}
		}
	}
	return out
}

// bundlesOf is how many Bundles target cluster i.
func (m *scaleModel) bundlesOf(i int) int {
	n := 0
	for _, b := range m.bundles {
		if m.targets(b, i) {
			n++
		}
	}
	return n
}

func (m *scaleModel) total() int {
	n := 0
	for _, set := range m.want() {
		n += len(set)
	}
	return n
}

func (b scaleBundle) object() *v1alpha1.Bundle {
	maxNew := scaleClusters // one reconcile creates them all (Fleet's default is 50 a time)
	spec := v1alpha1.BundleSpec{
		Resources:       []v1alpha1.BundleResource{{Name: "cm.yaml", Content: "kind: ConfigMap\nmetadata: {name: " + b.name + "}"}},
		RolloutStrategy: &v1alpha1.RolloutStrategy{MaxNew: &maxNew},
	}
	switch {
	case b.grouped:
		spec.Targets = []v1alpha1.BundleTarget{{ClusterGroup: scaleGroup}}
	case b.custom:
		for _, env := range envs {
			spec.Targets = append(spec.Targets, v1alpha1.BundleTarget{Name: env, ClusterSelector: envSelector(env),
				BundleDeploymentOptions: v1alpha1.BundleDeploymentOptions{DefaultNamespace: "app-" + env,
					Helm: &v1alpha1.HelmOptions{Values: &v1alpha1.GenericMap{Data: map[string]any{"env": env}}}}})
		}
	case b.env != "":
		spec.Targets = []v1alpha1.BundleTarget{{ClusterSelector: envSelector(b.env)}}
	default:
		spec.Targets = []v1alpha1.BundleTarget{{ClusterSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"fleet": "yes"}}}}
	}
	return &v1alpha1.Bundle{ObjectMeta: metav1.ObjectMeta{Name: b.name, Namespace: scaleWS, Labels: map[string]string{"app": "scale"}}, Spec: spec}
}

func envSelector(env string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"env": env}}
}

// create creates the Clusters (a pool of writers), then the ClusterGroup and the Bundles.
func (m *scaleModel) create(ctx context.Context, t *testing.T, fleet fleetv1.FleetV1alpha1Interface) {
	t.Helper()
	if err := parallel(len(m.clusters), agentWorkers, func(i int) error {
		c := &v1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: clusterName(i), Namespace: scaleWS, Labels: m.clusters[i]}}
		_, err := fleet.Clusters(scaleWS).Create(ctx, c, metav1.CreateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	g := &v1alpha1.ClusterGroup{ObjectMeta: metav1.ObjectMeta{Name: scaleGroup, Namespace: scaleWS},
		Spec: v1alpha1.ClusterGroupSpec{Selector: &metav1.LabelSelector{MatchLabels: m.group}}}
	if _, err := fleet.ClusterGroups(scaleWS).Create(ctx, g, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := parallel(len(m.bundles), 4, func(i int) error {
		_, err := fleet.Bundles(scaleWS).Create(ctx, m.bundles[i].object(), metav1.CreateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// checkPairs compares the BundleDeployments listed with the model: one per targeted pair and no
// other, with the labels the server sets, and the options of the cluster's customization class.
func (m *scaleModel) checkPairs(t *testing.T, bds []v1alpha1.BundleDeployment) {
	t.Helper()
	want := m.want()
	index := map[string]int{}
	for i := range m.clusters {
		index[m.ns(i)] = i
	}
	seen := map[string]bool{}
	for i := range bds {
		bd := &bds[i]
		key := bd.Namespace + "/" + bd.Name
		if seen[key] {
			t.Fatalf("%s listed twice", key)
		}
		seen[key] = true
		if !want[bd.Name][bd.Namespace] {
			t.Fatalf("%s is served but its Bundle does not target the cluster", key)
		}
		c := index[bd.Namespace]
		content, _, _ := strings.Cut(bd.Spec.StagedDeploymentID, ":")
		for k, v := range map[string]string{v1alpha1.BundleLabel: bd.Name, v1alpha1.BundleNamespaceLabel: scaleWS,
			v1alpha1.ClusterLabel: clusterName(c), v1alpha1.ClusterNamespaceLabel: scaleWS, v1alpha1.ManagedLabel: "true",
			v1alpha1.ContentNameLabel: content, "app": "scale"} {
			if bd.Labels[k] != v {
				t.Fatalf("%s: label %s=%q, want %q (labels %v)", key, k, bd.Labels[k], v, bd.Labels)
			}
		}
		if bd.Name == "custom" {
			env := m.clusters[c]["env"]
			if bd.Spec.StagedOptions.DefaultNamespace != "app-"+env || bd.Spec.StagedOptions.Helm == nil ||
				bd.Spec.StagedOptions.Helm.Values.Data["env"] != env {
				t.Fatalf("%s of an env=%s cluster has the options %+v", key, env, bd.Spec.StagedOptions)
			}
		}
	}
	if got, total := len(bds), m.total(); got != total {
		t.Fatalf("%d BundleDeployments served, want %d", got, total)
	}
}

// classes returns the deploymentIDs of the custom Bundle's BundleDeployments by the env of their
// cluster: one per customization class, different from class to class.
func (m *scaleModel) classes(t *testing.T, bds []v1alpha1.BundleDeployment) map[string]string {
	t.Helper()
	envOf := map[string]string{}
	for i := range m.clusters {
		envOf[m.ns(i)] = m.clusters[i]["env"]
	}
	ids := map[string]map[string]bool{}
	for _, bd := range bds {
		if bd.Name == "custom" {
			env := envOf[bd.Namespace]
			if ids[env] == nil {
				ids[env] = map[string]bool{}
			}
			ids[env][bd.Spec.DeploymentID] = true
		}
	}
	out := map[string]string{}
	distinct := map[string]bool{}
	for env, set := range ids {
		if len(set) != 1 {
			t.Fatalf("the env=%s clusters have %d deploymentIDs of the custom Bundle, want 1: %v", env, len(set), set)
		}
		for id := range set {
			out[env], distinct[id] = id, true
		}
	}
	if len(out) != len(envs) || len(distinct) != len(envs) {
		t.Fatalf("customization classes %v: want one distinct deploymentID for each of %v", out, envs)
	}
	return out
}

// sortedKeys returns a set's members in order, for messages.
func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
